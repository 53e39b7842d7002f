using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Mailing.Store.EfCore.Campaigns;

/// <summary>Stores an enum as its JSON name (<c>sending</c>, <c>bulk</c>), so the columns read like the API.</summary>
internal static class StoredEnum<TEnum>
    where TEnum : struct, Enum
{
    private static readonly FrozenDictionary<TEnum, string> Names = Enum.GetValues<TEnum>().ToFrozenDictionary(
        v => v,
        v => typeof(TEnum).GetField(v.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? v.ToString().ToLowerInvariant());

    private static readonly FrozenDictionary<string, TEnum> Values = Names.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string Name(TEnum value) => Names[value];

    public static TEnum Parse(string name) => Values.TryGetValue(name, out var value)
        ? value
        : throw new InvalidOperationException($"'{name}' is not a stored {typeof(TEnum).Name}.");

    /// <summary>The value stored as <paramref name="name"/>, or null for none and for a name this enum does not have.</summary>
    public static TEnum? ParseOrNull(string? name) => name is not null && Values.TryGetValue(name, out var value) ? value : null;

    public static string[] NamesOf(IEnumerable<TEnum> values) => [.. values.Select(Name)];
}
