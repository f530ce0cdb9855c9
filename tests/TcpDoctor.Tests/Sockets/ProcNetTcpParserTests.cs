using TcpDoctor.Sockets;

namespace TcpDoctor.Tests;

/// <summary>
/// Fixtures/procfs/lab-net was captured on Linux 6.18 (USER_HZ 100) inside a throwaway network
/// namespace holding: LISTEN 127.0.0.1:5000 (backlog 2) with 3 unaccepted children and a 4th client
/// in SYN_SENT, an ESTABLISHED pair on :5001 with 11 unread bytes and keepalive on the client, two
/// TIME_WAITs, a shutdown FIN_WAIT2/CLOSE_WAIT pair, an orphaned FIN_WAIT2 minisock, a request sock
/// (TCP_DEFER_ACCEPT on :5003), IPv6 on 2001:db8::1 and ::1, and a dual-stack listener on [::]:7000
/// with a v4-mapped child. ss-tanoei.txt is ss's view of the same moment.
/// </summary>
public sealed class ProcNetTcpParserTests
{
    private const long UserHz = 100;

    private static TcpSocket ParseV4(string line) => Parse(line, ProcNetTcpParser.AF_INET);

    private static TcpSocket Parse(string line, byte family)
    {
        Assert.True(ProcNetTcpParser.TryParseLine(line, family, UserHz, out var socket), line);
        return socket;
    }

    private static string LabLine(string file, int sl) =>
        Fixture.Lines("procfs", "lab-net", file).Single(l => l.TrimStart().StartsWith(sl + ":", StringComparison.Ordinal));

    [Fact]
    public void Parses_listener_with_queued_children()
    {
        var s = ParseV4(LabLine("tcp", 0));
        Assert.Equal(ProcNetTcpParser.AF_INET, s.Family);
        Assert.Equal(TcpState.Listen, s.State);
        Assert.Equal("127.0.0.1", s.LocalAddress.ToString());
        Assert.Equal(5000, s.LocalPort);
        Assert.True(s.RemoteAddress.IsAny);
        Assert.Equal(0, s.RemotePort);
        Assert.Equal(3u, s.ReceiveQueue);
        Assert.Equal(0u, s.SendQueue);
        Assert.Equal(TimerKind.None, s.Timer);
        Assert.Equal(0u, s.TimerExpiresMs);
        Assert.Equal(20575u, s.Inode);
        Assert.Equal(0u, s.Uid);
        Assert.False(s.Info.IsPresent);
        Assert.Equal(0ul, s.Cookie);
    }

    [Fact]
    public void Parses_syn_sent_with_retransmit_timer_in_ticks()
    {
        var s = ParseV4(LabLine("tcp", 8));
        Assert.Equal(TcpState.SynSent, s.State);
        Assert.Equal(41982, s.LocalPort);
        Assert.Equal("127.0.0.1", s.RemoteAddress.ToString());
        Assert.Equal(5000, s.RemotePort);
        Assert.Equal(1u, s.SendQueue);
        Assert.Equal(TimerKind.Retransmit, s.Timer);
        Assert.Equal(660u, s.TimerExpiresMs);
        Assert.Equal((byte?)1, s.TimerRetransmits);
        Assert.Equal(20579u, s.Inode);
    }

    [Fact]
    public void Parses_time_wait_line_with_timer_in_ticks()
    {
        var s = ParseV4(LabLine("tcp", 16));
        Assert.Equal(TcpState.TimeWait, s.State);
        Assert.Equal(48658, s.LocalPort);
        Assert.Equal(5001, s.RemotePort);
        Assert.Equal(TimerKind.TimeWait, s.Timer);
        Assert.Equal(58_730u, s.TimerExpiresMs);
        Assert.Equal(0u, s.Inode);
        Assert.True(s.IsOrphanLike);
    }

    [Fact]
    public void Parses_orphaned_fin_wait2_minisock_as_state_5_with_time_wait_timer()
    {
        var s = ParseV4(LabLine("tcp", 19));
        Assert.Equal(TcpState.FinWait2, s.State);
        Assert.Equal(TimerKind.TimeWait, s.Timer);
        Assert.Equal(58_780u, s.TimerExpiresMs);
        Assert.Equal(0u, s.Inode);
    }

    [Fact]
    public void Parses_request_sock_with_synack_timer_and_no_retransmit_count()
    {
        var s = ParseV4(LabLine("tcp", 20));
        Assert.Equal(TcpState.SynRecv, s.State);
        Assert.Equal(5003, s.LocalPort);
        Assert.Equal(37374, s.RemotePort);
        Assert.Equal(TimerKind.Retransmit, s.Timer);
        Assert.Equal(1_780u, s.TimerExpiresMs);

        // Its retrnsmt column (1) is num_timeout, not the SYN-ACK retransmits sock_diag reports.
        Assert.Null(s.TimerRetransmits);
        Assert.Equal(0u, s.Inode);
    }

    [Fact]
    public void Parses_unread_bytes_and_close_wait_fin()
    {
        var established = ParseV4(LabLine("tcp", 14));
        Assert.Equal(TcpState.Established, established.State);
        Assert.Equal(11u, established.ReceiveQueue);

        var closeWait = ParseV4(LabLine("tcp", 11));
        Assert.Equal(TcpState.CloseWait, closeWait.State);
        Assert.Equal(1u, closeWait.ReceiveQueue);
        Assert.Equal(20588u, closeWait.Inode);
    }

    [Fact]
    public void Parses_keepalive_timer_of_hours()
    {
        var s = ParseV4(LabLine("tcp", 15));
        Assert.Equal(TimerKind.KeepAlive, s.Timer);
        Assert.Equal(7_198_680u, s.TimerExpiresMs);
    }

    // The observed examples of KERNEL.md §3.1 (pointer column elided as "...").
    [Theory]
    [InlineData("   0: 0100007F:1388 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 54661 4 ... 100 0 0 10 0", TcpState.Listen, "127.0.0.1", 5000, 0, TimerKind.None, 0u, 0, 54661u)]
    [InlineData("   3: 0100007F:138B 0100007F:CDA8 03 00000000:00000000 01:00000134 00000002     0        0 0 0 ...", TcpState.SynRecv, "127.0.0.1", 5003, 52648, TimerKind.Retransmit, 3_080u, null, 0u)]
    [InlineData("   7: 0100007F:D27A 0100007F:1388 02 00000001:00000000 01:00000041 00000004     0        0 54672 2 ... 100 0 0 1 -1", TcpState.SynSent, "127.0.0.1", 53882, 5000, TimerKind.Retransmit, 650u, 4, 54672u)]
    [InlineData("  11: 0100007F:EA7A 0100007F:1389 06 00000000:00000000 03:000015DC 00000000     0        0 0 3 ...", TcpState.TimeWait, "127.0.0.1", 60026, 5001, TimerKind.TimeWait, 55_960u, 0, 0u)]
    public void Decodes_every_column_of_documented_examples(string line, TcpState state, string local, int localPort, int remotePort, TimerKind timer, uint expiresMs, int? retransmits, uint inode)
    {
        var s = ParseV4(line);
        Assert.Equal(state, s.State);
        Assert.Equal(local, s.LocalAddress.ToString());
        Assert.Equal(localPort, s.LocalPort);
        Assert.Equal(remotePort, s.RemotePort);
        Assert.Equal(timer, s.Timer);
        Assert.Equal(expiresMs, s.TimerExpiresMs);
        Assert.Equal(retransmits, (int?)s.TimerRetransmits);
        Assert.Equal(inode, s.Inode);
    }

    [Fact]
    public void Decodes_ipv4_bytes_in_little_endian_word_order()
    {
        var s = ParseV4("   0: 0102A8C0:0050 0A00000A:C350 01 00000000:00000000 00:00000000 00000000  1000        0 42 1 ... 20 4 30 10 -1");
        Assert.Equal("192.168.2.1", s.LocalAddress.ToString());
        Assert.Equal(80, s.LocalPort);
        Assert.Equal("10.0.0.10", s.RemoteAddress.ToString());
        Assert.Equal(50000, s.RemotePort);
        Assert.Equal(1000u, s.Uid);
    }

    [Fact]
    public void Uses_probe_count_for_keepalive_and_zero_window_timers()
    {
        var keepalive = ParseV4("   0: 0100007F:1389 0100007F:BE0E 01 00000000:00000000 02:00000064 00000000     0        3 7 1 ... 20 0 0 11 -1");
        Assert.Equal((byte?)3, keepalive.TimerRetransmits);
        Assert.Equal(1_000u, keepalive.TimerExpiresMs);

        var persist = ParseV4("   0: 0100007F:1389 0100007F:BE0E 01 00000010:00000000 04:00000032 00000000     0        5 7 1 ... 20 0 0 11 -1");
        Assert.Equal(TimerKind.ZeroWindowProbe, persist.Timer);
        Assert.Equal((byte?)5, persist.TimerRetransmits);
        Assert.Equal(500u, persist.TimerExpiresMs);
    }

    [Fact]
    public void Converts_ticks_with_the_given_user_hz()
    {
        Assert.True(ProcNetTcpParser.TryParseLine("  11: 0100007F:EA7A 0100007F:1389 06 00000000:00000000 03:000015DC 00000000     0        0 0 3 ...", ProcNetTcpParser.AF_INET, 1000, out var s));
        Assert.Equal(5_596u, s.TimerExpiresMs);
    }

    [Fact]
    public void Keeps_the_low_32_bits_of_a_wide_inode()
    {
        var s = ParseV4("   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4294967301 1 ... 100 0 0 10 0");
        Assert.Equal(5u, s.Inode);
    }

    [Fact]
    public void Decodes_ipv6_as_four_native_order_words()
    {
        var listener = Parse(LabLine("tcp6", 2), ProcNetTcpParser.AF_INET6);
        Assert.Equal(ProcNetTcpParser.AF_INET6, listener.Family);
        Assert.Equal(TcpState.Listen, listener.State);
        Assert.Equal("2001:db8::1", listener.LocalAddress.ToString());
        Assert.Equal(6000, listener.LocalPort);
        Assert.Equal(NetAddress.IPv6Any, listener.RemoteAddress);
        Assert.Equal(20593u, listener.Inode);

        var loopback = Parse(LabLine("tcp6", 4), ProcNetTcpParser.AF_INET6);
        Assert.Equal("::1", loopback.LocalAddress.ToString());
        Assert.True(loopback.LocalAddress.IsLoopback);
        Assert.Equal(46444, loopback.LocalPort);
        Assert.Equal(6001, loopback.RemotePort);
    }

    [Fact]
    public void Decodes_v4_mapped_addresses_of_dual_stack_sockets()
    {
        var s = Parse(LabLine("tcp6", 7), ProcNetTcpParser.AF_INET6);
        Assert.Equal(TcpState.Established, s.State);
        Assert.True(s.LocalAddress.IsV4Mapped);
        Assert.Equal("127.0.0.1", s.LocalAddress.Unmapped.ToString());
        Assert.Equal(7000, s.LocalPort);
        Assert.Equal("127.0.0.1", s.RemoteAddress.Unmapped.ToString());
        Assert.Equal(45466, s.RemotePort);
    }

    [Fact]
    public void Parses_ipv6_time_wait()
    {
        var s = Parse(LabLine("tcp6", 5), ProcNetTcpParser.AF_INET6);
        Assert.Equal(TcpState.TimeWait, s.State);
        Assert.Equal(TimerKind.TimeWait, s.Timer);
        Assert.Equal(58_820u, s.TimerExpiresMs);
    }

    [Theory]
    [InlineData("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("garbage")]
    [InlineData("   0: 0100007F:1388 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 54661")]
    [InlineData("   0: 0100007F:1388 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0")]
    [InlineData("   0: 0100007F:1388 00000000:0000 0A 00000000:00000003 00:000")]
    [InlineData("   0: 0100007F:1388 00000000:0000")]
    [InlineData("   0: 0100007F:1388 00000000:0000 00 00000000:00000003 00:00000000 00000000     0        0 54661 4 ...")]
    [InlineData("   0: 0100007F:1388 00000000:0000 0C 00000000:00000003 00:00000000 00000000     0        0 54661 4 ...")]
    [InlineData("   0: 0100007F:1388 00000000:0000 0A 00000000:0000000X 00:00000000 00000000     0        0 54661 4 ...")]
    [InlineData("   0: 0100007F:1388 00000000:0000 0A 00000000:00000003 00:00000000 00000000    -1        0 54661 4 ...")]
    [InlineData("   0: 0100007F:1388 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 -4 4 ...")]
    [InlineData("   0: 100007F:1388 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 54661 4 ...")]
    [InlineData("   0: 0100007F:13880 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 54661 4 ...")]
    [InlineData("0100007F:1388 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 54661 4 ...")]
    public void Rejects_header_malformed_and_truncated_lines(string line) =>
        Assert.False(ProcNetTcpParser.TryParseLine(line, ProcNetTcpParser.AF_INET, out _));

    [Fact]
    public void Rejects_an_address_of_the_other_family()
    {
        Assert.False(ProcNetTcpParser.TryParseLine(LabLine("tcp6", 2), ProcNetTcpParser.AF_INET, out _));
        Assert.False(ProcNetTcpParser.TryParseLine(LabLine("tcp", 0), ProcNetTcpParser.AF_INET6, out _));
        Assert.False(ProcNetTcpParser.TryParseLine(LabLine("tcp", 0), 0, out _));
    }

    [Fact]
    public void Reads_every_socket_of_the_captured_tables()
    {
        var sockets = new List<TcpSocket>();
        ProcNetTcpParser.ReadFile(Fixture.Path("procfs", "lab-net", "tcp"), ProcNetTcpParser.AF_INET, UserHz, sockets);
        var v4 = sockets.Count;
        ProcNetTcpParser.ReadFile(Fixture.Path("procfs", "lab-net", "tcp6"), ProcNetTcpParser.AF_INET6, UserHz, sockets);

        Assert.Equal(Fixture.Lines("procfs", "lab-net", "tcp").Length - 1, v4);
        Assert.Equal(Fixture.Lines("procfs", "lab-net", "tcp6").Length - 1, sockets.Count - v4);

        // The same moment as seen by ss (ss-tanoei.txt): per-state counts agree.
        var ss = Fixture.Lines("procfs", "lab-net", "ss-tanoei.txt").Skip(1).Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0]))
            .Select(l => l.Split(' ', 2)[0]).ToList();
        Assert.Equal(ss.Count, sockets.Count);
        foreach (var state in TcpStates.All)
        {
            var expected = ss.Count(name => TcpStates.TryParse(name, out var parsed) && parsed == state);
            Assert.Equal(expected, sockets.Count(s => s.State == state));
        }
    }

    [Fact]
    public void Skips_malformed_lines_and_a_truncated_final_line()
    {
        var sockets = new List<TcpSocket>();
        ProcNetTcpParser.ReadFile(Fixture.Path("procfs", "malformed", "tcp"), ProcNetTcpParser.AF_INET, UserHz, sockets);
        Assert.Equal([5000, 37374], sockets.Select(s => (int)s.LocalPort));
    }

    [Fact]
    public void Missing_file_adds_no_sockets()
    {
        var sockets = new List<TcpSocket>();
        ProcNetTcpParser.ReadFile(Fixture.Path("procfs", "no-such-dir", "tcp6"), ProcNetTcpParser.AF_INET6, sockets);
        Assert.Empty(sockets);
    }

    [Fact]
    public void Unreadable_path_is_a_user_facing_error() =>
        Assert.Contains("cannot read", Assert.Throws<TcpDoctorException>(() => ProcNetTcpParser.ReadFile(Fixture.Path("procfs", "lab-net"), ProcNetTcpParser.AF_INET, [])).Message);

    [Fact]
    public void Reads_a_big_table_across_chunk_boundaries_and_drops_the_cut_last_line()
    {
        const int Lines = 60_000;
        var path = System.IO.Path.GetTempFileName();
        try
        {
            using (var writer = new StreamWriter(path))
            {
                writer.Write("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
                for (var i = 0; i < Lines; i++)
                {
                    var port = 1024 + (i % 60_000);
                    writer.Write($"{i,4}: 0100007F:{port:X4} 0200007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 {100_000 + i} 1 0000000000000000 20 4 30 10 -1                    \n");
                }

                // A dump cut mid-line (a copy interrupted, a file size limit).
                writer.Write("60000: 0100007F:0400 0200007F:1F90 01 00000000:0000");
            }

            var sockets = new List<TcpSocket>();
            ProcNetTcpParser.ReadFile(path, ProcNetTcpParser.AF_INET, UserHz, sockets);

            Assert.Equal(Lines, sockets.Count);
            for (var i = 0; i < Lines; i++)
            {
                Assert.Equal((uint)(100_000 + i), sockets[i].Inode);
                Assert.Equal(1024 + (i % 60_000), sockets[i].LocalPort);
                Assert.Equal("127.0.0.2", sockets[i].RemoteAddress.ToString());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_request_socket_says_what_sock_diag_says_or_nothing()
    {
        // get_openreq4: retrnsmt is num_timeout and uid the listener's (1000 here); sock_diag reports
        // num_retrans and uid 0, so the model keeps uid 0 and leaves the retransmits unknown.
        var request = ParseV4("   3: 0100007F:138B 0100007F:CDA8 03 00000000:00000000 01:00000134 00000002  1000        0 0 0 0000000000000000");
        Assert.Equal(TcpState.SynRecv, request.State);
        Assert.Null(request.TimerRetransmits);
        Assert.Equal(0u, request.Uid);
        Assert.Equal(3_080u, request.TimerExpiresMs);

        // A full socket in SYN_RECV (a TCP Fast Open child) has every column: its retrnsmt is icsk_retransmits.
        var full = ParseV4("   4: 0100007F:138B 0100007F:CDA9 03 00000001:00000000 01:00000064 00000001  1000        0 0 2 0000000000000000 100 0 0 10 -1");
        Assert.Equal((byte?)1, full.TimerRetransmits);
        Assert.Equal(1000u, full.Uid);
    }
}
