using System.Buffers;
using System.Numerics;
using System.Text;

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// PostgreSQL's <c>hashtextextended(text, seed)</c> for texts under a deterministic collation: Bob Jenkins'
/// lookup3 over the UTF-8 bytes, the 64-bit variant PostgreSQL uses (<c>hash_bytes_extended</c>), read as
/// little-endian words. The client computes the same fingerprint of a value as the database, so the two can
/// compare values without sending them.
/// </summary>
internal static class PostgresTextHash
{
    private const int StackBytes = 512;

    public static long Extended(string value, long seed)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        byte[]? rented = null;
        var bytes = length <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            Encoding.UTF8.GetBytes(value, bytes);
            return unchecked((long)Bytes(bytes[..length], (ulong)seed));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ulong Bytes(ReadOnlySpan<byte> k, ulong seed)
    {
        uint a, b, c;
        a = b = c = unchecked(0x9e3779b9 + (uint)k.Length + 3923095);
        if (seed != 0)
        {
            a += (uint)(seed >> 32);
            b += (uint)seed;
            Mix(ref a, ref b, ref c);
        }

        while (k.Length >= 12)
        {
            a += Word(k, 0);
            b += Word(k, 4);
            c += Word(k, 8);
            Mix(ref a, ref b, ref c);
            k = k[12..];
        }

        // The remaining bytes, little-endian; the lowest byte of c is reserved for the length.
        switch (k.Length)
        {
            case 11: c += (uint)k[10] << 24; goto case 10;
            case 10: c += (uint)k[9] << 16; goto case 9;
            case 9: c += (uint)k[8] << 8; goto case 8;
            case 8: b += (uint)k[7] << 24; goto case 7;
            case 7: b += (uint)k[6] << 16; goto case 6;
            case 6: b += (uint)k[5] << 8; goto case 5;
            case 5: b += k[4]; goto case 4;
            case 4: a += (uint)k[3] << 24; goto case 3;
            case 3: a += (uint)k[2] << 16; goto case 2;
            case 2: a += (uint)k[1] << 8; goto case 1;
            case 1: a += k[0]; break;
        }

        Final(ref a, ref b, ref c);
        return ((ulong)b << 32) | c;
    }

    private static uint Word(ReadOnlySpan<byte> k, int at) =>
        k[at] | ((uint)k[at + 1] << 8) | ((uint)k[at + 2] << 16) | ((uint)k[at + 3] << 24);

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= BitOperations.RotateLeft(c, 4); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 6); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 8); b += a;
        a -= c; a ^= BitOperations.RotateLeft(c, 16); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 19); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 4); b += a;
    }

    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= BitOperations.RotateLeft(b, 14);
        a ^= c; a -= BitOperations.RotateLeft(c, 11);
        b ^= a; b -= BitOperations.RotateLeft(a, 25);
        c ^= b; c -= BitOperations.RotateLeft(b, 16);
        a ^= c; a -= BitOperations.RotateLeft(c, 4);
        b ^= a; b -= BitOperations.RotateLeft(a, 14);
        c ^= b; c -= BitOperations.RotateLeft(b, 24);
    }
}
