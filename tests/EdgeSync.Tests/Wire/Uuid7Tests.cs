using EdgeSync.Wire;

namespace EdgeSync.Tests.Wire;

public class Uuid7Tests
{
    [Theory]
    [InlineData("0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20", true)]
    [InlineData("0192F5C4-8D2E-7B31-BF0A-3C5E7D9B1A20", true)]
    [InlineData("00000000-0000-7000-8000-000000000000", true)]
    [InlineData("0192f5c4-8d2e-4b31-9f0a-3c5e7d9b1a20", false)]   // version 4
    [InlineData("0192f5c4-8d2e-8b31-9f0a-3c5e7d9b1a20", false)]   // version 8
    [InlineData("0192f5c4-8d2e-7b31-0f0a-3c5e7d9b1a20", false)]   // NCS variant
    [InlineData("0192f5c4-8d2e-7b31-cf0a-3c5e7d9b1a20", false)]   // Microsoft variant
    [InlineData("0192f5c4-8d2e-7b31-ef0a-3c5e7d9b1a20", false)]   // reserved variant
    [InlineData("00000000-0000-0000-0000-000000000000", false)]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff", false)]
    [InlineData("0192f5c48d2e7b319f0a3c5e7d9b1a20", false)]
    [InlineData("{0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20}", false)]
    [InlineData("0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20 ", false)]
    [InlineData("0192f5c4-8d2e-7b31-9f0a+3c5e7d9b1a20", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsValid_string(string? text, bool expected)
    {
        Assert.Equal(expected, Uuid7.IsValid(text));
        Assert.Equal(expected, Uuid7.TryParse(text, out var parsed));
        if (expected) Assert.Equal(Guid.Parse(text!), parsed);
    }

    [Fact]
    public void IsValid_guid()
    {
        Assert.True(Uuid7.IsValid(Guid.CreateVersion7()));
        Assert.True(Uuid7.IsValid(Guid.Parse("0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20")));
        Assert.False(Uuid7.IsValid(Guid.NewGuid()));
        Assert.False(Uuid7.IsValid(Guid.Empty));
    }
}
