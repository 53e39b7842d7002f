namespace Mailing.Audiences;

/// <summary>Answers questions about an <see cref="AudienceSelection"/> without reading it into memory.</summary>
public interface IAudienceService
{
    /// <summary>
    /// How many distinct contacts the selection reaches now ("X recipients will receive this"),
    /// counted by the store in one query.
    /// </summary>
    /// <param name="scope">The client and the audience to count in. A selection that names another audience is invalid.</param>
    /// <param name="selection">Lists and filters, as on the wire.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <exception cref="MailingValidationException">The selection is invalid or names a list that does not exist.</exception>
    Task<long> CountAsync(MailingScope scope, AudienceSelection selection, CancellationToken cancellationToken = default);
}

/// <summary>
/// Reads an audience in pages of distinct recipients for a mailout: keyset (seek) pagination by contact
/// id under a ceiling fixed by <see cref="StartAsync"/>, so contacts and list members added mid-send are
/// not swept in, and a run resumes from the <see cref="AudienceCheckpoint"/> of its last page.
/// </summary>
/// <example>
/// <code>
/// var checkpoint = await pager.StartAsync(scope, selection, ct);       // persist it with the run
/// await foreach (var page in pager.ReadPagesAsync(scope, selection, checkpoint, cancellationToken: ct))
/// {
///     await EnqueueAsync(page.Recipients, ct);
///     await SaveCheckpointAsync(page.Checkpoint, ct);                    // resume from here after a crash
/// }
/// </code>
/// </example>
public interface IAudiencePager
{
    /// <summary>
    /// Validates the selection and fixes the run's ceiling. For an empty audience the checkpoint is
    /// already <see cref="AudienceCheckpoint.Completed"/> and no page will follow: the caller completes at once.
    /// </summary>
    /// <param name="scope">The client and the audience to read. A selection that names another audience is invalid.</param>
    /// <param name="selection">Lists and filters, as on the wire.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="MailingValidationException">The selection is invalid or names a list that does not exist.</exception>
    Task<AudienceCheckpoint> StartAsync(MailingScope scope, AudienceSelection selection, CancellationToken cancellationToken = default);

    /// <summary>
    /// Yields the pages after <paramref name="checkpoint"/>, numbered on from it, until the last one
    /// (<see cref="AudiencePage.IsLast"/>); yields nothing for a completed checkpoint. Holds one page in
    /// memory at a time.
    /// </summary>
    /// <param name="scope">The same scope the run started in.</param>
    /// <param name="selection">The same selection the run started with.</param>
    /// <param name="checkpoint">From <see cref="StartAsync"/>, or the <see cref="AudiencePage.Checkpoint"/> of the last page handled.</param>
    /// <param name="pageSize">Overrides <see cref="MailingOptions.AudiencePageSize"/>; clamped by <see cref="AudiencePaging.ClampPageSize"/>.</param>
    /// <param name="cancellationToken">Cancels the run between or during page reads.</param>
    IAsyncEnumerable<AudiencePage> ReadPagesAsync(
        MailingScope scope, AudienceSelection selection, AudienceCheckpoint checkpoint, int? pageSize = null, CancellationToken cancellationToken = default);
}
