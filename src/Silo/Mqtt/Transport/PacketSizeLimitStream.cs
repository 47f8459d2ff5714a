namespace EdgeSync.Silo.Mqtt.Transport;

/// <summary>
/// Follows the MQTT framing of what a client sends and ends the stream at the header of a packet
/// larger than the limit. MQTTnet allocates a packet's whole body as soon as it has read the
/// remaining length, so the limit has to act before that byte reaches it: the reader gets the
/// bytes of the packets before, then end of stream, and closes the connection.
/// </summary>
public sealed class PacketSizeLimitStream(Stream inner, long maxPacketBytes, Action<long> onRefused) : Stream
{
    private enum Part { TypeByte, RemainingLength, Body }

    private Part _part = Part.TypeByte;
    private long _remainingLength;
    private long _multiplier;
    private int _lengthBytes;
    private long _bodyLeft;
    private bool _refused;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_refused)
            return 0;
        return Admit(buffer[..inner.Read(buffer)]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_refused)
            return 0;
        var read = await inner.ReadAsync(buffer, ct);
        return Admit(buffer.Span[..read]);
    }

    /// <summary>How many of the bytes just read the reader may see: all of them, or those before an oversized packet's last length byte.</summary>
    private int Admit(ReadOnlySpan<byte> read)
    {
        var i = 0;
        while (i < read.Length)
        {
            switch (_part)
            {
                case Part.Body:
                    var skip = (int)Math.Min(_bodyLeft, read.Length - i);
                    _bodyLeft -= skip;
                    i += skip;
                    if (_bodyLeft == 0)
                        _part = Part.TypeByte;
                    continue;
                case Part.TypeByte:
                    _part = Part.RemainingLength;
                    _remainingLength = 0;
                    _multiplier = 1;
                    _lengthBytes = 0;
                    i++;
                    continue;
                case Part.RemainingLength:
                    var b = read[i];
                    _remainingLength += (b & 0x7F) * _multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if ((b & 0x80) != 0 && _lengthBytes < 4)
                    {
                        i++;
                        continue;
                    }
                    // Four length bytes with a continuation bit is malformed; MQTTnet refuses it itself.
                    var packetBytes = 1 + _lengthBytes + _remainingLength;
                    if (packetBytes > maxPacketBytes)
                    {
                        _refused = true;
                        onRefused(packetBytes);
                        return i;
                    }
                    _bodyLeft = _remainingLength;
                    _part = _bodyLeft == 0 ? Part.TypeByte : Part.Body;
                    i++;
                    continue;
            }
        }
        return read.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.WriteAsync(buffer, offset, count, ct);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => inner.WriteAsync(buffer, ct);
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
