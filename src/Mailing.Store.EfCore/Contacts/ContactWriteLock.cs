using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Contacts;

/// <summary>
/// On PostgreSQL, the member writers and contact deletion change the contacts and memberships of one
/// client's audience one transaction at a time: a transaction-level advisory lock, held until commit.
/// Member writers take it before they read the contacts their items name (the batched path at its start,
/// the set-based path once the body is staged); deletion takes it before it reads the contact's memberships.
/// Without it, two requests for two lists of one client that create the same new addresses could each wait
/// on a contact the other has inserted but not committed — a deadlock, and a streamed request cannot be
/// replayed — and a writer could give a membership to a contact that a concurrent deletion removes.
/// Everyone takes list locks first (a writer its list's, a deletion those of the contact's lists in id
/// order) and this one second, always in that order. (SQLite has one writer at a time anyway.)
/// </summary>
internal static class ContactWriteLock
{
    /// <summary>The lock's name; PostgreSQL hashes it to the 64-bit advisory lock key.</summary>
    public static string Key(MailingScope scope) => $"mailing-contacts\n{scope.ClientId}\n{scope.Audience}";

    /// <summary>The statement taking the lock, with the key as parameter <c>@lock_key</c>.</summary>
    public const string Statement = Dialects.Postgres.PostgresDialect.TransactionLockStatement;

    public static async Task AcquireAsync(DbContext db, MailingScope scope, CancellationToken cancellationToken)
    {
        await Dialects.StoreDialect.For(db).LockForTransactionAsync(db, Key(scope), cancellationToken).ConfigureAwait(false);
    }
}
