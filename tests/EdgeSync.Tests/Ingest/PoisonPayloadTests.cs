using System.Text;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Ingest;

/// <summary>
/// The payloads that used to make the node close the connection without an acknowledgement (so
/// that the device redelivered them forever): each is now acknowledged and recorded with a code,
/// and the connection keeps serving.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class PoisonPayloadTests(NodeFixture node)
{
    private const string Api = "/core/api/v1/projects";

    /// <summary>A valid batch's JSON with the text of one field replaced by raw bytes (which may be invalid UTF-8 or escapes).</summary>
    private static byte[] WithField(string field, byte[] rawValue)
    {
        var json = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 2));
        using var document = JsonDocument.Parse(json);
        var quoted = JsonSerializer.Serialize(document.RootElement.GetProperty(field).GetString());
        var at = json.IndexOf($"\"{field}\":{quoted}", StringComparison.Ordinal) + field.Length + 4;
        return [.. Encoding.UTF8.GetBytes(json[..at]), .. rawValue, .. Encoding.UTF8.GetBytes(json[(at + quoted.Length - 2)..])];
    }

    private static byte[] WithRowValue(string literal)
    {
        var json = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 2));
        Assert.Contains("\"setpoint\":20}", json);
        return Encoding.UTF8.GetBytes(json.Replace("\"setpoint\":20}", $"\"setpoint\":{literal}}}", StringComparison.Ordinal));
    }

    /// <summary>Publishes, requires an acknowledgement with a refusal and a live connection, and returns the one record made.</summary>
    private async Task<JsonElement> RejectedAndRecordedAsync(byte[] payload)
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var ack = await mqtt.PublishRawAsync($"{device.TopicRoot}/sync/rows/batch", payload);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
        Assert.True(mqtt.IsConnected);

        using var viewer = node.CreateClient($"{device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        var rejections = await viewer.GetJsonAsync($"{Api}/{device.ProjectId}/edge/rejections?device_id={device.DeviceId}");
        var rejection = Assert.Single(rejections.GetProperty("data").EnumerateArray());

        var good = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1));
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", good)).ReasonCode);
        return rejection;
    }

    [Theory]
    [InlineData("source_table")]
    [InlineData("batch_id")]
    public async Task A_lone_surrogate_escape_in_a_header_string_is_acknowledged_and_recorded_as_its_JSON_text(string field)
    {
        var rejection = await RejectedAndRecordedAsync(WithField(field, "x\\ud800y"u8.ToArray()));
        Assert.Equal("malformed_json", rejection.GetProperty("code").GetString());
        Assert.Equal("x\\ud800y", rejection.GetProperty(field).GetString());
    }

    [Theory]
    [InlineData("source_table")]
    [InlineData("batch_id")]
    public async Task Invalid_UTF8_in_a_header_string_is_acknowledged_and_recorded(string field)
    {
        var rejection = await RejectedAndRecordedAsync(WithField(field, [(byte)'x', 0xED, 0xA0, 0x80, 0xFF]));
        Assert.Equal("malformed_json", rejection.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("source_table", "invalid_source_table")]
    [InlineData("batch_id", "invalid_batch_id")]
    public async Task U0000_in_a_header_string_is_acknowledged_and_recorded_with_the_character_escaped(string field, string code)
    {
        var rejection = await RejectedAndRecordedAsync(WithField(field, "a\\u0000b"u8.ToArray()));
        Assert.Equal(code, rejection.GetProperty("code").GetString());
        Assert.Equal("a\\u0000b", rejection.GetProperty(field).GetString());
    }

    [Fact]
    public async Task A_source_table_cut_for_the_record_never_splits_a_surrogate_pair()
    {
        // 254 units and an emoji: 256 UTF-16 units, 258 bytes of UTF-8, cut for the record at 255.
        var name = new string('t', 254) + "😀";
        var rejection = await RejectedAndRecordedAsync(WithField("source_table", Encoding.UTF8.GetBytes(name)));
        Assert.Equal("invalid_source_table", rejection.GetProperty("code").GetString());
        Assert.Equal(new string('t', 254), rejection.GetProperty("source_table").GetString());
    }

    [Theory]
    [InlineData("1e131072")]
    [InlineData("-1e131072")]
    [InlineData("1e-16384")]
    [InlineData("0.5e-16383")]
    [InlineData("1e2147483648")]
    public async Task A_number_PostgreSQL_cannot_hold_is_refused_with_value_out_of_range(string literal)
    {
        var rejection = await RejectedAndRecordedAsync(WithRowValue(literal));
        Assert.Equal("value_out_of_range", rejection.GetProperty("code").GetString());
        Assert.Contains("rows[0].row.setpoint", rejection.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("1e131071")]
    [InlineData("1e-16383")]
    [InlineData("0e999999")]
    public async Task A_number_at_the_edge_of_PostgreSQL_numeric_is_accepted(string literal)
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        await using var mqtt = await device.ConnectAsync(node);
        var ack = await mqtt.PublishRawAsync($"{device.TopicRoot}/sync/rows/batch", WithRowValue(literal));
        Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);
    }

    [Fact]
    public async Task A_schema_column_named_with_U0000_is_refused_with_invalid_schema_columns()
    {
        var json = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)).Replace("\"name\":\"mode\"", "\"name\":\"mo\\u0000de\"", StringComparison.Ordinal);
        Assert.Contains("mo\\u0000de", json);
        var rejection = await RejectedAndRecordedAsync(Encoding.UTF8.GetBytes(json));
        Assert.Equal("invalid_schema_columns", rejection.GetProperty("code").GetString());
    }

    /// <summary>PostgreSQL stores U+0000 in neither text nor jsonb: the batch is refused with a code instead of failing its transaction forever.</summary>
    [Theory]
    [InlineData("\"pk\":{\"id\":1}", "\"pk\":{\"id\":\"1\\u0000\"}", "invalid_pk")]
    [InlineData("\"mode\":\"cooling\"", "\"mode\":\"cool\\u0000ing\"", "invalid_row")]
    public async Task U0000_in_a_row_value_is_refused_with_a_code(string from, string to, string code)
    {
        var json = new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 2), withColumns: false);
        Assert.Contains(from, json);
        var rejection = await RejectedAndRecordedAsync(Encoding.UTF8.GetBytes(json.Replace(from, to, StringComparison.Ordinal)));
        Assert.Equal(code, rejection.GetProperty("code").GetString());
        Assert.Contains("U+0000", rejection.GetProperty("detail").GetString());
    }
}
