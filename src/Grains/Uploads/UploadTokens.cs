using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EdgeSync.Uploads;

/// <summary>
/// The credential in a granted URL: the claims, then an HMAC-SHA256 of them, both base64url and
/// joined by a dot. The claims are binary (ids, expiry in Unix milliseconds, kind, then the table
/// name in UTF-8) so that the token stays short enough for a URL path.
/// </summary>
public sealed class UploadTokens(UploadSigningKey key)
{
    private const int FixedBytes = 16 * 3 + 8 + 1;
    private const int MacBytes = 32;

    public async Task<string> SignAsync(UploadClaims claims, CancellationToken ct = default)
    {
        var table = Encoding.UTF8.GetBytes(claims.SourceTable);
        var body = new byte[FixedBytes + table.Length];
        claims.UploadId.TryWriteBytes(body.AsSpan(0, 16), bigEndian: true, out _);
        claims.ProjectId.TryWriteBytes(body.AsSpan(16, 16), bigEndian: true, out _);
        claims.DeviceId.TryWriteBytes(body.AsSpan(32, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(48, 8), claims.ExpiresAt.ToUnixTimeMilliseconds());
        body[56] = KindByte(claims.SegmentKind);
        table.CopyTo(body.AsSpan(FixedBytes));
        var mac = HMACSHA256.HashData(await key.GetAsync(ct), body);
        return $"{Base64Url.Encode(body)}.{Base64Url.Encode(mac)}";
    }

    /// <summary>The claims of a token this service signed, or null for anything else (tampered, unsigned, malformed).</summary>
    public async Task<UploadClaims?> VerifyAsync(string? token, CancellationToken ct = default)
    {
        if (token is null || token.Length > 2048 || token.Split('.') is not [var bodyText, var macText])
            return null;
        if (Base64Url.Decode(bodyText) is not { Length: >= FixedBytes } body || Base64Url.Decode(macText) is not { Length: MacBytes } mac)
            return null;
        var expected = HMACSHA256.HashData(await key.GetAsync(ct), body);
        if (!CryptographicOperations.FixedTimeEquals(expected, mac))
            return null;
        var kind = body[56] switch
        {
            1 => Wire.IngestRequest.BootstrapSnapshot,
            2 => Wire.IngestRequest.PayloadSpill,
            _ => null,
        };
        if (kind is null)
            return null;
        return new UploadClaims(
            new Guid(body.AsSpan(0, 16), bigEndian: true), new Guid(body.AsSpan(16, 16), bigEndian: true), new Guid(body.AsSpan(32, 16), bigEndian: true),
            Encoding.UTF8.GetString(body.AsSpan(FixedBytes)), kind,
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(48, 8))));
    }

    private static byte KindByte(string segmentKind) => segmentKind switch
    {
        Wire.IngestRequest.BootstrapSnapshot => 1,
        Wire.IngestRequest.PayloadSpill => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(segmentKind), segmentKind, "not a segment kind"),
    };

    private static class Base64Url
    {
        public static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static byte[]? Decode(string text)
        {
            if (text.Length == 0 || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
                return null;
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            try
            {
                return Convert.FromBase64String(padded);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
