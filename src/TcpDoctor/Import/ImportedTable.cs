using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>
/// The sockets one input file holds, with what the format could carry and what could not be read.
/// Parsers never throw on content: a line they cannot read is counted and skipped.
/// </summary>
public sealed class ImportedTable
{
    /// <summary>How many skipped lines are remembered by number.</summary>
    public const int SkippedLinesKept = 5;

    private readonly List<int> _skippedLines = [];

    public required string Name { get; init; }

    public required InputFormat Format { get; init; }

    public List<TcpSocket> Sockets { get; } = [];

    /// <summary>pid → command name, from ss's users:(("name",pid=…)) or netstat's PID/Program.</summary>
    public Dictionary<int, string> Commands { get; } = [];

    /// <summary>Lines read (headers and blank lines included).</summary>
    public int Lines { get; internal set; }

    /// <summary>Lines that were not a TCP socket and not a header, a blank or another protocol's row.</summary>
    public int Skipped { get; private set; }

    /// <summary>The first <see cref="SkippedLinesKept"/> skipped line numbers (1-based).</summary>
    public IReadOnlyList<int> SkippedLines => _skippedLines;

    /// <summary>Some socket carried tcp_info (ss -i): idle times, RTT, retransmits.</summary>
    public bool HasTcpInfo { get; internal set; }

    /// <summary>Timers were in the input (ss -o, netstat -o, /proc/net/tcp).</summary>
    public bool HasTimers { get; internal set; }

    /// <summary>Owning processes were in the input (ss -p, netstat -p).</summary>
    public bool HasProcesses { get; internal set; }

    /// <summary>The options the input looks like it was made with, for people: "ss -tanpoi", "netstat -antp".</summary>
    public string Describe()
    {
        return Format switch
        {
            InputFormat.Ss => "ss -tan" + (HasProcesses ? "p" : "") + (HasTimers ? "o" : "") + (HasTcpInfo ? "i" : ""),
            InputFormat.Netstat => "netstat -tan" + (HasProcesses ? "p" : "") + (HasTimers ? "o" : ""),
            InputFormat.Proc => "/proc/net/tcp",
            InputFormat.WindowsNetstat => "Windows netstat -ano",
            InputFormat.MacNetstat => "macOS netstat -anp tcp",
            _ => "unknown",
        };
    }

    internal void Skip(int lineNumber)
    {
        Skipped++;
        if (_skippedLines.Count < SkippedLinesKept)
        {
            _skippedLines.Add(lineNumber);
        }
    }
}
