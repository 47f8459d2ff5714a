using EdgeSync.Cli.Api;
using EdgeSync.Escaping;

namespace EdgeSync.Cli.Output;

/// <summary>
/// A lineage's detail as plain text lines, in the order an operator asks "why is this not
/// syncing": status and pause reasons first, then errors, review, replay, controls, schema.
/// The CLI prints it; the terminal UI shows the same lines.
/// </summary>
public static class LineageDetailText
{
    public static void Print(Printer printer, LineageDetail lineage)
    {
        foreach (var line in Lines(lineage))
            printer.Line(line);
    }

    /// <param name="uploads">The lineage's uploads, newest first, when the caller read them (the terminal UI does).</param>
    public static IEnumerable<string> Lines(LineageDetail l, IReadOnlyList<UploadSummary>? uploads = null)
    {
        yield return $"Lineage        {l.Id}";
        yield return $"Device         {l.DeviceName} ({l.DeviceId})";
        yield return $"Source table   {l.SourceTable}";
        yield return l.Kind == LineageKind.Telemetry
            ? $"Kind           telemetry (timestamp column {SafeText.Escape(l.TimestampColumn ?? "-")})"
            : "Kind           rows";
        if (l.Kind == LineageKind.Telemetry)
            yield return $"Batch seq      {(l.LastBatchSeq is { } seq ? $"{seq} (highest accepted; {l.BatchSeqGaps} skipped)" : "- (none accepted yet)")}";
        yield return $"Status         {l.Status}";
        yield return $"Pause reasons  {Cells.List(l.PauseReasons)}";
        yield return $"Device paused  {(l.DevicePaused ? "yes (a pause control was sent)" : "no")}";
        yield return $"Watermark      {(l.Watermark is { } w ? $"{w.ServerWatermark} (epoch {w.JournalEpoch})" : "-")}";
        yield return $"Failures       {l.MaterializationFailureCount} consecutive permanent write errors";
        yield return $"Last error     {l.MaterializationLastError ?? "-"}";
        yield return $"Last rejection {l.LastRejectionCode ?? "-"}";
        yield return $"Mirror table   {l.Mirror?.Name ?? "- (not provisioned: no approved schema)"}";
        yield return $"Updated        {Cells.Time(l.UpdatedAt)} (version {l.Version})";

        yield return "";
        yield return "Counters";
        foreach (var (name, value) in l.Counters.OrderBy(c => c.Key, StringComparer.Ordinal))
            yield return $"  {name,-24} {(name.EndsWith("bytes", StringComparison.Ordinal) ? Cells.Bytes(value) : value.ToString())}";

        yield return "";
        yield return l.OpenReview is { } review
            ? $"Open review    {review.ReviewId} ({review.State}, action_version {review.ActionVersion}, queued {Cells.Time(review.QueuedAt)})"
            : "Open review    -";
        yield return l.ReplayIntent is { } replay
            ? $"Replay         {replay.Status} ({replay.Cause}): {replay.RowsReplayed} of {replay.BacklogRowsAtStart} rows, {replay.Failures} failures{(replay.LastError is null ? "" : $", last error: {replay.LastError}")}"
            : "Replay         -";

        yield return "";
        yield return $"Pending controls ({l.PendingControls.Count})";
        foreach (var c in l.PendingControls)
            yield return $"  {c.ControlKind,-8} {c.ControlId}  created {Cells.Time(c.CreatedAt)}, sent {c.SendCount}x, last {Cells.Time(c.LastSentAt)}";

        var snapshots = l.PendingSnapshots ?? [];
        yield return "";
        yield return $"Pending snapshots ({snapshots.Count})";
        foreach (var s in snapshots)
            yield return $"  {s.UploadId}  {s.RowsApplied} of {s.RowCount} rows applied, schema {Cells.ShortHash(s.SchemaHash)}, received {Cells.Time(s.ReceivedAt)}";

        if (uploads is not null)
        {
            yield return "";
            yield return $"Uploads ({uploads.Count})";
            foreach (var u in uploads)
                yield return $"  {u.UploadId}  {u.SegmentKind,-18} {u.State,-9} {(u.Bytes is { } b ? Cells.Bytes(b) : "-"),10}  rows {u.RowsIngested?.ToString() ?? "-"}, granted {Cells.Time(u.GrantedAt)}{(u.Detail is null ? "" : $": {u.Detail}")}";
        }

        yield return "";
        yield return $"Schema versions ({l.SchemaVersions.Count})";
        foreach (var v in l.SchemaVersions)
            yield return $"  {(v.Accepted ? "*" : " ")} {v.SchemaHash}  {v.Classification,-20} first seen {Cells.Time(v.FirstSeenAt)}";

        yield return "";
        yield return $"Bindings ({l.Bindings.Count})";
        foreach (var b in l.Bindings)
            // Escaped before padding, so that the columns line up as shown.
            yield return $"  {SafeText.Escape(b.SourceColumn),-24} {b.Action,-7} {Target(b)}";
    }

    private static string Target(BindingView b) => b.Action switch
    {
        "mirror" => $"→ {b.MirrorColumn}",
        "map" => $"→ data point {b.DataPoint}{(b.TimestampColumn is null ? "" : $" (time from {b.TimestampColumn})")}",
        _ => "",
    };
}
