using TcpDoctor.Interop;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests;

/// <summary>One datagram a <see cref="ScriptedNetlink"/> hands out, or a receive that times out.</summary>
internal sealed record Datagram(byte[] Bytes)
{
    /// <summary>A receive that finds nothing within SO_RCVTIMEO.</summary>
    public static readonly Datagram Timeout = new([]) { IsTimeout = true };

    public bool IsTimeout { get; init; }

    /// <summary>Keep the sequence numbers as built (a late answer to some other request).</summary>
    public bool KeepSeq { get; init; }

    /// <summary>The length recv reports, when the datagram claims to be longer than its bytes (a huge truncated one).</summary>
    public int? ReportedLength { get; init; }

    public static Datagram Of(params byte[][] messages) => new(messages.SelectMany(m => m).ToArray());

    /// <summary>Datagrams recorded from the kernel, one per hex line (lines starting with # are notes).</summary>
    public static Datagram[] Recorded(string file) =>
        [.. Fixture.Lines("sockdiag", file).Where(l => l.Length > 0 && l[0] != '#').Select(l => new Datagram(Convert.FromHexString(l)))];
}

/// <summary>
/// A netlink socket that answers each request with scripted datagrams, stamped with the request's
/// sequence number as the kernel echoes it. What a request leaves unread stays queued in front of the
/// next answer, as on a real socket, until <see cref="Reset"/> (a new socket) drops it. A receive with
/// nothing queued times out at once, with the real transport's message.
/// </summary>
internal sealed class ScriptedNetlink : INetlinkTransport
{
    private readonly Queue<Datagram[]> _answers = new();
    private readonly Queue<Datagram> _pending = new();

    public List<byte[]> Requests { get; } = [];

    public int Resets { get; private set; }

    public int Receives { get; private set; }

    public bool Disposed { get; private set; }

    /// <summary>Queues the datagrams that answer the next request.</summary>
    public ScriptedNetlink Answer(params Datagram[] datagrams)
    {
        _answers.Enqueue(datagrams);
        return this;
    }

    public void Send(ReadOnlySpan<byte> request)
    {
        Requests.Add(request.ToArray());
        var seq = HostOrder.ReadUInt32(request[nlmsghdr.nlmsg_seq..]);
        if (!_answers.TryDequeue(out var answer))
        {
            throw new InvalidOperationException($"request {Requests.Count} was not scripted");
        }

        foreach (var datagram in answer)
        {
            _pending.Enqueue(datagram.IsTimeout || datagram.KeepSeq ? datagram : datagram with { Bytes = Stamp(datagram.Bytes, seq) });
        }
    }

    public int Receive(Span<byte> buffer)
    {
        Receives++;
        if (!_pending.TryDequeue(out var datagram) || datagram.IsTimeout)
        {
            throw new TcpDoctorException($"netlink sock_diag did not answer within {NetlinkSocket.ReceiveTimeoutSeconds} s");
        }

        var copied = Math.Min(datagram.Bytes.Length, buffer.Length);
        datagram.Bytes.AsSpan(0, copied).CopyTo(buffer);
        return datagram.ReportedLength ?? datagram.Bytes.Length;
    }

    public void Reset()
    {
        Resets++;
        _pending.Clear();
    }

    public void Dispose() => Disposed = true;

    private static byte[] Stamp(byte[] datagram, uint seq)
    {
        var copy = (byte[])datagram.Clone();
        var offset = 0;
        while (offset + nlmsghdr.Size <= copy.Length)
        {
            HostOrder.WriteUInt32(copy.AsSpan(offset + nlmsghdr.nlmsg_seq), seq);
            var length = (int)HostOrder.ReadUInt32(copy.AsSpan(offset));
            if (length < nlmsghdr.Size)
            {
                break;
            }

            offset += nlmsghdr.Align(length);
        }

        return copy;
    }
}
