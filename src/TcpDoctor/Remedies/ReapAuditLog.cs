using System.Globalization;
using System.Buffers;
using System.Text;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// The audit trail: one logfmt line per destroyed socket, appended and flushed as it happens, so a crash
/// loses nothing already done. <c>2026-01-01T12:00:00.000Z destroyed rule=NAME state=FIN_WAIT2
/// local=10.0.0.1:80 remote=10.0.0.9:51234 process=nginx pid=812 cookie=4242 reason="…"</c>.
/// </summary>
public sealed class ReapAuditLog : IDisposable
{
    private static readonly SearchValues<char> NeedsQuotes = SearchValues.Create(" \"\\=\t\n");
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();

    private ReapAuditLog(StreamWriter writer, string path)
    {
        _writer = writer;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens <paramref name="path"/> for appending (created if missing; its directory must exist).</summary>
    /// <exception cref="TcpDoctorException">The file cannot be opened.</exception>
    public static ReapAuditLog Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            return new ReapAuditLog(new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" }, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TcpDoctorException($"cannot open audit file {path}: {FileErrors.Describe(e, path)}", ExitCode.Failure, e);
        }
    }

    public void Write(ReapRecord record)
    {
        var line = Format(record);
        lock (_lock)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    /// <summary>The audit line of a record (also what enforcement prints for each socket).</summary>
    public static string Format(ReapRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var s = record.Socket;
        var sb = new StringBuilder(200);
        sb.Append(record.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        sb.Append(' ').Append(record.Outcome.ToName());
        Field(sb, "rule", record.Rule);
        Field(sb, "state", s.State.ToNetstatName());
        Field(sb, "local", ReapText.Endpoint(s.LocalAddress, s.LocalPort));
        Field(sb, "remote", ReapText.Endpoint(s.RemoteAddress, s.RemotePort));
        Field(sb, "process", record.Process ?? "-");
        if (record.Pid != 0)
        {
            Field(sb, "pid", record.Pid.ToString(CultureInfo.InvariantCulture));
        }

        Field(sb, "cookie", s.Cookie.ToString(CultureInfo.InvariantCulture));
        if (record.NetworkNamespace is { } netns)
        {
            Field(sb, "netns", netns);
        }

        Field(sb, "reason", record.Candidate.Reason);
        if (record.Detail is { } detail)
        {
            Field(sb, "detail", detail);
        }

        return sb.ToString();
    }

    public void Dispose() => _writer.Dispose();

    private static void Field(StringBuilder sb, string key, string value)
    {
        sb.Append(' ').Append(key).Append('=');
        if (value.Length > 0 && !value.AsSpan().ContainsAny(NeedsQuotes))
        {
            sb.Append(value);
            return;
        }

        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"' or '\\':
                    sb.Append('\\').Append(c);
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        sb.Append('"');
    }
}
