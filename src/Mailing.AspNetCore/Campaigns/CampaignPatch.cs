using System.Text.Json;
using System.Text.Json.Nodes;
using Mailing.AspNetCore.Http;

namespace Mailing.AspNetCore.Campaigns;

/// <summary>
/// <c>PATCH /campaigns/{id}</c> as a JSON merge patch (RFC 7396) over the campaign's <see cref="CampaignBody"/>:
/// absent members keep their value, <c>null</c> removes one, objects (<c>audience</c>, <c>sendWindow</c>,
/// <c>metadata</c>) merge member by member, anything else (arrays included) is replaced.
/// </summary>
internal static class CampaignPatch
{
    /// <summary>The campaign's author fields with <paramref name="patch"/> applied.</summary>
    public static CampaignBody Apply(Campaign campaign, JsonObject patch, JsonSerializerOptions options)
    {
        // The status moves only through the action routes; repeating the current one (a GET sent back) is harmless.
        if (patch.TryGetPropertyValue(FieldNames.ToWire(nameof(Campaign.Status), options), out var status)
            && !(status?.GetValueKind() == JsonValueKind.String && status.GetValue<string>() == WireEnum<CampaignStatus>.Name(campaign.Status)))
        {
            throw new MailingValidationException(
                nameof(Campaign.Status),
                "The status changes only through POST /campaigns/{id}/schedule, /send-now, /pause, /resume and /cancel.");
        }

        // Nodes made with the host's options match member names as the host does (case-insensitively by default).
        var document = JsonSerializer.SerializeToNode(CampaignBody.From(campaign), options)!.AsObject();
        Merge(document, patch);
        try
        {
            return document.Deserialize<CampaignBody>(options)!;
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            throw new RequestBodyException(field, $"'{field}' has the wrong JSON type or is malformed.");
        }
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject members)
            {
                if (target[name] is not JsonObject nested)
                {
                    nested = new JsonObject(target.Options);
                    target[name] = nested;
                }

                Merge(nested, members);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
