namespace EdgeSync.Tests.Agent;

/// <summary>
/// Random application writes on a device database — inserts, updates (also of the primary key),
/// deletes, INSERT OR REPLACE and upserts, single or grouped in transactions — with INTEGER, REAL,
/// TEXT (unicode, quotes, control characters), BLOB, NUMERIC and NULL values.
/// Tables: <see cref="ReadingsSql"/> and <see cref="ValvesSql"/> (composite key).
/// </summary>
public sealed class SqliteWorkload(DeviceDatabase db, int seed)
{
    public const string ReadingsSql = "CREATE TABLE readings (id INTEGER PRIMARY KEY, name TEXT, temp REAL, raw BLOB, amount NUMERIC, note TEXT)";
    public const string ValvesSql = "CREATE TABLE valves (site TEXT NOT NULL, slot INTEGER NOT NULL, state TEXT, level REAL, PRIMARY KEY (site, slot))";
    public static readonly string[] ReadingsColumns = ["id", "name", "temp", "raw", "amount", "note"];
    public static readonly string[] ValvesColumns = ["site", "slot", "state", "level"];

    private static readonly string?[] Names = ["pump", "Grüße", "日本語のテキスト", "rocket 🚀", "quote ' and \" and \\", "line\nbreak\ttab", "", null, "ünïcödé"];
    private static readonly string[] Sites = ["north", "süd", "東"];
    private readonly Random _random = new(seed);

    /// <summary>Runs <paramref name="operations"/> random writes, pausing a little now and then.</summary>
    public async Task RunAsync(int operations, CancellationToken ct = default)
    {
        for (var i = 0; i < operations && !ct.IsCancellationRequested; i++)
        {
            if (_random.Next(8) == 0)
            {
                db.Execute("BEGIN");
                for (var j = 0; j < 5; j++)
                    Step();
                db.Execute("COMMIT");
            }
            else
                Step();
            if (i % 10 == 0)
                await Task.Delay(20, ct);
        }
    }

    public void Step()
    {
        if (_random.Next(3) == 0)
            ValveStep();
        else
            ReadingStep();
    }

    private void ReadingStep()
    {
        var id = (long)_random.Next(1, 60);
        switch (_random.Next(7))
        {
            case 0 or 1:
                db.Execute("INSERT OR IGNORE INTO readings VALUES ($id, $name, $temp, $raw, $amount, $note)", Reading(id));
                break;
            case 2:
                db.Execute("UPDATE readings SET name = $name, temp = $temp, raw = $raw, amount = $amount, note = $note WHERE id = $id", Reading(id));
                break;
            case 3:
                db.Execute("UPDATE OR IGNORE readings SET id = $new WHERE id = $id", ("$id", id), ("$new", (long)_random.Next(1, 60)));
                break;
            case 4:
                db.Execute("DELETE FROM readings WHERE id = $id", ("$id", id));
                break;
            case 5:
                db.Execute("INSERT OR REPLACE INTO readings VALUES ($id, $name, $temp, $raw, $amount, $note)", Reading(id));
                break;
            default:
                db.Execute("INSERT INTO readings VALUES ($id, $name, $temp, $raw, $amount, $note) ON CONFLICT (id) DO UPDATE SET temp = excluded.temp, note = excluded.note",
                    Reading(id));
                break;
        }
    }

    private void ValveStep()
    {
        var site = Sites[_random.Next(Sites.Length)];
        var slot = (long)_random.Next(1, 6);
        switch (_random.Next(4))
        {
            case 0 or 1:
                db.Execute("INSERT OR REPLACE INTO valves VALUES ($site, $slot, $state, $level)",
                    ("$site", site), ("$slot", slot), ("$state", Names[_random.Next(Names.Length)]), ("$level", _random.Next(3) == 0 ? null : _random.NextDouble()));
                break;
            case 2:
                db.Execute("UPDATE OR IGNORE valves SET slot = slot + 10, state = 'moved' WHERE site = $site AND slot = $slot", ("$site", site), ("$slot", slot));
                break;
            default:
                db.Execute("DELETE FROM valves WHERE site = $site AND slot >= $slot", ("$site", site), ("$slot", slot));
                break;
        }
    }

    private (string, object?)[] Reading(long id) =>
    [
        ("$id", id),
        ("$name", Names[_random.Next(Names.Length)]),
        ("$temp", _random.Next(6) switch { 0 => null, 1 => 0.1, 2 => -1e-7 * _random.Next(1, 100), 3 => (double)_random.Next(-50, 50), _ => (_random.NextDouble() - 0.5) * 1e6 }),
        ("$raw", _random.Next(4) switch { 0 => null, 1 => Array.Empty<byte>(), _ => Enumerable.Range(0, _random.Next(1, 40)).Select(_ => (byte)_random.Next(256)).ToArray() }),
        ("$amount", _random.Next(6) switch { 0 => null, 1 => 12.5, 2 => (object)100L, 3 => "3.25", 4 => 9007199254740993L, _ => -7L }),
        ("$note", _random.Next(4) switch { 0 => null, 1 => (object)42L, 2 => "n/a", _ => $"note {_random.Next(1000)}" }),
    ];
}
