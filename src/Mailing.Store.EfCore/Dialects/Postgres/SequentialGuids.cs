using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>
/// Version 7 UUIDs (RFC 9562) for the rows one set-based statement creates, drawn by the database: the
/// run's millisecond timestamp, twelve random bits, then a counter that starts at a random point (the
/// RFC's "monotonic random" method). The statement numbers its rows in the order it inserts them, so the
/// ids increase in that order and the inserts append to the primary-key index instead of scattering over
/// it; and an id costs a little arithmetic instead of a call into the system's random source.
/// </summary>
internal sealed class SequentialGuids
{
    private const ulong Variant = 0x8000_0000_0000_0000UL;
    private readonly ulong _high;
    private readonly ulong _low;

    public SequentialGuids(DateTimeOffset timestamp)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        var milliseconds = (ulong)timestamp.ToUnixTimeMilliseconds() & 0xFFFF_FFFF_FFFFUL;
        _high = (milliseconds << 16) | 0x7000UL | (BinaryPrimitives.ReadUInt16BigEndian(random) & 0x0FFFUL);

        // The variant, then 60 random bits: adding any row number keeps the variant and cannot wrap the
        // 62-bit counter, so the ids of one statement never go back.
        _low = Variant | (BinaryPrimitives.ReadUInt64BigEndian(random[2..]) >> 4);
    }

    /// <summary>The parameters <see cref="Sql"/> reads: <c>@id_high</c> (16 hex digits) and <c>@id_low</c>.</summary>
    public (string Name, object Value)[] Parameters =>
    [
        ("id_high", _high.ToString("x16", CultureInfo.InvariantCulture)),
        ("id_low", unchecked((long)_low)), // two's complement: to_hex prints the same 16 digits
    ];

    /// <summary>
    /// The SQL expression of the id numbered <paramref name="ordinal"/> (an expression counting from 1);
    /// the statement binds <see cref="Parameters"/>.
    /// </summary>
    public static string Sql(string ordinal) => $"(@id_high || lpad(to_hex(@id_low + {ordinal}), 16, '0'))::uuid";
}
