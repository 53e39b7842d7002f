using BenchmarkDotNet.Running;

namespace Mailing.Benchmarks;

internal static class Program
{
    /// <summary>
    /// Runs a store-level harness scenario when the first argument names one (e.g.
    /// <c>membership --connection "Host=…"</c>, <c>audience-paging --connection "Host=…"</c> or <c>dispatch --connection "Host=…"</c>, <c>events --connection "Host=…"</c>); otherwise hands the arguments to BenchmarkDotNet
    /// (e.g. <c>--filter *SqliteBulkUpsert*</c>).
    /// </summary>
    private static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == MembershipHarness.Name)
        {
            return await MembershipHarness.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == AudiencePagingHarness.Name)
        {
            return await AudiencePagingHarness.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == DispatchHarness.Name)
        {
            return await DispatchHarness.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == EventIngestionHarness.Name)
        {
            return await EventIngestionHarness.RunAsync(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
