using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Fluid;
using Fluid.Ast;

namespace Mailing.Dispatch.Templates;

/// <summary>
/// Compiles a campaign's subject and body templates (Liquid, via Fluid) once, reporting syntax errors with
/// their position; the compiled pair then renders each recipient's message.
/// </summary>
/// <remarks>
/// One configured <see cref="TemplateOptions"/> instance and one parser are shared by every template (both
/// are safe to share once configured). Templates see only <c>contact</c>, <c>member</c> and <c>campaign</c>
/// (<see cref="TemplateModel"/>); a missing field renders empty, an unknown filter is a compile error.
/// </remarks>
internal static partial class CampaignTemplates
{
    public const string SubjectField = "SubjectTemplate";
    public const string BodyField = "BodyTemplate";

    /// <summary>
    /// For email HTML bodies: HTML-encodes merged values (literal template text is left as written) and keeps
    /// non-ASCII letters readable instead of turning them into character references.
    /// </summary>
    public static readonly TextEncoder HtmlBody = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>For plain-text bodies (sms, text email): merged values are written as they are.</summary>
    public static readonly TextEncoder PlainText = NullEncoder.Default;

    private static readonly FluidParser Parser = new();

    internal static TemplateOptions Options { get; } = CreateOptions();

    /// <summary>
    /// Compiles both templates. <paramref name="subject"/> may be absent unless <paramref name="subjectRequired"/>
    /// (email); <paramref name="body"/> is required. Errors are keyed by field (<see cref="SubjectField"/>,
    /// <see cref="BodyField"/>) and give the parser's line and column.
    /// </summary>
    public static TemplateCompilation Compile(string? subject, string? body, bool subjectRequired = false)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var compiledSubject = subject is null && !subjectRequired ? null : Parse(subject, SubjectField, MailingLimits.MaxSubjectTemplateLength, errors);
        var compiledBody = Parse(body, BodyField, MailingLimits.MaxBodyTemplateLength, errors);
        return errors.Count > 0 || compiledBody is null
            ? new TemplateCompilation(null, errors)
            : new TemplateCompilation(new CompiledTemplates(compiledSubject, compiledBody), TemplateCompilation.NoErrors);
    }

    /// <summary>Like <see cref="Compile"/>, throwing <see cref="MailingValidationException"/> (a 400) on errors.</summary>
    public static CompiledTemplates CompileOrThrow(string? subject, string? body, bool subjectRequired = false)
    {
        var compilation = Compile(subject, body, subjectRequired);
        return compilation.Templates ?? throw new MailingValidationException(compilation.Errors);
    }

    private static IFluidTemplate? Parse(string? source, string field, int maxLength, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            errors[field] = ["The template is required."];
            return null;
        }

        if (source.Length > maxLength)
        {
            errors[field] = [$"The template must be at most {maxLength} characters."];
            return null;
        }

        if (!Parser.TryParse(source, out var template, out var error))
        {
            errors[field] = [$"The template does not parse: {Describe(error)}"];
            return null;
        }

        var unknown = new FilterCollector().Unknown(template);
        if (unknown.Count > 0)
        {
            errors[field] = [$"Unknown filter{(unknown.Count > 1 ? "s" : string.Empty)}: {string.Join(", ", unknown)}."];
            return null;
        }

        return template;
    }

    /// <summary>Fluid's message is "… at (line:column)\nSource:\n…"; keep the first part, spelled out.</summary>
    private static string Describe(string error)
    {
        var end = error.IndexOf("\nSource:", StringComparison.Ordinal);
        var message = (end < 0 ? error : error[..end]).Trim();
        return Position().Replace(message, "at line $1, column $2");
    }

    [GeneratedRegex(@"at \((\d+):(\d+)\)")]
    private static partial Regex Position();

    private static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions
        {
            StrictFilters = true,
            StrictVariables = false,
            MaxSteps = 100_000,
            CultureInfo = System.Globalization.CultureInfo.InvariantCulture,
            TimeZone = TimeZoneInfo.Utc,
        };

        options.ValueConverters.Add(JsonFluidValues.Convert);

        var members = options.MemberAccessStrategy;
        members.Register<Contact, string>("id", c => c.Id.ToString());
        members.Register<Contact, string?>("name", c => c.Name);
        members.Register<Contact, string?>("email", c => c.Email);
        members.Register<Contact, string?>("phone", c => c.Phone);
        members.Register<Contact, string?>("time_zone", c => c.TimeZone);
        members.Register<Contact, string?>("external_id", c => c.ExternalId);
        members.Register<Contact, IReadOnlyList<string>>("tags", c => c.Tags);
        members.Register<Contact, object>("attributes", c => c.Attributes);

        members.Register<TemplateCampaign, string>("id", c => c.Id.ToString());
        members.Register<TemplateCampaign, string>("name", c => c.Name);
        members.Register<TemplateCampaign, string?>("correlation_id", c => c.CorrelationId);
        members.Register<TemplateCampaign, object?>("metadata", c => c.Metadata);
        return options;
    }

    /// <summary>Collects the filter names a template uses that <see cref="Options"/> does not know.</summary>
    private sealed class FilterCollector : AstVisitor
    {
        private readonly SortedSet<string> _unknown = new(StringComparer.Ordinal);

        public SortedSet<string> Unknown(IFluidTemplate template)
        {
            VisitTemplate(template);
            return _unknown;
        }

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            if (!Options.Filters.TryGetValue(filterExpression.Name, out _))
            {
                _unknown.Add(filterExpression.Name);
            }

            return base.VisitFilterExpression(filterExpression);
        }
    }
}

/// <summary>The outcome of <see cref="CampaignTemplates.Compile"/>: the compiled templates, or the errors by field.</summary>
/// <param name="Templates">The compiled templates; <see langword="null"/> when there are errors.</param>
/// <param name="Errors">Field → messages (empty on success), ready for a <see cref="MailingValidationException"/>.</param>
internal sealed record TemplateCompilation(CompiledTemplates? Templates, IReadOnlyDictionary<string, string[]> Errors)
{
    internal static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    public bool Succeeded => Templates is not null;
}
