using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// A client that opens a connection per request to <c>connect=ADDR:PORT</c>: first <c>pool=N</c> idle
/// pooled connections it keeps, then <c>burst=N</c> requests at once (<c>parallel=P</c> at a time), then
/// <c>rate=R</c> per second, never more than <c>per-minute=M</c> finished in any 60 s. After the answer,
/// <c>close=</c>: <c>first</c> (this side closes: TIME_WAIT here), <c>after-server</c> (waits for the
/// server to close first: TIME_WAIT there), <c>abort</c> (SO_LINGER 0: close() sends a reset, no TIME_WAIT
/// anywhere) or <c>never</c> (keeps up to <c>max-open=N</c>, oldest closed first).
/// </summary>
internal sealed class ChurnBehaviour : ILabBehaviour
{
    public async Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct)
    {
        var target = options.Endpoint("connect");
        var close = options.Text("close", "first");
        if (close is not ("first" or "after-server" or "abort" or "never"))
        {
            throw new TcpDoctorException($"lab worker: churn close={close} is not first, after-server, abort or never");
        }

        var pool = new List<Socket>();
        for (var i = options.Int("pool", 0); i > 0; i--)
        {
            pool.Add(await Wire.ConnectAsync(target, null, keepAlive: false, ct));
        }

        var state = new State(options.Int("per-minute", int.MaxValue), options.Int("max-open", 1000));
        var burst = options.Int("burst", 0);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, burst),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Int("parallel", 16)), CancellationToken = ct },
            async (_, token) => await OneAsync(target, close, state, token));
        ready();

        var rate = options.Number("rate", 0);
        if (rate <= 0)
        {
            await Wire.HoldAsync(ct);
            GC.KeepAlive(pool);
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (state.TryStart())
                {
                    _ = OneAsync(target, close, state, ct, started: true);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        GC.KeepAlive(pool);
    }

    private static async Task OneAsync(IPEndPoint target, string close, State state, CancellationToken ct, bool started = false)
    {
        if (!started)
        {
            state.Start();
        }

        Socket? socket = null;
        try
        {
            socket = await Wire.ConnectAsync(target, null, keepAlive: false, ct);
            if (!await Wire.ExchangeAsync(socket, ct))
            {
                return;
            }

            switch (close)
            {
                case "after-server":
                    await Wire.DrainAsync(socket, ct);
                    break;
                case "abort":
                    socket.LingerState = new LingerOption(true, 0);
                    break;
                case "never":
                    state.Keep(socket);
                    socket = null;
                    break;
            }

            state.Completed();
        }
        catch (SocketException)
        {
            // EADDRNOTAVAIL once the port range is full, refused or reset: the habit goes on regardless.
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            socket?.Dispose();
            state.Finish();
        }
    }

    /// <summary>Requests in flight, completions of the last minute, and the connections kept open.</summary>
    private sealed class State(int perMinute, int maxOpen)
    {
        private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
        private readonly Lock _lock = new();
        private readonly Queue<long> _completions = new();
        private readonly Queue<Socket> _open = new();
        private int _inFlight;

        public void Start()
        {
            lock (_lock)
            {
                _inFlight++;
            }
        }

        /// <summary>Starts one request unless the per-minute budget is used up.</summary>
        public bool TryStart()
        {
            lock (_lock)
            {
                while (_completions.Count > 0 && Stopwatch.GetElapsedTime(_completions.Peek()) > Minute)
                {
                    _completions.Dequeue();
                }

                if (_completions.Count + _inFlight >= perMinute)
                {
                    return false;
                }

                _inFlight++;
                return true;
            }
        }

        public void Completed()
        {
            lock (_lock)
            {
                _completions.Enqueue(Stopwatch.GetTimestamp());
            }
        }

        public void Finish()
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }

        public void Keep(Socket socket)
        {
            Socket? oldest = null;
            lock (_lock)
            {
                _open.Enqueue(socket);
                if (_open.Count > maxOpen)
                {
                    oldest = _open.Dequeue();
                }
            }

            oldest?.Dispose();
        }
    }
}
