using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>What a <see cref="HungAfterRule"/> matches on.</summary>
public enum HungAfterSelector
{
    /// <summary>The remote port: <c>5432=10m</c> or <c>port:5432=10m</c>.</summary>
    Port,

    /// <summary>A remote address or prefix, optionally with a port: <c>10.0.0.5=off</c>, <c>10.0.0.0/8=5m</c>, <c>[2001:db8::1]:6379=off</c>.</summary>
    Peer,

    /// <summary>The owning process's command name: <c>redis-cli=off</c> or <c>process:redis-cli=off</c>.</summary>
    Process,
}

/// <summary>
/// One per-port, per-peer or per-process hung-requests threshold: <c>SELECTOR=DURATION</c>, where the
/// duration may be <c>off</c> (also <c>never</c> or <c>0</c>): that traffic is never hung. When several
/// rules match one connection the longest wait wins (<c>off</c> longest of all): rules exist to quiet
/// calls that are slow by design, and a stricter rule elsewhere must not undo that.
/// </summary>
public sealed record HungAfterRule
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public required HungAfterSelector Selector { get; init; }

    /// <summary>The selector as written, normalised (no prefix for ports and peers): the identity of the rule.</summary>
    public required string Text { get; init; }

    /// <summary>The remote port (Port rules; Peer rules with a port); 0 = any.</summary>
    public ushort Port { get; init; }

    public AddressPrefix? Peer { get; init; }

    public string? Process { get; init; }

    /// <summary>The wait before a request counts as hung; null = never.</summary>
    public TimeSpan? After { get; init; }

    public bool Matches(string? command, NetAddress remote, ushort remotePort) => Selector switch
    {
        HungAfterSelector.Port => remotePort == Port,
        HungAfterSelector.Peer => Peer!.Value.Contains(remote) && (Port == 0 || Port == remotePort),
        _ => command is not null && string.Equals(command, Process, StringComparison.Ordinal),
    };

    /// <summary>As written in a config file or on the command line: <c>5432=10m</c>, <c>redis-cli=off</c>.</summary>
    public override string ToString() => $"{Text}={(After is { } a ? Say.Setting(a) : "off")}";

    /// <summary>
    /// Reads <c>SELECTOR=DURATION</c>. The selector is a port (digits), a peer (an address, <c>ADDR/LEN</c>,
    /// <c>ADDR:PORT</c> or <c>[V6]:PORT</c>) or else a process name; <c>port:</c>, <c>peer:</c> and
    /// <c>process:</c> force the reading (a process called <c>8080</c>).
    /// </summary>
    public static HungAfterRule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var eq = text.LastIndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new TcpDoctorException($"hungAfter '{text}': write SELECTOR=DURATION, e.g. 5432=10m, 10.0.0.5=5m, redis-cli=off.");
        }

        var selector = text[..eq].Trim();
        var value = text[(eq + 1)..].Trim();
        TimeSpan? after = value.ToLowerInvariant() is "off" or "never" or "0" ? null
            : TcpDoctor.Duration.TryParse(value, out var d) && d > TimeSpan.Zero ? d
            : throw new TcpDoctorException($"hungAfter '{text}': '{value}' is not a duration (500ms, 60s, 10m, 2h) or off.");

        var colon = selector.IndexOf(':', StringComparison.Ordinal);
        var kind = colon > 0 ? selector[..colon].ToLowerInvariant() : null;
        if (kind is "port" or "peer" or "process")
        {
            selector = selector[(colon + 1)..].Trim();
        }
        else
        {
            kind = null;
        }

        if (selector.Length == 0)
        {
            throw new TcpDoctorException($"hungAfter '{text}': the selector before '=' is empty.");
        }

        if (kind is "port" || (kind is null && selector.All(char.IsAsciiDigit)))
        {
            return ushort.TryParse(selector, NumberStyles.None, Inv, out var port) && port > 0
                ? new HungAfterRule { Selector = HungAfterSelector.Port, Text = port.ToString(Inv), Port = port, After = after }
                : throw new TcpDoctorException($"hungAfter '{text}': '{selector}' is not a port (1-65535).");
        }

        if (kind is "peer" || kind is null)
        {
            if (TryParsePeer(selector, out var prefix, out var peerPort))
            {
                return new HungAfterRule
                {
                    Selector = HungAfterSelector.Peer,
                    Text = peerPort == 0 ? PrefixText(prefix) : prefix.Address.IsIPv6 ? $"[{PrefixText(prefix)}]:{peerPort}" : $"{PrefixText(prefix)}:{peerPort}",
                    Peer = prefix,
                    Port = peerPort,
                    After = after,
                };
            }

            if (kind is "peer")
            {
                throw new TcpDoctorException($"hungAfter '{text}': '{selector}' is not an address, ADDR/LEN, ADDR:PORT or [ADDR]:PORT.");
            }
        }

        // Command names (/proc/PID/comm) are at most 15 characters and never contain '=' or whitespace.
        return selector.Length <= 15 && !selector.Any(char.IsWhiteSpace)
            ? new HungAfterRule { Selector = HungAfterSelector.Process, Text = kind is null ? selector : $"process:{selector}", Process = selector, After = after }
            : throw new TcpDoctorException($"hungAfter '{text}': '{selector}' is neither a port, an address nor a process name (at most 15 characters, as in /proc/PID/comm).");
    }

    private static string PrefixText(AddressPrefix p) => p.Length == (p.Address.IsIPv6 ? 128 : 32) ? p.Address.ToString() : p.ToString();

    private static bool TryParsePeer(string text, out AddressPrefix prefix, out ushort port)
    {
        port = 0;
        prefix = default;
        if (!text.StartsWith('[') && AddressPrefix.TryParse(text, out prefix))
        {
            return true;
        }

        // [2001:db8::1]:6379 or [2001:db8::/32]:6379; 10.0.0.5:6379 (one colon: IPv4 with a port).
        string host;
        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
            {
                return AddressPrefix.TryParse(text.Trim('[', ']'), out prefix);
            }

            host = text[1..close];
            portText = text[(close + 2)..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                return false;
            }

            host = text[..colon];
            portText = text[(colon + 1)..];
        }

        return AddressPrefix.TryParse(host, out prefix)
            && ushort.TryParse(portText, NumberStyles.None, Inv, out port) && port > 0;
    }
}
