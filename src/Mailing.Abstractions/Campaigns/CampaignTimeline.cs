using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>The width of one bar of a campaign's timeline.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TimelineBucket>))]
public enum TimelineBucket
{
    /// <summary>One minute.</summary>
    [JsonStringEnumMemberName("minute")]
    Minute,

    /// <summary>One hour.</summary>
    [JsonStringEnumMemberName("hour")]
    Hour,

    /// <summary>One day (UTC).</summary>
    [JsonStringEnumMemberName("day")]
    Day,
}

/// <summary>How many of a campaign's deliveries were sent in one bucket of time.</summary>
/// <param name="At">The bucket's start (UTC).</param>
/// <param name="Sent">Deliveries handed to a transport in <c>[At, At + bucket)</c>, by their dispatch time.</param>
public sealed record TimelinePoint(DateTimeOffset At, long Sent);
