namespace Mailing.AspNetCore.Audiences;

// Wire shapes of the audience endpoints. The request body of POST /audiences/count is Mailing.AudienceSelection.

/// <summary>Answer of <c>POST /audiences/count</c>.</summary>
/// <param name="Count">How many distinct contacts the selection reaches now.</param>
public sealed record AudienceCountResponse(long Count);
