namespace Mailing;

/// <summary>Base type of the errors Mailing raises for a caller's mistake (as opposed to an infrastructure failure).</summary>
public abstract class MailingException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected MailingException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The input is invalid. Nothing was written. <see cref="Errors"/> maps each offending field
/// (a dotted path such as <c>Members[3].Email</c>) to its messages.
/// </summary>
public sealed class MailingValidationException : MailingException
{
    /// <summary>Creates the exception for a single field.</summary>
    public MailingValidationException(string field, string message)
        : this(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] })
    {
    }

    /// <summary>Creates the exception for several fields.</summary>
    public MailingValidationException(IReadOnlyDictionary<string, string[]> errors)
        : base(BuildMessage(errors))
    {
        ArgumentNullException.ThrowIfNull(errors);
        Errors = errors;
    }

    /// <summary>Field path → messages. Field paths use the .NET member names (PascalCase).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    private static string BuildMessage(IReadOnlyDictionary<string, string[]> errors) =>
        "Invalid input: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
}

/// <summary>The request conflicts with the current state (HTTP 409). Nothing was written.</summary>
public sealed class MailingConflictException : MailingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The field the conflict is about, when there is one.</param>
    /// <param name="message">What conflicts and how to resolve it.</param>
    public MailingConflictException(string? field, string message)
        : base(message) => Field = field;

    /// <summary>The field the conflict is about (.NET member name), if any.</summary>
    public string? Field { get; }
}

/// <summary>The named object does not exist in the caller's scope (HTTP 404).</summary>
public sealed class MailingNotFoundException : MailingException
{
    /// <summary>Creates the exception.</summary>
    public MailingNotFoundException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Another writer changed the same row first (optimistic concurrency). Every store throws this
/// same type, so callers can retry without knowing which store is configured.
/// </summary>
public sealed class ConcurrencyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConcurrencyException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The store could not start a write in time because other writes held it (SQLite runs one write at a
/// time per database). Nothing was written; the same call may succeed after <see cref="RetryAfter"/>.
/// Over HTTP this is a 503 with a <c>Retry-After</c> header.
/// </summary>
public sealed class StoreBusyException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was busy.</param>
    /// <param name="retryAfter">When a retry has a fair chance.</param>
    /// <param name="innerException">The provider's error, when the database itself reported the wait.</param>
    public StoreBusyException(string message, TimeSpan retryAfter, Exception? innerException = null)
        : base(message, innerException) => RetryAfter = retryAfter;

    /// <summary>When a retry has a fair chance.</summary>
    public TimeSpan RetryAfter { get; }
}
