using EdgeSync.Lineages;
using EdgeSync.Registry;
using JasperFx;
using Weasel.Core;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EdgeSync.Storage;

public static class EdgeStore
{
    public const string DefaultSchema = "edgesync";

    /// <summary>
    /// Marten (event store, read models, registry documents, service tables) and one Npgsql data
    /// source for the set-based writes that share its transactions.
    /// </summary>
    public static IServiceCollection AddEdgeSyncStore(this IServiceCollection services, string connectionString, string schema = DefaultSchema)
    {
        services.AddSingleton(new EdgeStoreSettings(schema));
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<StagedRows>();
        services.AddSingleton<BatchLedger>();
        services.AddSingleton<RejectionLog>();

        services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = schema;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                options.Events.StreamIdentity = StreamIdentity.AsGuid;
                options.Events.AppendMode = EventAppendMode.Rich;

                options.Projections.Snapshot<Lineage>(SnapshotLifecycle.Inline);
                options.Projections.Add<SchemaReviewProjection>(ProjectionLifecycle.Inline);

                options.Schema.For<Project>().UniqueIndex(p => p.TopicSlug);
                options.Schema.For<Device>().UniqueIndex(d => d.ProjectId, d => d.Name).Index(d => d.ProjectId);
                options.Schema.For<Lineage>().Index(l => l.ProjectId).Index(l => l.DeviceId);
                options.Schema.For<SchemaReview>().Index(r => r.ProjectId).Index(r => r.LineageId);

                foreach (var table in EdgeTables.All(schema))
                    options.Storage.ExtendedSchemaObjects.Add(table);
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        return services;
    }
}

public sealed record EdgeStoreSettings(string Schema)
{
    public string Table(string name) => $"\"{Schema}\".\"{name}\"";
}
