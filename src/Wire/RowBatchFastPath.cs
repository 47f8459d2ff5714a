using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace EdgeSync.Wire;

/// <summary>
/// The fast path of <see cref="RowBatchReader"/>: one forward pass with <see cref="Utf8JsonReader"/>
/// that builds the batch <see cref="RowBatchReferenceReader"/> would build, or gives up (null) and
/// leaves the payload to it. It gives up on anything invalid, so it never has to say why; before
/// it accepts, every rule the reference checks holds (<see cref="WireJson.TryOpen"/>, then
/// <see cref="RowBatchEnvelopeValidator"/>).
/// <para>
/// It also gives up on some valid but unusual payloads, which the reference then reads: top-level
/// fields other than the ten of the protocol, members of a rows entry other than commit_seq, op, pk
/// and row, escaped member names at those two levels, escaped header strings, and schema_columns
/// that follow rows or hold an escape.
/// </para>
/// </summary>
internal sealed class RowBatchFastPath
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = WireLimits.MaxJsonDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly JsonDocumentOptions SchemaColumnsOptions = new()
    {
        MaxDepth = WireLimits.MaxJsonDepth,
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly byte[] CaptureStrategy = Encoding.UTF8.GetBytes(WireLimits.RowBatchCaptureStrategy);

    [Flags]
    private enum Field
    {
        None = 0,
        FormatVersion = 1 << 0,
        CaptureStrategy = 1 << 1,
        BatchId = 1 << 2,
        JournalEpoch = 1 << 3,
        SourceTable = 1 << 4,
        SchemaHash = 1 << 5,
        SchemaColumns = 1 << 6,
        FirstCommitSeq = 1 << 7,
        LastCommitSeq = 1 << 8,
        Rows = 1 << 9,
        Required = FormatVersion | CaptureStrategy | BatchId | JournalEpoch | SourceTable | SchemaHash | FirstCommitSeq | LastCommitSeq | Rows,
    }

    [Flags]
    private enum Member
    {
        None = 0,
        CommitSeq = 1 << 0,
        Op = 1 << 1,
        Pk = 1 << 2,
        Row = 1 << 3,
        Required = CommitSeq | Op | Pk,
    }

    private readonly ReadOnlyMemory<byte> _payload;
    private Field _seen;
    private Guid _batchId;
    private Guid _journalEpoch;
    private string? _sourceTable;
    private string? _schemaHash;
    private SchemaFingerprint? _schemaColumns;
    private long _firstCommitSeq;
    private long _lastCommitSeq;
    private readonly List<RowOperation> _rows = [];

    private RowBatchFastPath(ReadOnlyMemory<byte> payload) => _payload = payload;

    /// <summary>The batch, when the reference reader would accept the payload and build this very batch; null when not sure.</summary>
    public static RowBatch? TryRead(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length > WireLimits.MaxPayloadBytes || !Utf8.IsValid(payload.Span))
            return null;
        try
        {
            return new RowBatchFastPath(payload).Read();
        }
        // Not JSON (the reader), or an unpaired surrogate escape (GetString): the reference says which.
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private RowBatch? Read()
    {
        var payload = _payload.Span;
        var reader = new Utf8JsonReader(payload, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueIsEscaped ? Field.None : FieldNamed(reader.ValueSpan);
            if (field == Field.None || (_seen & field) != 0)
                return null;
            _seen |= field;
            reader.Read();
            if (!TryReadField(ref reader, payload, field))
                return null;
        }
        // The root object has ended; the reader throws on anything but white space after it.
        if (reader.Read() || (_seen & Field.Required) != Field.Required)
            return null;

        if (_rows[0].CommitSeq != _firstCommitSeq || _rows[^1].CommitSeq != _lastCommitSeq)
            return null;
        if (_schemaColumns is not null
            && (!string.Equals(_schemaColumns.TableName, _sourceTable, StringComparison.Ordinal)
                || !string.Equals(_schemaColumns.ComputeHash(), _schemaHash, StringComparison.Ordinal)))
            return null;

        return new RowBatch(_batchId, _journalEpoch, _sourceTable!, _schemaHash!, _schemaColumns,
            _firstCommitSeq, _lastCommitSeq, _rows.ToArray().AsReadOnly(), _payload.Length);
    }

    private static Field FieldNamed(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("format_version"u8) ? Field.FormatVersion
        : name.SequenceEqual("capture_strategy"u8) ? Field.CaptureStrategy
        : name.SequenceEqual("batch_id"u8) ? Field.BatchId
        : name.SequenceEqual("journal_epoch"u8) ? Field.JournalEpoch
        : name.SequenceEqual("source_table"u8) ? Field.SourceTable
        : name.SequenceEqual("schema_hash"u8) ? Field.SchemaHash
        : name.SequenceEqual("schema_columns"u8) ? Field.SchemaColumns
        : name.SequenceEqual("first_commit_seq"u8) ? Field.FirstCommitSeq
        : name.SequenceEqual("last_commit_seq"u8) ? Field.LastCommitSeq
        : name.SequenceEqual("rows"u8) ? Field.Rows
        : Field.None;

    /// <summary>Reads the value of <paramref name="field"/>, on which the reader is; false when it breaks the field's rule.</summary>
    private bool TryReadField(ref Utf8JsonReader reader, ReadOnlySpan<byte> payload, Field field)
    {
        switch (field)
        {
            case Field.FormatVersion:
                // The reference compares the raw text with "1": 1.0, 1e0 and 01 are not version 1.
                return reader.TokenType == JsonTokenType.Number && reader.ValueSpan.SequenceEqual("1"u8);
            case Field.CaptureStrategy:
                return IsUnescapedString(ref reader) && reader.ValueSpan.SequenceEqual(CaptureStrategy);
            case Field.BatchId:
                return TryReadUuid7(ref reader, out _batchId);
            case Field.JournalEpoch:
                return TryReadUuid7(ref reader, out _journalEpoch);
            case Field.SourceTable:
                if (reader.TokenType != JsonTokenType.String)
                    return false;
                _sourceTable = reader.GetString()!;
                return SourceTableName.Problem(_sourceTable) is null;
            case Field.SchemaHash:
                if (!IsUnescapedString(ref reader) || !IsLowercaseSha256Hex(reader.ValueSpan))
                    return false;
                _schemaHash = reader.GetString()!;
                return true;
            case Field.SchemaColumns:
                // Null is the same as absent. The row checks need the columns, so they must come first.
                return reader.TokenType == JsonTokenType.Null
                    || (reader.TokenType == JsonTokenType.StartObject && (_seen & Field.Rows) == 0 && TryReadSchemaColumns(ref reader));
            case Field.FirstCommitSeq:
                return TryReadCommitSeq(ref reader, out _firstCommitSeq);
            case Field.LastCommitSeq:
                return TryReadCommitSeq(ref reader, out _lastCommitSeq);
            case Field.Rows:
                return reader.TokenType == JsonTokenType.StartArray && TryReadRows(ref reader, payload);
            default:
                return false;
        }
    }

    /// <summary>
    /// schema_columns is small and rare, so it is cut out of the payload and handed to the
    /// reference's <see cref="SchemaColumnsParser"/>; whether its table name and hash agree with
    /// source_table and schema_hash is checked once every field is read.
    /// </summary>
    private bool TryReadSchemaColumns(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        var json = _payload[start..(int)reader.BytesConsumed];
        // An escape could hide an unpaired surrogate in a value, which JsonDocument.Parse lets through.
        if (json.Span.IndexOf((byte)'\\') >= 0)
            return false;
        using var document = JsonDocument.Parse(json, SchemaColumnsOptions);
        _schemaColumns = SchemaColumnsParser.Parse(document.RootElement).Fingerprint;
        return _schemaColumns is not null;
    }

    private bool TryReadRows(ref Utf8JsonReader reader, ReadOnlySpan<byte> payload)
    {
        var keyNames = _schemaColumns?.PrimaryKey is { Count: > 0 } key ? key.Select(c => c.Name).ToHashSet(StringComparer.Ordinal) : null;
        var columnNames = _schemaColumns?.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var pks = Utf8WireObjectReader.ForPk(keyNames);
        var rowValues = Utf8WireObjectReader.ForRow(columnNames);

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            if (_rows.Count == WireLimits.MaxRowsPerBatch
                || !TryReadRow(ref reader, payload, pks, rowValues, out var row)
                || (_rows.Count > 0 && row.CommitSeq <= _rows[^1].CommitSeq))
                return false;
            _rows.Add(row);
        }
        return reader.TokenType == JsonTokenType.EndArray && _rows.Count > 0;
    }

    private static bool TryReadRow(ref Utf8JsonReader reader, ReadOnlySpan<byte> payload,
        Utf8WireObjectReader pks, Utf8WireObjectReader rowValues, [NotNullWhen(true)] out RowOperation? row)
    {
        row = null;
        var seen = Member.None;
        long commitSeq = 0;
        string? op = null, pkJson = null, rowJson = null;
        WireObject? pk = null, values = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var member = reader.ValueIsEscaped ? Member.None : MemberNamed(reader.ValueSpan);
            if (member == Member.None || (seen & member) != 0)
                return false;
            seen |= member;
            reader.Read();
            var valid = member switch
            {
                Member.CommitSeq => TryReadCommitSeq(ref reader, out commitSeq),
                Member.Op => TryReadOp(ref reader, out op),
                Member.Pk => reader.TokenType == JsonTokenType.StartObject && pks.TryRead(ref reader, payload, out pk, out pkJson),
                _ => reader.TokenType == JsonTokenType.Null
                    || (reader.TokenType == JsonTokenType.StartObject && rowValues.TryRead(ref reader, payload, out values, out rowJson)),
            };
            if (!valid)
                return false;
        }

        // A delete has no row (absent or null); an insert or update has one.
        if ((seen & Member.Required) != Member.Required || (op == RowOperation.Delete) != (values is null))
            return false;
        row = new RowOperation(commitSeq, op!, pkJson!, rowJson, pk!, values);
        return true;
    }

    private static Member MemberNamed(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("commit_seq"u8) ? Member.CommitSeq
        : name.SequenceEqual("op"u8) ? Member.Op
        : name.SequenceEqual("pk"u8) ? Member.Pk
        : name.SequenceEqual("row"u8) ? Member.Row
        : Member.None;

    private static bool TryReadOp(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? op)
    {
        op = null;
        if (!IsUnescapedString(ref reader))
            return false;
        var text = reader.ValueSpan;
        op = text.SequenceEqual("insert"u8) ? RowOperation.Insert
            : text.SequenceEqual("update"u8) ? RowOperation.Update
            : text.SequenceEqual("delete"u8) ? RowOperation.Delete
            : null;
        return op is not null;
    }

    /// <summary>As <see cref="RowBatchEnvelopeValidator.TryGetCommitSeq"/>: an integer literal (no fraction, no exponent) in 1..2^63-1.</summary>
    private static bool TryReadCommitSeq(ref Utf8JsonReader reader, out long seq)
    {
        seq = 0;
        return reader.TokenType == JsonTokenType.Number
            && reader.ValueSpan.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0
            && reader.TryGetInt64(out seq)
            && seq >= 1;
    }

    private static bool TryReadUuid7(ref Utf8JsonReader reader, out Guid value)
    {
        value = Guid.Empty;
        return IsUnescapedString(ref reader) && Uuid7.TryParse(reader.GetString(), out value);
    }

    private static bool IsUnescapedString(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped;

    private static bool IsLowercaseSha256Hex(ReadOnlySpan<byte> text)
    {
        if (text.Length != 64)
            return false;
        foreach (var c in text)
            if (c is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
                return false;
        return true;
    }
}
