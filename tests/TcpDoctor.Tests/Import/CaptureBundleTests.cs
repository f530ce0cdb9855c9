using System.IO.Compression;
using TcpDoctor.Diagnosis;
using TcpDoctor.Import;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;

namespace TcpDoctor.Tests.Import;

public sealed class CaptureBundleTests
{
    private static readonly IReadOnlyDictionary<string, string> Files = new Dictionary<string, string>
    {
        ["net/sockstat"] = "sockets: used 300\nTCP: inuse 20 orphan 7 tw 40 alloc 25 mem 3\n",
        ["sys/net/ipv4/ip_local_port_range"] = "1024\t65535\n",
        ["sys/net/ipv4/tcp_fin_timeout"] = "30\n",
        ["net/route"] = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
        ["../../etc/evil"] = "never written",
    };

    private static Snapshot Leak(double at) => new SnapshotBuilder().At(at).Process(812, "php-fpm", openFds: 40, fdLimit: 1024)
        .Listen("0.0.0.0:9000", pid: 812)
        .Many(12, (b, i) => b.Sock(TcpState.CloseWait, "10.0.0.1:9000", $"192.0.2.{i % 3 + 1}:{50000 + i}", pid: 812, recvQ: 1, info: SnapshotBuilder.Info(90, 95)))
        .Build();

    private static CaptureContents RoundTrip(bool redact, out byte[] bytes)
    {
        using var stream = new MemoryStream();
        CaptureBundle.Write(stream, [new CaptureMoment(Leak(0), Files), new CaptureMoment(Leak(1), Files)], new CaptureOptions { ToolVersion = "t", HostName = "web1", Kernel = "6.18", Redact = redact });
        bytes = stream.ToArray();
        Assert.True(CaptureBundle.LooksLikeCapture(bytes));
        return CaptureBundle.Read(new MemoryStream(bytes), "c");
    }

    [Fact]
    public void Two_moments_come_back_with_sockets_processes_and_the_kernel_files_parsed()
    {
        var c = RoundTrip(redact: false, out _);

        Assert.NotNull(c.Previous);
        var expected = Leak(1);
        Assert.Equal(expected.Sockets.Count, c.Current.Sockets.Count);
        for (var i = 0; i < expected.Sockets.Count; i++)
        {
            var (a, b) = (expected.Sockets[i], c.Current.Sockets[i]);
            Assert.Equal((a.State, a.LocalAddress, a.LocalPort, a.RemoteAddress, a.RemotePort, a.ReceiveQueue, a.Pid, a.Inode), (b.State, b.LocalAddress, b.LocalPort, b.RemoteAddress, b.RemotePort, b.ReceiveQueue, b.Pid, b.Inode));
            Assert.Equal(a.Info, b.Info);
        }

        Assert.Equal("php-fpm", c.Current.Processes.Get(812)?.Command);
        Assert.Equal(1024, c.Current.Processes.Get(812)?.FdSoftLimit);
        Assert.Equal((1024, 65535), c.Current.Kernel.Sysctls.LocalPortRange);
        Assert.Equal(30, c.Current.Kernel.Sysctls.TcpFinTimeout);
        Assert.Equal(7, c.Current.Kernel.SockStat.TcpOrphan);
        Assert.Equal("eth0", c.Current.Kernel.Routes.DeviceFor(NetAddress.FromIPv4(0xC0000209))); // 192.0.2.9
        Assert.Equal("web1", c.Current.HostName);
    }

    [Fact]
    public void The_capture_is_diagnosed_as_the_moment_was()
    {
        var c = RoundTrip(redact: false, out _);
        var live = Assert.Single(Diagnoser.Judge(Leak(1), Leak(0), Thresholds.Default));

        var f = Assert.Single(Diagnoser.Judge(c.Current, c.Previous, Thresholds.Default));

        Assert.Equal((live.Id, live.Severity, live.Subject), (f.Id, f.Severity, f.Subject));
        Assert.Equal(live.Summary, f.Summary);
    }

    [Fact]
    public void Redaction_replaces_addresses_consistently_and_the_same_finding_comes_out()
    {
        var c = RoundTrip(redact: true, out var bytes);
        var text = System.Text.Encoding.UTF8.GetString(new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress).ReadAllBytesForTest());

        Assert.DoesNotContain("192.0.2.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("web1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("000200C0", text, StringComparison.Ordinal); // the routing table names the host's networks: left out
        Assert.False(c.Current.Kernel.Routes.IsKnown);
        Assert.True(c.Redacted);

        // Three peers stay three peers, each with its four connections.
        var peers = c.Current.Sockets.Where(s => s.State == TcpState.CloseWait).GroupBy(s => s.RemoteAddress).Select(g => g.Count()).Order().ToList();
        Assert.Equal([4, 4, 4], peers);
        Assert.Contains(c.Current.Sockets, s => s.State == TcpState.Listen && s.LocalAddress.IsAny);
        var f = Assert.Single(Diagnoser.Judge(c.Current, c.Previous, Thresholds.Default));
        Assert.Equal(Catalog.CloseWaitLeak, f.Id);
        Assert.Equal("php-fpm", f.Subject.Process);
    }

    [Fact]
    public void A_capture_of_every_namespace_comes_back_namespace_by_namespace()
    {
        static Snapshot Sweep(double at)
        {
            var host = new SnapshotBuilder { Netns = new NetnsIdentity { Inode = 1, IsOwn = true } }.At(at).Listen("0.0.0.0:22").Build();
            var blue = Leak(at) is var l ? new Snapshot { TakenAt = l.TakenAt, Source = l.Source, Sockets = l.Sockets, Kernel = l.Kernel, Netns = new NetnsIdentity { Inode = 7, Name = "blue" } } : null!;
            return TcpDoctor.Snapshots.SweepReader.Assemble([host, blue], Leak(at).Processes, TcpDoctor.Cgroups.CgroupTable.Empty, [], false, "web1");
        }

        using var stream = new MemoryStream();
        var files = new Dictionary<ulong, IReadOnlyDictionary<string, string>> { [7] = new Dictionary<string, string> { ["sys/net/ipv4/tcp_fin_timeout"] = "20\n" } };
        CaptureBundle.Write(stream, [new CaptureMoment(Sweep(0), Files, files), new CaptureMoment(Sweep(1), Files, files)], new CaptureOptions { ToolVersion = "t", HostName = "web1", Kernel = "6.18" });
        var c = CaptureBundle.Read(new MemoryStream(stream.ToArray()), "c");

        Assert.Equal(2, c.Current.Parts.Count);
        var blue = Assert.Single(c.Current.Parts, p => p.Netns!.Name == "blue");
        Assert.Equal(20, blue.Kernel.Sysctls.TcpFinTimeout);
        Assert.Equal(Leak(1).Sockets.Count, blue.Sockets.Count);
        var f = Assert.Single(Diagnoser.Judge(c.Current, c.Previous, Thresholds.Default));
        Assert.Equal(("blue", 7ul, "php-fpm"), (f.Subject.Netns, f.Subject.NetnsInode!.Value, f.Subject.Process));
    }

    [Fact]
    public void A_file_name_that_leaves_the_tree_is_never_written()
    {
        _ = RoundTrip(redact: false, out _);
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "..", "etc", "evil")));
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("other-json")]
    [InlineData("newer")]
    public void A_broken_or_foreign_capture_is_one_clear_error(string kind)
    {
        byte[] bytes;
        if (kind == "cut")
        {
            _ = RoundTrip(redact: false, out var whole);
            bytes = whole[..(whole.Length / 2)];
        }
        else
        {
            var json = kind == "newer" ? "{\"format\":\"tcpdoctor-capture\",\"version\":99,\"moments\":[]}" : "{\"hello\":1}";
            using var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(System.Text.Encoding.UTF8.GetBytes(json));
            }

            bytes = ms.ToArray();
        }

        var e = Assert.Throws<TcpDoctorException>(() => CaptureBundle.Read(new MemoryStream(bytes), "x.json.gz"));
        Assert.StartsWith("x.json.gz: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
        if (kind == "newer")
        {
            Assert.Contains("newer than this tcpdoctor reads", e.Message, StringComparison.Ordinal);
        }
    }
}

internal static class StreamTestExtensions
{
    public static byte[] ReadAllBytesForTest(this Stream stream)
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }
}
