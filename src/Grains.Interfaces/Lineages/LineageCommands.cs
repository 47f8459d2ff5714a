namespace EdgeSync.Lineages;

/// <summary>An operator pauses the lineage by hand; <see cref="Reason"/> is passed on to the device.</summary>
[GenerateSerializer, Immutable]
public sealed record PauseLineage([property: Id(0)] Guid LineageId, [property: Id(1)] string? Reason, [property: Id(2)] string Actor);

[GenerateSerializer, Immutable]
public sealed record ResumeLineage([property: Id(0)] Guid LineageId, [property: Id(1)] string Actor);

[GenerateSerializer, Immutable]
public sealed record ResetMaterialization([property: Id(0)] Guid LineageId, [property: Id(1)] string Actor);

[GenerateSerializer, Immutable]
public sealed record DeleteLineage([property: Id(0)] Guid LineageId, [property: Id(1)] bool DropMirror, [property: Id(2)] string Actor);
