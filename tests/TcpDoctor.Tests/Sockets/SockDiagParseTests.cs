using System.Text;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests;

public sealed class SockDiagParseTests
{
    private const ushort Info = 2;
    private const ushort Cong = 4;
    private const ushort SkMemInfo = 7;
    private const ushort Shutdown = 8;

    [Fact]
    public void Reads_the_cgroup_id_the_kernel_sends_unasked()
    {
        var id = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(id, 0x1_0000_2A2Bul);
        var payload = new SockDiagRecordBuilder(family: 2, state: 10)
            .Endpoints("0.0.0.0", 80, "0.0.0.0", 0)
            .Attribute(21, id)
            .Build();

        var s = SockDiagReader.ParseRecord(payload, new CongestionNames())!;

        Assert.Equal(BitConverter.IsLittleEndian ? 0x1_0000_2A2Bul : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(0x1_0000_2A2Bul), s.CgroupId);
    }

    [Fact]
    public void A_record_without_a_cgroup_id_has_none()
    {
        var payload = new SockDiagRecordBuilder(family: 2, state: 10).Endpoints("0.0.0.0", 80, "0.0.0.0", 0).Build();
        Assert.Equal(0ul, SockDiagReader.ParseRecord(payload, new CongestionNames())!.CgroupId);
    }

    [Fact]
    public void Parses_ipv4_established_record_with_every_attribute()
    {
        var payload = new SockDiagRecordBuilder(family: 2, state: 1)
            .Timer(timer: 1, retrans: 2, expiresMs: 204)
            .Endpoints("10.1.2.3", 443, "192.168.7.9", 51000)
            .InterfaceAndCookie(ifindex: 3, cookieLow: 0x89ABCDEF, cookieHigh: 0x01234567)
            .Queues(rqueue: 10, wqueue: 20, uid: 1000, inode: 123456)
            .Attribute(Info, SockDiagRecordBuilder.TcpInfo(280))
            .Attribute(Cong, "cubic\0"u8)
            .Attribute(SkMemInfo, new byte[36])
            .Attribute(Shutdown, [2])
            .Build();

        var s = SockDiagReader.ParseRecord(payload, new CongestionNames())!;

        Assert.Equal((byte)2, s.Family);
        Assert.Equal(TcpState.Established, s.State);
        Assert.Equal(TimerKind.Retransmit, s.Timer);
        Assert.Equal((byte)2, s.TimerRetransmits);
        Assert.Equal(204u, s.TimerExpiresMs);
        Assert.Equal("10.1.2.3", s.LocalAddress.ToString());
        Assert.Equal((ushort)443, s.LocalPort);
        Assert.Equal("192.168.7.9", s.RemoteAddress.ToString());
        Assert.Equal((ushort)51000, s.RemotePort);
        Assert.Equal(3u, s.InterfaceIndex);
        Assert.Equal(0x0123456789ABCDEFul, s.Cookie);
        Assert.Equal(10u, s.ReceiveQueue);
        Assert.Equal(20u, s.SendQueue);
        Assert.Equal(1000u, s.Uid);
        Assert.Equal(123456u, s.Inode);
        Assert.Equal((byte)2, s.Shutdown);
        Assert.Equal("cubic", s.Congestion);
        Assert.Null(s.Drops);
        Assert.Equal(280, s.Info.Length);
        Assert.Equal((byte)3, s.Info.Retransmits);
        Assert.Equal((byte)7, s.Info.Options);
        Assert.Equal(204_000u, s.Info.RtoUs);
        Assert.Equal(1_500u, s.Info.LastDataSentMs);
        Assert.Equal(2_500u, s.Info.LastDataRecvMs);
        Assert.Equal(67u, s.Info.RttUs);
        Assert.Equal(9u, s.Info.TotalRetrans);
        Assert.Equal(1_000_001ul, s.Info.BytesAcked);
        Assert.Equal(2_000_000ul, s.Info.BytesReceived);
        Assert.Equal((ushort)4, s.Info.TotalRto);
        Assert.Equal(800u, s.Info.TotalRtoTimeMs);
    }

    [Fact]
    public void Short_tcp_info_of_an_old_kernel_leaves_later_fields_unknown()
    {
        var payload = new SockDiagRecordBuilder(family: 2, state: 1)
            .Attribute(Info, SockDiagRecordBuilder.TcpInfo(104))
            .Build();

        var info = SockDiagReader.ParseRecord(payload, new CongestionNames())!.Info;

        Assert.Equal(104, info.Length);
        Assert.True(info.Has(104));
        Assert.False(info.Has(128));
        Assert.Equal(67u, info.RttUs);
        Assert.Equal(9u, info.TotalRetrans);
        Assert.Equal(0ul, info.BytesAcked);
        Assert.Equal((ushort)0, info.TotalRto);
    }

    [Theory]
    [InlineData(144, 0u, 0u)] // 4.2: no data segment counts
    [InlineData(160, 31u, 42u)]
    [InlineData(280, 31u, 42u)]
    public void Reads_data_segment_counts_from_4_6_on(int length, uint segsIn, uint segsOut)
    {
        var payload = new SockDiagRecordBuilder(family: 2, state: 1)
            .Attribute(Info, SockDiagRecordBuilder.TcpInfo(length))
            .Build();

        var info = SockDiagReader.ParseRecord(payload, new CongestionNames())!.Info;

        Assert.Equal(length >= 160, info.Has(160));
        Assert.Equal(segsIn, info.DataSegsIn);
        Assert.Equal(segsOut, info.DataSegsOut);
    }

    [Fact]
    public void Parses_ipv6_and_v4_mapped_addresses()
    {
        var payload = new SockDiagRecordBuilder(family: 10, state: 6)
            .Endpoints("::ffff:127.0.0.1", 8080, "2001:db8::5", 40000)
            .Build();

        var s = SockDiagReader.ParseRecord(payload, new CongestionNames())!;

        Assert.Equal((byte)10, s.Family);
        Assert.Equal(TcpState.TimeWait, s.State);
        Assert.True(s.LocalAddress.IsV4Mapped);
        Assert.Equal("127.0.0.1", s.LocalAddress.Unmapped.ToString());
        Assert.Equal("2001:db8::5", s.RemoteAddress.ToString());
        Assert.Equal((ushort)40000, s.RemotePort);
        Assert.False(s.Info.IsPresent);
        Assert.Null(s.Shutdown);
    }

    [Fact]
    public void Listener_takes_its_drop_counter_from_skmeminfo()
    {
        var meminfo = new byte[36];
        BitConverter.TryWriteBytes(meminfo.AsSpan(32), 5u);
        var payload = new SockDiagRecordBuilder(family: 2, state: 10)
            .Queues(rqueue: 3, wqueue: 2, uid: 0, inode: 77)
            .Attribute(SkMemInfo, meminfo)
            .Build();

        var s = SockDiagReader.ParseRecord(payload, new CongestionNames())!;

        Assert.Equal(TcpState.Listen, s.State);
        Assert.Equal(5u, s.Drops);
        Assert.Equal(3u, s.ReceiveQueue);
        Assert.Equal(2u, s.SendQueue);
    }

    [Fact]
    public void Skips_unknown_and_flagged_attributes()
    {
        var payload = new SockDiagRecordBuilder(family: 2, state: 8)
            .Attribute(21, new byte[8])                  // CGROUP_ID, not kept
            .Attribute(0x8000 | 99, new byte[5])         // nested flag, unknown type, odd length
            .Attribute(Shutdown, [1])
            .Build();

        Assert.Equal((byte)1, SockDiagReader.ParseRecord(payload, new CongestionNames())!.Shutdown);
    }

    [Fact]
    public void Stops_at_a_truncated_attribute_instead_of_reading_past_the_record()
    {
        var payload = new SockDiagRecordBuilder(family: 2, state: 1).Attribute(Shutdown, [1]).Build();
        payload[72] = 200; // nla_len beyond the record

        var s = SockDiagReader.ParseRecord(payload, new CongestionNames())!;

        Assert.Null(s.Shutdown);
    }

    [Fact]
    public void Rejects_short_records_and_unknown_families()
    {
        Assert.Null(SockDiagReader.ParseRecord(new byte[71], new CongestionNames()));
        Assert.Null(SockDiagReader.ParseRecord(new SockDiagRecordBuilder(family: 1, state: 1).Build(), new CongestionNames()));
    }

    [Fact]
    public void Congestion_names_are_interned_by_their_bytes()
    {
        var names = new CongestionNames();
        var first = names.Get(Encoding.ASCII.GetBytes("bbr\0\0\0"));
        var second = names.Get(Encoding.ASCII.GetBytes("bbr\0"));

        Assert.Equal("bbr", first);
        Assert.Same(first, second);
        Assert.Equal("cubic", names.Get("cubic"u8));
    }

    [Theory]
    [InlineData(0, DestroyOutcome.Destroyed)]
    [InlineData(2, DestroyOutcome.Gone)]
    [InlineData(95, DestroyOutcome.NotSupported)]
    [InlineData(1, DestroyOutcome.PermissionDenied)]
    [InlineData(22, DestroyOutcome.Failed)]
    public void Maps_destroy_errno_to_outcome(int errno, DestroyOutcome outcome)
    {
        var result = DestroyResult.FromErrno(errno);
        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(errno, result.Errno);
    }

    [Theory]
    [InlineData("blue", "/run/netns/blue")]
    [InlineData("/proc/1/ns/net", "/proc/1/ns/net")]
    [InlineData("./ns", "./ns")]
    public void Resolves_a_bare_namespace_name_under_run_netns(string given, string path) =>
        Assert.Equal(path, NetworkNamespace.ResolvePath(given));

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    public void Rejects_empty_or_dot_namespace_names(string given) =>
        Assert.Throws<TcpDoctorException>(() => NetworkNamespace.ResolvePath(given));
}
