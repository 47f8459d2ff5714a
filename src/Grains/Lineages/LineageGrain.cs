using EdgeSync.Storage;
using EdgeSync.Wire;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EdgeSync.Lineages;

/// <summary>Which lineage the (device, table) grain currently speaks for; kept in Orleans grain storage.</summary>
[GenerateSerializer]
public sealed class LineageSlot
{
    [Id(0)] public Guid? LineageId { get; set; }
}

/// <summary>
/// Owns one (device, source table): loads the lineage, decides, and in ONE PostgreSQL
/// transaction records the batch in the ledger, stages its rows and appends the events with the
/// expected stream version. Only after that commit does the caller acknowledge the batch.
/// </summary>
public sealed class LineageGrain(
    [PersistentState("slot", "lineages")] IPersistentState<LineageSlot> slot,
    IDocumentStore store,
    NpgsqlDataSource dataSource,
    StagedRows stagedRows,
    BatchLedger ledger,
    TimeProvider clock,
    ILogger<LineageGrain> logger) : Grain, ILineageGrain
{
    private Lineage? _lineage;

    public override Task OnActivateAsync(CancellationToken ct) => ReloadAsync(ct);

    public Task<Guid?> GetLineageId() => Task.FromResult(_lineage?.Id ?? slot.State.LineageId);

    public async Task<IngestOutcome> IngestRows(DeviceIdentity device, RowBatch batch)
    {
        var lineageId = await EnsureLineageIdAsync();
        var command = new IngestRows(lineageId, Guid.CreateVersion7(), device, batch);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await IngestOnceAsync(command);
            }
            catch (EventStreamUnexpectedMaxEventIdException) when (attempt < 3)
            {
                // Another writer got there first (a failover overlap): start from what is stored.
                logger.LogWarning("Lineage {LineageId} changed underneath; reloading", lineageId);
                await ReloadAsync();
            }
        }
    }

    public async Task<IngestOutcome> ObserveSchema(DeviceIdentity device, SchemaObservation observation)
    {
        var lineageId = await EnsureLineageIdAsync();
        var decision = LineageDecider.Decide(_lineage, new ObserveSchema(lineageId, device, observation), clock.GetUtcNow());
        if (decision.Events.Count > 0)
        {
            await using var session = store.LightweightSession();
            Append(session, lineageId, decision.Events);
            await session.SaveChangesAsync();
            Fold(decision.Events);
        }
        return new IngestOutcome(IngestStatus.Accepted, lineageId, 0, 0, null);
    }

    private async Task<IngestOutcome> IngestOnceAsync(IngestRows command)
    {
        var batch = command.Batch;
        var now = clock.GetUtcNow();
        var decision = LineageDecider.Decide(_lineage, command, now);
        var lineageId = _lineage?.Id ?? command.NewLineageId;
        if (decision.Rejection is { } rejection)
        {
            if (decision.Events.Count > 0)
            {
                await using var session = store.LightweightSession();
                Append(session, lineageId, decision.Events);
                await session.SaveChangesAsync();
                Fold(decision.Events);
            }
            return IngestOutcome.Rejected(_lineage?.Id, rejection);
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var firstDelivery = await ledger.TryRecordAsync(connection, transaction, command.Device.DeviceId, batch.BatchId,
            lineageId, batch.SourceTable, "rows", batch.Rows.Count, now);
        if (!firstDelivery)
        {
            await transaction.CommitAsync();
            return IngestOutcome.Duplicate(lineageId);
        }

        var staged = decision.Events.OfType<BatchStaged>().SingleOrDefault();
        if (staged is { RowsStaged: > 0 })
        {
            var rows = batch.Rows.Where(r => r.CommitSeq >= staged.StagedFromCommitSeq).ToList();
            await stagedRows.StageAsync(connection, transaction, lineageId, command.Device.DeviceId, batch.SourceTable,
                batch.BatchId, batch.JournalEpoch, rows, staged.StagingReason, now);
        }

        await using (var session = store.LightweightSession(SessionOptions.ForTransaction(transaction)))
        {
            Append(session, lineageId, decision.Events);
            await session.SaveChangesAsync();
        }
        await transaction.CommitAsync();
        Fold(decision.Events);
        return new IngestOutcome(IngestStatus.Accepted, lineageId, staged?.RowsStaged ?? 0, staged?.RowsSkipped ?? batch.Rows.Count, null);
    }

    /// <summary>The lineage id is stored before any event, so a retry after a crash reuses it.</summary>
    private async Task<Guid> EnsureLineageIdAsync()
    {
        if (slot.State.LineageId is { } id)
            return id;
        slot.State.LineageId = Guid.CreateVersion7();
        await slot.WriteStateAsync();
        return slot.State.LineageId.Value;
    }

    private void Append(IDocumentSession session, Guid lineageId, IReadOnlyList<object> events)
    {
        if (_lineage is null)
            session.Events.StartStream<Lineage>(lineageId, events.ToArray());
        else
            session.Events.Append(lineageId, _lineage.Version + events.Count, events.ToArray());
    }

    private void Fold(IReadOnlyList<object> events)
    {
        foreach (var e in events)
        {
            if (e is LineageCreated created)
                _lineage = Lineage.Create(created);
            else
                _lineage!.Apply((dynamic)e);
        }
        if (_lineage is not null)
            _lineage.Version += events.Count;
    }

    /// <summary>The inline snapshot is written in the same transaction as the events, so it is current.</summary>
    private async Task ReloadAsync(CancellationToken ct = default)
    {
        if (slot.State.LineageId is not { } id)
            return;
        await using var session = store.QuerySession();
        _lineage = await session.LoadAsync<Lineage>(id, ct);
        if (_lineage is not null && await session.Events.FetchStreamStateAsync(id, ct) is { } stream)
            _lineage.Version = stream.Version;
    }
}
