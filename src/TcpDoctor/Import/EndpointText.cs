using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>The address:port forms ss and netstat print with -n.</summary>
internal static class EndpointText
{
    /// <summary>
    /// <c>10.0.0.1:80</c>, <c>[::1]:80</c>, <c>[::ffff:10.0.0.1]:80</c>, <c>*:80</c>, <c>0.0.0.0:*</c>,
    /// <c>127.0.0.53%lo:53</c> (ss); <c>:::22</c>, <c>::1:631</c> (netstat); with <paramref name="separator"/>
    /// '.', BSD's <c>10.0.0.5.443</c>, <c>*.22</c>. False for names (no -n). Brackets and zones are
    /// <see cref="NetAddress.TryParse"/>'s to strip.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out NetAddress address, out ushort port, char separator = ':')
    {
        address = default;
        port = 0;
        var at = text.LastIndexOf(separator);
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }

        var portText = text[(at + 1)..];
        if (portText is not "*" && !ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            return false;
        }

        var host = text[..at];
        if (host is "*")
        {
            // "*:80" is a socket bound to :: (dual-stack) or an unconnected peer.
            address = NetAddress.IPv6Any;
            return true;
        }

        return NetAddress.TryParse(host, out address);
    }
}
