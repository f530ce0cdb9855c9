using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>
/// Reads an input file of another tool (ss, netstat, a /proc/net/tcp dump) into sockets, detecting
/// its format from its first lines unless told. Never throws on content: what it cannot read is
/// counted; memory grows with the sockets, not with the text (lines are read one at a time).
/// </summary>
public static class InputReader
{
    /// <summary>Lines longer than this are cut (a binary file has no newline for megabytes).</summary>
    public const int MaxLineChars = LineReader.MaxLineChars;

    /// <summary>How many leading lines detection looks at.</summary>
    private const int DetectLines = 64;

    /// <exception cref="TcpDoctorException">The format cannot be told from the first lines (say --input-format).</exception>
    public static ImportedTable Read(TextReader reader, string name, InputFormat format = InputFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(name);
        var lines = new LineReader(reader);
        var head = new List<string>();
        while (head.Count < DetectLines && lines.TryRead(out var first))
        {
            head.Add(first.ToString());
        }

        if (format == InputFormat.Auto)
        {
            format = Detect(head)
                ?? throw new TcpDoctorException($"{name}: cannot tell what this is (not ss -tan, netstat -tan or /proc/net/tcp output); say --input-format ss|netstat|proc|windows-netstat|mac-netstat");
        }

        var table = new ImportedTable { Name = name, Format = format };
        var ss = format == InputFormat.Ss ? new SsTextParser(table) : null;
        var netstat = format == InputFormat.Netstat ? new NetstatTextParser(table) : null;
        var foreign = format is InputFormat.WindowsNetstat or InputFormat.MacNetstat ? new ForeignNetstatParser(table, format == InputFormat.WindowsNetstat) : null;
        table.HasTimers |= format == InputFormat.Proc;
        var number = 0;
        foreach (var line in head)
        {
            Parse(line, ++number);
        }

        while (lines.TryRead(out var line))
        {
            Parse(line, ++number);
        }

        ss?.Flush();
        table.Lines = number;
        return table;

        void Parse(ReadOnlySpan<char> line, int n)
        {
            if (ss is not null)
            {
                ss.Line(line, n);
            }
            else if (netstat is not null)
            {
                netstat.Line(line, n);
            }
            else if (foreign is not null)
            {
                foreign.Line(line, n);
            }
            else
            {
                ProcLine(table, line, n);
            }
        }
    }

    /// <summary>The format the first lines look like, or null.</summary>
    public static InputFormat? Detect(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var raw in lines)
        {
            var line = raw.AsSpan().Trim();
            if (line.IsEmpty)
            {
                continue;
            }

            if (line.StartsWith("sl ") || line.StartsWith("sl\t") || IsProcRow(line))
            {
                return InputFormat.Proc;
            }

            if (line.StartsWith("Active Connections") || line.StartsWith("Proto  Local Address") || line.StartsWith("TCP    "))
            {
                return InputFormat.WindowsNetstat;
            }

            if (line.StartsWith("Active Internet connections (including servers)") || line.StartsWith("tcp4 ") || line.StartsWith("tcp46 ")
                || (line.StartsWith("Proto Recv-Q") && line.EndsWith("(state)")))
            {
                return InputFormat.MacNetstat;
            }

            if (line.StartsWith("Active Internet connections") || line.StartsWith("Proto Recv-Q") || line.StartsWith("tcp ") || line.StartsWith("tcp6 "))
            {
                // ss without -t also starts rows with "tcp", followed by a state, where netstat has a number.
                var rest = line;
                if (ProcText.NextToken(ref rest, out var first) && first is "tcp" or "tcp6" && ProcText.NextToken(ref rest, out var second) && TcpStates.TryParse(second, out _))
                {
                    return InputFormat.Ss;
                }

                return InputFormat.Netstat;
            }

            if (line.StartsWith("State ") || line.StartsWith("Netid "))
            {
                return InputFormat.Ss;
            }

            var r = line;
            if (ProcText.NextToken(ref r, out var token) && TcpStates.TryParse(token, out _))
            {
                return InputFormat.Ss;
            }
        }

        return null;
    }

    private static bool IsProcRow(ReadOnlySpan<char> line)
    {
        // "0: 0100007F:1F90 00000000:0000 0A …"
        var colon = line.IndexOf(':');
        if (colon <= 0 || !IsDigits(line[..colon]) || colon + 2 >= line.Length)
        {
            return false;
        }

        var rest = line[(colon + 1)..];
        return ProcText.NextToken(ref rest, out var local) && local.Length is 13 or 37 && local[^5] == ':';
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static void ProcLine(ImportedTable table, ReadOnlySpan<char> line, int number)
    {
        var text = line.Trim();
        if (text.IsEmpty || text.StartsWith("sl"))
        {
            return;
        }

        var rest = text;
        ProcText.NextToken(ref rest, out _);
        var family = ProcText.NextToken(ref rest, out var local) && local.Length == 37 ? Interop.Libc.AF_INET6 : Interop.Libc.AF_INET;
        if (ProcNetTcpParser.TryParseLine(text, (byte)family, out var socket))
        {
            table.Sockets.Add(socket);
        }
        else
        {
            table.Skip(number);
        }
    }
}
