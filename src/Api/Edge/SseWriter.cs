using System.Text;

namespace EdgeSync.Api.Edge;

/// <summary>
/// Writes server-sent events (WHATWG HTML "event stream" format) to a response body, flushing
/// after every message so that nothing waits in a buffer.
/// </summary>
internal sealed class SseWriter(Stream body)
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>One message: <c>id</c>, <c>event</c> and <c>data</c> (one <c>data:</c> line per line of <paramref name="data"/>).</summary>
    public Task WriteEventAsync(string id, string eventName, string data, CancellationToken ct)
    {
        var text = new StringBuilder();
        text.Append("id: ").Append(SingleLine(id)).Append('\n');
        text.Append("event: ").Append(SingleLine(eventName)).Append('\n');
        foreach (var line in data.Split('\n'))
            text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        text.Append('\n');
        return WriteAsync(text.ToString(), ct);
    }

    /// <summary>A comment line (<c>: text</c>): ignored by clients, keeps proxies from closing an idle connection.</summary>
    public Task WriteCommentAsync(string comment, CancellationToken ct) => WriteAsync($": {SingleLine(comment)}\n\n", ct);

    private async Task WriteAsync(string text, CancellationToken ct)
    {
        await body.WriteAsync(Utf8.GetBytes(text), ct);
        await body.FlushAsync(ct);
    }

    private static string SingleLine(string value) => value.Replace("\r", "").Replace("\n", "");
}
