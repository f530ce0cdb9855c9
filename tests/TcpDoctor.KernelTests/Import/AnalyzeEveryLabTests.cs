using TcpDoctor.Diagnosis;
using TcpDoctor.Import;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Kernel;
using TcpDoctor.KernelTests.Lab;
using TcpDoctor.Snapshots;

namespace TcpDoctor.KernelTests.Import;

/// <summary>
/// For every lab scenario: the real <c>ss -tanpoi</c> of its namespace, analyzed with the namespace's
/// sysctls given (as an operator would with --set) and its routing table (which a capture or a sosreport
/// carries and ss does not: without it, loss on an interface is reported peer by peer), reaches the findings a
/// live diagnosis reaches, minus what ss cannot carry (fd limits, the kernel's counters and sockstat), and
/// makes none of its own.
/// </summary>
public sealed class AnalyzeEveryLabTests
{
    // ss -tanpoi carries no fd limits (fd-exhaustion), no sockstat (orphan-pressure), no conntrack, no counters
    // (reset-storm), and no bound-only sockets (ss -B, which this iproute2 lacks: bound-port-exhaustion).
    private static readonly HashSet<string> NotInSs = [Catalog.FdExhaustion, Catalog.OrphanPressure, Catalog.ConntrackTableFull, Catalog.ResetStorm, Catalog.BoundPortExhaustion];

    public static TheoryData<string> Scenarios => [.. TcpDoctor.Lab.LabScenarios.All.Select(s => s.Name)];

    private static string Key(Finding f) =>
        $"{f.Id} {f.Subject.Process} {f.Subject.Pid} {f.Subject.LocalPort} {f.Subject.RemoteAddress} {f.Subject.RemotePort} {f.Subject.Interface} {f.Subject.State}";

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Ss_tanpoi_of_the_lab_reaches_the_live_findings(string scenario)
    {
        await using var lab = await LabRun.StartAsync(scenario, $"tdk-ae-{scenario}-{Environment.ProcessId}");
        var live = lab.Diagnose();
        var ss = CommandRunner.Run("ip", ["netns", "exec", lab.Name, "ss", "-tanpoi"]);
        var netstat = CommandRunner.Run("ip", ["netns", "exec", lab.Name, "netstat", "-antp"]);
        var kernel = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = lab.Name, Processes = false }).Kernel;
        var sysctls = kernel.Sysctls;

        var offline = Diagnoser.Judge(
            ImportedSnapshot.From([InputReader.Read(new StringReader(ss), "ss")], kernel: KernelState.Empty with { Sysctls = sysctls, Routes = kernel.Routes }),
            null,
            lab.Scenario.Thresholds);

        var expected = live.Where(f => !NotInSs.Contains(f.Id)).Select(Key).Order().ToList();
        var found = offline.Select(Key).Order().ToList();
        Assert.True(
            expected.SequenceEqual(found),
            $"{scenario}: live {string.Join("; ", expected)} — from ss {string.Join("; ", found)}");

        // netstat -antp has no tcp_info, no timers and no listen backlog (its LISTEN Send-Q is 0).
        var fromNetstat = Diagnoser.Judge(ImportedSnapshot.From([InputReader.Read(new StringReader(netstat), "netstat")], sysctls), null, lab.Scenario.Thresholds)
            .Select(Key).Order().ToList();
        var expectedFromNetstat = live.Where(f => !NotInSs.Contains(f.Id) && !NotInNetstat.Contains(f.Id)).Select(Key).Order().ToList();
        Assert.True(
            expectedFromNetstat.SequenceEqual(fromNetstat),
            $"{scenario}: live {string.Join("; ", expectedFromNetstat)} — from netstat {string.Join("; ", fromNetstat)}");
    }

    private static readonly HashSet<string> NotInNetstat =
        [Catalog.HungRequests, Catalog.StaleEstablished, Catalog.HalfOpenPeer, Catalog.ListenOverflow, Catalog.SynRecvPileup,
         Catalog.ZeroWindowStall, Catalog.ReceiveBacklog, Catalog.SynSentPileup, Catalog.KeepaliveUnanswered, Catalog.RetransmitHotspot];
}
