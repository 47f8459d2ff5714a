using System.Security.Cryptography;
using System.Text;
using EdgeSync.Api.Http;
using Marten;
using Microsoft.Extensions.Options;

namespace EdgeSync.Api.Idempotency;

/// <summary>Reads and writes <see cref="IdempotencyRecord"/>s in their own short sessions.</summary>
public sealed class IdempotencyStore(IDocumentStore store, IOptions<ApiOptions> options, TimeProvider clock)
{
    /// <summary>A record still in flight after this long is considered abandoned (crashed node).</summary>
    public static readonly TimeSpan InFlightTimeout = TimeSpan.FromMinutes(2);

    public TimeSpan Retention => TimeSpan.FromHours(Math.Max(24, options.Value.IdempotencyRetentionHours));

    public static string IdOf(string subject, string project, string key)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{subject}\n{project}\n{key}")));

    public enum Outcome { Started, Replay, Mismatch, InFlight }

    /// <summary>Claims the key for this request, or tells how the key was used before.</summary>
    public async Task<(Outcome Outcome, IdempotencyRecord Record)> BeginAsync(string subject, string project, string key, string requestHash, CancellationToken cancellationToken)
    {
        var id = IdOf(subject, project, key);
        for (var attempt = 0; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var now = clock.GetUtcNow();
            var existing = await session.LoadAsync<IdempotencyRecord>(id, cancellationToken);
            var fresh = new IdempotencyRecord
            {
                Id = id, Subject = subject, Project = project, Key = key, RequestHash = requestHash,
                CreatedAt = now, ExpiresAt = now + Retention,
            };

            if (existing is not null && existing.ExpiresAt > now)
            {
                if (existing.RequestHash != requestHash)
                    return (Outcome.Mismatch, existing);
                if (existing.Completed)
                    return (Outcome.Replay, existing);
                if (now - existing.CreatedAt < InFlightTimeout)
                    return (Outcome.InFlight, existing);
            }

            if (existing is null)
                session.Insert(fresh);
            else
                session.Store(fresh); // expired or abandoned: take the key over
            try
            {
                await session.SaveChangesAsync(cancellationToken);
                return (Outcome.Started, fresh);
            }
            catch (Exception e) when (attempt < 2 && UniqueViolation.Is(e))
            {
                // Another request claimed the key between our read and write; look again.
            }
        }
    }

    public async Task CompleteAsync(IdempotencyRecord record, int statusCode, string? contentType, string? location, string body, CancellationToken cancellationToken)
    {
        record.StatusCode = statusCode;
        record.ContentType = contentType;
        record.Location = location;
        record.Body = body;
        record.CompletedAt = clock.GetUtcNow();
        await using var session = store.LightweightSession();
        session.Store(record);
        await session.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Releases the key after a failure so the client can retry it.</summary>
    public async Task AbandonAsync(IdempotencyRecord record)
    {
        await using var session = store.LightweightSession();
        session.Delete<IdempotencyRecord>(record.Id);
        await session.SaveChangesAsync(CancellationToken.None);
    }

    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var now = clock.GetUtcNow();
        var count = await session.Query<IdempotencyRecord>().CountAsync(r => r.ExpiresAt < now, cancellationToken);
        if (count == 0)
            return 0;
        session.DeleteWhere<IdempotencyRecord>(r => r.ExpiresAt < now);
        await session.SaveChangesAsync(cancellationToken);
        return count;
    }
}
