using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Storage;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>The side effects of a lineage's decisions, performed in its transaction: the batch ledger, staging, mirror DDL and writes.</summary>
public sealed class LineageEffects(
    BatchLedger ledger, StagedRows stagedRows, QuarantinedRows quarantine, PendingControls controls, MirrorSchemaWriter mirrorSchema,
    MirrorWriter mirrorWriter, MirrorColumnTypes columnTypes, TelemetryWriter telemetry, TimeSeriesSchemaWriter timeSeriesSchema, TimeSeriesWriter timeSeries)
{
    private const string Savepoint = "poison_rows";

    /// <summary>Records the batch in the ledger; false when it was recorded before (a redelivery).</summary>
    public Task<bool> RecordBatchAsync(LineageTransaction tx, Guid lineageId, Guid deviceId, RowBatch batch, DateTimeOffset now, string kind = "rows") =>
        ledger.TryRecordAsync(tx.Connection, tx.Transaction, deviceId, batch.BatchId, lineageId, batch.SourceTable, kind, batch.Rows.Count, now);

    /// <summary>Whether the ledger holds the device's batch (it was accepted before).</summary>
    public Task<bool> KnowsBatchAsync(LineageTransaction tx, Guid deviceId, Guid batchId) =>
        ledger.ContainsAsync(tx.Connection, tx.Transaction, deviceId, batchId);

    /// <summary>
    /// What an ingest decision calls for: mirror DDL, then staging or the mirror write. With
    /// <paramref name="setAsideFailing"/> (the policy quarantines), rows whose write fails
    /// permanently go to the quarantine instead and are answered; otherwise the failure is thrown.
    /// </summary>
    public async Task<SetAside?> ApplyAsync(
        LineageTransaction tx, Guid lineageId, Guid projectId, Guid deviceId, RowBatch batch, Decision decision, bool setAsideFailing, DateTimeOffset now)
    {
        foreach (var provisioned in decision.Events.OfType<MirrorProvisioned>())
        {
            var table = provisioned.Table;
            if (table.IsTimeSeries)
                await timeSeriesSchema.ProvisionAsync(tx.Connection, tx.Transaction, (lineageId, projectId, deviceId, batch.SourceTable), table.Name, table.Columns,
                    table.Layout, "", now);
            else if (table.IsCoalesced)
                await mirrorSchema.ProvisionCoalescedAsync(tx.Connection, tx.Transaction, projectId, "", batch.SourceTable, table.Name, table.Columns);
            else
                await mirrorSchema.ProvisionAsync(tx.Connection, tx.Transaction, deviceId, batch.SourceTable, table.Name, table.Columns, lineageId);
            columnTypes.Forget(table.Name);
        }
        if (decision.Events.OfType<BatchStaged>().SingleOrDefault() is { RowsStaged: > 0 } staged)
            await stagedRows.StageAsync(tx.Connection, tx.Transaction, lineageId, deviceId, batch.SourceTable,
                batch.BatchId, batch.JournalEpoch, decision.RowsToStage, EnumNames.Of(staged.StagingReason), now);
        if (decision.Write is not { Rows.Count: > 0 } write)
            return null;
        var changes = write.Rows.Select(r => new MirrorRowChange(batch.JournalEpoch, r) { BatchId = batch.BatchId }).ToList();
        if (!setAsideFailing)
        {
            await WriteAsync(tx, lineageId, projectId, deviceId, write.Mirror, write.Bindings, changes, now);
            return null;
        }
        var failing = await WriteSettingAsideAsync(tx, lineageId, projectId, deviceId, write.Mirror, write.Bindings, changes, now);
        if (failing.Count == 0)
            return null;
        var rows = failing.Select(f =>
        {
            var row = write.Rows[f.Index];
            return new RowToQuarantine(batch.JournalEpoch, row.CommitSeq, row.Op, row.PkJson, row.RowJson, StagedRowSize.Of(row), batch.BatchId, null, f.Error);
        }).ToList();
        await quarantine.QuarantineAsync(tx.Connection, tx.Transaction, new QuarantineOwner(lineageId, projectId, deviceId, batch.SourceTable), rows, now);
        return new SetAside(batch.JournalEpoch, rows.Select(r => r.CommitSeq).ToList(), rows.Sum(r => (long)r.Bytes), rows[0].Error);
    }

    /// <summary>
    /// Writes staged rows (a replay chunk); with <paramref name="setAsideFailing"/>, the rows whose
    /// write fails permanently go to the quarantine (per journal epoch) and are answered.
    /// </summary>
    public async Task<IReadOnlyList<SetAside>> WriteStagedAsync(
        LineageTransaction tx, Lineage lineage, IReadOnlyList<StagedRow> staged, bool setAsideFailing, DateTimeOffset now)
    {
        var changes = staged.Select(r => new MirrorRowChange(r.JournalEpoch, r.SourceCommitSeq, r.Op, r.PkJson, r.RowJson) { BatchId = r.BatchId }).ToList();
        if (!setAsideFailing)
        {
            await WriteAsync(tx, lineage.Id, lineage.ProjectId, lineage.DeviceId, lineage.Mirror!, lineage.Bindings, changes, now);
            return [];
        }
        var failing = await WriteSettingAsideAsync(tx, lineage.Id, lineage.ProjectId, lineage.DeviceId, lineage.Mirror!, lineage.Bindings, changes, now);
        if (failing.Count == 0)
            return [];
        var rows = failing.Select(f =>
        {
            var row = staged[f.Index];
            return new RowToQuarantine(row.JournalEpoch, row.SourceCommitSeq, row.Op, row.PkJson, row.RowJson, row.Bytes, row.BatchId, row.StagedAt, f.Error);
        }).ToList();
        await quarantine.QuarantineAsync(tx.Connection, tx.Transaction, new QuarantineOwner(lineage.Id, lineage.ProjectId, lineage.DeviceId, lineage.SourceTable), rows, now);
        return rows.GroupBy(r => r.JournalEpoch)
            .Select(g => new SetAside(g.Key, g.Select(r => r.CommitSeq).ToList(), g.Sum(r => (long)r.Bytes), g.First().Error))
            .ToList();
    }

    /// <summary>
    /// Writes the changes, and when a write fails permanently, finds the changes that make it fail
    /// by halving the failing part, each try in a savepoint so that the transaction survives it:
    /// the others are written, the failing ones answered (by index) with their own error. A
    /// transient failure, or a permanent one that is not about the rows (see
    /// <see cref="MirrorWriteException.IsRowSpecific"/>), is thrown: it says nothing about the rows. A single bad row among n costs
    /// about 2·log2(n) more writes; the common case, no failure, one savepoint.
    /// </summary>
    private async Task<IReadOnlyList<(int Index, string Error)>> WriteSettingAsideAsync(
        LineageTransaction tx, Guid lineageId, Guid projectId, Guid deviceId, MirrorTable mirror, IReadOnlyList<ColumnBinding> bindings,
        IReadOnlyList<MirrorRowChange> changes, DateTimeOffset now)
    {
        var failing = new List<(int, string)>();
        var parts = new Stack<(int From, int Count)>();
        parts.Push((0, changes.Count));
        while (parts.TryPop(out var part))
        {
            await tx.Transaction.SaveAsync(Savepoint);
            try
            {
                var slice = changes.Skip(part.From).Take(part.Count).ToList();
                await WriteAsync(tx, lineageId, projectId, deviceId, mirror, bindings, slice, now);
                await tx.Transaction.ReleaseAsync(Savepoint);
            }
            catch (MirrorWriteException e) when (e.IsPermanent)
            {
                await tx.Transaction.RollbackAsync(Savepoint);
                // A table-wide error (a missing column, say) would set every row aside: it stays the breaker's.
                if (!e.IsRowSpecific)
                    throw;
                if (part.Count == 1)
                {
                    failing.Add((part.From, e.Message));
                    continue;
                }
                // The later half is pushed first, so the earlier one is written first: changes keep their order.
                var half = part.Count / 2;
                parts.Push((part.From + half, part.Count - half));
                parts.Push((part.From, half));
            }
        }
        return failing;
    }

    /// <summary>
    /// Creates or evolves the lineage's own mirror table, or binds to (and evolves) the project's
    /// coalesced table; answers the name it has (a default name may already be taken). The lineage
    /// may not exist yet (a first batch accepted by a registry decision), hence its keys one by one.
    /// </summary>
    public async Task<string> ProvisionAsync(
        LineageTransaction tx, (Guid LineageId, Guid ProjectId, Guid DeviceId, string SourceTable) owner, string? name, IReadOnlyList<MirrorColumn> columns,
        MirrorLayout layout, string topicSlug, TimeSeriesMirror? timeSeriesOf = null, DateTimeOffset now = default)
    {
        if (timeSeriesOf is not null)
            return await timeSeriesSchema.ProvisionAsync(tx.Connection, tx.Transaction, owner, name, columns, layout, topicSlug, now);
        var provisioned = layout == MirrorLayout.Coalesced
            ? await mirrorSchema.ProvisionCoalescedAsync(tx.Connection, tx.Transaction, owner.ProjectId, topicSlug, owner.SourceTable, name, columns)
            : await mirrorSchema.ProvisionAsync(tx.Connection, tx.Transaction, owner.DeviceId, owner.SourceTable, name, columns, owner.LineageId);
        columnTypes.Forget(provisioned);
        return provisioned;
    }

    /// <summary>Writes row changes to the mirror, and the values of <c>map</c> bindings to the telemetry points.</summary>
    public async Task WriteAsync(LineageTransaction tx, Guid lineageId, Guid projectId, Guid deviceId, MirrorTable mirror,
        IReadOnlyList<ColumnBinding> bindings, IReadOnlyList<MirrorRowChange> changes, DateTimeOffset now)
    {
        if (mirror.IsTimeSeries)
            await timeSeries.ApplyAsync(tx.Connection, tx.Transaction, mirror, deviceId, changes);
        else
            await mirrorWriter.ApplyAsync(tx.Connection, tx.Transaction, mirror, deviceId, changes);
        var mapped = bindings.Where(b => b.Action == BindingAction.Map).ToList();
        if (mapped.Count > 0)
            await telemetry.ApplyAsync(tx.Connection, tx.Transaction, projectId, deviceId, lineageId, mapped, changes, now);
    }

    /// <summary>The oldest staged rows, up to <paramref name="limit"/>.</summary>
    public Task<IReadOnlyList<StagedRow>> OldestStagedAsync(LineageTransaction tx, Guid lineageId, int limit, CancellationToken ct) =>
        stagedRows.ReadOldestAsync(tx.Connection, tx.Transaction, lineageId, limit, ct);

    /// <summary>Moves staged rows to the quarantine on an operator's word; answers the ones moved.</summary>
    public Task<IReadOnlyList<MovedRow>> DiscardAsync(LineageTransaction tx, Lineage lineage, DiscardStagedRows command, DateTimeOffset now) =>
        quarantine.DiscardStagedAsync(tx.Connection, tx.Transaction, new QuarantineOwner(lineage.Id, lineage.ProjectId, lineage.DeviceId, lineage.SourceTable),
            command.JournalEpoch, command.CommitSeqs, lineage.LastMaterializationError, command.Actor, command.Reason, now);

    /// <summary>Stages quarantined rows again; answers the ones moved.</summary>
    public Task<IReadOnlyList<MovedRow>> RequeueAsync(LineageTransaction tx, Lineage lineage, RequeueQuarantinedRows command, DateTimeOffset now) =>
        quarantine.RequeueAsync(tx.Connection, tx.Transaction, lineage.Id, command.JournalEpoch, command.CommitSeqs, EnumNames.Of(StagingReason.Requeued), now);

    /// <summary>Which of the commit seqs of the epoch are in the quarantine.</summary>
    public Task<IReadOnlyList<long>> QuarantinedAsync(LineageTransaction tx, Guid lineageId, Guid journalEpoch, IReadOnlyList<long> seqs) =>
        quarantine.HeldAsync(tx.Connection, tx.Transaction, lineageId, journalEpoch, seqs);

    /// <summary>Which of the commit seqs of the epoch are staged.</summary>
    public Task<IReadOnlyList<long>> StagedAsync(LineageTransaction tx, Guid lineageId, Guid journalEpoch, IReadOnlyList<long> seqs) =>
        stagedRows.HeldAsync(tx.Connection, tx.Transaction, lineageId, journalEpoch, seqs);

    /// <summary>The next write to the mirror reads its column types from the catalog again (an operator may have changed them).</summary>
    public void ForgetColumnTypes(MirrorTable? mirror)
    {
        if (mirror is not null)
            columnTypes.Forget(mirror.Name);
    }

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
        await quarantine.DeleteAllAsync(tx.Connection, tx.Transaction, lineage.Id);
        await controls.DeleteForLineageAsync(tx.Connection, tx.Transaction, lineage.Id);
        if (!dropMirror || lineage.Mirror is not { } mirror)
            return;
        if (mirror.IsTimeSeries)
        {
            if (!mirror.IsCoalesced || !await tx.OthersBoundToAsync(lineage.ProjectId, mirror.Name, lineage.Id))
                await mirrorSchema.DropAsync(tx.Connection, tx.Transaction, mirror.Name);
            else
                await timeSeriesSchema.RemoveDeviceAsync(tx.Connection, tx.Transaction, mirror.Name, lineage.DeviceId);
            return;
        }
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
