namespace EdgeSync.Agent.Capture;

/// <summary>
/// One row of <c>__edgesync_journal</c>: a change of an enrolled table as its trigger captured it.
/// <see cref="PkJson"/> and <see cref="RowJson"/> are JSON built by SQLite (a BLOB value appears as
/// <c>{"$edgesync_blob":"HEX"}</c>; <see cref="Publish.WireValues"/> turns it into base64).
/// <see cref="SchemaHash"/> is the schema the capturing trigger was installed for, so the row's
/// columns always match the hash it is published under.
/// </summary>
public sealed record JournalRow(long CommitSeq, string Op, string PkJson, string? RowJson, string SchemaHash);
