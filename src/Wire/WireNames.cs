using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>
/// The member names met in one batch's rows: rows of a table name the same members in the same
/// order, so a name is compared in place with the one at the same position before it is allocated.
/// </summary>
public sealed class WireNames
{
    private readonly List<string> _byPosition = [];

    internal string Of(JsonProperty property, int position)
    {
        if (position < _byPosition.Count && property.NameEquals(_byPosition[position]))
            return _byPosition[position];
        var name = property.Name;
        if (position < _byPosition.Count)
            _byPosition[position] = name;
        else if (position == _byPosition.Count)
            _byPosition.Add(name);
        return name;
    }
}
