using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeSync.Tests.Wire;

/// <summary>
/// Ways to break (or merely respell) a valid row batch, for <see cref="RandomRowBatches"/>: field
/// changes on the message, and byte changes on its text for what a JSON writer never produces
/// (duplicate or escaped names, unpaired surrogates, other number spellings, invalid UTF-8…).
/// Each returns a description of what it did.
/// </summary>
public static class PayloadMutations
{
    private static readonly string[] TopLevelFields =
        ["format_version", "capture_strategy", "batch_id", "journal_epoch", "source_table", "schema_hash", "schema_columns", "first_commit_seq", "last_commit_seq", "rows"];

    private static readonly string[] RowMembers = ["commit_seq", "op", "pk", "row"];

    private static readonly string[] NumberSpellings =
        ["-0", "0", "1", "-1", "1e3", "1E0", "1.0", "1.50E+2", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "2", "0.5e-3", "01", "+1"];

    private static readonly Func<JsonNode?>[] OddValues =
    [
        () => null, () => "x", () => "", () => 0, () => -1, () => 1.5, () => true, () => false, () => new JsonArray(), () => new JsonObject(),
        () => new JsonArray(1, "a"), () => new JsonObject { ["id"] = 1 }, () => new string('z', 300), () => "0192f5c4-8d2e-4b31-9f0a-3c5e7d9b1a20",
    ];

    public static string ChangeMessage(Random random, JsonObject message)
    {
        var rows = message["rows"]!.AsArray();
        var index = random.Next(rows.Count);
        var row = rows[index]!.AsObject();
        switch (random.Next(16))
        {
            case 0:
            {
                var field = Pick(random, TopLevelFields);
                message.Remove(field);
                return $"without {field}";
            }
            case 1:
            {
                var field = Pick(random, TopLevelFields);
                message[field] = Pick(random, OddValues)();
                return $"{field} changed";
            }
            case 2:
            {
                var field = Pick(random, ["org_id", "project_id", "fleet_id", "device_id"]);
                message[field] = random.Next(2) == 0 ? null : "0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20";
                return $"tenant field {field}";
            }
            case 3:
                message[Pick(random, ["agent_version", "Device_Id", "extra"])] = random.Next(2) == 0 ? "2.4.1" : new JsonObject { ["device_id"] = "nested" };
                return "unknown top-level field";
            case 4:
            {
                var member = Pick(random, RowMembers);
                row.Remove(member);
                return $"rows[{index}] without {member}";
            }
            case 5:
            {
                var member = Pick(random, RowMembers);
                row[member] = Pick(random, OddValues)();
                return $"rows[{index}].{member} changed";
            }
            case 6:
                row[Pick(random, ["extra", "Op", "device_id"])] = 1;
                return $"rows[{index}] with an unknown member";
            case 7:
                return ChangeObject(random, row, "pk", index);
            case 8:
                return row["row"] is JsonObject ? ChangeObject(random, row, "row", index) : SetDeleteRow(row, index);
            case 9:
            {
                var other = random.Next(rows.Count);
                var seq = rows[other]!["commit_seq"]!.GetValue<long>() + random.Next(-1, 2);
                row["commit_seq"] = seq;
                return $"rows[{index}].commit_seq = {seq}";
            }
            case 10:
            {
                var field = Pick(random, ["first_commit_seq", "last_commit_seq"]);
                message[field] = message[field]!.GetValue<long>() + (random.Next(2) == 0 ? 1 : -1);
                return $"{field} off by one";
            }
            case 11:
                return ChangeSchemaColumns(random, message);
            case 12:
                if (random.Next(3) == 0)
                    rows.Insert(random.Next(rows.Count + 1), 5);
                else
                    message["rows"] = random.Next(2) == 0 ? new JsonArray() : "rows";
                return "rows changed";
            case 13:
                row["op"] = Pick(random, ["UPDATE", "upsert", "Insert", "delete", "insert", "update"]);
                return $"rows[{index}].op = {row["op"]}";
            case 14:
                message["source_table"] = Pick(random, ["sqlite_x", "SQLite_master", "__omega_t", "__EDGESYNC_t", "", "tab\tle", "del\u007f", "c1\u0085", new string('t', 256), new string('é', 128), "ſqlite_x", "sqlite"]);
                return $"source_table = {message["source_table"]}";
            default:
                message["schema_hash"] = Pick(random, [new string('A', 64), new string('a', 63), new string('a', 65), new string('g', 64)]);
                return "schema_hash changed";
        }
    }

    /// <summary>Stands for an unpaired surrogate escape, which a JSON writer cannot write; <see cref="WithLoneSurrogates"/> puts it in.</summary>
    public const string LoneSurrogate = "@@lone-surrogate@@";

    /// <summary>The payload with every <see cref="LoneSurrogate"/> replaced by the escape <c>\ud800</c>.</summary>
    public static byte[] WithLoneSurrogates(byte[] json)
    {
        var marker = Encoding.UTF8.GetBytes(LoneSurrogate);
        var at = json.AsSpan().IndexOf(marker);
        return at < 0 ? json : WithLoneSurrogates(Splice(json, at, marker.Length, "\\ud800"u8));
    }

    private static readonly string[] HostileTexts =
    [
        "\0", "a\0b", LoneSurrogate, "x" + LoneSurrogate, "\u001b[31mred\u001b[0m", "\u001b]0;title\u0007", "\u009b2J", "\r\nfake log line",
        "\u202eevil", new string('a', 254) + "😀", new string('a', 255) + "😀", new string('é', 127) + "😀", "😀",
    ];

    private static readonly string[] HostileNumbers =
    [
        "1e131072", "1e131071", "-1e131072", "9e999999999", "1e-16383", "1e-16384", "0.5e-16383", "0e999999", "-0e-99999", "1e2147483648",
        "123456789012345678901234567890123456789012345678901234567890", "0." + new string('0', 16_382) + "1", "0." + new string('0', 16_383) + "1",
        "1" + new string('0', 20_000), "1.5e308", "4.9e-324", "1e400", "3.14159265358979323846264338327950288419716939937510582097494459",
        "-0.000000000000000000000000000000000000000000000000000000000000000001",
    ];

    /// <summary>
    /// What a hostile tenant sends: control characters, U+0000, unpaired surrogates, terminal
    /// escapes and emoji at the 255-unit cut in the header strings and in names and values, and
    /// numbers that are valid JSON but out of PostgreSQL's range.
    /// </summary>
    public static string Hostile(Random random, JsonObject message)
    {
        var rows = message["rows"]!.AsArray();
        var index = random.Next(rows.Count);
        var row = rows[index]!.AsObject();
        var target = row["row"] as JsonObject ?? row["pk"]!.AsObject();
        var text = Pick(random, HostileTexts);
        switch (random.Next(7))
        {
            case 0:
            {
                var field = Pick(random, ["source_table", "batch_id", "journal_epoch", "capture_strategy", "schema_hash"]);
                message[field] = text;
                return $"{field} = {text}";
            }
            case 1:
            {
                var number = Pick(random, HostileNumbers);
                target[target.First().Key] = JsonNode.Parse(number);
                return $"rows[{index}] value {(number.Length > 40 ? number[..40] + "…" : number)}";
            }
            case 2:
                target[target.First().Key] = text;
                return $"rows[{index}] value {text}";
            case 3:
            {
                // A member name: not in schema_columns when there is one, else a column the lineage may not know.
                target[text] = 1;
                return $"rows[{index}] member named {text}";
            }
            case 4:
                if (message["schema_columns"] is JsonObject schema)
                {
                    schema["columns"]![0]!["name"] = text;
                    return $"schema_columns column named {text}";
                }
                message["source_table"] = text;
                return $"source_table = {text}";
            case 5:
            {
                var depth = random.Next(10, 40);
                target[target.First().Key] = JsonNode.Parse(new string('[', depth) + "1" + new string(']', depth));
                return $"rows[{index}] value nested {depth} deep";
            }
            default:
                message[Pick(random, ["extra", text])] = text;
                return $"unknown top-level field with {text}";
        }
    }

    public static (byte[] Payload, string Change) ChangeText(Random random, byte[] json)
    {
        var tokens = Tokens(json);
        Token Any(params JsonTokenType[] types)
        {
            var matching = types.Length == 0 ? tokens : tokens.Where(t => types.Contains(t.Type)).ToList();
            return matching.Count == 0 ? tokens[0] : matching[random.Next(matching.Count)];
        }

        switch (random.Next(14))
        {
            case 0:
            {
                var name = Any(JsonTokenType.PropertyName);
                var raw = json.AsSpan(name.Start, name.Length).ToArray();
                return (Splice(json, name.Start, 0, [.. raw, .. ":null,"u8]), $"duplicate of {Encoding.UTF8.GetString(raw)}");
            }
            case 1:
            {
                // The same name again, spelled with an escape: still a duplicate once unescaped.
                var name = Any(JsonTokenType.PropertyName);
                if (name.Length < 3 || json[name.Start + 1] >= 0x80 || json[name.Start + 1] == '\\')
                    return (json, "unchanged (no name to escape)");
                var escaped = Encoding.UTF8.GetBytes($"\"\\u{json[name.Start + 1]:x4}").Concat(json[(name.Start + 2)..(name.Start + name.Length)]).ToArray();
                return (Splice(json, name.Start, 0, [.. escaped, .. ":1,"u8]), "duplicate name spelled with an escape");
            }
            case 2:
                return EscapeFirstCharacter(random, json, Any(JsonTokenType.PropertyName));
            case 3:
                return EscapeFirstCharacter(random, json, Any(JsonTokenType.String));
            case 4:
            {
                var text = Any(JsonTokenType.String, JsonTokenType.PropertyName);
                var escape = Pick(random, ["\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u0000", "\\ud800\\u0041", "\\uDFFF", "\\n", "\\/"]);
                return (Splice(json, text.Start + 1 + random.Next(text.Length - 1), 0, Encoding.UTF8.GetBytes(escape)), $"{escape} in a string");
            }
            case 5:
            {
                var number = Any(JsonTokenType.Number);
                var spelling = Pick(random, NumberSpellings);
                return (Splice(json, number.Start, number.Length, Encoding.UTF8.GetBytes(spelling)), $"a number spelled {spelling}");
            }
            case 6:
            {
                var at = Pick(random, [0, json.Length, Any().Start]);
                return (Splice(json, at, 0, Encoding.UTF8.GetBytes(Pick(random, [" ", "\t\r\n ", "\n"]))), "white space added");
            }
            case 7:
            {
                var text = Any(JsonTokenType.String);
                var bad = Pick<byte[]>(random, [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF8, 0x88, 0x80, 0x80, 0x80]]);
                return (Splice(json, text.Start + 1, 0, bad), "invalid UTF-8 in a string");
            }
            case 8:
                return (Splice(json, 0, 0, [0xEF, 0xBB, 0xBF]), "byte order mark");
            case 9:
                return (json[..random.Next(json.Length)], "truncated");
            case 10:
            {
                var value = Any(JsonTokenType.Number, JsonTokenType.String, JsonTokenType.True, JsonTokenType.False, JsonTokenType.Null);
                var depth = random.Next(1, 20);
                var nested = random.Next(2) == 0
                    ? new string('[', depth) + "1" + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                return (Splice(json, value.Start, value.Length, Encoding.UTF8.GetBytes(nested)), $"a value nested {depth} deep");
            }
            case 11:
                return (Splice(json, json.Length, 0, Encoding.UTF8.GetBytes(Pick(random, [" x", ",", "{}", "/* c */", "\0"]))), "something after the object");
            case 12:
            {
                var at = random.Next(json.Length);
                var copy = json.ToArray();
                copy[at] = (byte)random.Next(0x20, 0x7F);
                return (copy, $"byte {at} replaced");
            }
            default:
            {
                // A JSON writer never writes this: an end of object spelled with a trailing comma.
                var end = Any(JsonTokenType.EndObject, JsonTokenType.EndArray);
                return (Splice(json, end.Start, 0, ","u8.ToArray()), "trailing comma");
            }
        }
    }

    private static string ChangeObject(Random random, JsonObject row, string member, int index)
    {
        var obj = row[member]!.AsObject();
        var first = obj.First().Key;
        switch (random.Next(5))
        {
            case 0:
                obj[first] = random.Next(2) == 0 ? new JsonArray(1) : new JsonObject { ["v"] = "\0" };
                return $"rows[{index}].{member}.{first} nested";
            case 1:
                row[member] = new JsonObject();
                return $"rows[{index}].{member} empty";
            case 2:
                obj[Pick(random, ["colour", "ID", "id", "mode", "site", "rowid"])] = 7;
                return $"rows[{index}].{member} with another member";
            case 3:
                var value = obj[first];
                obj.Remove(first);
                obj[first.ToUpperInvariant() == first ? first.ToLowerInvariant() : first.ToUpperInvariant()] = value?.DeepClone();
                return $"rows[{index}].{member}.{first} renamed";
            default:
                obj.Remove(first);
                return $"rows[{index}].{member} without {first}";
        }
    }

    private static string SetDeleteRow(JsonObject row, int index)
    {
        row["row"] = new JsonObject { ["id"] = 7 };
        return $"rows[{index}] (a delete) with a row";
    }

    private static string ChangeSchemaColumns(Random random, JsonObject message)
    {
        if (message["schema_columns"] is not JsonObject schema)
        {
            message["schema_columns"] = JsonNode.Parse(WirePayloads.DeviceStateColumns);
            return "schema_columns of another table";
        }
        var columns = schema["columns"]!.AsArray();
        var column = columns[random.Next(columns.Count)]!.AsObject();
        switch (random.Next(6))
        {
            case 0:
                message["schema_columns"] = null;
                return "schema_columns null";
            case 1:
                schema["table_name"] = "other";
                return "schema_columns.table_name changed";
            case 2:
                column["not_null"] = !column["not_null"]!.GetValue<bool>();
                return "schema_columns: a column's not_null changed";
            case 3:
                columns.Add(new JsonObject { ["name"] = column["name"]!.GetValue<string>().ToUpperInvariant(), ["decl_type_affinity"] = "TEXT", ["not_null"] = false, ["pk_ordinal"] = 0 });
                return "schema_columns: a column twice";
            case 4:
                column["extra"] = 1;
                return "schema_columns: a column with an unknown field";
            default:
                // Move it after rows (valid; the fast path leaves it to the reference).
                message.Remove("schema_columns");
                message["schema_columns"] = schema;
                return "schema_columns after rows";
        }
    }

    private static (byte[], string) EscapeFirstCharacter(Random random, byte[] json, Token text)
    {
        if (text.Length < 3 || json[text.Start + 1] >= 0x80 || json[text.Start + 1] == '\\')
            return (json, "unchanged (nothing to escape)");
        var format = random.Next(2) == 0 ? "x4" : "X4";
        var escape = Encoding.UTF8.GetBytes("\\u" + ((int)json[text.Start + 1]).ToString(format));
        return (Splice(json, text.Start + 1, 1, escape), $"{Encoding.UTF8.GetString(json, text.Start, text.Length)} spelled with an escape");
    }

    private static byte[] Splice(byte[] json, int at, int remove, ReadOnlySpan<byte> insert) =>
        [.. json.AsSpan(0, at), .. insert, .. json.AsSpan(at + remove)];

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private readonly record struct Token(JsonTokenType Type, int Start, int Length);

    private static List<Token> Tokens(byte[] json)
    {
        var tokens = new List<Token>();
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            var length = reader.TokenType switch
            {
                JsonTokenType.String or JsonTokenType.PropertyName => reader.ValueSpan.Length + 2,
                JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null => reader.ValueSpan.Length,
                _ => 1,
            };
            tokens.Add(new Token(reader.TokenType, (int)reader.TokenStartIndex, length));
        }
        return tokens;
    }
}
