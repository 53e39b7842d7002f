namespace Mailing.Dispatch.Templates;

/// <summary>
/// A campaign's template compiled but failed while rendering for a recipient (a filter threw, a loop ran past
/// the step limit). The campaign is misconfigured: the failure is terminal, never worth a retry.
/// </summary>
internal sealed class TemplateRenderException : Exception
{
    public TemplateRenderException(string field, string message, Exception? innerException = null)
        : base($"{field}: {message}", innerException) => Field = field;

    /// <summary>The template that failed (<c>SubjectTemplate</c> or <c>BodyTemplate</c>).</summary>
    public string Field { get; }
}
