namespace EdgeSync.Cli.Output;

public enum OutputFormat
{
    /// <summary>Aligned columns for people.</summary>
    Table,
    /// <summary>The API's <c>data</c> exactly as sent (lists: the items of every page fetched), for scripts.</summary>
    Json,
}
