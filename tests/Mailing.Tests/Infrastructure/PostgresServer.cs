using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

[assembly: AssemblyFixture(typeof(Mailing.Tests.Infrastructure.PostgresServer))]

namespace Mailing.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server for the test run. Uses <c>MAILING_TEST_POSTGRES</c> (an admin connection
/// string) when set; otherwise starts a throwaway cluster from the machine's PostgreSQL binaries
/// on a free loopback port and deletes it afterwards. Started on first use, so runs that touch no
/// PostgreSQL test never need the binaries.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "MAILING_TEST_POSTGRES";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, string> _databases = new(StringComparer.Ordinal);
    private string? _adminConnectionString;
    private Cluster? _cluster;

    /// <summary>Returns a connection string to a database created for this run (once per name).</summary>
    public async Task<string> GetDatabaseAsync(string name)
    {
        await _gate.WaitAsync();
        try
        {
            if (_databases.TryGetValue(name, out var existing))
            {
                return existing;
            }

            _adminConnectionString ??= Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured
                ? configured
                : (_cluster = await Cluster.StartAsync()).ConnectionString;

            var database = $"{name}_{Guid.NewGuid():N}"[..Math.Min(name.Length + 33, 63)];
            await using (var connection = new NpgsqlConnection(_adminConnectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
                await command.ExecuteNonQueryAsync();
            }

            var connectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = database }.ConnectionString;
            _databases[name] = connectionString;
            return connectionString;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_cluster is not null)
        {
            await _cluster.StopAsync();
        }

        _gate.Dispose();
    }

    /// <summary>A cluster in a temporary folder, run as the <c>postgres</c> user when the tests run as root.</summary>
    private sealed class Cluster(string binDirectory, string dataDirectory, int port, bool asPostgresUser)
    {
        public string ConnectionString => $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Timeout=30";

        public static async Task<Cluster> StartAsync()
        {
            var bin = FindBinDirectory() ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin. " +
                "Install them with 'sudo apt-get install -y postgresql' (Debian/Ubuntu), or point the tests at a server with " +
                $"{EnvironmentVariable}='Host=...;Username=...;Password=...'.");
            var asPostgres = Environment.UserName == "root";
            var data = Path.Combine(Path.GetTempPath(), $"mailing-pg-{Guid.NewGuid():N}");
            Directory.CreateDirectory(data);
            if (asPostgres)
            {
                await RunAsync("chown", ["postgres:postgres", data], asUser: null);
            }

            await new Cluster(bin, data, 0, asPostgres).RunToolAsync(
                "initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);

            // Each cluster has its own folder (and socket in it), and a port the system handed out free. Another test
            // process (two test projects run at once) may bind that port between the probe and the server's start:
            // then the start fails and is tried again on another port.
            var log = Path.Combine(data, "server.log");
            for (var attempt = 1; ; attempt++)
            {
                var cluster = new Cluster(bin, data, FreePort(), asPostgres);
                var settings = $"-p {cluster.Port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
                var logged = File.Exists(log) ? new FileInfo(log).Length : 0;
                try
                {
                    await cluster.RunToolAsync("pg_ctl", ["-D", data, "-l", log, "-o", settings, "-w", "-t", "60", "start"]);
                    return cluster;
                }
                catch (InvalidOperationException) when (attempt < 5 && CouldNotBind(log, logged))
                {
                    // The port was taken meanwhile and the server did not start: try another one.
                }
            }
        }

        /// <summary>Whether the server wrote, past <paramref name="offset"/> of its log, that it could not bind its port.</summary>
        private static bool CouldNotBind(string log, long offset)
        {
            if (!File.Exists(log))
            {
                return false;
            }

            using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            reader.BaseStream.Seek(offset, SeekOrigin.Begin);
            return reader.ReadToEnd().Contains("could not bind", StringComparison.Ordinal);
        }

        private int Port => port;

        public async Task StopAsync()
        {
            try
            {
                await RunToolAsync("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"]);
            }
            finally
            {
                try
                {
                    Directory.Delete(dataDirectory, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temp folder is not worth failing the run for.
                }
            }
        }

        private Task RunToolAsync(string tool, string[] arguments) =>
            RunAsync(Path.Combine(binDirectory, tool), arguments, asPostgresUser ? "postgres" : null);

        private static async Task RunAsync(string file, string[] arguments, string? asUser)
        {
            var start = asUser is null
                ? new ProcessStartInfo(file)
                : new ProcessStartInfo("runuser", ["-u", asUser, "--", file]);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.RedirectStandardOutput = start.RedirectStandardError = true;
            start.WorkingDirectory = Path.GetTempPath();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}{await output}");
            }
        }

        private static string? FindBinDirectory()
        {
            foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            {
                if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")))
                {
                    // Debian puts wrappers on PATH only for the client tools; resolve links to the real folder.
                    var initdb = new FileInfo(Path.Combine(directory, "initdb"));
                    var target = initdb.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb.FullName;
                    return Path.GetDirectoryName(target);
                }
            }

            const string debianRoot = "/usr/lib/postgresql";
            return Directory.Exists(debianRoot)
                ? Directory.GetDirectories(debianRoot)
                    .Select(d => Path.Combine(d, "bin"))
                    .Where(d => File.Exists(Path.Combine(d, "initdb")))
                    .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                    .FirstOrDefault()
                : null;
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
