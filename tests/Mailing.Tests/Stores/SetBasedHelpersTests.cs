using System.Globalization;
using Mailing.Store.EfCore.Dialects.Postgres;
using Mailing.Tests.Infrastructure;
using Npgsql;

namespace Mailing.Tests.Stores;

/// <summary>The two small helpers of the PostgreSQL set-based path: ids drawn by its statements, and the repeat filter it streams through.</summary>
public sealed class SetBasedHelpersTests(PostgresServer server)
{
    [Fact]
    public async Task Sequential_ids_are_version_7_with_the_rfc_variant()
    {
        var ids = await DrawAsync(new SequentialGuids(DateTimeOffset.Parse("2026-11-24T00:00:00Z", CultureInfo.InvariantCulture)), 3);

        Assert.All(ids, id =>
        {
            var bytes = id.ToByteArray(bigEndian: true);
            Assert.Equal(0x70, bytes[6] & 0xF0);
            Assert.Equal(0x80, bytes[8] & 0xC0);
        });
    }

    [Fact]
    public async Task Sequential_ids_carry_the_run_timestamp_in_milliseconds()
    {
        var at = DateTimeOffset.Parse("2026-11-24T12:34:56.789Z", CultureInfo.InvariantCulture);

        var bytes = (await DrawAsync(new SequentialGuids(at), 1))[0].ToByteArray(bigEndian: true);

        var milliseconds = bytes[..6].Aggregate(0L, (value, b) => (value << 8) | b);
        Assert.Equal(at.ToUnixTimeMilliseconds(), milliseconds);
    }

    [Fact]
    public async Task Sequential_ids_increase_with_the_row_number_in_the_order_the_database_sorts_uuids()
    {
        var ids = new SequentialGuids(DateTimeOffset.UnixEpoch.AddYears(56));

        var drawn = await DrawAsync(ids, 10_000, orderedByDatabase: true);

        Assert.Equal(10_000, drawn.Distinct().Count());
        Assert.All(drawn.Zip(drawn.Skip(1)), pair => Assert.True(
            pair.First.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(pair.Second.ToByteArray(bigEndian: true)) < 0));
    }

    [Fact]
    public async Task Two_statements_in_the_same_millisecond_draw_different_ids()
    {
        var at = DateTimeOffset.UnixEpoch.AddYears(56);

        Assert.NotEqual((await DrawAsync(new SequentialGuids(at), 1))[0], (await DrawAsync(new SequentialGuids(at), 1))[0]);
    }

    [Fact]
    public void The_repeat_filter_never_misses_a_repeat()
    {
        var filter = new RepeatFilter();
        var values = Enumerable.Range(0, 50_000).Select(i => $"submission:{i:D8}").ToList();

        var firstPass = values.Count(filter.MaybeSeen);
        var secondPass = values.Count(filter.MaybeSeen);

        Assert.Equal(values.Count, secondPass);
        Assert.True(firstPass <= 1, $"{firstPass} distinct values were flagged as possible repeats.");
    }

    /// <summary>
    /// Draws ids 1..<paramref name="count"/> as a statement does; with <paramref name="orderedByDatabase"/>,
    /// in PostgreSQL's uuid order, which must be the row-number order.
    /// </summary>
    private async Task<List<Guid>> DrawAsync(SequentialGuids ids, int count, bool orderedByDatabase = false)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = new NpgsqlConnection(await server.GetDatabaseAsync("set_based_helpers"));
        await connection.OpenAsync(ct);
        var id = SequentialGuids.Sql("n");
        await using var command = new NpgsqlCommand(
            $"SELECT n, {id} FROM generate_series(1, @count) AS n ORDER BY {(orderedByDatabase ? "2" : "1")}", connection);
        command.Parameters.AddWithValue("count", count);
        foreach (var (name, value) in ids.Parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var drawn = new List<(long N, Guid Id)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            drawn.Add((reader.GetInt32(0), reader.GetGuid(1)));
        }

        Assert.Equal(Enumerable.Range(1, count).Select(n => (long)n), drawn.Select(d => d.N)); // the database's order is the row numbers'
        return [.. drawn.Select(d => d.Id)];
    }
}
