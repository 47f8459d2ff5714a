using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Storage;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>The side effects of a lineage's decisions, performed in its transaction: the batch ledger, staging, mirror DDL and writes.</summary>
public sealed class LineageEffects(
    BatchLedger ledger, StagedRows stagedRows, PendingControls controls, MirrorSchemaWriter mirrorSchema, MirrorWriter mirrorWriter, TelemetryWriter telemetry)
{
    /// <summary>Records the batch in the ledger; false when it was recorded before (a redelivery).</summary>
    public Task<bool> RecordBatchAsync(LineageTransaction tx, Guid lineageId, Guid deviceId, RowBatch batch, DateTimeOffset now) =>
        ledger.TryRecordAsync(tx.Connection, tx.Transaction, deviceId, batch.BatchId, lineageId, batch.SourceTable, "rows", batch.Rows.Count, now);

    /// <summary>What an ingest decision calls for: mirror DDL, then staging or the mirror write.</summary>
    public async Task ApplyAsync(LineageTransaction tx, Guid lineageId, Guid projectId, Guid deviceId, RowBatch batch, Decision decision, DateTimeOffset now)
    {
        foreach (var provisioned in decision.Events.OfType<MirrorProvisioned>())
        {
            var table = provisioned.Table;
            if (table.IsCoalesced)
                await mirrorSchema.ProvisionCoalescedAsync(tx.Connection, tx.Transaction, projectId, "", batch.SourceTable, table.Name, table.Columns);
            else
                await mirrorSchema.ProvisionAsync(tx.Connection, tx.Transaction, deviceId, batch.SourceTable, table.Name, table.Columns, lineageId);
        }
        if (decision.Events.OfType<BatchStaged>().SingleOrDefault() is { RowsStaged: > 0 } staged)
            await stagedRows.StageAsync(tx.Connection, tx.Transaction, lineageId, deviceId, batch.SourceTable,
                batch.BatchId, batch.JournalEpoch, decision.RowsToStage, EnumNames.Of(staged.StagingReason), now);
        if (decision.Write is { Rows.Count: > 0 } write)
            await WriteAsync(tx, lineageId, projectId, deviceId, write.Mirror, write.Bindings,
                write.Rows.Select(r => new MirrorRowChange(batch.JournalEpoch, r)).ToList(), now);
    }

    /// <summary>
    /// Creates or evolves the mirror table, or binds to (and evolves) the project's coalesced table;
    /// answers the name it has (a default name may already be taken).
    /// </summary>
    public Task<string> ProvisionAsync(
        LineageTransaction tx, Lineage lineage, string? name, IReadOnlyList<MirrorColumn> columns, MirrorLayout layout, string topicSlug) =>
        layout == MirrorLayout.Coalesced
            ? mirrorSchema.ProvisionCoalescedAsync(tx.Connection, tx.Transaction, lineage.ProjectId, topicSlug, lineage.SourceTable, name, columns)
            : mirrorSchema.ProvisionAsync(tx.Connection, tx.Transaction, lineage.DeviceId, lineage.SourceTable, name, columns, lineage.Id);

    /// <summary>Writes row changes to the mirror, and the values of <c>map</c> bindings to the telemetry points.</summary>
    public async Task WriteAsync(LineageTransaction tx, Guid lineageId, Guid projectId, Guid deviceId, MirrorTable mirror,
        IReadOnlyList<ColumnBinding> bindings, IReadOnlyList<MirrorRowChange> changes, DateTimeOffset now)
    {
        await mirrorWriter.ApplyAsync(tx.Connection, tx.Transaction, mirror, deviceId, changes);
        var mapped = bindings.Where(b => b.Action == BindingAction.Map).ToList();
        if (mapped.Count > 0)
            await telemetry.ApplyAsync(tx.Connection, tx.Transaction, projectId, deviceId, lineageId, mapped, changes, now);
    }

    /// <summary>The oldest staged rows, up to <paramref name="limit"/>.</summary>
    public Task<IReadOnlyList<StagedRow>> OldestStagedAsync(LineageTransaction tx, Guid lineageId, int limit, CancellationToken ct) =>
        stagedRows.ReadOldestAsync(tx.Connection, tx.Transaction, lineageId, limit, ct);

    public Task DrainedThroughAsync(LineageTransaction tx, Guid lineageId, StagedRow last, CancellationToken ct) =>
        stagedRows.DeleteThroughAsync(tx.Connection, tx.Transaction, lineageId, last.JournalEpoch, last.SourceCommitSeq, ct);

    /// <summary>
    /// Removes the lineage's staged rows and controls, and its mirror when asked: a per-device table
    /// is dropped; from a coalesced table the device's rows and tombstones are deleted, and the
    /// table is dropped only when no other lineage is bound to it (no other lineage's view names
    /// it, read under the table's lock, which every binding takes too).
    /// </summary>
    public async Task RemoveAsync(LineageTransaction tx, Lineage lineage, bool dropMirror)
    {
        await stagedRows.DeleteAllAsync(tx.Connection, tx.Transaction, lineage.Id);
        await controls.DeleteForLineageAsync(tx.Connection, tx.Transaction, lineage.Id);
        if (!dropMirror || lineage.Mirror is not { } mirror)
            return;
        if (!mirror.IsCoalesced)
        {
            await mirrorSchema.DropAsync(tx.Connection, tx.Transaction, mirror.Name);
            return;
        }
        if (await mirrorSchema.RemoveDeviceAsync(tx.Connection, tx.Transaction, mirror, lineage.DeviceId)
            && !await tx.OthersBoundToAsync(lineage.ProjectId, mirror.Name, lineage.Id))
            await mirrorSchema.DropAsync(tx.Connection, tx.Transaction, mirror.Name);
    }
}
