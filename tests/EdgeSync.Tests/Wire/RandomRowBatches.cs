using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Wire;

/// <summary>
/// Random <c>sync/rows/batch</c> payloads: valid batches of the shapes the protocol allows (with and
/// without schema_columns, composite and missing keys, unicode and escaped names, any scalar
/// values, fields in any order, compact or indented), and the same batches with one thing broken
/// by <see cref="PayloadMutations"/>. Each sample is built from one seed, so a failure prints it.
/// </summary>
public static class RandomRowBatches
{
    /// <param name="Ordinary">Valid and of the everyday shape the fast path must accept itself.</param>
    public sealed record Sample(int Seed, string Change, byte[] Payload, bool Ordinary)
    {
        public override string ToString() => $"seed {Seed}, {Change}: {Encoding.UTF8.GetString(Payload)}";
    }

    private static readonly string[] ColumnNamePool =
        ["id", "site", "state", "value", "temp", "counter", "flags", "raw", "température", "😀", "tab\tname", "we\"ird\\name", "Mode", "k2", "a+b", "nul\0name", ""];

    private static readonly string[] TableNamePool = ["device_state", "sensor_readings", "capteurs_é", "t", "my table", "quote\"d"];

    private static readonly string[] TextPieces =
        ["a", "plant-1/line-2", " ", "\"", "\\", "\n", "\t", "\0", "é", "€", "😀", "/", "<", "+", "\u2028", "\u001f", "\u007f", "idle", "\u00a0"];

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions RelaxedIndented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };
    private static readonly JsonSerializerOptions Escaping = new();

    /// <summary>Half unchanged valid batches, half broken ones (field changes, hostile values, byte changes).</summary>
    public static Gen<Sample> Samples { get; } = Gen.Int.Select(seed => Build(seed));

    public static Sample Build(int seed)
    {
        var random = new Random(seed);
        var batch = new BatchModel(random);
        var change = "unchanged";
        var message = batch.Message();
        var mutation = random.Next(2) == 0 ? random.Next(3) : -1;
        if (mutation == 0)
            change = PayloadMutations.ChangeMessage(random, message);
        else if (mutation == 1)
            change = PayloadMutations.Hostile(random, message);

        var options = random.Next(4) switch { 0 => Escaping, 1 => RelaxedIndented, _ => Relaxed };
        var payload = PayloadMutations.WithLoneSurrogates(Encoding.UTF8.GetBytes(message.ToJsonString(options)));
        if (mutation == 2)
            (payload, change) = PayloadMutations.ChangeText(random, payload);

        var ordinary = change == "unchanged"
            && (message["schema_columns"] is not { } schema || (batch.SchemaBeforeRows && !schema.ToJsonString(options).Contains('\\')));
        return new Sample(seed, change, payload, ordinary);
    }

    /// <summary>The valid batch a seed describes.</summary>
    private sealed class BatchModel
    {
        private readonly Random _random;
        private readonly string _table;
        private readonly SchemaColumn[] _columns;
        private readonly string[] _keys;
        private readonly bool _withSchema;

        public BatchModel(Random random)
        {
            _random = random;
            _table = random.Next(8) == 0 ? TableNamePool[random.Next(TableNamePool.Length)] : "device_state";
            var names = ColumnNamePool.OrderBy(_ => random.Next()).Take(random.Next(1, 10)).ToList();
            if (random.Next(3) > 0 && !names.Contains("id"))
                names[0] = "id";
            var keyCount = Math.Min(names.Count, random.Next(4) switch { 0 => 0, 1 => 2, _ => 1 });
            _columns = names.Select((name, i) => new SchemaColumn(name,
                SqliteAffinity.All[random.Next(SqliteAffinity.All.Count)], random.Next(2) == 0, i < keyCount ? i + 1 : 0)).ToArray();
            _keys = names.Take(keyCount).ToArray();
            _withSchema = random.Next(3) == 0;
            // A schema_columns naming a column with U+0000 is refused; rows may still name one (the lineage refuses those).
            if (_withSchema)
            {
                _columns = _columns.Select(c => c.Name.Contains('\0') ? c with { Name = c.Name.Replace('\0', '0') } : c).ToArray();
                _keys = _columns.Where(c => c.PkOrdinal > 0).OrderBy(c => c.PkOrdinal).Select(c => c.Name).ToArray();
            }
            SchemaBeforeRows = random.Next(6) > 0;
        }

        public bool SchemaBeforeRows { get; }

        public JsonObject Message()
        {
            var fingerprint = new SchemaFingerprint(_table, _columns);
            var rows = Rows();
            var fields = new List<KeyValuePair<string, JsonNode?>>
            {
                new("format_version", 1),
                new("capture_strategy", WireLimits.RowBatchCaptureStrategy),
                new("batch_id", Uuid7Text()),
                new("journal_epoch", Uuid7Text()),
                new("source_table", _table),
                new("schema_hash", _withSchema || _random.Next(2) == 0 ? fingerprint.ComputeHash() : Convert.ToHexStringLower(RandomBytes(32))),
                new("first_commit_seq", rows[0]!["commit_seq"]!.GetValue<long>()),
                new("last_commit_seq", rows[^1]!["commit_seq"]!.GetValue<long>()),
            };
            if (_random.Next(3) == 0)
                fields = fields.OrderBy(_ => _random.Next()).ToList();
            var schema = _withSchema ? SchemaColumns(fingerprint) : null;
            if (schema is not null && SchemaBeforeRows)
                fields.Insert(_random.Next(fields.Count + 1), new("schema_columns", schema));
            fields.Add(new("rows", rows));
            if (schema is not null && !SchemaBeforeRows)
                fields.Add(new("schema_columns", schema));
            return new JsonObject(fields);
        }

        private JsonObject SchemaColumns(SchemaFingerprint fingerprint)
        {
            var columns = fingerprint.Columns.OrderBy(_ => _random.Next()).Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["decl_type_affinity"] = c.DeclTypeAffinity, ["not_null"] = c.NotNull, ["pk_ordinal"] = c.PkOrdinal,
            });
            return new JsonObject { ["table_name"] = fingerprint.TableName, ["columns"] = new JsonArray(columns.ToArray()) };
        }

        private JsonArray Rows()
        {
            var count = _random.Next(10) == 0 ? _random.Next(100, 600) : _random.Next(1, 20);
            var seq = _random.Next(4) == 0 ? _random.NextInt64(1, long.MaxValue - 10_000) : _random.Next(1, 1000);
            var shuffleMembers = _random.Next(5) == 0;
            var rowColumns = _columns.Select(c => c.Name).ToArray();
            var rows = new JsonArray();
            for (var i = 0; i < count; i++)
            {
                var op = _random.Next(5) switch { 0 => RowOperation.Delete, 1 => RowOperation.Update, _ => RowOperation.Insert };
                var pk = new JsonObject(_keys.Length > 0
                    ? _keys.Select(k => new KeyValuePair<string, JsonNode?>(k, KeyValue()))
                    : [new("rowid", KeyValue())]);
                var members = new List<KeyValuePair<string, JsonNode?>> { new("commit_seq", seq), new("op", op), new("pk", pk) };
                if (op != RowOperation.Delete)
                    members.Add(new("row", new JsonObject(RowNames(rowColumns).Select(n => new KeyValuePair<string, JsonNode?>(n, Value())))));
                else if (_random.Next(2) == 0)
                    members.Add(new("row", null));
                if (shuffleMembers)
                    members = members.OrderBy(_ => _random.Next()).ToList();
                rows.Add(new JsonObject(members));
                seq += _random.Next(1, 4);
            }
            return rows;
        }

        /// <summary>Usually every column in one order, as a device sends them; sometimes some of them, in any order.</summary>
        private IEnumerable<string> RowNames(string[] columns) =>
            _random.Next(4) > 0 ? columns : columns.OrderBy(_ => _random.Next()).Take(_random.Next(1, columns.Length + 1));

        private JsonNode KeyValue() => _random.Next(3) == 0 ? JsonValue.Create(Text())! : JsonValue.Create(_random.NextInt64(-5, 1_000_000));

        private JsonNode? Value() => _random.Next(8) switch
        {
            0 => null,
            1 => JsonValue.Create(_random.Next(2) == 0),
            2 => JsonValue.Create(_random.NextInt64(long.MinValue, long.MaxValue)),
            3 => JsonValue.Create(Math.Round(_random.NextDouble() * 10_000, 3)),
            4 => JsonValue.Create(-_random.NextDouble() * Math.Pow(10, _random.Next(-30, 30))),
            _ => JsonValue.Create(Text()),
        };

        private string Text()
        {
            var length = _random.Next(30) == 0 ? _random.Next(200, 2000) : _random.Next(0, 12);
            var text = new StringBuilder();
            for (var i = 0; i < length; i++)
                text.Append(_random.Next(3) == 0 ? TextPieces[_random.Next(TextPieces.Length)] : (char)_random.Next('a', 'z' + 1));
            return text.ToString();
        }

        private string Uuid7Text()
        {
            var bytes = RandomBytes(16);
            bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
            bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
            var text = new Guid(bytes, bigEndian: true).ToString("D");
            return _random.Next(10) == 0 ? text.ToUpperInvariant() : text;
        }

        private byte[] RandomBytes(int count)
        {
            var bytes = new byte[count];
            _random.NextBytes(bytes);
            return bytes;
        }
    }
}
