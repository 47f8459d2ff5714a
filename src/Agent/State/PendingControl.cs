namespace EdgeSync.Agent.State;

/// <summary>A control received and not yet acknowledged (and applied).</summary>
public sealed record PendingControl(long Seq, string ControlId, string Payload);
