using System.Diagnostics;
using System.Text;

namespace Mailing.Tests.Sample;

/// <summary>The sample started as a process from a working directory without its appsettings.json.</summary>
public sealed class SampleStartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailing-sample-cwd-").FullName;

    [Fact]
    public async Task Started_from_another_working_directory_the_sample_keeps_sql_commands_out_of_the_log()
    {
        var ct = TestContext.Current.CancellationToken;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { typeof(Program).Assembly.Location, "--urls", "http://127.0.0.1:0" },
                WorkingDirectory = _directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["DOTNET_ENVIRONMENT"] = "Production" },
            },
        };
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Application started", StringComparison.Ordinal) == true)
            {
                started.TrySetResult();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(ct);
        }

        lock (output)
        {
            Assert.DoesNotContain("Microsoft.EntityFrameworkCore.Database.Command", output.ToString(), StringComparison.Ordinal);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
