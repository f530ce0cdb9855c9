using System.Globalization;

namespace TcpDoctor;

/// <summary>
/// Whitespace tokenizing and number parsing for /proc text. /proc is ASCII and culture-free, so every
/// number is parsed with the invariant culture and no sign, grouping or surrounding spaces.
/// </summary>
internal static class ProcText
{
    /// <summary>Takes the next run of non-blank characters off the front of <paramref name="rest"/>.</summary>
    public static bool NextToken(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> token)
    {
        var start = 0;
        while (start < rest.Length && IsBlank(rest[start]))
        {
            start++;
        }

        var end = start;
        while (end < rest.Length && !IsBlank(rest[end]))
        {
            end++;
        }

        token = rest[start..end];
        rest = rest[end..];
        return token.Length > 0;
    }

    /// <summary>Splits <c>A:B</c> at the last colon (IPv6 addresses in /proc have none of their own).</summary>
    public static bool TrySplitPair(ReadOnlySpan<char> token, out ReadOnlySpan<char> first, out ReadOnlySpan<char> second)
    {
        var colon = token.LastIndexOf(':');
        if (colon <= 0 || colon == token.Length - 1)
        {
            first = second = default;
            return false;
        }

        first = token[..colon];
        second = token[(colon + 1)..];
        return true;
    }

    public static bool TryParseHex(ReadOnlySpan<char> text, out uint value) =>
        uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);

    public static bool TryParseHex(ReadOnlySpan<char> text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);

    public static bool TryParseDecimal(ReadOnlySpan<char> text, out uint value) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryParseDecimal(ReadOnlySpan<char> text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryParseSigned(ReadOnlySpan<char> text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryParseSigned(ReadOnlySpan<char> text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// A kernel counter: unsigned 64-bit decimal, or signed where the MIB says so (Tcp MaxConn = -1).
    /// Values beyond <see cref="long.MaxValue"/> saturate rather than wrap.
    /// </summary>
    public static bool TryParseCounter(ReadOnlySpan<char> text, out long value)
    {
        if (TryParseSigned(text, out value))
        {
            return true;
        }

        if (TryParseDecimal(text, out ulong big))
        {
            value = big > long.MaxValue ? long.MaxValue : (long)big;
            return true;
        }

        return false;
    }

    public static bool IsBlank(char c) => c is ' ' or '\t' or '\n' or '\r';
}
