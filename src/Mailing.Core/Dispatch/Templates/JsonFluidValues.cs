using System.Text.Json;
using Fluid.Values;

namespace Mailing.Dispatch.Templates;

/// <summary>
/// Turns <see cref="JsonElement"/> values (contact attributes, list-member and campaign metadata) into Fluid
/// values, so <c>{{ contact.attributes.plan }}</c>, <c>{{ contact.attributes.address.city }}</c>,
/// <c>{{ contact.attributes.courses[0] }}</c> and <c>{% for c in contact.attributes.courses %}</c> work.
/// Objects are wrapped, not copied: a property is converted when a template reads it.
/// </summary>
internal static class JsonFluidValues
{
    /// <summary>A value converter for <c>TemplateOptions.ValueConverters</c>.</summary>
    public static object? Convert(object value) => value switch
    {
        JsonElement element => From(element),
        _ => null,
    };

    public static FluidValue From(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new DictionaryValue(new JsonObjectIndexable(element)),
        JsonValueKind.Array => new ArrayValue([.. element.EnumerateArray().Select(From)]),
        JsonValueKind.String => StringValue.Create(element.GetString()!),
        JsonValueKind.Number => element.TryGetDecimal(out var number) ? NumberValue.Create(number) : StringValue.Create(element.GetRawText()),
        JsonValueKind.True => BooleanValue.True,
        JsonValueKind.False => BooleanValue.False,
        _ => NilValue.Instance,
    };

    /// <summary>A JSON object seen as a Fluid dictionary; property names match exactly first, then ignoring case.</summary>
    private sealed class JsonObjectIndexable(JsonElement element) : IFluidIndexable
    {
        public int Count => element.EnumerateObject().Count();

        public IEnumerable<string> Keys => element.EnumerateObject().Select(p => p.Name);

        public bool TryGetValue(string name, out FluidValue value)
        {
            if (element.TryGetProperty(name, out var property))
            {
                value = From(property);
                return true;
            }

            foreach (var candidate in element.EnumerateObject())
            {
                if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = From(candidate.Value);
                    return true;
                }
            }

            value = NilValue.Instance;
            return false;
        }
    }
}
