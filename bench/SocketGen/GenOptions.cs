using System.Globalization;

namespace SocketGen;

internal enum WorkerMode
{
    None,
    Pairs,
    Churn,
}

/// <summary>Command line of socketgen; workers get the same options plus their role.</summary>
internal sealed record GenOptions(
    int Sockets,
    double TimeWaitShare,
    int Listeners,
    int Workers,
    TimeSpan? Hold,
    TimeSpan Timeout,
    WorkerMode Worker,
    int WorkerIndex)
{
    public const string Usage =
        "usage: socketgen --sockets N [--time-wait-share 0.2] [--listeners 100] [--workers 40] [--hold DURATION] [--timeout 5m]\n" +
        "Run inside a network namespace (ip netns exec NAME socketgen ...). Prints 'ready N ...' on stdout once\n" +
        "N TCP sockets exist, then holds them until --hold expires or SIGTERM/SIGINT.";

    public static GenOptions Parse(string[] args)
    {
        int sockets = -1;
        double share = 0.2;
        int listeners = 100;
        int workers = 40;
        TimeSpan? hold = null;
        var timeout = TimeSpan.FromMinutes(5);
        var worker = WorkerMode.None;
        int index = 0;

        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                throw new SocketGenException(Usage);
            }

            if (i + 1 >= args.Length)
            {
                throw new SocketGenException($"{name} needs a value\n{Usage}");
            }

            string value = args[++i];
            switch (name)
            {
                case "--sockets":
                    sockets = ParseInt(name, value, 1);
                    break;
                case "--time-wait-share":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out share) || share < 0 || share >= 1)
                    {
                        throw new SocketGenException("--time-wait-share must be a number in [0, 1)");
                    }

                    break;
                case "--listeners":
                    listeners = ParseInt(name, value, 1);
                    break;
                case "--workers":
                    workers = ParseInt(name, value, 1);
                    break;
                case "--hold":
                    hold = DurationText.Parse(value);
                    break;
                case "--timeout":
                    timeout = DurationText.Parse(value);
                    break;
                case "--worker":
                    worker = value switch
                    {
                        "pairs" => WorkerMode.Pairs,
                        "churn" => WorkerMode.Churn,
                        _ => throw new SocketGenException("--worker is pairs or churn"),
                    };
                    break;
                case "--index":
                    index = ParseInt(name, value, 0);
                    break;
                default:
                    throw new SocketGenException($"unknown option {name}\n{Usage}");
            }
        }

        if (sockets < 0)
        {
            throw new SocketGenException($"--sockets is required\n{Usage}");
        }

        return new GenOptions(sockets, share, listeners, workers, hold, timeout, worker, index);
    }

    /// <summary>The arguments that make a child recompute the same plan and play one part of it.</summary>
    public IEnumerable<string> WorkerArguments(WorkerMode mode, int index)
    {
        yield return "--sockets";
        yield return Sockets.ToString(CultureInfo.InvariantCulture);
        yield return "--time-wait-share";
        yield return TimeWaitShare.ToString("R", CultureInfo.InvariantCulture);
        yield return "--listeners";
        yield return Listeners.ToString(CultureInfo.InvariantCulture);
        yield return "--workers";
        yield return Workers.ToString(CultureInfo.InvariantCulture);
        yield return "--worker";
        yield return mode == WorkerMode.Pairs ? "pairs" : "churn";
        yield return "--index";
        yield return index.ToString(CultureInfo.InvariantCulture);
    }

    private static int ParseInt(string name, string value, int min)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int result) || result < min)
        {
            throw new SocketGenException($"{name} must be an integer ≥ {min}");
        }

        return result;
    }
}
