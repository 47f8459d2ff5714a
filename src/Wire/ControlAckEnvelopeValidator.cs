namespace EdgeSync.Wire;

/// <summary>
/// The rules of <c>sync/ingest/ack</c>: invalid_format_version, unsupported_format_version, then
/// invalid_control_id (a code the protocol's original table does not have: the control id is not a UUID).
/// </summary>
internal sealed class ControlAckEnvelopeValidator : WireEnvelopeValidator<ControlAckEnvelope>
{
    public static ControlAckEnvelopeValidator Instance { get; } = new();

    private ControlAckEnvelopeValidator()
    {
        AddFormatVersionRules();
        RuleFor(x => x.ControlId).Check(RejectionCodes.InvalidControlId, (_, v) =>
            Guid.TryParseExact(WireJson.StringOrNull(v), "D", out Guid _) ? null
                : $"control_id must be the UUID of a control, not {WireJson.Describe(v)}.");
    }
}
