using System.Text;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Wire;

/// <summary>The cloud writes controls and the agent reads them with the same type: the text is the contract.</summary>
[Trait("Category", "Fast")]
public class ControlMessageTests
{
    private const string Id = "01890a5d-ac96-774b-bcce-b302099a8057";

    [Fact]
    public void A_pause_is_written_with_its_reason()
    {
        var pause = new ControlMessage(Id, ControlMessage.PauseLineage, "pump", 42, "schema review <pending>");

        Assert.Equal(
            """{"format_version":1,"control_id":"01890a5d-ac96-774b-bcce-b302099a8057","control_kind":"pause_lineage","source_table":"pump","server_watermark":42,"reason":"schema review \u003Cpending\u003E"}""",
            pause.Write());
    }

    [Fact]
    public void A_pause_without_reason_still_names_the_field_and_a_resume_has_none()
    {
        Assert.EndsWith(""","server_watermark":7,"reason":null}""", new ControlMessage(Id, ControlMessage.PauseLineage, "pump", 7, null).Write());
        Assert.Equal(
            """{"format_version":1,"control_id":"01890a5d-ac96-774b-bcce-b302099a8057","control_kind":"resume_lineage","source_table":"pump","server_watermark":7}""",
            new ControlMessage(Id, ControlMessage.ResumeLineage, "pump", 7, "ignored").Write());
    }

    [Fact]
    public void What_the_cloud_writes_the_agent_reads_back()
    {
        var pause = new ControlMessage(Id, ControlMessage.PauseLineage, "pump", 42, "backpressure");

        Assert.Equal(pause, ControlMessage.TryRead(pause.Write()));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"control_id":7}""")]
    [InlineData("""{"control_kind":"pause_lineage"}""")]
    public void A_control_without_a_string_control_id_is_not_read(string payload) =>
        Assert.Null(ControlMessage.TryRead(payload));

    [Fact]
    public void The_acknowledgement_echoes_the_id_and_the_cloud_reads_it()
    {
        var ack = new ControlMessage(Id, ControlMessage.ResumeLineage, "pump", 7, null).Acknowledgement();

        Assert.Equal("""{"format_version":1,"control_id":"01890a5d-ac96-774b-bcce-b302099a8057"}""", Encoding.UTF8.GetString(ack));
        Assert.Equal(new ControlAck(Guid.Parse(Id)), ControlAckReader.Read(ack).Value);
    }
}
