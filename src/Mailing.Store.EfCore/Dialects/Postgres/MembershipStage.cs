using Mailing.RecipientLists.StoreKit;
using Mailing.Stores;
using Npgsql;
using NpgsqlTypes;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>What streaming the items into the staging table found out on the way.</summary>
/// <param name="KeySuspects">Items whose source key may repeat an earlier item's.</param>
/// <param name="EmailSuspects">Valid items whose address may repeat an earlier valid item's.</param>
/// <param name="Named">Valid items that carry a contact name.</param>
/// <param name="Keys">The distinct source keys, when the items are few (<c>fewRows</c>).</param>
internal readonly record struct StagedItems(int KeySuspects, int EmailSuspects, int Named, string[]? Keys);

/// <summary>
/// Streams a request's items into <c>mailing_stage</c> with binary COPY, through the store kit's screen
/// (<see cref="MemberScreen"/>): it reports the invalid items (staged too, since their keys still count) and,
/// remembering fingerprints only (<see cref="SuspectMemory"/>), flags the items that may repeat an earlier key
/// or address, so the statements settling repeats look only at those.
/// </summary>
internal static class MembershipStage
{
    /// <summary>Stages every item; the staging table exists (<see cref="MembershipStatements.CreateStage"/>).</summary>
    /// <param name="connection">The context's connection.</param>
    /// <param name="run">The run, whose results receive the items.</param>
    /// <param name="members">The items.</param>
    /// <param name="fewRows">Up to how many keys the request's keys are kept for narrowing.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    public static async Task<StagedItems> CopyAsync(
        NpgsqlConnection connection, MembershipRun run, IAsyncEnumerable<MemberWrite> members, int fewRows, CancellationToken cancellationToken)
    {
        int keySuspects = 0, emailSuspects = 0, named = 0;
        var fewKeys = new List<string>();
        var memory = new SuspectMemory();
        var importer = await connection.BeginBinaryImportAsync(MembershipStatements.CopyStage, cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            // Field writes are synchronous: they fill Npgsql's buffer (flushing it now and then), and the
            // async overloads would allocate a Task per field — ten million of them for a million members.
            await foreach (var item in members.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var (member, key, email) = MemberScreen.Screen(item, memory, run.Results);
                importer.StartRow();
                importer.Write(item.Index, NpgsqlDbType.Integer);
                WriteText(importer, item.SourceObjectKey);
                WriteText(importer, item.Email);
                WriteText(importer, item.NormalizedEmail);
                WriteText(importer, item.Name);
                WriteText(importer, item.MetadataJson);
                WriteText(importer, member is null ? MembershipStatements.InvalidVerdict : null);
                importer.Write(key == Seen.Maybe, NpgsqlDbType.Boolean);
                importer.Write(email == Seen.Maybe, NpgsqlDbType.Boolean);
                keySuspects += key == Seen.Maybe ? 1 : 0;
                emailSuspects += email == Seen.Maybe ? 1 : 0;
                named += member?.Name is not null ? 1 : 0;
                if (item.SourceObjectKey is not null && fewKeys is not null)
                {
                    fewKeys.Add(item.SourceObjectKey);
                    fewKeys = fewKeys.Count <= fewRows ? fewKeys : null;
                }
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return new StagedItems(keySuspects, emailSuspects, named, fewKeys?.Distinct(StringComparer.Ordinal).ToArray());
    }

    private static void WriteText(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, NpgsqlDbType.Text);
        }
    }
}
