using System.Data;
using System.Security.Cryptography;
using Mailing.Stores;
using Npgsql;

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// The active rows of one list as fingerprints, read once so that a large request can skip sending the
/// items that change nothing: per row its id, a 128-bit fingerprint of its source key, and 64-bit
/// fingerprints of what makes an item "plainly unchanged" (the row's e-mail and metadata and its contact's
/// address in the list's audience; the contact's name). The database computes them with
/// <c>hashtextextended</c> under seeds drawn for this request, the client the same with
/// <see cref="PostgresTextHash"/>, so about 40 bytes per row cross the wire instead of the rows. It also
/// remembers which rows the request names, so the absent ones are known without a join.
/// </summary>
/// <remarks>
/// Fingerprints can collide; the seeds are secret and fresh per request, so a wrong match is a chance
/// event: two different keys sharing 128 bits, or, for a skipped item, a different key-and-value pair
/// sharing 192 bits.
/// </remarks>
internal sealed class ListFingerprints
{
    private readonly long[] _seeds;
    private readonly Dictionary<UInt128, int> _rows;
    private readonly List<Guid> _ids;
    private readonly List<long?> _values;
    private readonly List<long?> _names;
    private readonly bool[] _named;

    private ListFingerprints(long[] seeds, Dictionary<UInt128, int> rows, List<Guid> ids, List<long?> values, List<long?> names)
    {
        (_seeds, _rows, _ids, _values, _names) = (seeds, rows, ids, values, names);
        _named = new bool[ids.Count];
    }

    public int Count => _ids.Count;

    /// <summary>Reads the fingerprints of the list's active rows, in the caller's transaction.</summary>
    public static async Task<ListFingerprints> LoadAsync(NpgsqlConnection connection, MembershipRun run, CancellationToken cancellationToken)
    {
        var seeds = new long[6];
        RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(seeds.AsSpan()));
        await using var command = new NpgsqlCommand(
            """
            SELECT m.id, hashtextextended(m.source_object_key, @k1), hashtextextended(m.source_object_key, @k2),
                   CASE WHEN kc.audience = @audience
                        THEN hashtextextended(m.email_snapshot, @v1) # hashtextextended(m.metadata, @v2) # hashtextextended(kc.normalized_email, @v3)
                   END,
                   hashtextextended(kc.name, @n)
            FROM mailing_recipient_list_members m
            LEFT JOIN mailing_contacts kc ON kc.client_id = @client AND kc.id = m.contact_id
            WHERE m.client_id = @client AND m.list_id = @list AND m.active
            """,
            connection) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("client", run.Scope.ClientId);
        command.Parameters.AddWithValue("audience", run.Scope.Audience);
        command.Parameters.AddWithValue("list", run.ListId!.Value);
        string[] names = ["k1", "k2", "v1", "v2", "v3", "n"];
        for (var i = 0; i < seeds.Length; i++)
        {
            command.Parameters.AddWithValue(names[i], seeds[i]);
        }

        var rows = new Dictionary<UInt128, int>();
        var ids = new List<Guid>();
        var values = new List<long?>();
        var contactNames = new List<long?>();
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetGuid(0);
            rows[new UInt128((ulong)reader.GetInt64(1), (ulong)reader.GetInt64(2))] = ids.Count;
            ids.Add(id);
            values.Add(reader.IsDBNull(3) ? null : reader.GetInt64(3));
            contactNames.Add(reader.IsDBNull(4) ? null : reader.GetInt64(4));
        }

        return new ListFingerprints(seeds, rows, ids, values, contactNames);
    }

    /// <summary>The row under <paramref name="sourceObjectKey"/>, which the request now names; -1 when there is none.</summary>
    public int Name(string sourceObjectKey)
    {
        var key = new UInt128((ulong)PostgresTextHash.Extended(sourceObjectKey, _seeds[0]), (ulong)PostgresTextHash.Extended(sourceObjectKey, _seeds[1]));
        if (!_rows.TryGetValue(key, out var row))
        {
            return -1;
        }

        _named[row] = true;
        return row;
    }

    /// <summary>
    /// Whether a valid item under the key of <paramref name="row"/> is plainly unchanged: the same e-mail and
    /// metadata, its address names the row's contact in the audience, and it leaves the contact's name as it is.
    /// </summary>
    public bool Unchanged(int row, MemberWrite item) =>
        _values[row] is { } value
        && value == (PostgresTextHash.Extended(item.Email!, _seeds[2]) ^ PostgresTextHash.Extended(item.MetadataJson, _seeds[3]) ^ PostgresTextHash.Extended(item.NormalizedEmail!, _seeds[4]))
        && (item.Name is null || _names[row] == PostgresTextHash.Extended(item.Name, _seeds[5]));

    public Guid Id(int row) => _ids[row];

    /// <summary>The ids of the rows no item named since the fingerprints were read.</summary>
    public Guid[] Unnamed() => [.. Enumerable.Range(0, _ids.Count).Where(row => !_named[row]).Select(row => _ids[row])];
}
