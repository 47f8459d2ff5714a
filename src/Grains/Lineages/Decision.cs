using EdgeSync.Mirrors;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>
/// What a lineage decided about one command: the events to append, the answer to give, and what
/// the effects need, so that nothing is worked out a second time when they are performed.
/// </summary>
public sealed record Decision(IReadOnlyList<LineageEvent> Events)
{
    public static readonly Decision Nothing = new([]);

    /// <summary>The answer to an operator command; refusals come with no events.</summary>
    public CommandResult Result { get; init; } = CommandResult.Done;

    /// <summary>Why a device's batch was refused (its <see cref="BatchRejected"/> may be among the events).</summary>
    public Rejection? Rejection { get; init; }

    /// <summary>The rows of the batch to stage.</summary>
    public IReadOnlyList<RowOperation> RowsToStage { get; init; } = [];

    /// <summary>The rows of the batch to write to the mirror, with the table and bindings in force once the events apply.</summary>
    public MirrorWrite? Write { get; init; }

    public static Decision Refused(CommandResult result) => Nothing with { Result = result };
}

/// <summary>Rows to write straight to a mirror table.</summary>
public sealed record MirrorWrite(MirrorTable Mirror, IReadOnlyList<ColumnBinding> Bindings, IReadOnlyList<RowOperation> Rows);
