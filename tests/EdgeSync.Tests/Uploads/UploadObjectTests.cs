using System.Text;
using EdgeSync.Storage;
using EdgeSync.Uploads;
using EdgeSync.Wire;
using Npgsql;
using ZstdSharp;

namespace EdgeSync.Tests.Uploads;

/// <summary>Upload tokens, object reading and the ingest request reader, without a node.</summary>
[Trait("Category", "Fast")]
public sealed class UploadObjectTests
{
    private static readonly UploadOptions Options = new() { MaxLineBytes = 4096, MaxSpillBytes = 1 << 20, MaxSnapshotBytes = 1 << 20 };

    private static UploadTokens Tokens(string key = "a-test-signing-key-of-at-least-32-characters") =>
        new(new UploadSigningKey(new EdgeStoreSettings("unused"), NpgsqlDataSource.Create("Host=unused"),
            Microsoft.Extensions.Options.Options.Create(new UploadOptions { SigningKey = key })));

    private static readonly UploadClaims Claims = new(Guid.CreateVersion7(), Guid.NewGuid(), Guid.NewGuid(), "pümp ✓", IngestRequest.BootstrapSnapshot,
        DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));

    [Fact]
    public async Task A_token_carries_its_claims_and_any_change_to_it_or_another_key_makes_it_invalid()
    {
        var token = await Tokens().SignAsync(Claims);
        Assert.Equal(Claims, await Tokens().VerifyAsync(token));
        Assert.Null(await Tokens("another-signing-key-of-at-least-32-characters").VerifyAsync(token));
        for (var i = 0; i < token.Length; i += 7)
        {
            var changed = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.Null(await Tokens().VerifyAsync(changed));
        }
        Assert.Null(await Tokens().VerifyAsync(""));
        Assert.Null(await Tokens().VerifyAsync("no-dot"));
        Assert.Null(await Tokens().VerifyAsync("a.b.c"));
    }

    [Fact]
    public async Task A_zstd_bomb_is_refused_once_its_decompressed_size_passes_the_cap()
    {
        // 64 MiB of newlines-free zeros compress to a few KiB.
        using var compressed = new MemoryStream();
        await using (var zstd = new CompressionStream(compressed, leaveOpen: true))
            for (var i = 0; i < 64; i++)
                zstd.Write(new byte[1 << 20]);
        compressed.Position = 0;
        var refused = await Assert.ThrowsAsync<UploadFormatException>(async () =>
        {
            await foreach (var _ in UploadLines.ReadAsync(compressed, int.MaxValue, 8 << 20)) { }
        });
        Assert.Contains("decompresses to more than", refused.Message);
    }

    [Fact]
    public async Task A_line_longer_than_the_cap_and_bytes_that_are_not_zstd_are_refused()
    {
        var longLine = Compress(new string('x', 5000));
        var tooLong = await Assert.ThrowsAsync<UploadFormatException>(() => SnapshotObject.CheckAsync(longLine, Options));
        Assert.Contains("longer than 4096 bytes", tooLong.Message);
        var notZstd = new MemoryStream([0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3, 4, 5, 6, 7, 8]);
        await Assert.ThrowsAsync<UploadFormatException>(() => SnapshotObject.CheckAsync(notZstd, Options));
    }

    [Fact]
    public async Task A_snapshot_must_hold_exactly_its_row_count_of_pk_and_row_objects()
    {
        var header = $$"""{"snapshot_of":"t","journal_epoch":"{{Guid.CreateVersion7()}}","commit_seq":5,"schema_hash":"{{new string('a', 64)}}","row_count":2}""";
        var good = await SnapshotObject.CheckAsync(Compress(header, """{"pk":{"id":1},"row":{"id":1}}""", """{"pk":{"id":2},"row":{"id":2}}"""), Options);
        Assert.Equal((5L, 2L), (good.CommitSeq, good.RowCount));
        Assert.Contains("not the 2", (await Assert.ThrowsAsync<UploadFormatException>(() =>
            SnapshotObject.CheckAsync(Compress(header, """{"pk":{"id":1},"row":{"id":1}}"""), Options))).Message);
        Assert.Contains("has no row", (await Assert.ThrowsAsync<UploadFormatException>(() =>
            SnapshotObject.CheckAsync(Compress(header, """{"pk":{"id":1}}""", """{"pk":{"id":2},"row":{"id":2}}"""), Options))).Message);
        Assert.Contains("journal_epoch", (await Assert.ThrowsAsync<UploadFormatException>(() =>
            SnapshotObject.CheckAsync(Compress(header.Replace("journal_epoch", "epoch")), Options))).Message);
    }

    [Fact]
    public async Task A_spilled_batch_reads_as_the_row_batch_it_splits_and_its_lines_cannot_change_its_structure()
    {
        var payloads = new Infrastructure.BatchPayloads();
        var batch = payloads.BatchJson(Infrastructure.BatchPayloads.Inserts(1, 3));
        var (spill, batchId) = UploadObjects.Spill(batch);
        var read = await SpilledBatch.ReadAsync(new MemoryStream(spill), Options);
        Assert.True(read.IsAccepted, read.ToString());
        Assert.Equal((batchId, 3), (read.Value.BatchId, read.Value.Rows.Count));

        var envelope = System.Text.Json.Nodes.JsonNode.Parse(batch)!.AsObject();
        envelope.Remove("rows");
        var sneaky = Compress(envelope.ToJsonString(), """{"commit_seq":1,"op":"insert","pk":{"id":1},"row":{"id":1}}],"extra":[{"a":1}""");
        await Assert.ThrowsAsync<UploadFormatException>(() => SpilledBatch.ReadAsync(sneaky, Options));
    }

    [Theory]
    [InlineData("""{"format_version":1,"request_kind":"upload","source_table":"t","segment_kind":"payload_spill"}""", "invalid_request_kind")]
    [InlineData("""{"format_version":1,"request_kind":"url_request","source_table":"t","segment_kind":"delta"}""", "invalid_segment_kind")]
    [InlineData("""{"format_version":1,"request_kind":"url_request","source_table":"sqlite_master","segment_kind":"payload_spill"}""", "invalid_source_table")]
    [InlineData("""{"format_version":1,"request_kind":"finalize","source_table":"t","segment_kind":"payload_spill","upload_id":"x","batch_id":"0193a000-0000-7000-8000-000000000001"}""", "invalid_upload")]
    [InlineData("""{"format_version":1,"request_kind":"finalize","source_table":"t","segment_kind":"payload_spill","upload_id":"0193a000-0000-7000-8000-000000000001","batch_id":"1"}""", "invalid_batch_id")]
    [InlineData("""{"format_version":2,"request_kind":"url_request","source_table":"t","segment_kind":"payload_spill"}""", "unsupported_format_version")]
    public void An_ingest_request_is_refused_with_the_code_of_its_first_bad_field(string payload, string code)
    {
        var read = IngestRequestReader.Read(Encoding.UTF8.GetBytes(payload));
        Assert.False(read.IsAccepted);
        Assert.Equal(code, read.Rejection.Code);
    }

    [Fact]
    public void Upload_options_are_checked()
    {
        Assert.Null(new UploadOptions().Problem());
        Assert.NotNull(new UploadOptions { PublicBaseUrl = "ftp://x" }.Problem());
        Assert.NotNull(new UploadOptions { UrlLifetime = TimeSpan.Zero }.Problem());
        Assert.NotNull(new UploadOptions { SigningKey = "short" }.Problem());
        Assert.NotNull(new UploadOptions { SnapshotChunkRows = 0 }.Problem());
    }

    private static MemoryStream Compress(params string[] lines) => new(UploadObjects.Compress(lines));
}
