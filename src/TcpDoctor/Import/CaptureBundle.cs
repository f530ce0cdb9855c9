using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>
/// A capture: everything a diagnosis reads, for two moments, in one gzip-compressed JSON file
/// (docs/capture.md is its contract): the socket tables with tcp_info, the process maps, and the
/// kernel's own text files (/proc/net/snmp, netstat, sockstat, the TCP sysctls) as they were, which
/// <c>analyze</c> reads back with the same parsers a live read uses.
/// </summary>
public static class CaptureBundle
{
    public const string FormatName = "tcpdoctor-capture";
    public const int Version = 1;

    /// <summary>Whether the first bytes are gzip's (1f 8b): a capture, not text.</summary>
    public static bool LooksLikeCapture(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    /// <summary>
    /// The kernel files of the calling thread's namespace (call it there), keyed by their path under /proc:
    /// exactly the files the kernel-state parsers read, recorded while they read them.
    /// </summary>
    public static Dictionary<string, string> ReadKernelFiles(string procRoot = "/proc", bool ownNamespace = true)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var live = KernelStateReader.FromDirectories(
            ownNamespace ? Path.Combine(procRoot, "net") : Path.Combine(procRoot, "thread-self", "net"), Path.Combine(procRoot, "sys"));
        _ = KernelStateReader.Read(name =>
        {
            var text = live(name);
            if (text is not null)
            {
                files[name] = text;
            }

            return text;
        });
        return files;
    }

    /// <summary>The routing tables name this host's networks: a redacted capture leaves them out.</summary>
    private static bool IsRouting(string name) => name is "net/route" or "net/ipv6_route";

    /// <summary>Writes a capture of <paramref name="moments"/> (with the kernel files read at each) to <paramref name="output"/>.</summary>
    public static void Write(Stream output, IReadOnlyList<CaptureMoment> moments, CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(moments);
        ArgumentNullException.ThrowIfNull(options);
        var redactor = options.Redact ? new Redactor() : null;
        using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        using var j = new Utf8JsonWriter(gzip);
        j.WriteStartObject();
        j.WriteString("format", FormatName);
        j.WriteNumber("version", Version);
        j.WriteString("tool", options.ToolVersion);
        j.WriteString("host", redactor is null ? options.HostName : "redacted");
        j.WriteString("kernel", options.Kernel);
        j.WriteNumber("cpus", options.Cpus);
        if (options.NetworkNamespace is { } ns)
        {
            j.WriteString("netns", redactor is null ? ns : "redacted");
        }

        j.WriteBoolean("redacted", redactor is not null);
        if (moments.Count == 2)
        {
            j.WriteNumber("intervalSeconds", moments[1].Snapshot.SecondsSince(moments[0].Snapshot));
        }

        j.WriteStartArray("moments");
        foreach (var (snapshot, files, namespaceFiles) in moments)
        {
            j.WriteStartObject();
            j.WriteString("time", snapshot.TakenAt);
            j.WriteString("source", snapshot.Source == SocketSource.SockDiag ? "sock_diag" : "procfs");
            j.WriteStartObject("files");
            foreach (var (name, text) in files.Where(f => redactor is null || !IsRouting(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                j.WriteString(name, text);
            }

            j.WriteEndObject();
            j.WriteStartArray("processes");
            foreach (var p in snapshot.Processes.Processes.Values.OrderBy(p => p.Pid))
            {
                j.WriteStartObject();
                j.WriteNumber("pid", p.Pid);
                j.WriteString("command", p.Command);
                j.WriteNumber("uid", p.Uid);
                j.WriteNumber("openFds", p.OpenFds);
                if (p.FdSoftLimit is { } limit)
                {
                    j.WriteNumber("fdLimit", limit);
                }

                j.WriteNumber("socketFds", p.SocketFds);
                if (options.CommandLines && redactor is null && options.CommandLineOf?.Invoke(p.Pid) is { } cmdline)
                {
                    j.WriteString("cmdline", cmdline);
                }

                j.WriteEndObject();
            }

            j.WriteEndArray();
            if (snapshot.Parts.Count == 0)
            {
                WriteSockets(j, snapshot.Sockets, redactor);
                WriteSockets(j, snapshot.BoundOnly, redactor, "boundOnly");
            }
            else
            {
                // Every namespace (--all-namespaces): each its sockets and its kernel files; the processes above are the host's.
                j.WriteStartArray("namespaces");
                var n = 0;
                foreach (var part in snapshot.Parts)
                {
                    var identity = part.Netns!;
                    j.WriteStartObject();
                    j.WriteString("netns", redactor is null || identity.IsOwn ? identity.Label : $"netns-{++n}");
                    j.WriteNumber("inode", identity.Inode);
                    j.WriteBoolean("own", identity.IsOwn);
                    j.WriteStartObject("files");
                    foreach (var (name, text) in (namespaceFiles?.GetValueOrDefault(identity.Inode) ?? new Dictionary<string, string>()).Where(f => redactor is null || !IsRouting(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal))
                    {
                        j.WriteString(name, text);
                    }

                    j.WriteEndObject();
                    WriteSockets(j, part.Sockets, redactor);
                    WriteSockets(j, part.BoundOnly, redactor, "boundOnly");
                    j.WriteEndObject();
                }

                j.WriteEndArray();
            }

            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteEndObject();
    }

    private static void WriteSockets(Utf8JsonWriter j, IReadOnlyList<TcpSocket> sockets, Redactor? redactor, string name = "sockets")
    {
        j.WriteStartArray(name);
        foreach (var s in sockets)
        {
            WriteSocket(j, s, redactor);
            if (j.BytesPending > 1 << 16)
            {
                j.Flush();
            }
        }

        j.WriteEndArray();
    }

    // [family, state, local, localPort, remote, remotePort, ifindex, cookie, timer, timerMs, timerRetransmits|null,
    //  recvQ, sendQ, uid, inode, shutdown|null, drops|null, pid, cgroupId, congestion|null, tcpInfo|null]
    private static void WriteSocket(Utf8JsonWriter j, TcpSocket s, Redactor? redactor)
    {
        j.WriteStartArray();
        j.WriteNumberValue(s.Family);
        j.WriteNumberValue((int)s.State);
        j.WriteStringValue((redactor?.Address(s.LocalAddress) ?? s.LocalAddress).ToString());
        j.WriteNumberValue(s.LocalPort);
        j.WriteStringValue((redactor?.Address(s.RemoteAddress) ?? s.RemoteAddress).ToString());
        j.WriteNumberValue(s.RemotePort);
        j.WriteNumberValue(s.InterfaceIndex);
        j.WriteNumberValue(s.Cookie);
        j.WriteNumberValue((int)s.Timer);
        j.WriteNumberValue(s.TimerExpiresMs);
        Nullable(j, s.TimerRetransmits);
        j.WriteNumberValue(s.ReceiveQueue);
        j.WriteNumberValue(s.SendQueue);
        j.WriteNumberValue(s.Uid);
        j.WriteNumberValue(s.Inode);
        Nullable(j, s.Shutdown);
        Nullable(j, s.Drops);
        j.WriteNumberValue(s.Pid);
        j.WriteNumberValue(s.CgroupId);
        if (s.Congestion is { } cc)
        {
            j.WriteStringValue(cc);
        }
        else
        {
            j.WriteNullValue();
        }

        if (s.Info.IsPresent)
        {
            var i = s.Info;
            j.WriteStartArray();
            foreach (var v in (ulong[])[i.Length, i.Retransmits, i.Probes, i.Backoff, i.Options, i.RtoUs, i.SndMss, i.Unacked, i.Retrans,
                i.LastDataSentMs, i.LastDataRecvMs, i.LastAckRecvMs, i.RttUs, i.TotalRetrans, i.BytesAcked, i.BytesReceived,
                i.DataSegsIn, i.DataSegsOut, i.TotalRto, i.TotalRtoTimeMs, i.NotSentBytes, i.SendWindow, i.ReceiveWindow, i.ReceiveMemory, i.ReceiveBuffer])
            {
                j.WriteNumberValue(v);
            }

            j.WriteEndArray();
        }
        else
        {
            j.WriteNullValue();
        }

        j.WriteEndArray();
    }

    private static void Nullable(Utf8JsonWriter j, uint? value)
    {
        if (value is { } v)
        {
            j.WriteNumberValue(v);
        }
        else
        {
            j.WriteNullValue();
        }
    }

    /// <summary>Reads a capture: its moments as snapshots (the first is the previous one when there are two).</summary>
    /// <exception cref="TcpDoctorException">Not a capture, a newer version, or a malformed one.</exception>
    public static CaptureContents Read(Stream input, string name)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
            using var doc = JsonDocument.Parse(gzip);
            var root = doc.RootElement;
            if (!root.TryGetProperty("format", out var format) || format.GetString() != FormatName)
            {
                throw new TcpDoctorException($"{name}: a gzip file, but not a tcpdoctor capture");
            }

            var version = root.GetProperty("version").GetInt32();
            if (version > Version)
            {
                throw new TcpDoctorException($"{name}: capture version {version} is newer than this tcpdoctor reads ({Version}); use a newer tcpdoctor");
            }

            var host = root.TryGetProperty("host", out var h) ? h.GetString() : null;
            var snapshots = new List<Snapshot>();
            foreach (var m in root.GetProperty("moments").EnumerateArray())
            {
                snapshots.Add(Moment(m, host));
            }

            if (snapshots.Count == 0)
            {
                throw new TcpDoctorException($"{name}: the capture holds no moment");
            }

            return new CaptureContents
            {
                Previous = snapshots.Count > 1 ? snapshots[^2] : null,
                Current = snapshots[^1],
                Tool = root.TryGetProperty("tool", out var t) ? t.GetString() : null,
                Kernel = root.TryGetProperty("kernel", out var k) ? k.GetString() : null,
                Redacted = root.TryGetProperty("redacted", out var r) && r.GetBoolean(),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TcpDoctorException($"{name}: not a readable tcpdoctor capture ({e.Message.Split('\n')[0]})");
        }
    }

    private static Snapshot Moment(JsonElement m, string? host)
    {
        var sockets = new List<TcpSocket>();
        var parts = new List<Snapshot>();
        var takenAt = m.GetProperty("time").GetDateTimeOffset();
        if (m.TryGetProperty("namespaces", out var namespaces))
        {
            foreach (var ns in namespaces.EnumerateArray())
            {
                var mine = new List<TcpSocket>();
                foreach (var row in ns.GetProperty("sockets").EnumerateArray())
                {
                    mine.Add(Socket(row));
                }

                sockets.AddRange(mine);
                var inode = ns.GetProperty("inode").GetUInt64();
                var bound = BoundOnly(ns);
                var label = ns.GetProperty("netns").GetString();
                parts.Add(new Snapshot
                {
                    TakenAt = takenAt,
                    Source = SocketSource.Import,
                    Sockets = mine,
                    BoundOnly = bound,
                    Kernel = KernelFromFiles(ns.GetProperty("files")),
                    HostName = host,
                    Netns = new NetnsIdentity
                    {
                        Inode = inode,
                        IsOwn = ns.TryGetProperty("own", out var own) && own.GetBoolean(),
                        Name = label is null || label.StartsWith("net:[", StringComparison.Ordinal) ? null : label,
                    },
                });
            }
        }
        else
        {
            foreach (var row in m.GetProperty("sockets").EnumerateArray())
            {
                sockets.Add(Socket(row));
            }
        }

        var byPid = new Dictionary<int, ProcessInfo>();
        var owners = new Dictionary<uint, int>();
        foreach (var p in m.GetProperty("processes").EnumerateArray())
        {
            var info = new ProcessInfo
            {
                Pid = p.GetProperty("pid").GetInt32(),
                Command = p.GetProperty("command").GetString() ?? "?",
                Uid = p.TryGetProperty("uid", out var uid) ? uid.GetUInt32() : 0,
                OpenFds = p.TryGetProperty("openFds", out var fds) ? fds.GetInt32() : 0,
                FdSoftLimit = p.TryGetProperty("fdLimit", out var limit) ? limit.GetInt64() : null,
                SocketFds = p.TryGetProperty("socketFds", out var sf) ? sf.GetInt32() : 0,
            };
            byPid[info.Pid] = info;
        }

        foreach (var s in sockets)
        {
            if (s.Pid != 0 && s.Inode != 0)
            {
                owners.TryAdd(s.Inode, s.Pid);
            }
        }

        var processes = new ProcessTable(owners, [], byPid, byPid.Count, 0, null);
        if (parts.Count > 0)
        {
            return SweepReader.Assemble(parts, processes, Cgroups.CgroupTable.Empty, [], countOnly: false, host);
        }

        return new Snapshot
        {
            TakenAt = takenAt,
            Source = SocketSource.Import,
            Sockets = sockets,
            BoundOnly = BoundOnly(m),
            Processes = processes,
            Kernel = KernelFromFiles(m.GetProperty("files")),
            HostName = host,
        };
    }

    /// <summary>The bound-only sockets of a moment or namespace (captures made before they were kept have none).</summary>
    private static List<TcpSocket> BoundOnly(JsonElement holder)
    {
        var list = new List<TcpSocket>();
        if (holder.TryGetProperty("boundOnly", out var rows))
        {
            foreach (var row in rows.EnumerateArray())
            {
                list.Add(Socket(row));
            }
        }

        return list;
    }

    private static TcpSocket Socket(JsonElement row)
    {
        var a = row.EnumerateArray().ToArray();
        TcpInfo info = default;
        if (a[20].ValueKind == JsonValueKind.Array)
        {
            var v = a[20].EnumerateArray().Select(x => x.GetUInt64()).ToArray();
            info = new TcpInfo
            {
                Length = (ushort)v[0], Retransmits = (byte)v[1], Probes = (byte)v[2], Backoff = (byte)v[3], Options = (byte)v[4],
                RtoUs = (uint)v[5], SndMss = (uint)v[6], Unacked = (uint)v[7], Retrans = (uint)v[8], LastDataSentMs = (uint)v[9],
                LastDataRecvMs = (uint)v[10], LastAckRecvMs = (uint)v[11], RttUs = (uint)v[12], TotalRetrans = (uint)v[13],
                BytesAcked = v[14], BytesReceived = v[15], DataSegsIn = (uint)v[16], DataSegsOut = (uint)v[17], TotalRto = (ushort)v[18],
                TotalRtoTimeMs = (uint)v[19],
            };

            // Added within version 1 (readers of the first captures stop at 20): absent means unknown, as for an older kernel's tcp_info.
            if (v.Length >= 25)
            {
                info = info with { NotSentBytes = (uint)v[20], SendWindow = (uint)v[21], ReceiveWindow = (uint)v[22], ReceiveMemory = (uint)v[23], ReceiveBuffer = (uint)v[24] };
            }
            else
            {
                // Their windows are unknown, not zero (a zero window is a finding): as from a kernel that ends before them.
                info = info with { Length = (ushort)Math.Min((int)info.Length, Interop.tcp_info.tcpi_snd_wnd) };
            }
        }

        return new TcpSocket
        {
            Family = a[0].GetByte(),
            State = (TcpState)a[1].GetInt32(),
            LocalAddress = Address(a[2]),
            LocalPort = a[3].GetUInt16(),
            RemoteAddress = Address(a[4]),
            RemotePort = a[5].GetUInt16(),
            InterfaceIndex = a[6].GetUInt32(),
            Cookie = a[7].GetUInt64(),
            Timer = (TimerKind)a[8].GetInt32(),
            TimerExpiresMs = a[9].GetUInt32(),
            TimerRetransmits = a[10].ValueKind == JsonValueKind.Null ? null : a[10].GetByte(),
            ReceiveQueue = a[11].GetUInt32(),
            SendQueue = a[12].GetUInt32(),
            Uid = a[13].GetUInt32(),
            Inode = a[14].GetUInt32(),
            Shutdown = a[15].ValueKind == JsonValueKind.Null ? null : a[15].GetByte(),
            Drops = a[16].ValueKind == JsonValueKind.Null ? null : a[16].GetUInt32(),
            Pid = a[17].GetInt32(),
            CgroupId = a[18].GetUInt64(),
            Congestion = a[19].ValueKind == JsonValueKind.Null ? null : a[19].GetString(),
            Info = info,
        };
    }

    private static NetAddress Address(JsonElement e) =>
        NetAddress.TryParse(e.GetString(), out var a) ? a : throw new FormatException($"'{e.GetString()}' is not an address");

    /// <summary>The kernel state the captured files say, read by the parsers a live read uses.</summary>
    private static KernelState KernelFromFiles(JsonElement files) =>
        KernelStateReader.Read(name => files.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null);

    /// <summary>Stable stand-ins for addresses within one capture: the same address, the same token, so groups survive.</summary>
    private sealed class Redactor
    {
        private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
        private readonly Dictionary<NetAddress, NetAddress> _map = [];
        private readonly HashSet<NetAddress> _used = [];

        public NetAddress Address(NetAddress address)
        {
            // The unspecified and loopback addresses say nothing about anyone: kept, so listeners and local peers still read right.
            if (address.IsAny || address.IsLoopback)
            {
                return address;
            }

            // 10.0.0.5 and ::ffff:10.0.0.5 are one peer: one token.
            address = address.Unmapped;
            if (_map.TryGetValue(address, out var token))
            {
                return token;
            }

            Span<byte> raw = stackalloc byte[16];
            var n = address.WriteBytes(raw);
            Span<byte> hash = stackalloc byte[32];
            HMACSHA256.HashData(_key, raw[..n], hash);
            for (var salt = 0; ; salt++)
            {
                hash[0] ^= (byte)salt;
                token = address.IsIPv6
                    ? NetAddress.FromBytes([0xfd, 0, .. hash[..14]])
                    : NetAddress.FromIPv4(0x0A000000u | (uint)(hash[1] << 16 | hash[2] << 8 | hash[3]));
                if (_used.Add(token))
                {
                    break;
                }
            }

            _map[address] = token;
            return token;
        }
    }
}

/// <summary>
/// One moment to capture: the snapshot, the kernel files read with it, and for a sweep of every
/// namespace (<see cref="Snapshot.Parts"/>) each namespace's files by its inode.
/// </summary>
public sealed record CaptureMoment(Snapshot Snapshot, IReadOnlyDictionary<string, string> Files, IReadOnlyDictionary<ulong, IReadOnlyDictionary<string, string>>? NamespaceFiles = null);

/// <summary>What <see cref="CaptureBundle.Write"/> records besides the snapshots.</summary>
public sealed record CaptureOptions
{
    public required string ToolVersion { get; init; }

    public required string HostName { get; init; }

    public required string Kernel { get; init; }

    public int Cpus { get; init; } = Environment.ProcessorCount;

    public string? NetworkNamespace { get; init; }

    /// <summary>Addresses replaced by stable stand-ins, host and namespace names dropped, no command lines.</summary>
    public bool Redact { get; init; }

    /// <summary>Keep each process's command line (off by default: they can hold secrets).</summary>
    public bool CommandLines { get; init; }

    public Func<int, string?>? CommandLineOf { get; init; }
}

/// <summary>A capture read back.</summary>
public sealed class CaptureContents
{
    public required Snapshot Current { get; init; }

    public Snapshot? Previous { get; init; }

    public string? Tool { get; init; }

    public string? Kernel { get; init; }

    public bool Redacted { get; init; }
}
