using Mailing.Stores;
using Npgsql;
using NpgsqlTypes;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>
/// The values the set-based statements of one run bind, as far as they are known. A step that learns more
/// makes a new record (<c>with</c>), and each statement binds the record it is handed: what a statement
/// binds is visible where it runs. The arrays are known only when they are few (<c>fewRows</c>); then the
/// statements narrow the permanent tables to them (<see cref="MembershipStatements"/>).
/// </summary>
/// <param name="Scope">The client (<c>@client</c>) and audience (<c>@audience</c>).</param>
/// <param name="ListId">The list (<c>@list</c>); none in a dry run for a list that does not exist.</param>
/// <param name="Now">The run's time (<c>@now</c>).</param>
internal sealed record SetBasedParameters(MailingScope Scope, Guid? ListId, DateTimeOffset Now)
{
    /// <summary>The request's distinct source keys (<c>@keys</c>), when the items are few.</summary>
    public string[]? Keys { get; init; }

    /// <summary>The changing items' addresses (<c>@emails</c>), when the changes are few.</summary>
    public string[]? Emails { get; init; }

    /// <summary>The existing contacts with those addresses, when they are few.</summary>
    public KnownContacts? Contacts { get; init; }

    /// <summary>Whether the changes are few, so the statements name their rows instead of joining the work tables.</summary>
    public bool FewChanges => Emails is not null;

    /// <summary>Binds every value known to <paramref name="command"/>.</summary>
    public void Bind(NpgsqlCommand command)
    {
        command.Parameters.Add(new NpgsqlParameter("client", NpgsqlDbType.Text) { Value = Scope.ClientId });
        command.Parameters.Add(new NpgsqlParameter("audience", NpgsqlDbType.Text) { Value = Scope.Audience });
        command.Parameters.Add(new NpgsqlParameter("list", NpgsqlDbType.Uuid) { Value = (object?)ListId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = Now });
        BindArray(command, "keys", NpgsqlDbType.Text, Keys);
        BindArray(command, "emails", NpgsqlDbType.Text, Emails);
        BindArray(command, "contact_emails", NpgsqlDbType.Text, Contacts?.Emails);
        BindArray(command, "contacts", NpgsqlDbType.Uuid, Contacts?.Ids);
    }

    /// <summary>Binds an array, typed so that an empty one still has its element type.</summary>
    public static void BindArray(NpgsqlCommand command, string name, NpgsqlDbType elementType, Array? values)
    {
        if (values is not null)
        {
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | elementType) { Value = values });
        }
    }
}

/// <summary>Existing contacts by address: <c>@contact_emails</c> and <c>@contacts</c>, in the same order.</summary>
/// <param name="Emails">Their normalized addresses.</param>
/// <param name="Ids">Their ids.</param>
internal sealed record KnownContacts(string[] Emails, Guid[] Ids);
