namespace EdgeSync.Mirrors;

/// <summary>The platform columns every mirror table starts with (docs/storage.md, "Mirror tables").</summary>
public static class PlatformColumns
{
    public const string DeviceId = "_edge_device_id";
    public const string JournalEpoch = "_edge_journal_epoch";
    public const string CommitSeq = "_edge_commit_seq";
    public const string CreatedAt = "_edge_created_at";
    public const string UpdatedAt = "_edge_updated_at";

    public static IReadOnlyList<string> All { get; } = [DeviceId, JournalEpoch, CommitSeq, CreatedAt, UpdatedAt];

    /// <summary>Their definitions in CREATE TABLE.</summary>
    internal static IReadOnlyList<string> Definitions { get; } =
    [
        $"{DeviceId} uuid NOT NULL",
        $"{JournalEpoch} uuid NOT NULL",
        $"{CommitSeq} bigint NOT NULL",
        $"{CreatedAt} timestamptz NOT NULL DEFAULT now()",
        $"{UpdatedAt} timestamptz NOT NULL DEFAULT now()",
    ];
}
