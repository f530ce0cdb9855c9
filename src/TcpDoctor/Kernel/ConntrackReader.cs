namespace TcpDoctor.Kernel;

/// <summary>
/// nf_conntrack table use: <c>net/netfilter/nf_conntrack_count</c> (per namespace) and
/// <c>nf_conntrack_max</c> (global) under /proc/sys, plus the per-CPU statistics file
/// <c>stat/nf_conntrack</c> under the net directory:
/// <code>
/// entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new ...
/// 00000000  00000000 00000000 ...      (one line of hex counters per possible CPU)
/// </code>
/// Columns are located by header name (their set changed across kernels) and summed over CPUs.
/// </summary>
internal static class ConntrackReader
{
    /// <summary>Null when conntrack is not loaded (no nf_conntrack_count).</summary>
    public static ConntrackState? Read(string netDir, string sysRoot) =>
        Read(KernelStateReader.FromDirectories(netDir, sysRoot));

    /// <summary>The same from <paramref name="file"/>: a file's text by its path under /proc ("sys/net/netfilter/nf_conntrack_count", "net/stat/nf_conntrack").</summary>
    public static ConntrackState? Read(Func<string, string?> file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file("sys/net/netfilter/nf_conntrack_count") is not { } countText
            || !ProcText.TryParseSigned(countText.AsSpan().Trim(), out long count))
        {
            return null;
        }

        long max = 0;
        if (file("sys/net/netfilter/nf_conntrack_max") is { } maxText)
        {
            _ = ProcText.TryParseSigned(maxText.AsSpan().Trim(), out max);
        }

        var state = new ConntrackState { Count = count, Max = max };
        return file("net/stat/nf_conntrack") is { } stat ? WithStatistics(state, stat) : state;
    }

    /// <summary>Adds the drop, early_drop and insert_failed sums of a stat/nf_conntrack file.</summary>
    internal static ConntrackState WithStatistics(ConntrackState state, ReadOnlySpan<char> statText)
    {
        int drop = -1, earlyDrop = -1, insertFailed = -1;
        long dropSum = 0, earlyDropSum = 0, insertFailedSum = 0;
        var header = true;
        foreach (var range in statText.Split('\n'))
        {
            var rest = statText[range];
            if (rest.IsWhiteSpace())
            {
                continue;
            }

            var column = 0;
            while (ProcText.NextToken(ref rest, out var token))
            {
                if (header)
                {
                    if (token.SequenceEqual("drop"))
                    {
                        drop = column;
                    }
                    else if (token.SequenceEqual("early_drop"))
                    {
                        earlyDrop = column;
                    }
                    else if (token.SequenceEqual("insert_failed"))
                    {
                        insertFailed = column;
                    }
                }
                else if (column == drop || column == earlyDrop || column == insertFailed)
                {
                    if (!ProcText.TryParseHex(token, out ulong value))
                    {
                        return state;
                    }

                    var v = (long)Math.Min(value, long.MaxValue);
                    if (column == drop)
                    {
                        dropSum += v;
                    }
                    else if (column == earlyDrop)
                    {
                        earlyDropSum += v;
                    }
                    else
                    {
                        insertFailedSum += v;
                    }
                }

                column++;
            }

            header = false;
        }

        return header ? state : state with
        {
            Drop = drop >= 0 ? dropSum : null,
            EarlyDrop = earlyDrop >= 0 ? earlyDropSum : null,
            InsertFailed = insertFailed >= 0 ? insertFailedSum : null,
        };
    }
}
