using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore;

/// <summary>
/// A ready-made context holding only Mailing's tables. Hosts that prefer their own context call
/// <see cref="MailingModelBuilderExtensions.UseMailing"/> in its <c>OnModelCreating</c> and register
/// the store with <c>UseEntityFrameworkCore&lt;TContext&gt;()</c>.
/// </summary>
public class MailingDbContext(DbContextOptions<MailingDbContext> options) : DbContext(options)
{
    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.UseMailing();
}
