using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using ZstdSharp;

namespace EdgeSync.Bench;

/// <summary>
/// <c>EdgeSync.Bench upload-rss [--mib N]</c>: the node's resident memory before, during and after
/// one upload to <c>PUT /core/api/v1/uploads/{token}</c> of a zstd stream of N MiB of random bytes
/// (1,020 by default: zstd adds a little to incompressible data, and the object must stay within
/// the 1 GiB limit), compressed on the fly while it is sent (never held whole).
/// Passes when RSS never grows by 64 MiB or more over its value before the upload.
/// </summary>
public static class UploadRssBench
{
    private const long AllowedGrowth = 64L * 1024 * 1024;

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static async Task<int> RunAsync(string pg, string[] args, CancellationToken ct)
    {
        var mib = args is ["--mib", var n] ? long.Parse(n) : 1020;
        await using var bench = await ThrowawayNode.StartAsync(pg, ct);
        var project = await bench.Api.CreateProjectAsync($"up-{Guid.NewGuid():N}"[..12]);
        var credentials = await bench.Api.CreateDeviceAsync(project, "gw-upload");
        await using var device = await UploadDevice.ConnectAsync(bench.Node.MqttPort, credentials);
        var (_, url) = await device.RequestUploadAsync("blobs", "payload_spill", ct);
        // Settle: a few collections' worth of idle time.
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var before = bench.Rss();
        Log($"node RSS before: {Mib(before)}; uploading {mib} MiB");

        var peak = before;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, bench.Rss());
                try { await Task.Delay(100, sampling.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        var pipe = new Pipe();
        var producer = Task.Run(async () =>
        {
            await using var zstd = new CompressionStream(pipe.Writer.AsStream(), level: 1, leaveOpen: true);
            var buffer = new byte[1 << 20];
            var random = new Random(15);
            for (long written = 0; written < mib << 20; written += buffer.Length)
            {
                random.NextBytes(buffer);
                await zstd.WriteAsync(buffer, ct);
            }
        }, ct).ContinueWith(async t => await pipe.Writer.CompleteAsync(t.Exception), ct).Unwrap();

        var started = Stopwatch.GetTimestamp();
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var content = new StreamContent(pipe.Reader.AsStream());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zstd");
        using var response = await http.PutAsync(url, content, ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        await producer;
        var body = await response.Content.ReadAsStringAsync(ct);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var after = bench.Rss();
        await sampling.CancelAsync();
        await sampler;

        Console.WriteLine($"upload of {mib} MiB (zstd of random bytes): HTTP {(int)response.StatusCode} in {elapsed.TotalSeconds:0.0} s ({mib / elapsed.TotalSeconds:0} MiB/s) {body}");
        Console.WriteLine($"node RSS before: {Mib(before)}, peak during: {Mib(peak)} (+{Mib(peak - before)}), after: {Mib(after)} (+{Mib(after - before)})");
        var ok = response.IsSuccessStatusCode && peak - before < AllowedGrowth;
        Console.WriteLine(ok ? $"PASS: growth below {Mib(AllowedGrowth)}" : $"FAIL: growth limit {Mib(AllowedGrowth)}, and the upload must be stored");
        return ok ? 0 : 1;
    }

    private static string Mib(long bytes) => $"{bytes / 1048576.0:0.0} MiB";
}
