using System.Security.Cryptography;
using System.Text;
using EdgeSync.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeSync.Uploads;

/// <summary>
/// The key upload tokens are signed with: <see cref="UploadOptions.SigningKey"/> when configured,
/// otherwise a random key that the first node to need one stores in PostgreSQL
/// (<c>edge_upload_keys</c>), so that every node of a cluster signs and verifies alike with no
/// configuration. Read once per process.
/// </summary>
public sealed class UploadSigningKey(EdgeStoreSettings settings, NpgsqlDataSource dataSource, IOptions<UploadOptions> options)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    public async Task<byte[]> GetAsync(CancellationToken ct = default)
    {
        if (_key is { } known)
            return known;
        await _gate.WaitAsync(ct);
        try
        {
            return _key ??= options.Value.SigningKey is { } configured ? Encoding.UTF8.GetBytes(configured) : await StoredAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<byte[]> StoredAsync(CancellationToken ct)
    {
        var table = settings.Table(EdgeTables.UploadKeys);
        await using (var insert = dataSource.CreateCommand($"INSERT INTO {table} (key_id, key, created_at) VALUES (1, @key, now()) ON CONFLICT (key_id) DO NOTHING"))
        {
            insert.Parameters.AddWithValue("key", RandomNumberGenerator.GetBytes(32));
            await insert.ExecuteNonQueryAsync(ct);
        }
        // Whoever inserted first, every node reads the same key.
        await using var select = dataSource.CreateCommand($"SELECT key FROM {table} WHERE key_id = 1");
        return (byte[])(await select.ExecuteScalarAsync(ct))!;
    }
}
