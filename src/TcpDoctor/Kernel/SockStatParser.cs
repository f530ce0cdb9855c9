namespace TcpDoctor.Kernel;

/// <summary>
/// /proc/net/sockstat and sockstat6: lines of <c>Label: key value key value ...</c>
/// <code>
/// sockets: used 18
/// TCP: inuse 11 orphan 0 tw 0 alloc 22 mem 26
/// TCP6: inuse 4          (sockstat6)
/// </code>
/// <c>inuse</c>, <c>tw</c> and <c>sockets used</c> are per network namespace; <c>orphan</c>,
/// <c>alloc</c> and <c>mem</c> are host-wide (net/ipv4/proc.c sockstat_seq_show).
/// </summary>
internal static class SockStatParser
{
    public static SockStat Parse(ReadOnlySpan<char> sockstat, ReadOnlySpan<char> sockstat6)
    {
        var stat = new SockStat();
        foreach (var range in sockstat.Split('\n'))
        {
            var rest = sockstat[range];
            if (!ProcText.NextToken(ref rest, out var label))
            {
                continue;
            }

            if (label.SequenceEqual("sockets:"))
            {
                stat = stat with { SocketsUsed = Field(rest, "used") };
            }
            else if (label.SequenceEqual("TCP:"))
            {
                stat = stat with
                {
                    TcpInUse = Field(rest, "inuse"),
                    TcpOrphan = Field(rest, "orphan"),
                    TcpTimeWait = Field(rest, "tw"),
                    TcpAlloc = Field(rest, "alloc"),
                    TcpMemPages = Field(rest, "mem"),
                };
            }
        }

        foreach (var range in sockstat6.Split('\n'))
        {
            var rest = sockstat6[range];
            if (ProcText.NextToken(ref rest, out var label) && label.SequenceEqual("TCP6:"))
            {
                stat = stat with { Tcp6InUse = Field(rest, "inuse") };
            }
        }

        return stat;
    }

    /// <summary>Reads sockstat and sockstat6 from a net directory; missing files leave fields null.</summary>
    public static SockStat Read(string netDir) =>
        Parse(ProcFiles.TryReadAllText(Path.Combine(netDir, "sockstat")), ProcFiles.TryReadAllText(Path.Combine(netDir, "sockstat6")));

    /// <summary>The value following <paramref name="key"/> in a <c>key value key value</c> list.</summary>
    private static long? Field(ReadOnlySpan<char> pairs, string key)
    {
        while (ProcText.NextToken(ref pairs, out var name))
        {
            if (!ProcText.NextToken(ref pairs, out var valueText))
            {
                return null;
            }

            if (name.SequenceEqual(key))
            {
                return ProcText.TryParseCounter(valueText, out var value) ? value : null;
            }
        }

        return null;
    }
}
