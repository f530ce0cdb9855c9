namespace SocketGen;

/// <summary>
/// How N sockets are split: K listeners on 127.0.0.1:20000+k, ESTABLISHED pairs (client + accepted side)
/// spread over worker processes, and a share of TIME_WAIT kept topped up by one churn process.
/// Every process computes the same plan from the same options, so only its role is passed to a child.
/// </summary>
internal sealed class Plan
{
    public const int FirstPort = 20000;

    // The machine's hard RLIMIT_NOFILE is 20,000 and root cannot raise it; keep room for the runtime's own fds.
    public const int MaxFdsPerWorker = 18_000;

    private const int MaxWorkers = 4096;

    private Plan(int sockets, int listeners, int churnListeners, int timeWait, int pairs, int workers)
    {
        Sockets = sockets;
        Listeners = listeners;
        ChurnListeners = churnListeners;
        PairListeners = listeners - churnListeners;
        TimeWait = timeWait;
        Pairs = pairs;
        Workers = workers;
        AcceptCount = new int[workers];
        ClientCount = new int[workers];
        ClientStart = new long[workers];
    }

    public int Sockets { get; }

    public int Listeners { get; }

    /// <summary>Listeners reserved for the TIME_WAIT churn, so its accepts never mix with held pairs.</summary>
    public int ChurnListeners { get; }

    public int PairListeners { get; }

    public int TimeWait { get; }

    public int Pairs { get; }

    public int Workers { get; }

    public int[] AcceptCount { get; }

    public int[] ClientCount { get; }

    /// <summary>Global index of each worker's first client; a client's index fixes its source and target.</summary>
    public long[] ClientStart { get; }

    public static Plan Create(GenOptions options)
    {
        int k = options.Listeners;
        int timeWait = (int)Math.Round(options.TimeWaitShare * options.Sockets);
        int churnListeners = timeWait > 0 ? Math.Max(1, k / 10) : 0;
        int rest = options.Sockets - k - timeWait;
        if (rest < 0)
        {
            throw new SocketGenException($"{options.Sockets} sockets leave no room for {k} listeners and {timeWait} TIME_WAIT");
        }

        int pairs = rest / 2;
        if (timeWait > 0)
        {
            timeWait += rest % 2;
        }

        // Without TIME_WAIT an odd count cannot be met with pairs: the plan says one socket fewer.
        int sockets = k + (2 * pairs) + timeWait;
        if (pairs > 0 && k - churnListeners < 1)
        {
            throw new SocketGenException("need at least 2 listeners: one for the pairs, one for the TIME_WAIT churn");
        }

        for (int workers = Math.Max(1, options.Workers); workers <= MaxWorkers; workers++)
        {
            var plan = new Plan(sockets, k, churnListeners, timeWait, pairs, workers);
            if (plan.TryBalance())
            {
                return plan;
            }
        }

        throw new SocketGenException($"cannot spread {pairs} pairs over {k} listeners within {MaxFdsPerWorker} fds per process: raise --listeners");
    }

    /// <summary>Ports of the pair listeners that worker <paramref name="worker"/> owns and accepts on.</summary>
    public int[] OwnedPorts(int worker)
    {
        var ports = new List<int>();
        for (int i = worker; i < PairListeners; i += Workers)
        {
            ports.Add(FirstPort + i);
        }

        return [.. ports];
    }

    public int TargetPort(long client) => FirstPort + (int)(client % PairListeners);

    public int ChurnPort(long n) => FirstPort + PairListeners + (int)(n % ChurnListeners);

    public int[] ChurnPorts()
    {
        var ports = new int[ChurnListeners];
        for (int i = 0; i < ports.Length; i++)
        {
            ports[i] = FirstPort + PairListeners + i;
        }

        return ports;
    }

    public int FdsOf(int worker) => ClientCount[worker] + AcceptCount[worker] + OwnedPorts(worker).Length;

    /// <summary>
    /// Clients go round-robin over the pair listeners, so listener i accepts pairs/K (+1); the owner of a
    /// listener holds those accepted sockets. Client quotas are water-filled so that clients + accepts
    /// come out even per worker.
    /// </summary>
    private bool TryBalance()
    {
        for (int i = 0; i < PairListeners; i++)
        {
            AcceptCount[i % Workers] += (Pairs / PairListeners) + (i < Pairs % PairListeners ? 1 : 0);
        }

        // Smallest level L with sum(max(0, L - accepts)) >= pairs.
        long low = 0;
        long high = (2L * Pairs) + 1;
        while (low < high)
        {
            long mid = (low + high) / 2;
            if (ClientsAtLevel(mid) >= Pairs)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        long excess = ClientsAtLevel(low) - Pairs;
        for (int w = 0; w < Workers; w++)
        {
            ClientCount[w] = (int)Math.Max(0, low - AcceptCount[w]);
            if (excess > 0 && ClientCount[w] > 0)
            {
                ClientCount[w]--;
                excess--;
            }
        }

        long start = 0;
        for (int w = 0; w < Workers; w++)
        {
            ClientStart[w] = start;
            start += ClientCount[w];
            if (FdsOf(w) > MaxFdsPerWorker)
            {
                return false;
            }
        }

        return true;
    }

    private long ClientsAtLevel(long level)
    {
        long sum = 0;
        foreach (int accepts in AcceptCount)
        {
            sum += Math.Max(0, level - accepts);
        }

        return sum;
    }
}
