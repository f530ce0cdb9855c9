using System.Text.Json;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Tests.Rendering;

public sealed class DiagnosisJsonRendererTests
{
    private static JsonDocument Render(DiagnosisResult result, IReadOnlyList<Finding> shown) =>
        JsonDocument.Parse(MockOutput.Render(new DiagnosisJsonRenderer(), new DiagnosisReport(result, shown)).Stdout);

    [Theory]
    [InlineData(Severity.Critical, "critical", 2)]
    [InlineData(Severity.Warning, "warning", 1)]
    [InlineData(Severity.Info, "ok", 0)]
    public void Status_and_exit_code_are_the_results(Severity worst, string status, int exitCode)
    {
        var finding = worst switch
        {
            Severity.Critical => Scenes.PortsRunOut,
            Severity.Warning => Scenes.QueueFull,
            _ => Scenes.HostNote,
        };
        var result = Scenes.Judged([finding, Scenes.HostNote]);
        using var json = Render(result, shown: []);
        Assert.Equal(result.Status.ToName(), json.RootElement.GetProperty("status").GetString());
        Assert.Equal(status, json.RootElement.GetProperty("status").GetString());
        Assert.Equal(exitCode, json.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("findings").GetArrayLength());
    }

    [Fact]
    public void A_finding_keeps_its_contract_names_and_only_the_subject_parts_it_has()
    {
        using var json = Render(Scenes.Judged([Scenes.PortsRunOut]), [Scenes.PortsRunOut]);
        var f = json.RootElement.GetProperty("findings")[0];
        Assert.Equal("ephemeral-port-exhaustion", f.GetProperty("id").GetString());
        Assert.Equal("critical", f.GetProperty("severity").GetString());
        Assert.Equal(["process", "pid", "remoteAddress", "remotePort"], f.GetProperty("subject").EnumerateObject().Select(p => p.Name));
        Assert.Equal(5432, f.GetProperty("subject").GetProperty("remotePort").GetInt32());
        Assert.Equal(260, f.GetProperty("timeToFullSeconds").GetDouble());
        Assert.Equal("[2001:db8::5]:5432", f.GetProperty("evidence").GetProperty("destination").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("sampleSeconds").GetDouble());
    }

    [Fact]
    public void A_finding_of_a_sweep_says_its_namespace_and_cgroup_after_the_contract_fields()
    {
        var placed = Scenes.PortsRunOut.WithSubject(Scenes.PortsRunOut.Subject with
        {
            Netns = "blue", NetnsInode = 4026532200, Cgroup = "/system.slice/docker-x.scope", Container = "web",
        });

        using var json = Render(Scenes.Judged([placed]), [placed]);

        var subject = json.RootElement.GetProperty("findings")[0].GetProperty("subject");
        Assert.Equal(["process", "pid", "remoteAddress", "remotePort", "netns", "netnsInode", "cgroup", "container"], subject.EnumerateObject().Select(p => p.Name));
        Assert.Equal("blue", subject.GetProperty("netns").GetString());
        Assert.Equal(4026532200ul, subject.GetProperty("netnsInode").GetUInt64());
        Assert.Equal("web", subject.GetProperty("container").GetString());
    }

    [Fact]
    public void An_interface_finding_says_its_interface_in_the_subject()
    {
        var lossy = Scenes.PortsRunOut.WithSubject(new FindingSubject { Process = "appA", Interface = "eth1" });
        using var json = Render(Scenes.Judged([lossy]), [lossy]);
        var subject = json.RootElement.GetProperty("findings")[0].GetProperty("subject");
        Assert.Equal(["process", "interface"], subject.EnumerateObject().Select(p => p.Name));
        Assert.Equal("eth1", subject.GetProperty("interface").GetString());
    }
}
