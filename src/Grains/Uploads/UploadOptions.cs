namespace EdgeSync.Uploads;

/// <summary>The <c>Uploads</c> section: bulk uploads (<c>url_grant</c>, the upload endpoint, finalize).</summary>
public sealed class UploadOptions
{
    public const string Section = "Uploads";

    /// <summary>
    /// The base of granted URLs, as devices reach the service (a gateway, say); null: the node's
    /// own HTTP address.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long a granted URL may be used.</summary>
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The largest object an upload may store.</summary>
    public long MaxObjectBytes { get; set; } = 1L << 30;

    /// <summary>
    /// The HMAC key of upload tokens (at least 32 bytes of text); null: a random key generated
    /// once and kept in PostgreSQL, the same for every node.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>The longest line of an uploaded object, decompressed.</summary>
    public int MaxLineBytes { get; set; } = 64 << 20;

    /// <summary>
    /// The most a spilled batch may hold decompressed: it is read whole into memory, like a batch
    /// from MQTT, so it is capped well below the object limit.
    /// </summary>
    public long MaxSpillBytes { get; set; } = 128L << 20;

    /// <summary>The most a snapshot may hold decompressed (a zstd bomb stops there).</summary>
    public long MaxSnapshotBytes { get; set; } = 64L << 30;

    /// <summary>
    /// The most uploads one device may hold open — granted and not expired, or uploaded and not
    /// finalized. Each may store <see cref="MaxObjectBytes"/>, so this bounds what a device can make
    /// PostgreSQL keep; a <c>url_request</c> beyond it is refused <c>too_many_open_uploads</c>.
    /// </summary>
    public int MaxOpenPerDevice { get; set; } = 4;

    /// <summary>
    /// How long an uploaded object waits for its finalize. After that it is given up (its bytes
    /// deleted, the upload refused) the next time its device asks for a URL.
    /// </summary>
    public TimeSpan FinalizeWithin { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Rows of a snapshot applied per transaction.</summary>
    public int SnapshotChunkRows { get; set; } = 50_000;

    /// <summary>What is wrong with these options, or null.</summary>
    public string? Problem()
    {
        if (PublicBaseUrl is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            return "Uploads:PublicBaseUrl must be an absolute http(s) URL.";
        if (UrlLifetime <= TimeSpan.Zero || UrlLifetime > TimeSpan.FromDays(7))
            return "Uploads:UrlLifetime must be above zero and at most 7 days.";
        if (MaxObjectBytes < 4)
            return "Uploads:MaxObjectBytes must be at least 4 bytes.";
        if (SigningKey is { Length: < 32 })
            return "Uploads:SigningKey must be at least 32 characters when set.";
        if (MaxLineBytes < 1024 || MaxSpillBytes < 1024 || MaxSnapshotBytes < 1024)
            return "Uploads:MaxLineBytes, MaxSpillBytes and MaxSnapshotBytes must be at least 1024.";
        if (MaxOpenPerDevice is < 1 or > 1_000)
            return "Uploads:MaxOpenPerDevice must be between 1 and 1,000.";
        if (FinalizeWithin <= TimeSpan.Zero)
            return "Uploads:FinalizeWithin must be above zero.";
        if (SnapshotChunkRows is < 1 or > 1_000_000)
            return "Uploads:SnapshotChunkRows must be between 1 and 1,000,000.";
        return null;
    }
}
