using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>How a message reaches its recipient.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MessageChannel>))]
public enum MessageChannel
{
    /// <summary>An email to the contact's email address.</summary>
    [JsonStringEnumMemberName("email")]
    Email,

    /// <summary>A text message to the contact's phone number.</summary>
    [JsonStringEnumMemberName("sms")]
    Sms,

    /// <summary>A request to a provider's HTTP endpoint on the contact's behalf.</summary>
    [JsonStringEnumMemberName("webhook")]
    Webhook,
}

/// <summary>
/// What kind of mail a message is. Suppressions and throttling treat streams differently: an unsubscribe
/// stops operational and bulk mail but never a password reset, and transactional mail never waits behind bulk.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<MessageStream>))]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A mail stream is the sending industry's word for this; it is not a System.IO.Stream.")]
public enum MessageStream
{
    /// <summary>Triggered by the recipient's own action (receipts, password resets).</summary>
    [JsonStringEnumMemberName("transactional")]
    Transactional,

    /// <summary>About the recipient's relationship with the sender (course starts, deadlines).</summary>
    [JsonStringEnumMemberName("operational")]
    Operational,

    /// <summary>Marketing and newsletters.</summary>
    [JsonStringEnumMemberName("bulk")]
    Bulk,
}
