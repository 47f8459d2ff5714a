using EdgeSync.Wire;

namespace EdgeSync.Tests.Wire;

public class Rfc3339Tests
{
    [Theory]
    [InlineData("2025-01-31T12:00:00Z", "2025-01-31T12:00:00.0000000+00:00")]
    [InlineData("2025-01-31t12:00:00z", "2025-01-31T12:00:00.0000000+00:00")]
    [InlineData("2025-01-31T12:00:00.5Z", "2025-01-31T12:00:00.5000000+00:00")]
    [InlineData("2025-01-31T12:00:00.123456789Z", "2025-01-31T12:00:00.1234567+00:00")]
    [InlineData("2025-01-31T14:00:00+02:00", "2025-01-31T12:00:00.0000000+00:00")]
    [InlineData("2025-01-31T00:30:00-23:59", "2025-02-01T00:29:00.0000000+00:00")]
    [InlineData("2025-01-31T12:00:00-00:00", "2025-01-31T12:00:00.0000000+00:00")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.0000000+00:00")]
    [InlineData("2016-12-31T23:59:60Z", "2017-01-01T00:00:00.0000000+00:00")]
    public void Parses_to_utc(string text, string expected)
    {
        Assert.True(Rfc3339.TryParse(text, out var value));
        Assert.Equal(expected, value.ToString("o"));
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Theory]
    [InlineData("2025-01-31T12:00:00")]
    [InlineData("2025-01-31 12:00:00Z")]
    [InlineData("2025-01-31T12:00Z")]
    [InlineData("2025-01-31T12:00:00.Z")]
    [InlineData("2025-01-31T12:00:00.1234567890Z")]
    [InlineData("2025-13-01T12:00:00Z")]
    [InlineData("2023-02-29T12:00:00Z")]
    [InlineData("2025-01-31T24:00:00Z")]
    [InlineData("2025-01-31T12:60:00Z")]
    [InlineData("2025-01-31T12:00:61Z")]
    [InlineData("2025-01-31T12:00:00+24:00")]
    [InlineData("2025-01-31T12:00:00+0100")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("２０２５-01-31T12:00:00Z")]
    [InlineData(" 2025-01-31T12:00:00Z")]
    [InlineData("2025-01-31T12:00:00Z\n")]
    [InlineData("")]
    [InlineData(null)]
    public void Rejects(string? text) => Assert.False(Rfc3339.TryParse(text, out _));
}
