using EdgeSync.Lineages;
using EdgeSync.Wire;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using static EdgeSync.Tests.Wire.WirePayloads;

namespace EdgeSync.Tests.Wire;

/// <summary>The parsed types travel to grains: they must survive Orleans serialization unchanged.</summary>
public class WireSerializationTests
{
    // The serializers of the wire types are generated in Grains.Interfaces, not in EdgeSync.Wire.
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(ILineageGrain).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    [Fact]
    public void Row_batch_round_trips()
    {
        var batch = RowBatchReader.Read(Bytes(Batch(_ => { }))).Value!;

        var copy = Serializer.Deserialize<RowBatch>(Serializer.SerializeToArray(batch))!;

        Assert.Equal(batch.BatchId, copy.BatchId);
        Assert.Equal(batch.JournalEpoch, copy.JournalEpoch);
        Assert.Equal(batch.SourceTable, copy.SourceTable);
        Assert.Equal(batch.SchemaHash, copy.SchemaHash);
        Assert.Equal(batch.SchemaColumns, copy.SchemaColumns);
        Assert.Equal(batch.SchemaColumns!.PrimaryKey, copy.SchemaColumns!.PrimaryKey);
        Assert.Equal(DeviceStateHash, copy.SchemaColumns!.ComputeHash());
        Assert.Equal(batch.FirstCommitSeq, copy.FirstCommitSeq);
        Assert.Equal(batch.LastCommitSeq, copy.LastCommitSeq);
        Assert.Equal(batch.Rows, copy.Rows);
        Assert.Equal(batch.PayloadBytes, copy.PayloadBytes);
    }

    [Fact]
    public void Schema_observation_and_rejection_round_trip()
    {
        var observation = SchemaObservationReader.Read(Bytes(Observation(_ => { }))).Value!;
        var rejection = new Rejection(RejectionCodes.InvalidOp, "rows[0].op must be …");

        Assert.Equal(observation, Serializer.Deserialize<SchemaObservation>(Serializer.SerializeToArray(observation)));
        Assert.Equal(rejection, Serializer.Deserialize<Rejection>(Serializer.SerializeToArray(rejection)));
    }
}
