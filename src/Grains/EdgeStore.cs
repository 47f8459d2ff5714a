using System.Data.Common;
using System.Text.Json.Serialization;
using EdgeSync.Fleets;
using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Storage;
using EdgeSync.Uploads;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Weasel.Core;

namespace EdgeSync;

/// <summary>
/// Where the service's state lives, wired in one place: Marten (events, snapshots, views,
/// registry documents, service tables) and the one Npgsql data source they share.
/// </summary>
public static class EdgeStore
{
    public const string DefaultSchema = "edgesync";

    /// <summary>
    /// Marten (event store, read models, registry documents, service tables) and one Npgsql data
    /// source for the set-based writes that share its transactions.
    /// </summary>
    public static IServiceCollection AddEdgeSyncStore(
        this IServiceCollection services, string connectionString, string schema = DefaultSchema, string mirrorSchema = EdgeStoreSettings.DefaultMirrorSchema,
        bool applyMigrations = true)
    {
        connectionString = Tuned(connectionString);
        services.AddSingleton(new EdgeStoreSettings(schema, mirrorSchema));
        // One pool for Marten and the set-based writes that share its transactions.
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<StagedRows>();
        services.AddSingleton<QuarantinedRows>();
        services.AddSingleton<BatchLedger>();
        services.AddSingleton<RejectionLog>();
        services.AddSingleton<PendingControls>();
        services.AddSingleton<MirrorSchemaWriter>();
        services.AddSingleton<MirrorTombstones>();
        services.AddSingleton<MirrorColumnTypes>();
        services.AddSingleton<MirrorWriter>();
        services.AddSingleton<TelemetryWriter>();
        services.AddSingleton<TimeSeriesPartitions>();
        services.AddSingleton<TimeSeriesSchemaWriter>();
        services.AddSingleton<TimeSeriesWriter>();
        services.AddSingleton<MirrorReader>();
        services.AddSingleton<RegistryStore>();
        services.AddSingleton<IRegistryDecisionLookup>(sp => sp.GetRequiredService<RegistryStore>());
        services.AddSingleton<LineageStore>();
        services.AddSingleton<LineageEffects>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<UploadStore>();
        services.AddSingleton<UploadSigningKey>();
        services.AddSingleton<UploadTokens>();
        services.AddSingleton<LineageUploads>();

        var marten = services.AddMarten(options =>
            {
                options.DatabaseSchemaName = schema;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString,
                    configure: json => json.Converters.Insert(0, new JsonStringEnumConverter(EnumNames.Policy)));
                options.Events.StreamIdentity = StreamIdentity.AsGuid;
                options.Events.AppendMode = EventAppendMode.Quick;
                foreach (var (type, name) in LineageEventNames.ByType.Concat(RegistryEventNames.ByType))
                    options.Events.MapEventType(type, name);

                // No snapshot projection for Lineage: the grain already holds the folded state
                // and stores it with the events it appends (same session, same transaction);
                // an inline projection would read the document back and fold the events again.
                options.Projections.Add<SchemaReviewProjection>(ProjectionLifecycle.Inline);

                options.Schema.For<Project>().UniqueIndex(p => p.TopicSlug);
                options.Schema.For<Device>().UniqueIndex(d => d.ProjectId, d => d.Name).Index(d => d.ProjectId);
                // Numeric revisions, as the snapshot projection kept them: a database written by
                // an earlier release migrates without changing the column's type.
                options.Schema.For<Lineage>().UseNumericRevisions(true).Index(l => l.ProjectId).Index(l => l.DeviceId);
                options.Schema.For<LineageView>().Index(l => l.ProjectId).Index(l => l.DeviceId);
                options.Schema.For<SchemaReview>().Index(r => r.ProjectId).Index(r => r.LineageId);
                options.Schema.For<RegistryDecision>().Index(d => d.ProjectId).UniqueIndex(d => d.InForceKey!);

                foreach (var table in EdgeTables.All(schema))
                    options.Storage.ExtendedSchemaObjects.Add(table);

                // A node without DDL rights: the migrate command created everything beforehand.
                if (!applyMigrations)
                    options.AutoCreateSchemaObjects = AutoCreate.None;
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions();
        if (applyMigrations)
            marten.ApplyAllDatabaseChangesOnStartup();
        return services;
    }

    /// <summary>
    /// Pool settings for a connection that is taken and returned once per batch, unless the
    /// connection string sets them: no <c>DISCARD ALL</c> on each return (nothing here leaves
    /// session state behind: locks are transaction-scoped, there are no temporary tables or
    /// session settings), and a write buffer that holds a whole batch's parameters, so a batch
    /// goes out in one or two writes instead of one per 8 KiB.
    /// </summary>
    internal static string Tuned(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey answers for every keyword it knows, set or not;
        // what the string itself sets is read from a plain builder.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("noresetonclose"))
            builder.NoResetOnClose = true;
        if (!given.Contains("writebuffersize"))
            builder.WriteBufferSize = 64 * 1024;
        return builder.ConnectionString;
    }
}
