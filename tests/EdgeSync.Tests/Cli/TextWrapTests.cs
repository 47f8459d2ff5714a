using EdgeSync.Cli.Ui;

namespace EdgeSync.Tests.Cli;

[Trait("Category", "Fast")]
public sealed class TextWrapTests
{
    [Fact]
    public void A_long_value_continues_under_its_column_at_word_breaks_and_nothing_is_lost()
    {
        var line = "Last error     writing mirror table 'edge_mirror_x': new row violates check constraint \"mode_known\" of the mirror";

        var lines = TextLines.Wrap(line, 50).ToList();

        Assert.True(lines.Count > 1);
        Assert.All(lines, l => Assert.True(l.Length <= 50, l));
        Assert.All(lines.Skip(1), l => Assert.StartsWith(new string(' ', 15), l));
        Assert.Equal(line.Split(' ', StringSplitOptions.RemoveEmptyEntries), string.Join(' ', lines).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_word_longer_than_the_line_is_cut_and_short_lines_stay_as_they_are()
    {
        var word = new string('x', 120);

        var cut = TextLines.Wrap($"Error  {word}", 40).ToList();

        Assert.Equal($"Error  {word}", cut[0] + string.Concat(cut.Skip(1).Select(l => l.TrimStart())));
        Assert.All(cut, l => Assert.True(l.Length <= 40, l));
        Assert.Equal(["short line"], TextLines.Wrap("short line", 40));
    }
}
