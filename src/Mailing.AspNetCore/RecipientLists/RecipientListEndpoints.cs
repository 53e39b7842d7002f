using Mailing.AspNetCore.Http;
using Mailing.RecipientLists;
using Mailing.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mailing.AspNetCore.RecipientLists;

/// <summary>The <c>/recipient-lists</c> endpoints: thin handlers that bind, call Core and map the result.</summary>
internal static class RecipientListEndpoints
{
    private const string Tag = "Recipient lists";

    private const string MembershipBodyDescription =
        "The body is streamed, so snapshots of millions of members are fine. Send application/json, or application/x-ndjson " +
        "with one member object per line and the other fields as query parameters (?dryRun=&removeAbsent=&listType=&listName=). " +
        "Requests with more than MailingOptions.ItemDetailLimit results list only the items that are not added or unchanged " +
        "(itemsSummarized: true); the counts always cover every item.";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var lists = endpoints.MapGroup("/recipient-lists").WithTags(Tag);
        var bulkLimit = new MembershipConcurrencyFilter(endpoints.ServiceProvider.GetRequiredService<IOptions<MailingEndpointOptions>>());

        lists.MapGet("/", ListListsAsync)
            .WithName("ListRecipientLists")
            .WithSummary("List the client's recipient lists")
            .WithDescription("Keyset-paged by key. Pass the returned nextCursor as ?cursor= for the next page.")
            .ProducesValidationProblem();

        lists.MapGet("/{key}", GetListAsync)
            .WithName("GetRecipientList")
            .WithSummary("Get a recipient list with its total, active and removed counts and last reconcile status")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        lists.MapPut("/{key}", PutListAsync)
            .WithName("UpsertRecipientList")
            .WithSummary("Create or update a recipient list (idempotent)")
            .WithDescription("201 when created, 200 when updated or already up to date.")
            .Accepts<ListBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        lists.MapGet("/{key}/members", ListMembersAsync)
            .WithName("ListRecipientListMembers")
            .WithSummary("List a recipient list's members")
            .WithDescription("Keyset-paged by source object key; ?active=true or ?active=false filters by state.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        lists.MapPut("/{key}/members/{sourceObjectKey}", PutMemberAsync)
            .WithName("UpsertRecipientListMember")
            .WithSummary("Create, update or reactivate one member by its source object key (idempotent)")
            .WithDescription("Creates the list when needed (from the body's list fields). 201 when the membership was added, 200 otherwise; " +
                             "409 when the contact is already an active member under another source key.")
            .Accepts<MemberBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        lists.MapPost("/{key}/members/bulk-upsert", BulkUpsertAsync)
            .AddEndpointFilter(bulkLimit)
            .WithName("BulkUpsertRecipientListMembers")
            .WithSummary("Upsert many members in one transaction, with one outcome per item")
            .WithDescription(MembershipBodyDescription)
            .Accepts<BulkUpsertBody>("application/json", MembershipRequestReader.NdjsonContentType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        lists.MapPost("/{key}/reconcile", ReconcileAsync)
            .AddEndpointFilter(bulkLimit)
            .WithName("ReconcileRecipientList")
            .WithSummary("Reconcile a list with a full snapshot of its members")
            .WithDescription("dryRun reports every change and writes nothing; removeAbsent soft-removes members missing from the snapshot. " +
                             "Counters and the last-reconcile status change in the same transaction as the membership. " + MembershipBodyDescription)
            .Accepts<ReconcileBody>("application/json", MembershipRequestReader.NdjsonContentType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<Ok<Page<ListResponse>>> ListListsAsync(
        HttpContext http, IRecipientListService service, string? audience, string? cursor, string? limit, CancellationToken cancellationToken)
    {
        var page = await service.ListListsAsync(http.Scope(audience), cursor, QueryValues.Limit(limit), cancellationToken);
        return TypedResults.Ok(new Page<ListResponse>([.. page.Items.Select(ListResponse.From)], page.NextCursor));
    }

    private static async Task<Results<Ok<ListResponse>, ProblemHttpResult>> GetListAsync(
        HttpContext http, IRecipientListService service, string key, string? audience, CancellationToken cancellationToken)
    {
        var list = await service.FindListAsync(http.Scope(audience), http.RouteValue(key), cancellationToken);
        return list is null ? NotFound(key) : TypedResults.Ok(ListResponse.From(list));
    }

    private static async Task<Results<Created<ListResponse>, Ok<ListResponse>>> PutListAsync(
        HttpContext http, IRecipientListService service, IOptions<JsonOptions> json, string key, string? audience, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<ListBody>(http.Request, json.Value.SerializerOptions, cancellationToken);
        var result = await service.UpsertListAsync(http.Scope(audience), http.RouteValue(key), body.ToDefinition(), cancellationToken);
        var response = ListResponse.From(result.List);
        return result.Outcome == ListUpsertOutcome.Created
            ? TypedResults.Created(http.Request.Path + http.Request.QueryString, response)
            : TypedResults.Ok(response);
    }

    private static async Task<Ok<Page<MemberResponse>>> ListMembersAsync(
        HttpContext http, IRecipientListService service, string key, string? audience, string? active, string? cursor, string? limit, CancellationToken cancellationToken)
    {
        var page = await service.ListMembersAsync(http.Scope(audience), http.RouteValue(key), QueryValues.Active(active), cursor, QueryValues.Limit(limit), cancellationToken);
        return TypedResults.Ok(new Page<MemberResponse>([.. page.Items.Select(MemberResponse.From)], page.NextCursor));
    }

    private static async Task<Results<Created<MemberResponse>, Ok<MemberResponse>>> PutMemberAsync(
        HttpContext http, IRecipientListService service, IOptions<JsonOptions> json, string key, string sourceObjectKey, string? audience, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<MemberBody>(http.Request, json.Value.SerializerOptions, cancellationToken);
        var result = await service.UpsertMemberAsync(
            http.Scope(audience), http.RouteValue(key), new MemberInput(http.RouteValue(sourceObjectKey), body.Email, body.Name, body.Metadata), body.List?.ToDefinition(), cancellationToken);
        var response = MemberResponse.From(result);
        return result.Outcome == MemberOutcome.Added
            ? TypedResults.Created(http.Request.Path + http.Request.QueryString, response)
            : TypedResults.Ok(response);
    }

    private static async Task<Ok<MembershipChangeResponse>> BulkUpsertAsync(
        HttpContext http, IRecipientListService service, IRecipientListStore store, IOptions<JsonOptions> json, IOptions<MailingEndpointOptions> options,
        string key, string? audience, CancellationToken cancellationToken)
    {
        await using var request = await ReadMembershipRequestAsync(http, store, json, options, cancellationToken);
        var result = await service.UpsertMembersAsync(http.Scope(audience), http.RouteValue(key), request.Members, request.List?.ToDefinition(), cancellationToken);
        return TypedResults.Ok(MembershipChangeResponse.From(result));
    }

    private static async Task<Ok<MembershipChangeResponse>> ReconcileAsync(
        HttpContext http, IRecipientListService service, IRecipientListStore store, IOptions<JsonOptions> json, IOptions<MailingEndpointOptions> options,
        string key, string? audience, CancellationToken cancellationToken)
    {
        await using var request = await ReadMembershipRequestAsync(http, store, json, options, cancellationToken);
        var result = await service.ReconcileAsync(
            http.Scope(audience), http.RouteValue(key), request.Members, new ReconcileOptions(request.DryRun, request.RemoveAbsent), request.List?.ToDefinition(), cancellationToken);
        return TypedResults.Ok(MembershipChangeResponse.From(result));
    }

    /// <summary>Reads the body's list, flags and members; whole, before any write, when the store writes one transaction at a time.</summary>
    private static Task<MembershipRequest> ReadMembershipRequestAsync(
        HttpContext http, IRecipientListStore store, IOptions<JsonOptions> json, IOptions<MailingEndpointOptions> options, CancellationToken cancellationToken)
    {
        // Lift the server's default body limit (Kestrel: 30 MB) to Mailing's own, enforced while streaming.
        var limit = options.Value.MaxMembershipRequestBodySize;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limit;
        }

        var folder = http.GetEndpoint()?.Metadata.GetMetadata<SpoolFolder>()
            ?? throw new InvalidOperationException("Mailing's endpoints are mapped with MapMailingEndpoints, which sets their spool folder.");
        return MembershipRequestReader.ReadAsync(http.Request, json.Value.SerializerOptions, limit, spoolNdjson: store.WritesOneAtATime, folder, cancellationToken);
    }

    private static ProblemHttpResult NotFound(string key) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"Recipient list '{key}' does not exist.");
}
