namespace EdgeSync.Uploads;

/// <summary>An uploaded object that does not decompress or parse; the finalize is refused <c>invalid_upload</c> with this detail.</summary>
public sealed class UploadFormatException(string detail) : Exception(detail);
