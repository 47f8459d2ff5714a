namespace EdgeSync.Wire;

/// <summary>Why a message was refused whole: a <see cref="RejectionCodes"/> code and a sentence naming the field.</summary>
[GenerateSerializer, Immutable]
public sealed record Rejection(
    [Id(0)] string Code,
    [Id(1)] string Detail);
