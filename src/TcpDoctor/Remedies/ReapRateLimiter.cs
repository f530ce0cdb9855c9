namespace TcpDoctor.Remedies;

/// <summary>
/// At most <see cref="MaxPerMinute"/> destroys in any 60-second window (a sliding log, not a token
/// bucket: a bucket would let twice the limit through across a refill). Only destroys count: a socket
/// found gone cost its peer nothing. 0 = no limit. Not thread-safe: one executor uses it.
/// </summary>
public sealed class ReapRateLimiter
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<long> _recent = new();
    private readonly TimeProvider _time;
    private int _maxPerMinute;

    public ReapRateLimiter(int maxPerMinute, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPerMinute);
        _maxPerMinute = maxPerMinute;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The limit; changing it (a policy reload) keeps the destroys already counted.</summary>
    public int MaxPerMinute
    {
        get => _maxPerMinute;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxPerMinute = value;
        }
    }

    public bool IsUnlimited => _maxPerMinute == 0;

    /// <summary>How many destroys the window allows right now (int.MaxValue when unlimited).</summary>
    public int Available
    {
        get
        {
            if (IsUnlimited)
            {
                return int.MaxValue;
            }

            Expire();
            return Math.Max(0, _maxPerMinute - _recent.Count);
        }
    }

    /// <summary>Counts one destroy.</summary>
    public void Record()
    {
        // Counted while unlimited too: a reload that sets a limit must see the minute's destroys.
        Expire();
        _recent.Enqueue(_time.GetTimestamp());
    }

    private void Expire()
    {
        var now = _time.GetTimestamp();
        while (_recent.Count > 0 && _time.GetElapsedTime(_recent.Peek(), now) >= Window)
        {
            _recent.Dequeue();
        }
    }
}
