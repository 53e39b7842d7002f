using System.Text.Json;
using Mailing.Dispatch.Templates;

namespace Mailing.Tests.Dispatch;

public sealed class CampaignTemplatesTests
{
    private static readonly Guid ContactId = Guid.Parse("01930000-0000-7000-8000-000000000001");
    private static readonly Guid CampaignId = Guid.Parse("01930000-0000-7000-8000-0000000000aa");

    [Fact]
    public void Contact_fields_merge_into_the_body()
    {
        var body = Render("Hi {{ contact.name }} <{{ contact.email }}>, {{ contact.phone }} in {{ contact.time_zone }} ({{ contact.id }})");

        Assert.Equal($"Hi Alice <alice@example.com>, +79161234567 in Europe/Moscow ({ContactId})", body);
    }

    [Fact]
    public void Campaign_fields_merge_into_the_body()
    {
        var body = Render("{{ campaign.name }} {{ campaign.id }} {{ campaign.correlation_id }} {{ campaign.metadata.course }}");

        Assert.Equal($"Spring course {CampaignId} corr-7 ml-zoomcamp", body);
    }

    [Fact]
    public void Attributes_are_merge_fields()
    {
        Assert.Equal("Your plan: pro", Render("Your plan: {{ contact.attributes.plan }}"));
    }

    [Fact]
    public void Nested_attribute_objects_and_arrays_are_reachable()
    {
        var body = Render("{{ contact.attributes.address.city }} {{ contact.attributes.courses[1] }} {{ contact.attributes.courses | size }} {% for c in contact.attributes.courses %}[{{ c }}]{% endfor %}");

        Assert.Equal("Berlin mlops 2 [ml][mlops]", body);
    }

    [Fact]
    public void Attribute_numbers_and_booleans_keep_their_type()
    {
        var body = Render("{{ contact.attributes.score | plus: 1 }} {% if contact.attributes.vip %}vip{% endif %}");

        Assert.Equal("43.5 vip", body);
    }

    [Fact]
    public void Tags_are_a_list()
    {
        Assert.Equal("vip, early", Render("{{ contact.tags | join: ', ' }}"));
    }

    [Fact]
    public void The_membership_metadata_is_the_member_object()
    {
        var body = Render("Homework {{ member.homework }} submitted", member: """{"homework": 3}""");

        Assert.Equal("Homework 3 submitted", body);
    }

    [Fact]
    public void Missing_fields_render_empty()
    {
        var body = Render("[{{ contact.attributes.nope }}][{{ contact.attributes.address.nope.deeper }}][{{ member.x }}][{{ unknown.thing }}][{{ contact.nope }}]");

        Assert.Equal("[][][][][]", body);
    }

    [Fact]
    public void A_missing_field_can_take_a_default()
    {
        Assert.Equal("Hi there", Render("Hi {{ contact.attributes.nickname | default: 'there' }}"));
    }

    [Fact]
    public void The_subject_renders_beside_the_body()
    {
        var templates = CampaignTemplates.CompileOrThrow("Hello {{ contact.name }}", "Body");

        var rendered = templates.Render(Model());

        Assert.Equal(new RenderedTemplates("Hello Alice", "Body"), rendered);
    }

    [Fact]
    public void Without_a_subject_template_the_subject_is_null()
    {
        Assert.Null(CampaignTemplates.CompileOrThrow(null, "Body").Render(Model()).Subject);
    }

    [Fact]
    public void Plain_text_bodies_are_not_encoded()
    {
        Assert.Equal("Tom & <Jerry>", Render("{{ contact.attributes.pair }}"));
    }

    [Fact]
    public void Html_bodies_encode_merged_values_but_not_the_template_text()
    {
        var templates = CampaignTemplates.CompileOrThrow(null, "<p>{{ contact.attributes.pair }} – {{ contact.attributes.address.city }} Привет</p>");

        var body = templates.Render(Model(), CampaignTemplates.HtmlBody).Body;

        Assert.Equal("<p>Tom &amp; &lt;Jerry&gt; – Berlin Привет</p>", body);
    }

    [Fact]
    public void The_subject_is_never_html_encoded()
    {
        var templates = CampaignTemplates.CompileOrThrow("{{ contact.attributes.pair }}", "x");

        Assert.Equal("Tom & <Jerry>", templates.Render(Model(), CampaignTemplates.HtmlBody).Subject);
    }

    [Fact]
    public void A_syntax_error_names_the_field_and_its_line_and_column()
    {
        var compilation = CampaignTemplates.Compile("Fine", "Hello\n{{ contact.name | }}");

        Assert.False(compilation.Succeeded);
        var message = Assert.Single(compilation.Errors[CampaignTemplates.BodyField]);
        Assert.Contains("line 2, column", message, StringComparison.Ordinal);
        Assert.DoesNotContain(CampaignTemplates.SubjectField, compilation.Errors.Keys);
    }

    [Fact]
    public void An_unclosed_block_is_a_syntax_error_of_the_subject()
    {
        var compilation = CampaignTemplates.Compile("{% if contact.name %}Hi", "Body");

        Assert.Contains("line 1", Assert.Single(compilation.Errors[CampaignTemplates.SubjectField]), StringComparison.Ordinal);
    }

    [Fact]
    public void Both_templates_are_checked_at_once()
    {
        var compilation = CampaignTemplates.Compile("{{ x", "{{ y");

        Assert.Equal([CampaignTemplates.BodyField, CampaignTemplates.SubjectField], compilation.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_unknown_filter_is_a_compile_error()
    {
        var compilation = CampaignTemplates.Compile(null, "{{ contact.name | shout }}");

        Assert.Contains("shout", Assert.Single(compilation.Errors[CampaignTemplates.BodyField]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_body_is_an_error()
    {
        var compilation = CampaignTemplates.Compile(null, "  ");

        Assert.Equal([CampaignTemplates.BodyField], compilation.Errors.Keys);
    }

    [Fact]
    public void An_email_needs_a_subject()
    {
        var compilation = CampaignTemplates.Compile(null, "Body", subjectRequired: true);

        Assert.Equal([CampaignTemplates.SubjectField], compilation.Errors.Keys);
    }

    [Fact]
    public void Compile_or_throw_raises_a_validation_error_naming_the_fields()
    {
        var error = Assert.Throws<MailingValidationException>(() => CampaignTemplates.CompileOrThrow("{{", "ok"));

        Assert.Equal([CampaignTemplates.SubjectField], error.Errors.Keys);
    }

    [Fact]
    public void A_failing_filter_surfaces_as_a_template_render_error()
    {
        var templates = CampaignTemplates.CompileOrThrow(null, "{{ 10 | divided_by: contact.attributes.zero }}");

        var error = Assert.Throws<TemplateRenderException>(() => templates.Render(Model()));

        Assert.Equal(CampaignTemplates.BodyField, error.Field);
    }

    [Fact]
    public void A_runaway_loop_surfaces_as_a_template_render_error()
    {
        var templates = CampaignTemplates.CompileOrThrow(null, "{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}");

        Assert.Throws<TemplateRenderException>(() => templates.Render(Model()));
    }

    [Fact]
    public async Task A_compiled_template_renders_correctly_from_many_threads_at_once()
    {
        var templates = CampaignTemplates.CompileOrThrow("Hi {{ contact.name }}", "{{ contact.name }}:{{ contact.attributes.n }}:{% for c in contact.attributes.courses %}{{ c }}{% endfor %}");

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                var name = $"w{worker}-{i}";
                var rendered = templates.Render(Model(name: name, attributes: $$"""{"n": {{i}}, "courses": ["a", "{{name}}"]}"""));
                if (rendered.Body != $"{name}:{i}:a{name}" || rendered.Subject != $"Hi {name}")
                {
                    return false;
                }
            }

            return true;
        }, TestContext.Current.CancellationToken)));

        Assert.All(results, Assert.True);
    }

    private static string Render(string body, string? member = null) =>
        CampaignTemplates.CompileOrThrow(null, body).Render(Model(member: member)).Body;

    private static TemplateModel Model(string name = "Alice", string? attributes = null, string? member = null)
    {
        var contact = new Contact
        {
            Id = ContactId,
            ClientId = "acme",
            Audience = "default",
            Email = "alice@example.com",
            Phone = "+79161234567",
            Name = name,
            TimeZone = "Europe/Moscow",
            Tags = ["vip", "early"],
            Attributes = Json(attributes ?? """
                {"plan": "pro", "address": {"city": "Berlin"}, "courses": ["ml", "mlops"], "score": 42.5, "vip": true,
                 "pair": "Tom & <Jerry>", "zero": 0}
                """),
            Status = ContactStatus.Active,
            CreatedAt = DateTimeOffset.UnixEpoch,
            UpdatedAt = DateTimeOffset.UnixEpoch,
        };
        var campaign = new TemplateCampaign(CampaignId, "Spring course", "corr-7", Json("""{"course": "ml-zoomcamp"}"""));
        return new TemplateModel(contact, campaign, member is null ? null : Json(member));
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
