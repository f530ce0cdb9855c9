using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>Findings for people: a story each, worst first, then a compact state summary.</summary>
internal sealed class DiagnosisTextRenderer : IRenderer<DiagnosisReport>
{
    public void Render(DiagnosisReport document, Output o)
    {
        var (result, findings) = document;
        var w = o.Writer;
        var width = o.Width;
        var snapshot = result.Current;
        var where = snapshot.NetworkNamespace is { } ns ? $" (netns {ns})" : string.Empty;
        var sampled = result.Previous is { } prev ? $", sampled {Duration.Format(TimeSpan.FromSeconds(snapshot.SecondsSince(prev)))}" : ", instant";
        w.WriteLine(o.Bold($"{snapshot.HostName}{where}: {Say.N(snapshot.Sockets.Count)} TCP {(snapshot.Sockets.Count == 1 ? "socket" : "sockets")}") +
                    o.Dim($"  {snapshot.TakenAt.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}{sampled}"));
        w.WriteLine();

        if (findings.Count == 0)
        {
            w.WriteLine(o.Bold("No problems found.") + $" None of the {Say.N(result.DetectorCount)} detectors fired" +
                        (result.Findings.Count > findings.Count ? $" at or above the chosen severity ({Say.N(result.Findings.Count)} below it)." : "."));
        }

        foreach (var f in findings)
        {
            var badge = f.Severity switch
            {
                Severity.Critical => o.Red("CRITICAL"),
                Severity.Warning => o.Yellow("WARNING "),
                _ => o.Cyan("INFO    "),
            };
            w.WriteLine($"{badge} {o.Bold(f.Title)}  {o.Dim(f.Id)}");
            if (SubjectLine(f.Subject) is { Length: > 0 } subject)
            {
                w.WriteLine(o.Dim("         " + subject));
            }

            foreach (var line in Wrap.Lines(f.Summary, width, "         "))
            {
                w.WriteLine(line);
            }

            if (f.Outlook is { } outlook)
            {
                var first = true;
                foreach (var line in Wrap.Lines("Next: " + outlook, width, "         "))
                {
                    w.WriteLine(first ? o.Bold(line) : line);
                    first = false;
                }
            }

            if (f.Evidence.Count > 0)
            {
                var evidence = string.Join("  ", f.Evidence.Select(e => e.ToString()));
                foreach (var line in Wrap.Lines("Evidence: " + evidence, width, "         "))
                {
                    w.WriteLine(o.Dim(line));
                }
            }

            if (f.Remedies.Count > 0)
            {
                w.WriteLine("         What to do:");
                var i = 1;
                foreach (var remedy in f.Remedies)
                {
                    var lines = Wrap.Lines(remedy, width, "             ").ToList();
                    if (lines.Count > 0)
                    {
                        lines[0] = $"         {i,2}. " + lines[0].TrimStart();
                    }

                    foreach (var line in lines)
                    {
                        w.WriteLine(line);
                    }

                    i++;
                }
            }

            foreach (var line in Wrap.Lines("Confirm: " + f.Confirm, width, "         "))
            {
                w.WriteLine(line);
            }

            w.WriteLine(o.Dim($"         More: tcpdoctor explain {f.Id}"));
            w.WriteLine();
        }

        var counts = StateCounts.Of(snapshot.Sockets);

        w.WriteLine(o.Dim("States: " + (counts.Total == 0 ? "none" : string.Join(", ", counts.NonZero().Select(c => $"{c.State.ToNetstatName()} {Say.N(c.Count)}")))));
        foreach (var note in result.Limitations.Concat(snapshot.Notices))
        {
            foreach (var line in Wrap.Lines("note: " + note, width, string.Empty))
            {
                w.WriteLine(o.Dim(line));
            }
        }
    }

    private static string SubjectLine(FindingSubject s)
    {
        var parts = new List<string>();
        if (s.Process is { } p)
        {
            parts.Add(s.Pid is { } pid ? $"process {p} (pid {pid.ToString(CultureInfo.InvariantCulture)})" : $"process {p}");
        }

        if (s.LocalPort is { } lp)
        {
            parts.Add("local " + Say.Endpoint(s.LocalAddress ?? "*", lp));
        }
        else if (s.LocalAddress is { } la)
        {
            parts.Add($"local {la}");
        }

        if (s.RemoteAddress is { } ra)
        {
            parts.Add("peer " + (s.RemotePort is { } rp ? Say.Endpoint(ra, rp) : ra));
        }

        if (s.Interface is { } device)
        {
            parts.Add("interface " + device);
        }

        if (s.State is { } st)
        {
            parts.Add(st);
        }

        if (s.Where is { Length: > 0 } where)
        {
            parts.Add(where);
        }

        return string.Join(" · ", parts);
    }
}
