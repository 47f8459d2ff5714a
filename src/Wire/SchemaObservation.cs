namespace EdgeSync.Wire;

/// <summary>A validated <c>sync/schema/observe</c> message (read it with <see cref="SchemaObservationReader"/>).</summary>
/// <param name="SourceTable"><c>source_table</c>.</param>
/// <param name="SchemaHash"><c>schema_hash</c>, 64 lowercase hex.</param>
/// <param name="ObservedAt"><c>observed_at</c>, normalized to UTC (offset zero).</param>
/// <param name="SchemaColumns"><c>schema_columns</c> when sent (their hash equals <paramref name="SchemaHash"/>).</param>
[GenerateSerializer, Immutable]
public sealed record SchemaObservation(
    [Id(0)] string SourceTable,
    [Id(1)] string SchemaHash,
    [Id(2)] DateTimeOffset ObservedAt,
    [Id(3)] SchemaFingerprint? SchemaColumns);
