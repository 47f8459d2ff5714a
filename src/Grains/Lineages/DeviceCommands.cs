using EdgeSync.Registry;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

// The commands a device's messages become in its lineage's grain (the operators' commands are in
// Grains.Interfaces, LineageCommands.cs: they cross the grain boundary).

/// <summary>
/// A row batch as the lineage grain decides on it. Ids are made by the caller so that deciding stays
/// pure, and so is the registry decision in force for the batch's schema when the lineage has not
/// accepted it (<see cref="Registry"/>).
/// </summary>
public sealed record IngestRows(Guid NewLineageId, Guid NewReviewId, Guid NewReplayId, Guid NewControlId, DeviceIdentity Device, RowBatch Batch, EdgePolicy Policy)
{
    public RegistryAcceptance? Registry { get; init; }

    /// <summary>Set when the batch is a telemetry batch (<see cref="TelemetryJournal.ToRowBatch"/> made <see cref="Batch"/> of it).</summary>
    public TelemetryOrigin? Telemetry { get; init; }

    /// <summary>The upload whose finalize brought the batch (a <c>payload_spill</c>): finalized in the batch's transaction.</summary>
    public Guid? FinalizesUpload { get; init; }
}

/// <summary>What a telemetry batch tells its lineage beyond its rows.</summary>
public sealed record TelemetryOrigin(long BatchSeq, string TimestampColumn);

public sealed record ObserveSchema(Guid NewLineageId, DeviceIdentity Device, SchemaObservation Observation);
