using System.Text.Json;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// <c>diagnose --format json</c>: one object with a <c>findings</c> array; each finding has id, severity,
/// title, subject (only what applies; ports are numbers), evidence (named figures), remedies (the contract),
/// plus summary, outlook, confirm and timeToFullSeconds.
/// </summary>
internal sealed class DiagnosisJsonRenderer : IRenderer<DiagnosisReport>
{
    public void Render(DiagnosisReport document, Output o)
    {
        var (result, findings) = document;
        var snapshot = result.Current;
        using var j = JsonOutput.Create(o.Stream);
        j.WriteStartObject();
        JsonOutput.WriteSnapshotHeader(j, snapshot);

        j.WriteNumber("sampleSeconds", result.Previous is { } prev ? Math.Round(snapshot.SecondsSince(prev), 3) : 0);
        j.WriteString("status", result.Status.ToName());
        j.WriteNumber("exitCode", result.ExitCode);
        j.WriteStartArray("findings");
        foreach (var f in findings)
        {
            WriteFinding(j, f);
        }

        j.WriteEndArray();

        var counts = StateCounts.Of(snapshot.Sockets);

        j.WriteNumber("total", counts.Total);
        JsonOutput.WriteStates(j, "states", counts);
        JsonOutput.WriteStrings(j, "limitations", result.Limitations);
        JsonOutput.WriteStrings(j, "notices", snapshot.Notices);
        j.WriteEndObject();
        j.Flush();
        o.Stream.WriteByte((byte)'\n');
    }

    /// <summary>The namespace and cgroup fields of a subject (DESIGN.md: netns, netnsInode, cgroup, unit, container, pod).</summary>
    private static void WritePlace(Utf8JsonWriter j, FindingSubject s)
    {
        if (s.Netns is { } ns)
        {
            j.WriteString("netns", ns);
        }

        if (s.NetnsInode is { } inode)
        {
            j.WriteNumber("netnsInode", inode);
        }

        JsonOutput.WriteCgroup(j, s.Cgroup, s.Unit, s.Container, s.Pod);
    }

    public static void WriteFinding(Utf8JsonWriter j, Finding f)
    {
        j.WriteStartObject();
        j.WriteString("id", f.Id);
        j.WriteString("severity", f.Severity.ToName());
        j.WriteString("title", f.Title);
        j.WriteStartObject("subject");
        var s = f.Subject;
        if (s.Process is { } p)
        {
            j.WriteString("process", p);
        }

        if (s.Pid is { } pid)
        {
            j.WriteNumber("pid", pid);
        }

        if (s.LocalAddress is { } la)
        {
            j.WriteString("localAddress", la);
        }

        if (s.LocalPort is { } lp)
        {
            j.WriteNumber("localPort", lp);
        }

        if (s.RemoteAddress is { } ra)
        {
            j.WriteString("remoteAddress", ra);
        }

        if (s.RemotePort is { } rp)
        {
            j.WriteNumber("remotePort", rp);
        }

        if (s.Interface is { } device)
        {
            j.WriteString("interface", device);
        }

        if (s.State is { } st)
        {
            j.WriteString("state", st);
        }

        WritePlace(j, s);
        j.WriteEndObject();
        j.WriteString("summary", f.Summary);
        if (f.Outlook is { } outlook)
        {
            j.WriteString("outlook", outlook);
        }

        if (f.TimeToFull is { } ttf)
        {
            j.WriteNumber("timeToFullSeconds", Math.Round(ttf.TotalSeconds, 1));
        }

        j.WriteStartObject("evidence");
        foreach (var e in f.Evidence)
        {
            if (e.Number is { } n)
            {
                j.WriteNumber(e.Name, n);
            }
            else
            {
                j.WriteString(e.Name, e.Text);
            }
        }

        j.WriteEndObject();
        j.WriteStartArray("remedies");
        foreach (var r in f.Remedies)
        {
            j.WriteStringValue(r);
        }

        j.WriteEndArray();
        j.WriteString("confirm", f.Confirm);
        j.WriteNumber("socketCount", f.Sockets.Count);
        j.WriteEndObject();
    }
}
