using System.Globalization;
using SocketGen.Interop;

namespace SocketGen;

/// <summary>
/// One worker process: owns some listeners, connects its share of clients to every pair listener
/// (mostly other workers'), accepts what arrives on its own listeners, and holds both until its
/// parent goes away. Clients and accepted sockets both linger 0, so nothing is left in TIME_WAIT.
/// </summary>
internal sealed class PairWorker
{
    private const int Batch = 512;
    private const int MaxFailures = 1000;

    private readonly Plan _plan;
    private readonly int _index;
    private readonly List<int> _accepted = [];
    private int[] _listeners = [];

    public PairWorker(Plan plan, int index)
    {
        if (index >= plan.Workers)
        {
            throw new SocketGenException($"worker index {index} outside the plan's {plan.Workers} workers");
        }

        _plan = plan;
        _index = index;
    }

    public int Run()
    {
        int[] ports = _plan.OwnedPorts(_index);
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

        Establish();
        ParentLink.Send(string.Create(CultureInfo.InvariantCulture, $"done {_plan.ClientCount[_index]} {_accepted.Count}"));
        ParentLink.WaitClosed(-1);
        return 0;
    }

    private void Establish()
    {
        long first = _plan.ClientStart[_index];
        int count = _plan.ClientCount[_index];
        int expectedAccepts = _plan.AcceptCount[_index];
        var clients = new int[count];
        int issued = 0;
        int confirmed = 0; // clients[..confirmed] are ESTABLISHED
        int failures = 0;

        while (confirmed < count || _accepted.Count < expectedAccepts)
        {
            bool progressed = false;
            for (int end = Math.Min(count, issued + Batch); issued < end; issued++)
            {
                clients[issued] = Connect(first + issued);
                progressed = true;
            }

            progressed |= DrainAccepts() > 0;

            while (confirmed < issued)
            {
                byte state = LoopbackSocket.State(clients[confirmed]);
                if (state == Libc.TCP_ESTABLISHED)
                {
                    confirmed++;
                    progressed = true;
                    continue;
                }

                if (state != Libc.TCP_SYN_SENT)
                {
                    string why = LoopbackSocket.PendingError(clients[confirmed]);
                    if (++failures > MaxFailures)
                    {
                        throw new SocketGenException($"worker {_index}: {failures} connects failed, last: {why}");
                    }

                    LoopbackSocket.Close(clients[confirmed]);
                    clients[confirmed] = Connect(first + confirmed);
                }

                break;
            }

            if (_accepted.Count > expectedAccepts)
            {
                throw new SocketGenException($"worker {_index}: accepted {_accepted.Count} connections, expected {expectedAccepts}");
            }

            if (!progressed)
            {
                LoopbackSocket.WaitReadable(_listeners, 10);
            }
        }
    }

    private int Connect(long client)
    {
        var source = SourceAddresses.Pair(client);
        var target = SourceAddresses.Listener(_plan.TargetPort(client));
        return LoopbackSocket.StartConnect(source, target, abortOnClose: true);
    }

    private int DrainAccepts()
    {
        int got = 0;
        foreach (int listener in _listeners)
        {
            int fd;
            while ((fd = LoopbackSocket.Accept(listener)) >= 0)
            {
                LoopbackSocket.AbortOnClose(fd);
                _accepted.Add(fd);
                got++;
            }
        }

        return got;
    }
}
