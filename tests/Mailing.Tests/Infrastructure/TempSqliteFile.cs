using Microsoft.Data.Sqlite;

namespace Mailing.Tests.Infrastructure;

/// <summary>A SQLite database file in the temp folder, deleted on dispose.</summary>
public sealed class TempSqliteFile : IDisposable
{
    public TempSqliteFile() => Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mailing-test-{Guid.NewGuid():N}.db");

    public string Path { get; }

    /// <summary>No pooling, so the file is closed (and comparable byte for byte) whenever no command runs.</summary>
    public string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();

    public void Dispose()
    {
        foreach (var suffix in new[] { string.Empty, "-journal", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }
    }
}
