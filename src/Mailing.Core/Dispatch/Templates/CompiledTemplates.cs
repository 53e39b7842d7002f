using System.Text.Encodings.Web;
using Fluid;
using Fluid.Values;

namespace Mailing.Dispatch.Templates;

/// <summary>
/// A campaign's compiled subject and body. Immutable and safe to render from many threads at once: each
/// render gets its own <see cref="TemplateContext"/>.
/// </summary>
internal sealed class CompiledTemplates
{
    private readonly IFluidTemplate? _subject;
    private readonly IFluidTemplate _body;

    internal CompiledTemplates(IFluidTemplate? subject, IFluidTemplate body)
    {
        _subject = subject;
        _body = body;
    }

    /// <summary>Whether a subject template was given.</summary>
    public bool HasSubject => _subject is not null;

    /// <summary>
    /// Renders both templates for one recipient. The subject is never encoded (it is a header, not HTML);
    /// the body is encoded with <paramref name="bodyEncoder"/>: <see cref="CampaignTemplates.HtmlBody"/> for an
    /// HTML email, <see langword="null"/> (plain text, the default) for sms and text email.
    /// </summary>
    /// <exception cref="TemplateRenderException">A template failed for this recipient: the campaign is misconfigured.</exception>
    public RenderedTemplates Render(TemplateModel model, TextEncoder? bodyEncoder = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var context = CreateContext(model);
        var subject = _subject is null ? null : Render(_subject, context, CampaignTemplates.PlainText, CampaignTemplates.SubjectField);
        var body = Render(_body, context, bodyEncoder ?? CampaignTemplates.PlainText, CampaignTemplates.BodyField);
        return new RenderedTemplates(subject, body);
    }

    private static TemplateContext CreateContext(TemplateModel model)
    {
        var context = new TemplateContext(CampaignTemplates.Options);
        context.SetValue("contact", model.Contact);
        context.SetValue("campaign", model.Campaign);
        context.SetValue("member", model.Member is { } member ? JsonFluidValues.From(member) : NilValue.Instance);
        return context;
    }

    private static string Render(IFluidTemplate template, TemplateContext context, TextEncoder encoder, string field)
    {
        try
        {
            return template.Render(context, encoder);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new TemplateRenderException(field, $"The template failed to render: {ex.Message}", ex);
        }
    }
}
