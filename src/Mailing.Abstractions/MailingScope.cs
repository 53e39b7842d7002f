namespace Mailing;

/// <summary>
/// The tenant boundary every operation runs in: a client (tenant id) and an audience that
/// namespaces contacts and lists inside that client.
/// </summary>
/// <param name="ClientId">The client (tenant) id. Never taken from user input over HTTP: it comes from the authenticated principal.</param>
/// <param name="Audience">The audience inside the client; <see cref="DefaultAudience"/> when not given.</param>
public readonly record struct MailingScope(string ClientId, string Audience)
{
    /// <summary>The audience used when a caller does not name one: <c>"default"</c>.</summary>
    public const string DefaultAudience = "default";

    /// <summary>Creates a scope in the <see cref="DefaultAudience"/> of <paramref name="clientId"/>.</summary>
    public static MailingScope ForClient(string clientId) => new(clientId, DefaultAudience);

    /// <inheritdoc />
    public override string ToString() => $"{ClientId}/{Audience}";
}
