using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using TcpDoctor.KernelTests.Reap;

namespace TcpDoctor.KernelTests.Serving;

/// <summary>
/// serve under a stand-in for systemd's Type=notify: the test binds the datagram socket systemd would pass
/// in <c>$NOTIFY_SOCKET</c> and reads what the agent says: READY=1 with its status once it listens,
/// WATCHDOG=1 at half of <c>$WATCHDOG_USEC</c>, STOPPING=1 on SIGTERM.
/// </summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (Socket Socket, string Path) Bind()
    {
        var path = Path.Combine(_dir, "notify.sock");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        return (socket, path);
    }

    private static string Receive(Socket socket)
    {
        var buffer = new byte[4096];
        var n = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void Serve_says_ready_feeds_the_watchdog_and_says_stopping()
    {
        var (socket, path) = Bind();
        using var _ = socket;
        using var serve = TcpDoctorCli.StartWith(
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "400000" },
            "serve", "--listen", "127.0.0.1:0");

        var ready = Receive(socket);
        Assert.StartsWith("READY=1\nSTATUS=serving http://127.0.0.1:", ready, StringComparison.Ordinal);
        Assert.EndsWith("/metrics", ready, StringComparison.Ordinal);

        // 0.4 s watchdog: a ping every 0.2 s.
        var clock = Stopwatch.StartNew();
        var pings = 0;
        while (pings < 5)
        {
            Assert.Equal("WATCHDOG=1", Receive(socket));
            pings++;
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), string.Create(CultureInfo.InvariantCulture, $"5 pings took {clock.Elapsed}"));

        serve.Signal(RunningCli.SIGTERM);
        string last;
        do
        {
            last = Receive(socket);
        }
        while (last == "WATCHDOG=1");

        Assert.Equal("STOPPING=1", last);
        Assert.Equal(0, serve.WaitForExit(Patience));
    }

    [Fact]
    public void A_watchdog_meant_for_another_process_is_not_fed()
    {
        var (socket, path) = Bind();
        using var _ = socket;
        using var serve = TcpDoctorCli.StartWith(
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "200000", ["WATCHDOG_PID"] = "1" },
            "serve", "--listen", "127.0.0.1:0");

        Assert.StartsWith("READY=1\n", Receive(socket), StringComparison.Ordinal);
        socket.ReceiveTimeout = 1000;
        serve.Signal(RunningCli.SIGTERM);
        Assert.Equal("STOPPING=1", Receive(socket));
        Assert.Equal(0, serve.WaitForExit(Patience));
    }
}
