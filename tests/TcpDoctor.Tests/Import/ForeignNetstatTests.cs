using TcpDoctor.Diagnosis;
using TcpDoctor.Import;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Import;

/// <summary>
/// Windows and macOS netstat (the bonus formats): no machine here runs them, so these samples follow
/// the tools' documented layout rather than a capture.
/// </summary>
public sealed class ForeignNetstatTests
{
    private const string Windows = """

        Active Connections

          Proto  Local Address          Foreign Address        State           PID
          TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1012
          TCP    0.0.0.0:8080           0.0.0.0:0              LISTENING       4321
          TCP    10.0.0.5:8080          10.0.0.9:50001         CLOSE_WAIT      4321
         [java.exe]
          TCP    10.0.0.5:8080          10.0.0.9:50002         CLOSE_WAIT      4321
          TCP    10.0.0.5:49712         52.1.2.3:443           ESTABLISHED     5555
          TCP    [::]:135               [::]:0                 LISTENING       1012
          TCP    [fe80::1%4]:49713      [fe80::2%4]:445        SYN_SENT        4
          UDP    0.0.0.0:5353           *:*                                    2212
        """;

    private const string Mac = """
        Active Internet connections (including servers)
        Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)
        tcp4       0      0  192.168.1.5.54321      17.57.146.1.5223       ESTABLISHED
        tcp6       0      0  *.22                   *.*                    LISTEN
        tcp46      0      0  *.80                   *.*                    LISTEN
        tcp4       1      0  192.168.1.5.80         192.168.1.9.60001      CLOSE_WAIT
        tcp4       0      0  192.168.1.5.60002      10.0.0.1.5432          TIME_WAIT
        udp4       0      0  *.5353                 *.*
        """;

    [Fact]
    public void Windows_netstat_ano_is_detected_and_read_with_pids_and_b_names()
    {
        var t = InputReader.Read(new StringReader(Windows), "win.txt");

        Assert.Equal(InputFormat.WindowsNetstat, t.Format);
        Assert.Equal(0, t.Skipped);
        Assert.Equal(7, t.Sockets.Count);
        Assert.Equal(3, t.Sockets.Count(s => s.State == TcpState.Listen));
        Assert.Equal(2, t.Sockets.Count(s => s.State == TcpState.CloseWait && s.Pid == 4321));
        Assert.Equal("java.exe", t.Commands[4321]);
        Assert.Equal("pid 5555", t.Commands[5555]);
        Assert.Contains(t.Sockets, s => s.State == TcpState.SynSent && s.LocalAddress.IsIPv6 && s.RemotePort == 445);
    }

    [Fact]
    public void Macos_netstat_is_detected_and_read_with_the_port_after_the_last_dot()
    {
        var t = InputReader.Read(new StringReader(Mac), "mac.txt");

        Assert.Equal(InputFormat.MacNetstat, t.Format);
        Assert.Equal(0, t.Skipped);
        Assert.Equal(5, t.Sockets.Count);
        var cw = Assert.Single(t.Sockets, s => s.State == TcpState.CloseWait);
        Assert.Equal(("192.168.1.5", (ushort)80, "192.168.1.9", (ushort)60001, 1u), (cw.LocalAddress.ToString(), cw.LocalPort, cw.RemoteAddress.ToString(), cw.RemotePort, cw.ReceiveQueue));
        Assert.Equal(2, t.Sockets.Count(s => s.State == TcpState.Listen && s.LocalAddress.IsAny));
    }

    [Fact]
    public void Their_port_budget_is_the_iana_dynamic_range()
    {
        var snapshot = ImportedSnapshot.From([InputReader.Read(new StringReader(Mac), "mac.txt")]);
        Assert.Equal((49152, 65535), snapshot.Kernel.Sysctls.LocalPortRange);
        Assert.DoesNotContain(Diagnoser.Judge(snapshot, null, Thresholds.Default), f => f.Severity >= Severity.Warning);
    }
}
