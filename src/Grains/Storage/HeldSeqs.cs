using Npgsql;

namespace EdgeSync.Storage;

/// <summary>Which commit seqs of a lineage's epoch a row table (staging or the quarantine) holds: both are keyed the same way.</summary>
internal static class HeldSeqs
{
    public static async Task<IReadOnlyList<long>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string table, Guid lineageId, Guid journalEpoch, IReadOnlyList<long> seqs,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT source_commit_seq FROM {table} WHERE lineage_id = @lineage AND journal_epoch = @epoch AND source_commit_seq = ANY(@seqs)",
            connection, transaction);
        command.Parameters.AddWithValue("lineage", lineageId);
        command.Parameters.AddWithValue("epoch", journalEpoch);
        command.Parameters.AddWithValue("seqs", seqs.ToArray());
        var held = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            held.Add(reader.GetInt64(0));
        return held;
    }
}
