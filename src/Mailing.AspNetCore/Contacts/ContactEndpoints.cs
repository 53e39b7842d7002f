using System.Text.Json;
using Mailing.AspNetCore.Http;
using Mailing.AspNetCore.RecipientLists;
using Mailing.Contacts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mailing.AspNetCore.Contacts;

/// <summary>The <c>/contacts</c> endpoints: thin handlers that bind, call Core and map the result.</summary>
internal static class ContactEndpoints
{
    private const string Tag = "Contacts";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var contacts = endpoints.MapGroup("/contacts").WithTags(Tag);

        contacts.MapPost("/", CreateAsync)
            .WithName("CreateContact")
            .WithSummary("Create a contact")
            .WithDescription("An email or a phone is required. 409 when another contact of the audience has the same email, phone or external id.")
            .Accepts<ContactBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        contacts.MapGet("/", ListAsync)
            .WithName("ListContacts")
            .WithSummary("List contacts, optionally by tag, phone prefix, status and email")
            .WithDescription("Keyset-paged by id (creation order). ?tag= and ?phonePrefix= may repeat (any of); ?email= finds one address (case-insensitive); pass nextCursor as ?cursor= for the next page.")
            .ProducesValidationProblem();

        contacts.MapGet("/{id:guid}", GetAsync)
            .WithName("GetContact")
            .WithSummary("Get a contact")
            .ProducesProblem(StatusCodes.Status404NotFound);

        contacts.MapPut("/{id:guid}", PutAsync)
            .WithName("ReplaceContact")
            .WithSummary("Replace a contact's fields")
            .WithDescription("Omitted fields become empty. 409 when another contact has the same email, phone or external id.")
            .Accepts<ContactBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        contacts.MapDelete("/{id:guid}", DeleteAsync)
            .WithName("DeleteContact")
            .WithSummary("Delete a contact")
            .WithDescription("The contact leaves all future audiences and its list memberships are removed (list counters follow). Past deliveries keep their snapshot.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<Created<ContactResponse>> CreateAsync(
        HttpContext http, IContactService service, IOptions<JsonOptions> json, string? audience, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<ContactBody>(http.Request, json.Value.SerializerOptions, cancellationToken);
        var contact = await service.CreateAsync(http.Scope(audience), body.ToInput(), cancellationToken);
        return TypedResults.Created($"{http.Request.PathBase}{http.Request.Path.Value?.TrimEnd('/')}/{contact.Id}", ContactResponse.From(contact));
    }

    private static async Task<Ok<Page<ContactResponse>>> ListAsync(
        HttpContext http, IContactService service, string? audience, string[]? tag, string[]? phonePrefix, string? status, string? email, string? cursor, string? limit,
        CancellationToken cancellationToken)
    {
        var filter = new ContactFilter(tag ?? [], phonePrefix ?? [], Status(status), email);
        var page = await service.ListAsync(http.Scope(audience), filter, cursor, QueryValues.Limit(limit), cancellationToken);
        return TypedResults.Ok(new Page<ContactResponse>([.. page.Items.Select(ContactResponse.From)], page.NextCursor));
    }

    private static async Task<Results<Ok<ContactResponse>, ProblemHttpResult>> GetAsync(
        HttpContext http, IContactService service, Guid id, string? audience, CancellationToken cancellationToken)
    {
        var contact = await service.FindAsync(http.Scope(audience), id, cancellationToken);
        return contact is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"Contact '{id}' does not exist.")
            : TypedResults.Ok(ContactResponse.From(contact));
    }

    private static async Task<Ok<ContactResponse>> PutAsync(
        HttpContext http, IContactService service, IOptions<JsonOptions> json, Guid id, string? audience, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<ContactBody>(http.Request, json.Value.SerializerOptions, cancellationToken);
        var contact = await service.UpdateAsync(http.Scope(audience), id, body.ToInput(), cancellationToken);
        return TypedResults.Ok(ContactResponse.From(contact));
    }

    private static async Task<NoContent> DeleteAsync(HttpContext http, IContactService service, Guid id, string? audience, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(http.Scope(audience), id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static ContactStatus? Status(string? value) => value switch
    {
        null => null,
        "active" => ContactStatus.Active,
        "unsubscribed" => ContactStatus.Unsubscribed,
        "suppressed" => ContactStatus.Suppressed,
        _ => throw new MailingValidationException("Status", $"status must be active, unsubscribed or suppressed, not '{value}'."),
    };
}
