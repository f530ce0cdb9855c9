using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace TcpDoctor.Sockets;

/// <summary>
/// An IPv4 or IPv6 address kept inline (no heap object per socket). The value is the address read as
/// a big-endian number: for IPv4 the 32-bit value sits in the low bits.
/// </summary>
// Packed to 17 bytes (24 unpacked): two addresses per socket, 400k sockets; x86-64 and arm64 read
// unaligned ulongs at full speed.
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public readonly struct NetAddress : IEquatable<NetAddress>, IComparable<NetAddress>, ISpanFormattable
{
    // Two ulongs rather than a UInt128, which is 16-byte aligned and would pad every address to 32 bytes.
    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly bool _isV6;

    private NetAddress(UInt128 value, bool isV6)
    {
        _hi = (ulong)(value >> 64);
        _lo = (ulong)value;
        _isV6 = isV6;
    }

    private UInt128 Value128 => new(_hi, _lo);

    public static NetAddress IPv4Any => default;

    public static NetAddress IPv6Any => new(UInt128.Zero, true);

    public bool IsIPv6 => _isV6;

    public bool IsIPv4 => !_isV6;

    /// <summary>::ffff:a.b.c.d, what a dual-stack AF_INET6 socket shows for an IPv4 peer.</summary>
    public bool IsV4Mapped => _isV6 && _hi == 0 && (_lo >> 32) == 0xFFFF;

    public bool IsAny => (_hi | _lo) == 0;

    public bool IsLoopback
    {
        get
        {
            var a = Unmapped;
            return a._isV6 ? a._hi == 0 && a._lo == 1 : (uint)a._lo >> 24 == 127;
        }
    }

    /// <summary>The IPv4 address inside a v4-mapped IPv6 address, or this address unchanged.</summary>
    public NetAddress Unmapped => IsV4Mapped ? new NetAddress(_lo & uint.MaxValue, false) : this;

    /// <summary>Builds an IPv4 address from its value as a number (first octet in the top byte).</summary>
    public static NetAddress FromIPv4(uint value) => new(value, false);

    /// <summary>Builds an address from 4 or 16 bytes in network order.</summary>
    public static NetAddress FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 => new NetAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes), false),
        16 => new NetAddress(BinaryPrimitives.ReadUInt128BigEndian(bytes), true),
        _ => throw new ArgumentException("An address is 4 or 16 bytes.", nameof(bytes)),
    };

    public static NetAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return FromBytes(bytes[..written]);
    }

    /// <summary>Writes the address in network order: 4 bytes for IPv4, 16 for IPv6.</summary>
    public int WriteBytes(Span<byte> destination)
    {
        if (_isV6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lo);
            return 16;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_lo);
        return 4;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        var n = WriteBytes(bytes);
        return new IPAddress(bytes[..n]);
    }

    public static bool TryParse(ReadOnlySpan<char> text, out NetAddress address)
    {
        if (text.Length > 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
        }

        // Accept a zone suffix (fe80::1%eth0) the way ss prints it; the zone is not part of the address.
        var percent = text.IndexOf('%');
        if (percent >= 0)
        {
            text = text[..percent];
        }

        // Dotted-quad IPv4 without IPAddress (an object per address): imports parse millions.
        if (TryParseIPv4(text, out var v4))
        {
            address = FromIPv4(v4);
            return true;
        }

        if (IPAddress.TryParse(text, out var ip))
        {
            address = FromIPAddress(ip);
            return true;
        }

        address = default;
        return false;
    }

    /// <summary>Exactly four decimal octets (0-255, no sign, no leading '+'), as a number.</summary>
    private static bool TryParseIPv4(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        var octets = 0;
        var i = 0;
        while (octets < 4)
        {
            var start = i;
            uint octet = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]) && i - start < 3)
            {
                octet = (octet * 10) + (uint)(text[i] - '0');
                i++;
            }

            if (i == start || octet > 255)
            {
                return false;
            }

            value = (value << 8) | octet;
            octets++;
            if (octets < 4)
            {
                if (i >= text.Length || text[i] != '.')
                {
                    return false;
                }

                i++;
            }
        }

        return i == text.Length;
    }

    /// <summary>The top <paramref name="bits"/> bits of the address, as a number.</summary>
    internal UInt128 PrefixBits(int bits)
    {
        var width = _isV6 ? 128 : 32;
        if (bits <= 0)
        {
            return UInt128.Zero;
        }

        return bits >= width ? Value128 : Value128 >> (width - bits);
    }

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        if (!_isV6)
        {
            var v = (uint)_lo;
            charsWritten = 0;
            for (var i = 3; i >= 0; i--)
            {
                if (!((byte)(v >> (i * 8))).TryFormat(destination[charsWritten..], out var n, default, CultureInfo.InvariantCulture))
                {
                    charsWritten = 0;
                    return false;
                }

                charsWritten += n;
                if (i > 0)
                {
                    if (charsWritten >= destination.Length)
                    {
                        charsWritten = 0;
                        return false;
                    }

                    destination[charsWritten++] = '.';
                }
            }

            return true;
        }

        return ToIPAddress().TryFormat(destination, out charsWritten);
    }

    public override string ToString()
    {
        Span<char> buf = stackalloc char[64];
        return TryFormat(buf, out var n) ? new string(buf[..n]) : ToIPAddress().ToString();
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool Equals(NetAddress other) => _lo == other._lo && _hi == other._hi && _isV6 == other._isV6;

    public override bool Equals(object? obj) => obj is NetAddress other && Equals(other);

    public override int GetHashCode() => (_lo ^ (_hi * 31) ^ (_isV6 ? 0x5bd1e995UL : 0)).GetHashCode();

    public int CompareTo(NetAddress other) => _isV6 != other._isV6 ? _isV6.CompareTo(other._isV6) : Value128.CompareTo(other.Value128);

    public static bool operator ==(NetAddress left, NetAddress right) => left.Equals(right);

    public static bool operator !=(NetAddress left, NetAddress right) => !left.Equals(right);

    public static bool operator <(NetAddress left, NetAddress right) => left.CompareTo(right) < 0;

    public static bool operator >(NetAddress left, NetAddress right) => left.CompareTo(right) > 0;

    public static bool operator <=(NetAddress left, NetAddress right) => left.CompareTo(right) <= 0;

    public static bool operator >=(NetAddress left, NetAddress right) => left.CompareTo(right) >= 0;
}
