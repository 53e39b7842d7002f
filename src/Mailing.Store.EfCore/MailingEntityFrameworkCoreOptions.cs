using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Mailing.Store.EfCore;

/// <summary>Options of the EF Core store, configured by <c>UseEntityFrameworkCore(db =&gt; …, store =&gt; …)</c>.</summary>
public sealed class MailingEntityFrameworkCoreOptions
{
    /// <summary>
    /// On PostgreSQL, bulk upserts and reconciles with more items than this take the set-based path
    /// (binary COPY into a staging table, then a few set-based statements); smaller ones take the
    /// batched path, which costs fewer statements. Both report identical outcomes. Default 1,000;
    /// 0 sends every request down the set-based path.
    /// </summary>
    [Range(0, int.MaxValue - 1)]
    public int PostgresSetBasedThreshold { get; set; } = 1000;

    /// <summary>
    /// <c>work_mem</c> for the set-based path's transaction (<c>SET LOCAL</c>), so grouping and
    /// joining a large snapshot stays in memory. A PostgreSQL memory size such as <c>256MB</c> (default).
    /// </summary>
    [Required]
    [RegularExpression("^[0-9]{1,9}(kB|MB|GB)$", ErrorMessage = "PostgresWorkMem must look like 64MB, 512kB or 1GB.")]
    public string PostgresWorkMem { get; set; } = "256MB";

    /// <summary>
    /// On SQLite, which writes one transaction at a time, writes to one database queue up in the process
    /// instead of meeting SQLite's busy timeout; this is how long a write waits for the ones ahead of it.
    /// Past it the write fails with <see cref="StoreBusyException"/> (HTTP 503 with <c>Retry-After</c>),
    /// having written nothing. Default 30 seconds; zero fails at once when another write runs.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SqliteWriteWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The set-based path's notion of "few rows" (see <c>PostgresMembershipWriter</c>): up to this many
    /// driving rows it narrows the tables by index look-ups, above it it hashes them whole. Not public:
    /// the default suits every size; tests lower it to reach the large-request statements quickly.
    /// </summary>
    internal int PostgresFewRows { get; set; } = 50_000;
}

/// <summary>The DataAnnotations rules of <see cref="MailingEntityFrameworkCoreOptions"/>, checked by a generated validator.</summary>
[OptionsValidator]
internal sealed partial class MailingEntityFrameworkCoreOptionsValidator : IValidateOptions<MailingEntityFrameworkCoreOptions>;
