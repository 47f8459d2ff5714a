namespace EdgeSync.Lineages;

/// <summary>Who sent a message, as the broker authenticated it — never taken from a payload.</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceIdentity(
    [property: Id(0)] Guid ProjectId,
    [property: Id(1)] Guid DeviceId,
    [property: Id(2)] string DeviceName);
