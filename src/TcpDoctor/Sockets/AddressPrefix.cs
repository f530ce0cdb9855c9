using System.Globalization;

namespace TcpDoctor.Sockets;

/// <summary>
/// ADDR or ADDR/PREFIX, as given to <c>--remote</c>. An IPv4 prefix also matches v4-mapped addresses of
/// dual-stack sockets, the way a kernel AF_INET host condition does.
/// </summary>
public readonly record struct AddressPrefix(NetAddress Address, int Length)
{
    public bool Contains(NetAddress candidate)
    {
        var a = candidate.Unmapped;
        var p = Address.Unmapped;
        if (p.IsIPv6 && Length == 0)
        {
            return true; // ::/0 is every address, IPv4 carried by dual-stack sockets included
        }

        if (a.IsIPv6 != p.IsIPv6)
        {
            return false;
        }

        var width = p.IsIPv6 ? 128 : 32;
        var len = Math.Min(Length, width);
        return a.PrefixBits(len) == p.PrefixBits(len);
    }

    public static bool TryParse(ReadOnlySpan<char> text, out AddressPrefix prefix)
    {
        prefix = default;
        var slash = text.IndexOf('/');
        var addrText = slash >= 0 ? text[..slash] : text;
        if (!NetAddress.TryParse(addrText, out var address))
        {
            return false;
        }

        var width = address.IsIPv6 ? 128 : 32;
        var length = width;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > width))
        {
            return false;
        }

        // ::ffff:10.0.0.0/104 is the IPv4 prefix 10.0.0.0/8 (matched against unmapped addresses).
        if (address.IsV4Mapped && length >= 96)
        {
            address = address.Unmapped;
            length -= 96;
        }

        prefix = new AddressPrefix(address, length);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}/{Length}");
}
