using System.Diagnostics;

namespace SocketGen;

/// <summary>
/// Keeps about plan.TimeWait sockets in TIME_WAIT: every tick it reads the namespace's tw count and
/// opens and closes as many connections as have expired (TIME_WAIT lasts 60 s on Linux, fixed).
/// Batches alternate who closes first, so TIME_WAIT sits on the service port (server closed first)
/// as well as on client ports.
/// </summary>
internal sealed class ChurnWorker
{
    private const int Batch = 256;
    private const int TickMs = 100;
    private const int MaxPerTick = 4000;

    private readonly Plan _plan;
    private readonly int[] _clients = new int[Batch];
    private readonly int[] _servers = new int[Batch];
    private int[] _listeners = [];
    private long _next;
    private bool _serverClosesFirst;

    public ChurnWorker(Plan plan)
    {
        _plan = plan;
    }

    public int Run()
    {
        int[] ports = _plan.ChurnPorts();
        _listeners = new int[ports.Length];
        for (int i = 0; i < ports.Length; i++)
        {
            _listeners[i] = LoopbackSocket.Listen(ports[i]);
        }

        ParentLink.Send("listening");
        if (!ParentLink.WaitForLine())
        {
            return 0;
        }

        bool filled = false;
        var tick = Stopwatch.StartNew();
        while (true)
        {
            tick.Restart();
            long timeWait = SockStat.Read().TimeWait;
            if (!filled && timeWait >= _plan.TimeWait * 0.98)
            {
                ParentLink.Send("filled");
                filled = true;
            }

            long budget = Math.Min(_plan.TimeWait - timeWait, MaxPerTick);
            while (budget > 0)
            {
                int n = (int)Math.Min(budget, Batch);
                Churn(n);
                budget -= n;
            }

            int rest = TickMs - (int)tick.ElapsedMilliseconds;
            if (ParentLink.WaitClosed(Math.Max(0, rest)))
            {
                return 0;
            }
        }
    }

    private void Churn(int n)
    {
        for (int i = 0; i < n; i++)
        {
            long k = _next++;
            var target = SourceAddresses.Listener(_plan.ChurnPort(k));
            _clients[i] = LoopbackSocket.StartConnect(SourceAddresses.Churn(k), target, abortOnClose: false);
        }

        // Churn listeners take churn connections only, so n accepts mean all n clients are established.
        int accepted = 0;
        var deadline = Stopwatch.StartNew();
        while (accepted < n && deadline.ElapsedMilliseconds < 2000)
        {
            foreach (int listener in _listeners)
            {
                int fd;
                while (accepted < n && (fd = LoopbackSocket.Accept(listener)) >= 0)
                {
                    _servers[accepted++] = fd;
                }
            }

            if (accepted < n)
            {
                LoopbackSocket.WaitReadable(_listeners, 10);
            }
        }

        _serverClosesFirst = !_serverClosesFirst;
        CloseAll(_serverClosesFirst ? _servers.AsSpan(0, accepted) : _clients.AsSpan(0, n));
        CloseAll(_serverClosesFirst ? _clients.AsSpan(0, n) : _servers.AsSpan(0, accepted));
    }

    private static void CloseAll(ReadOnlySpan<int> fds)
    {
        foreach (int fd in fds)
        {
            LoopbackSocket.Close(fd);
        }
    }
}
