using System.Text;
using EdgeSync.Wire;

namespace EdgeSync.Lineages;

/// <summary>The bytes a staged row counts against the backlog caps: its pk and row JSON as received.</summary>
public static class StagedRowSize
{
    public static int Of(RowOperation row) =>
        Encoding.UTF8.GetByteCount(row.PkJson) + (row.RowJson is null ? 0 : Encoding.UTF8.GetByteCount(row.RowJson));
}
