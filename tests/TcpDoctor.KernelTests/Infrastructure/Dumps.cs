using System.Net;
using System.Net.Sockets;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>Small helpers to read a namespace through <see cref="SockDiagReader"/> and find a .NET socket in the result.</summary>
public static class Dumps
{
    /// <summary>Both families, the way a snapshot reads them.</summary>
    public static List<TcpSocket> All(SockDiagReader reader, bool withInfo = true)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var sockets = new List<TcpSocket>();
        reader.Dump(2, withInfo, sockets);
        reader.Dump(10, withInfo, sockets);
        return sockets;
    }

    /// <summary>The record whose local and remote endpoints are those of <paramref name="socket"/>.</summary>
    public static TcpSocket Find(IEnumerable<TcpSocket> sockets, Socket socket, TcpState? state = null)
    {
        var endpoints = SocketFactory.EndpointsOf(socket);
        return Find(sockets, endpoints.Local, endpoints.Remote, state);
    }

    public static TcpSocket Find(IEnumerable<TcpSocket> sockets, IPEndPoint local, IPEndPoint? remote, TcpState? state = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        var matches = sockets.Where(s => Matches(s, local, remote) && (state is null || s.State == state)).ToList();
        return matches.Count == 1
            ? matches[0]
            : throw new InvalidOperationException($"expected one socket {local} -> {remote} {state}, found {matches.Count}");
    }

    public static bool Matches(TcpSocket s, IPEndPoint local, IPEndPoint? remote)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(local);
        return s.LocalAddress == NetAddress.FromIPAddress(local.Address) && s.LocalPort == local.Port
            && (remote is null
                ? s.RemotePort == 0
                : s.RemoteAddress == NetAddress.FromIPAddress(remote.Address) && s.RemotePort == remote.Port);
    }
}
