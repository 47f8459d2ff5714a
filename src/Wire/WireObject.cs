using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>
/// One member value of a row's <c>pk</c> or <c>row</c> as the device sent it.
/// <see cref="Text"/> is the decoded string for <see cref="JsonValueKind.String"/>, the JSON
/// number literal for <see cref="JsonValueKind.Number"/>, and null for every other kind
/// (true/false/null, and objects or arrays, which the wire validator refuses anyway).
/// </summary>
public readonly record struct WireScalar(JsonValueKind Kind, string? Text);

/// <summary>
/// A row's <c>pk</c> or <c>row</c> object, its members in the order sent (a name given twice
/// is kept twice; <see cref="LastIndexOf"/> finds the last, as <c>JsonElement.TryGetProperty</c> does).
/// Read once by the node that received the batch, so the lineage's row checks and the mirror
/// writer do not parse the same JSON text again.
/// </summary>
public sealed class WireObject
{
    private readonly string[] _names;
    private readonly WireScalar[] _values;

    /// <summary>Takes ownership of the arrays; <see cref="Utf8WireObjectReader"/> builds them while it validates.</summary>
    internal WireObject(string[] names, WireScalar[] values, bool containsNul)
    {
        _names = names;
        _values = values;
        ContainsNul = containsNul;
    }

    public int Count => _names.Length;

    public IReadOnlyList<string> Names => _names;

    public IReadOnlyList<WireScalar> Values => _values;

    /// <summary>A member name or a string anywhere in the value holds U+0000, which PostgreSQL cannot store in text or jsonb.</summary>
    public bool ContainsNul { get; }

    /// <summary>The index of the last member called <paramref name="name"/>, or -1.</summary>
    public int LastIndexOf(string name) => Array.LastIndexOf(_names, name);

    /// <summary>Parses JSON text that must be an object.</summary>
    /// <exception cref="JsonException">Not JSON.</exception>
    /// <exception cref="InvalidDataException">JSON, but not an object.</exception>
    public static WireObject Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException("not a JSON object");
        return From(document.RootElement, null);
    }

    /// <summary>
    /// Reads an object element. <paramref name="names"/> (optional, one per batch) hands out one
    /// string per distinct member name, so that the rows of a batch share their names.
    /// </summary>
    public static WireObject From(JsonElement obj, WireNames? names)
    {
        var count = 0;
        foreach (var _ in obj.EnumerateObject())
            count++;
        var keys = new string[count];
        var values = new WireScalar[count];
        var containsNul = false;
        var i = 0;
        foreach (var property in obj.EnumerateObject())
        {
            var name = names is null ? property.Name : names.Of(property, i);
            containsNul |= name.Contains('\0');
            var value = property.Value;
            var kind = value.ValueKind;
            string? text = null;
            switch (kind)
            {
                case JsonValueKind.String:
                    text = value.GetString()!;
                    containsNul |= text.Contains('\0');
                    break;
                case JsonValueKind.Number:
                    text = value.GetRawText();
                    break;
                case JsonValueKind.Object or JsonValueKind.Array:
                    containsNul |= NestedContainsNul(value);
                    break;
            }
            keys[i] = name;
            values[i] = new WireScalar(kind, text);
            i++;
        }
        return new WireObject(keys, values, containsNul);
    }

    private static bool NestedContainsNul(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => p.Name.Contains('\0') || NestedContainsNul(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(NestedContainsNul),
        JsonValueKind.String => element.GetString()!.Contains('\0'),
        _ => false,
    };
}
