using EdgeSync.Cli.Api;

namespace EdgeSync.Tests.Cli;

public sealed class ColumnActionSyntaxTests
{
    [Fact]
    public void The_empty_column_name_can_be_given_an_action_on_the_command_line()
    {
        var action = ColumnActionSyntax.Parse("=ignore");
        Assert.Equal("", action.SourceColumnName);
        Assert.Equal("ignore", action.Action);
        Assert.Equal("a=b", ColumnActionSyntax.Parse("a=b=mirror").SourceColumnName);
    }
}
