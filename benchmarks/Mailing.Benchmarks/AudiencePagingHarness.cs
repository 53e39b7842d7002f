using System.Diagnostics;
using System.Globalization;
using Mailing.Audiences;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Audiences;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Mailing.Benchmarks;

/// <summary>
/// Store-level harness: seeds one list of N members on PostgreSQL (binary COPY), then pages the
/// audience with Mailing's keyset pager and with OFFSET paging over the same query, in the same run,
/// and reports full-traversal time, first/last page time and peak managed memory of each.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/Mailing.Benchmarks -- audience-paging --connection "Host=…;Username=…;Database=…"
/// [--members 1000000] [--page-size 1000] [--offset-budget-seconds 120]</c>. Each run seeds a fresh client
/// id, so runs do not disturb each other; the tables are created when missing.
/// </remarks>
internal static class AudiencePagingHarness
{
    public const string Name = "audience-paging";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options.Parse(args);
        if (options is null)
        {
            await Console.Error.WriteLineAsync(
                $"usage: {Name} --connection \"<PostgreSQL connection string>\" [--members 1000000] [--page-size 1000] [--offset-budget-seconds 120]");
            return 2;
        }

        var services = new ServiceCollection().AddLogging();
        services.AddMailing().UseEntityFrameworkCore(db => db.UseNpgsql(options.Connection));
        await using var provider = services.BuildServiceProvider();
        await using (var scope = provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MailingDbContext>().Database.EnsureCreatedAsync();
        }

        var clientId = $"bench-{Guid.NewGuid():N}";
        var seed = Stopwatch.StartNew();
        await SeedAsync(options.Connection, clientId, options.Members);
        Console.WriteLine($"seeded {options.Members:N0} contacts and members in {seed.Elapsed.TotalSeconds:F1} s (client {clientId})");

        var selection = new AudienceSelection { Lists = ["bench"] };
        await using (var scope = provider.CreateAsyncScope())
        {
            var count = await scope.ServiceProvider.GetRequiredService<IAudienceService>().CountAsync(MailingScope.ForClient(clientId), selection);
            Console.WriteLine($"count: {count:N0}");
        }

        var keyset = await MeasureAsync("keyset (IAudiencePager)", options, int.MaxValue, async (size, visit) =>
        {
            await using var scope = provider.CreateAsyncScope();
            var pager = scope.ServiceProvider.GetRequiredService<IAudiencePager>();
            var checkpoint = await pager.StartAsync(MailingScope.ForClient(clientId), selection);
            await foreach (var page in pager.ReadPagesAsync(MailingScope.ForClient(clientId), selection, checkpoint, size))
            {
                if (!visit(page.Recipients.Count, page.Recipients[^1].ContactId))
                {
                    return;
                }
            }
        });

        var offset = await MeasureAsync("OFFSET (same query, ORDER BY id OFFSET k LIMIT n)", options, options.OffsetBudgetSeconds, async (size, visit) =>
        {
            await using var scope = provider.CreateAsyncScope();
            var store = (EfCoreAudienceStore<MailingDbContext>)scope.ServiceProvider.GetRequiredService<Mailing.Stores.IAudienceStore>();
            var query = await store.SelectAsync(BenchQuery(clientId), maxMembershipId: null, CancellationToken.None);
            for (var skip = 0; ; skip += size)
            {
                var rows = await query.OrderBy(c => c.Id).Skip(skip).Take(size)
                    .Select(c => new { c.Id, c.Email, c.Phone, c.Name, c.TimeZone, c.Attributes })
                    .ToListAsync();
                if (rows.Count == 0 || !visit(rows.Count, rows[^1].Id) || rows.Count < size)
                {
                    return;
                }
            }
        });

        // Last page of OFFSET on its own, even when the budget cut the traversal short.
        await using (var scope = provider.CreateAsyncScope())
        {
            var store = (EfCoreAudienceStore<MailingDbContext>)scope.ServiceProvider.GetRequiredService<Mailing.Stores.IAudienceStore>();
            var query = await store.SelectAsync(BenchQuery(clientId), maxMembershipId: null, CancellationToken.None);
            var lastSkip = (options.Members - 1) / options.PageSize * options.PageSize;
            var watch = Stopwatch.StartNew();
            var rows = await query.OrderBy(c => c.Id).Skip(lastSkip).Take(options.PageSize).Select(c => new { c.Id, c.Email }).ToListAsync();
            offset = offset with { LastPage = watch.Elapsed, LastPageMeasuredAlone = true };
            Console.WriteLine($"OFFSET last page alone (OFFSET {lastSkip:N0}): {watch.Elapsed.TotalMilliseconds:F1} ms, {rows.Count} rows");
        }

        Console.WriteLine();
        Console.WriteLine("| paging | members | pages read | full traversal | first page | last page | peak managed heap | allocated |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var result in new[] { keyset, offset })
        {
            Console.WriteLine(result.ToRow());
        }

        Console.WriteLine($"process peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB");
        return keyset.Recipients == options.Members ? 0 : 1;
    }

    /// <summary>Runs one traversal, timing each page and sampling the managed heap after each.</summary>
    /// <summary>The benchmark's selection (the list <c>bench</c>) as Core hands it to the store.</summary>
    private static Mailing.Stores.AudienceQuery BenchQuery(string clientId) =>
        new(MailingScope.ForClient(clientId), ["bench"], [], [], new Dictionary<string, string>());

    private static async Task<Result> MeasureAsync(string name, Options options, int budgetSeconds, Func<int, Func<int, Guid, bool>, Task> traverse)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var peak = baseline;
        var pages = 0;
        long recipients = 0;
        Guid? last = null;
        var ordered = true;
        TimeSpan first = default, lastPage = default;
        var total = Stopwatch.StartNew();
        var page = Stopwatch.StartNew();
        await traverse(options.PageSize, (count, lastId) =>
        {
            var elapsed = page.Elapsed;
            pages++;
            recipients += count;
            if (pages == 1)
            {
                first = elapsed;
            }

            lastPage = elapsed;
            ordered &= last is null || lastId.CompareTo(last.Value) > 0;
            last = lastId;
            peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
            page.Restart();
            return total.Elapsed.TotalSeconds < budgetSeconds;
        });
        total.Stop();
        var result = new Result(name, recipients, pages, total.Elapsed, first, lastPage, peak - baseline,
            GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, Complete: recipients >= options.Members, options.Members);
        Console.WriteLine($"{name}: {pages:N0} pages, {recipients:N0} recipients, {total.Elapsed.TotalSeconds:F2} s, ordered: {ordered}");
        return result;
    }

    /// <summary>One list of <paramref name="members"/> active members, contacts and members written with binary COPY.</summary>
    private static async Task SeedAsync(string connectionString, string clientId, int members)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var now = DateTime.UtcNow;
        var listId = Guid.CreateVersion7();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO mailing_recipient_lists (client_id, id, audience, key, type, name, metadata, member_count, active_member_count, created_at, updated_at) " +
            "VALUES (@c, @id, 'default', 'bench', 'benchmark', 'bench', '{}', @n, @n, @now, @now)", connection))
        {
            insert.Parameters.AddWithValue("c", clientId);
            insert.Parameters.AddWithValue("id", listId);
            insert.Parameters.AddWithValue("n", (long)members);
            insert.Parameters.AddWithValue("now", now);
            await insert.ExecuteNonQueryAsync();
        }

        var contactIds = new Guid[members];
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY mailing_contacts (client_id, id, audience, email, normalized_email, name, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < members; i++)
            {
                var id = contactIds[i] = Guid.CreateVersion7();
                var email = string.Create(CultureInfo.InvariantCulture, $"user{i}@example.com");
                await copy.StartRowAsync();
                await copy.WriteAsync(clientId, NpgsqlDbType.Varchar);
                await copy.WriteAsync(id, NpgsqlDbType.Uuid);
                await copy.WriteAsync("default", NpgsqlDbType.Varchar);
                await copy.WriteAsync(email, NpgsqlDbType.Varchar);
                await copy.WriteAsync(email, NpgsqlDbType.Varchar);
                await copy.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"User {i}"), NpgsqlDbType.Varchar);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY mailing_recipient_list_members (client_id, id, list_id, contact_id, email_snapshot, source_object_key, metadata, active, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < members; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(clientId, NpgsqlDbType.Varchar);
                await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await copy.WriteAsync(listId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(contactIds[i], NpgsqlDbType.Uuid);
                await copy.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"user{i}@example.com"), NpgsqlDbType.Varchar);
                await copy.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"src:{i}"), NpgsqlDbType.Varchar);
                await copy.WriteAsync("{}", NpgsqlDbType.Text);
                await copy.WriteAsync(true, NpgsqlDbType.Boolean);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }

            await copy.CompleteAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE mailing_contacts; ANALYZE mailing_recipient_list_members; ANALYZE mailing_recipient_lists", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    private sealed record Options(string Connection, int Members, int PageSize, int OffsetBudgetSeconds)
    {
        public static Options? Parse(string[] args)
        {
            string? connection = null;
            int members = 1_000_000, pageSize = AudiencePaging.DefaultPageSize, budget = 120;
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                switch (args[i])
                {
                    case "--connection": connection = args[i + 1]; break;
                    case "--members": members = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                    case "--page-size": pageSize = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                    case "--offset-budget-seconds": budget = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                    default: return null;
                }
            }

            return connection is null ? null : new Options(connection, members, pageSize, budget);
        }
    }

    private sealed record Result(
        string Name, long Recipients, int Pages, TimeSpan Total, TimeSpan FirstPage, TimeSpan LastPage, long PeakHeapBytes, long AllocatedBytes, bool Complete, int Members)
    {
        public bool LastPageMeasuredAlone { get; init; }

        public string ToRow()
        {
            var total = Complete
                ? $"{Total.TotalSeconds:F2} s"
                : $"stopped after {Total.TotalSeconds:F0} s (~{Total.TotalSeconds * Members / Math.Max(Recipients, 1) / 60:F0} min extrapolated, a lower bound)";
            var last = $"{LastPage.TotalMilliseconds:F1} ms" + (LastPageMeasuredAlone ? " (measured alone)" : string.Empty);
            return $"| {Name} | {Members:N0} | {Pages:N0} | {total} | {FirstPage.TotalMilliseconds:F1} ms | {last} | {PeakHeapBytes / 1048576.0:F1} MB | {AllocatedBytes / 1048576.0:F0} MB |";
        }
    }
}
