using BenchmarkDotNet.Running;

namespace Mailing.Benchmarks;

internal static class Program
{
    /// <summary>Runs the benchmarks named on the command line, e.g. <c>--filter *SqliteBulkUpsert*</c>.</summary>
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
