using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>What happened (or, in a dry run, would happen) to one member of an upsert or reconcile.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MemberOutcome>))]
public enum MemberOutcome
{
    /// <summary>A new membership was created.</summary>
    [JsonStringEnumMemberName("added")]
    Added,

    /// <summary>An active membership changed (email, contact or metadata).</summary>
    [JsonStringEnumMemberName("updated")]
    Updated,

    /// <summary>A soft-removed membership became active again.</summary>
    [JsonStringEnumMemberName("reactivated")]
    Reactivated,

    /// <summary>The membership already matched; nothing was written.</summary>
    [JsonStringEnumMemberName("unchanged")]
    Unchanged,

    /// <summary>The membership was soft-removed because its source key was absent from the snapshot.</summary>
    [JsonStringEnumMemberName("removed")]
    Removed,

    /// <summary>The contact is already an active member under another source key; the item was skipped.</summary>
    [JsonStringEnumMemberName("duplicate_contact")]
    DuplicateContact,

    /// <summary>The source key appeared earlier in the same request; the first occurrence won.</summary>
    [JsonStringEnumMemberName("duplicate_source_key")]
    DuplicateSourceKey,

    /// <summary>The item failed validation; see its error.</summary>
    [JsonStringEnumMemberName("invalid")]
    Invalid,
}

/// <summary>Outcome of upserting a list's own fields.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ListUpsertOutcome>))]
public enum ListUpsertOutcome
{
    /// <summary>The list did not exist and was created.</summary>
    [JsonStringEnumMemberName("created")]
    Created,

    /// <summary>The list existed and its fields changed.</summary>
    [JsonStringEnumMemberName("updated")]
    Updated,

    /// <summary>The list already matched; nothing was written.</summary>
    [JsonStringEnumMemberName("unchanged")]
    Unchanged,
}
