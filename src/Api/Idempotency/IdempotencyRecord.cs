namespace EdgeSync.Api.Idempotency;

/// <summary>
/// Marten document: the stored outcome of a mutation sent with an <c>Idempotency-Key</c>,
/// scoped to (caller subject, project, key). <see cref="Id"/> is a hash of that scope, so the
/// scope is unique. A record without <see cref="StatusCode"/> is a request still in flight.
/// </summary>
public sealed class IdempotencyRecord
{
    public string Id { get; set; } = "";
    public string Subject { get; set; } = "";
    /// <summary>The project id, or empty for requests outside a project (POST /projects).</summary>
    public string Project { get; set; } = "";
    public string Key { get; set; } = "";
    /// <summary>SHA-256 of method, path and the bound request arguments.</summary>
    public string RequestHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public int? StatusCode { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    public string? Body { get; set; }

    public bool Completed => StatusCode is not null;
}
