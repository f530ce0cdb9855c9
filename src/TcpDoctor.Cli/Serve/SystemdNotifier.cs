using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TcpDoctor.Cli.Serve;

/// <summary>
/// sd_notify(3) without libsystemd: datagrams to <c>$NOTIFY_SOCKET</c> (a path, or an abstract name written
/// with a leading <c>@</c>). READY=1 once serving, STOPPING=1 on the way out, and WATCHDOG=1 at half of
/// <c>$WATCHDOG_USEC</c> while the engine is not stuck. Outside systemd (no <c>$NOTIFY_SOCKET</c>) it does nothing.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;
    private Timer? _watchdog;

    private SystemdNotifier(Socket? socket, UnixDomainSocketEndPoint? endpoint)
    {
        _socket = socket;
        _endpoint = endpoint;
    }

    /// <summary>The watchdog period systemd asked for (WatchdogSec=), if it asked this process.</summary>
    public TimeSpan? WatchdogPeriod { get; private init; }

    public static SystemdNotifier FromEnvironment()
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
        {
            return new SystemdNotifier(null, null);
        }

        var endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        TimeSpan? watchdog = null;
        if (long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            && (Environment.GetEnvironmentVariable("WATCHDOG_PID") is not { Length: > 0 } pid || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
        {
            watchdog = TimeSpan.FromTicks(usec * 10);
        }

        return new SystemdNotifier(socket, endpoint) { WatchdogPeriod = watchdog };
    }

    /// <summary>Sends <paramref name="state"/> (e.g. <c>READY=1\nSTATUS=…</c>); a manager that went away is not an error.</summary>
    public void Notify(string state)
    {
        if (_socket is null)
        {
            return;
        }

        try
        {
            _ = _socket.SendTo(Encoding.UTF8.GetBytes(state), _endpoint!);
        }
        catch (SocketException)
        {
            // systemd restarting, or the socket removed: nothing to tell.
        }
    }

    /// <summary>Pings the watchdog at half its period for as long as <paramref name="healthy"/> says so.</summary>
    public void StartWatchdog(Func<TimeSpan, bool> healthy)
    {
        if (WatchdogPeriod is not { } period)
        {
            return;
        }

        var half = period / 2;
        _watchdog = new Timer(_ =>
        {
            if (healthy(period))
            {
                Notify("WATCHDOG=1");
            }
        }, null, TimeSpan.Zero, half);
    }

    public void Dispose()
    {
        _watchdog?.Dispose();
        _socket?.Dispose();
    }
}
