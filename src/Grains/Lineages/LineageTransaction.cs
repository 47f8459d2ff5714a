using System.Diagnostics;
using EdgeSync.Storage;
using EdgeSync.Wire;
using Marten;
using Marten.Services;
using Npgsql;

namespace EdgeSync.Lineages;

/// <summary>
/// One PostgreSQL transaction of a lineage: the effects of a decision run on its connection, its
/// events are appended with the expected stream version, and the state folded from them is stored
/// as the lineage's snapshot, all committed together.
/// </summary>
public sealed class LineageTransaction : IAsyncDisposable
{
    private readonly IDocumentStore _store;
    private readonly PendingControls _controls;

    // The span of the whole transaction, so a trace shows the database time of one uplink as one
    // piece with Npgsql's statement spans inside it; null when nobody listens.
    private readonly Activity? _span;

    private LineageTransaction(IDocumentStore store, PendingControls controls, NpgsqlConnection connection, NpgsqlTransaction transaction, Activity? span)
    {
        _store = store;
        _controls = controls;
        Connection = connection;
        Transaction = transaction;
        _span = span;
    }

    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }

    public static async Task<LineageTransaction> BeginAsync(NpgsqlDataSource dataSource, IDocumentStore store, PendingControls controls, CancellationToken ct)
    {
        var span = LineageTraces.Source.StartActivity("lineage.transaction", ActivityKind.Internal);
        span?.SetTag("db.system.name", "postgresql");
        NpgsqlConnection? connection = null;
        try
        {
            connection = await dataSource.OpenConnectionAsync(ct);
            return new LineageTransaction(store, controls, connection, await connection.BeginTransactionAsync(ct), span);
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            span?.Dispose();
            if (connection is not null)
                await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Events between two snapshots of a lineage. A batch appends two or three events, so a load
    /// folds at most a few dozen small events; storing the snapshot with every batch instead cost
    /// 2.5 % of ingest throughput once the operators' view was written with every batch as well.
    /// </summary>
    public const int SnapshotEvery = 32;

    /// <summary>
    /// Appends <paramref name="events"/> after <paramref name="current"/> (a new stream when null)
    /// with the expected version, records the control bookkeeping they call for (a control is
    /// recorded before anyone can publish it), stores the operators' view of the folded state and,
    /// when the stream crosses a multiple of <see cref="SnapshotEvery"/>, the state itself as the
    /// snapshot. Returns that state; the grain takes it once the transaction commits.
    /// </summary>
    public async Task<Lineage> AppendAsync(Lineage? current, Guid lineageId, IReadOnlyList<LineageEvent> events)
    {
        var next = Lineage.Fold(current, events);
        foreach (var e in events)
        {
            if (e is ControlIssued issued)
                await _controls.RecordAsync(Connection, Transaction, Pending(issued, next.DeviceId));
            else if (e is ControlAcknowledged acknowledged)
                await _controls.MarkAcknowledgedAsync(Connection, Transaction, acknowledged.ControlId, acknowledged.At);
        }
        await using var session = Session();
        if (current is null)
            session.Events.StartStream<Lineage>(lineageId, events.ToArray());
        else
            session.Events.Append(lineageId, next.Version, events.ToArray());
        if (current is null || current.Version / SnapshotEvery != next.Version / SnapshotEvery)
            session.Store(next);
        session.Store(LineageView.From(next));
        await session.SaveChangesAsync();
        return next;
    }

    /// <summary>
    /// Appends the lineage's last event, removes its snapshot and reviews, and archives its stream:
    /// the next batch of the table starts a new lineage.
    /// </summary>
    public async Task EndAsync(Lineage current, IReadOnlyList<LineageEvent> events)
    {
        await using (var session = Session())
        {
            session.Events.Append(current.Id, current.Version + events.Count, events.ToArray());
            session.DeleteWhere<SchemaReview>(r => r.LineageId == current.Id);
            session.Delete<Lineage>(current.Id);
            session.Delete<LineageView>(current.Id);
            await session.SaveChangesAsync();
        }
        // A session of its own, still in this transaction: in one session Marten's quick append
        // would run after the archiving and be refused (an archived stream takes no events).
        await using (var session = Session())
        {
            session.Events.ArchiveStream(current.Id);
            await session.SaveChangesAsync();
        }
    }

    public async Task CommitAsync()
    {
        await Transaction.CommitAsync();
        _span?.SetTag("edgesync.committed", true);
    }

    /// <summary>
    /// Whether a lineage of <paramref name="projectId"/> other than <paramref name="except"/> has
    /// <paramref name="mirrorTable"/> as its mirror, by the operators' views (written with every
    /// commit, removed with the lineage), read in this transaction. A coalesced table belongs to
    /// one project, so only its lineages are looked at (the views are indexed by project).
    /// </summary>
    public async Task<bool> OthersBoundToAsync(Guid projectId, string mirrorTable, Guid except)
    {
        await using var session = Session();
        return await session.Query<LineageView>()
            .AnyAsync(v => v.ProjectId == projectId && v.Mirror != null && v.Mirror.Name == mirrorTable && v.Id != except);
    }

    /// <summary>The control just issued, with the <c>sync/ingest/control</c> message the device will get.</summary>
    private static PendingControl Pending(ControlIssued control, Guid deviceId)
    {
        var kind = EnumNames.Of(control.ControlKind);
        var message = new ControlMessage(control.ControlId.ToString(), kind, control.SourceTable, control.ServerWatermark, control.Reason);
        return new PendingControl(control.ControlId, control.LineageId, deviceId, control.SourceTable, kind, message.Write(), control.At, null, 0);
    }

    private IDocumentSession Session() => _store.LightweightSession(SessionOptions.ForTransaction(Transaction));

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
        _span?.Dispose();
    }
}
