using System.Text.Json;
using System.Text.Unicode;

namespace EdgeSync.Wire;

/// <summary>
/// Reads a bootstrap snapshot's row line, <c>{ "pk": {…}, "row": {…} }</c>, in one pass of a
/// <see cref="Utf8JsonReader"/>, building the pk and row as <see cref="RowBatchFastPath"/> builds
/// a batch's: no document, no second walk for the raw text. It answers only the plain case (the
/// two members once each, objects of distinct scalars, nothing after); for anything else it
/// answers null and the caller's reference reader decides, so that both read every line alike.
/// One instance per snapshot: its readers share member-name strings from row to row.
/// </summary>
public sealed class SnapshotLineFastPath
{
    private readonly Utf8WireObjectReader _pks = Utf8WireObjectReader.ForPk(null);
    private readonly Utf8WireObjectReader _rows = Utf8WireObjectReader.ForRow(null);

    /// <summary>The line as an <c>update</c> at <paramref name="commitSeq"/>, or null when the reference must read it.</summary>
    public RowOperation? TryRead(ReadOnlySpan<byte> line, long commitSeq)
    {
        // The reader decodes strings without checking their UTF-8; the reference fails on it.
        if (!Utf8.IsValid(line))
            return null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = WireLimits.MaxJsonDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            WireObject? pk = null, row = null;
            string? pkJson = null, rowJson = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped)
                    return null;
                var isPk = reader.ValueSpan.SequenceEqual("pk"u8);
                if (!isPk && !reader.ValueSpan.SequenceEqual("row"u8))
                    return null;
                // A member given twice: the reference takes the last.
                if ((isPk ? pk : row) is not null)
                    return null;
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    return null;
                var read = isPk
                    ? _pks.TryRead(ref reader, line, out pk, out pkJson)
                    : _rows.TryRead(ref reader, line, out row, out rowJson);
                if (!read)
                    return null;
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || pk is null || row is null)
                return null;
            return RowOperation.Parsed(commitSeq, RowOperation.Update, pkJson!, rowJson, pk, row);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string the reference cannot decode either (a lone surrogate escape): it reports that.
            return null;
        }
    }
}
