using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Lab;

/// <summary>
/// syn-recv-pileup needs evidence of trouble, not a count: in the syn-recv lab (SYN-ACKs lost on the way
/// back) the kernel's own request sockets carry that evidence — most have had their SYN-ACK retransmitted —
/// and the accept queue, empty, is not named as the cause.
/// </summary>
public sealed class SynRecvEvidenceTests
{
    [Fact]
    public async Task Lost_syn_acks_show_as_retransmitted_request_sockets_not_a_full_accept_queue()
    {
        await using var lab = await LabRun.StartAsync("syn-recv");
        var findings = LabScenarioTests.Diagnose(lab);
        var retransmitted = lab.Ss("-o").Count(s => s.State == TcpState.SynRecv && s.LocalPort == 443 && !s.Details.Contains(",0)", StringComparison.Ordinal));

        var f = Assert.Single(findings, x => x.Id == Catalog.SynRecvPileup);
        var pending = f.Number("synRecv")!.Value;
        Assert.True(f.Number("synAckRetransmitted") * 2 >= pending, $"{f.Number("synAckRetransmitted")} of {pending} retransmitted");
        Assert.True(retransmitted * 2 >= pending, $"ss -o shows {retransmitted} request sockets with SYN-ACK retransmits of {pending}");
        Assert.Equal(0, f.Number("acceptQueueFull"));
        Assert.Contains("ACKs are not arriving", f.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("accept queue is full", f.Summary, StringComparison.Ordinal);
        await LabScenarioTests.StopAndVerifyAsync(lab, lab.PidOf("backend"));
    }
}
