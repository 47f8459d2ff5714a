using System.Globalization;

namespace EdgeSync.Bench;

/// <summary>Command-line options. <c>--quick</c> is a preset; explicit options win over it, in any order.</summary>
public sealed record BenchOptions
{
    public const string DefaultPg = "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";

    public int Devices { get; init; } = 50;
    public int Tables { get; init; } = 4;
    public int Batches { get; init; } = 20;
    public int Rows { get; init; } = 500;
    public int InFlight { get; init; } = 1;
    public int UpdatePercent { get; init; } = 20;
    public int WarmupRows { get; init; } = 10;
    /// <summary>Live batches per table after the approvals and before the measured phase: the node's hot path JIT-compiled, pools filled.</summary>
    public int WarmupBatches { get; init; } = 5;

    /// <summary>Index of a table's first measured batch: batch 0 is the staged first batch, then the live warm-up batches.</summary>
    public int FirstMeasuredBatch => 1 + WarmupBatches;
    public int Seed { get; init; } = 42;
    public int SampleMs { get; init; } = 100;
    public bool Quick { get; init; }
    public bool Profile { get; init; } = true;
    public bool KeepDatabase { get; init; }
    public string Pg { get; init; } = DefaultPg;
    public string? SiloDll { get; init; }
    public string? Output { get; init; }
    /// <summary>
    /// <c>embedded</c>: devices connect to the node's own broker. <c>external</c>: to the broker in
    /// <c>Mqtt__External__Url</c> (scripts/bench.sh starts a private Mosquitto and exports it), which
    /// the node consumes from.
    /// </summary>
    public string Broker { get; init; } = "embedded";
    /// <summary>The approvals' <c>mirror_layout</c>: a table per lineage, or one per (project, table) shared by the devices.</summary>
    public string Layout { get; init; } = "per_device";

    public const string Usage = """
        usage: EdgeSync.Bench [options]

          --devices N       devices, one MQTT client each            (default 50)
          --tables T        tables per device (lineages = N x T)      (default 4)
          --batches B       measured batches per table                (default 20)
          --warmup-batches K  live batches per table before measuring
                            (untimed)                                 (default 5)
          --rows R          rows per batch                            (default 500)
          --inflight W      unacknowledged publishes per device       (default 1)
          --update-pct P    share of a batch's rows that update a row
                            inserted earlier in the same batch        (default 20)
          --quick           smoke preset: 10 devices x 2 tables x 3 batches x 200 rows, no warm-up
          --no-profile      skip pg_stat_activity sampling and the three extra mirror SQL baselines
          --sample-ms MS    pg_stat_activity sampling period          (default 100)
          --keep-db         do not drop the benchmark database at the end
          --pg CONN         PostgreSQL server (Npgsql connection string; default $EDGESYNC_PG,
                            else Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres)
          --silo PATH       EdgeSync.Silo.dll to start (default src/Silo/bin/Release/net10.0)
          --output PATH     JSON results (default bench/results/latest.json)
          --seed S          data generator seed                       (default 42)
          --broker MODE     embedded (devices connect to the node) or external (devices
                            connect to the broker in $Mqtt__External__Url, the node consumes
                            from it; scripts/bench.sh starts Mosquitto)  (default embedded)
          --layout L        per_device (a mirror table per lineage) or coalesced (one table
                            per source table, shared by every device)  (default per_device)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var (name, inline) = arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            switch (name)
            {
                case "--quick" or "--no-profile" or "--keep-db" or "--help" or "-h":
                    values[name] = null;
                    break;
                case "--devices" or "--tables" or "--batches" or "--warmup-batches" or "--rows" or "--inflight" or "--update-pct" or "--sample-ms"
                    or "--seed" or "--pg" or "--silo" or "--output" or "--broker" or "--layout":
                    values[name] = inline ?? (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value"));
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{arg}'");
            }
        }
        if (values.ContainsKey("--help") || values.ContainsKey("-h"))
            throw new HelpRequested();

        var o = new BenchOptions { Pg = Environment.GetEnvironmentVariable("EDGESYNC_PG") is { Length: > 0 } env ? env : DefaultPg };
        if (values.ContainsKey("--quick"))
            o = o with { Quick = true, Devices = 10, Tables = 2, Batches = 3, WarmupBatches = 0, Rows = 200 };
        int Int(string key, int current, int min, int max)
        {
            if (!values.TryGetValue(key, out var text))
                return current;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
                throw new ArgumentException($"{key} must be an integer in {min}..{max}, not '{text}'");
            return v;
        }
        o = o with
        {
            Devices = Int("--devices", o.Devices, 1, 10_000),
            Tables = Int("--tables", o.Tables, 1, 100),
            Batches = Int("--batches", o.Batches, 1, 100_000),
            WarmupBatches = Int("--warmup-batches", o.WarmupBatches, 0, 1_000),
            Rows = Int("--rows", o.Rows, 1, 4096),
            InFlight = Int("--inflight", o.InFlight, 1, 64),
            UpdatePercent = Int("--update-pct", o.UpdatePercent, 0, 90),
            SampleMs = Int("--sample-ms", o.SampleMs, 10, 10_000),
            Seed = Int("--seed", o.Seed, int.MinValue, int.MaxValue),
            Profile = !values.ContainsKey("--no-profile"),
            KeepDatabase = values.ContainsKey("--keep-db"),
            Pg = values.GetValueOrDefault("--pg") ?? o.Pg,
            SiloDll = values.GetValueOrDefault("--silo"),
            Output = values.GetValueOrDefault("--output"),
            Broker = values.GetValueOrDefault("--broker") switch
            {
                null or "embedded" => "embedded",
                "external" when Environment.GetEnvironmentVariable("Mqtt__External__Url") is { Length: > 0 } => "external",
                "external" => throw new ArgumentException("--broker external needs Mqtt__External__Url (and the node's credentials): run it through scripts/bench.sh"),
                var other => throw new ArgumentException($"--broker must be embedded or external, not '{other}'"),
            },
            Layout = values.GetValueOrDefault("--layout") switch
            {
                null or "per_device" => "per_device",
                "coalesced" => "coalesced",
                var other => throw new ArgumentException($"--layout must be per_device or coalesced, not '{other}'"),
            },
        };
        return o;
    }

    public sealed class HelpRequested : Exception;
}
