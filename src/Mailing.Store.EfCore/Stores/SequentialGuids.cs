using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// Version 7 UUIDs (RFC 9562) for the rows one run creates: the run's millisecond timestamp, twelve
/// random bits, then a counter that starts at a random point (the RFC's "monotonic random" method).
/// Ids come out in increasing order, so a set-based insert in request order appends to the primary-key
/// index instead of scattering over it, and each costs a few nanoseconds instead of a call into the
/// system's random source (<see cref="Guid.CreateVersion7()"/> makes one per id).
/// </summary>
internal sealed class SequentialGuids
{
    private const ulong Variant = 0x8000_0000_0000_0000UL;
    private const ulong CounterMask = 0x3FFF_FFFF_FFFF_FFFFUL;
    private readonly ulong _high;
    private ulong _counter;

    public SequentialGuids(DateTimeOffset timestamp)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        var milliseconds = (ulong)timestamp.ToUnixTimeMilliseconds() & 0xFFFF_FFFF_FFFFUL;
        _high = (milliseconds << 16) | 0x7000UL | (BinaryPrimitives.ReadUInt16BigEndian(random) & 0x0FFFUL);

        // 60 random bits: the 62-bit field cannot wrap within any run, so ids never go back.
        _counter = BinaryPrimitives.ReadUInt64BigEndian(random[2..]) >> 4;
    }

    public Guid Next()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, _high);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Variant | (_counter++ & CounterMask));
        return new Guid(bytes, bigEndian: true);
    }
}
