using System.Globalization;

namespace SocketGen;

/// <summary>
/// The "TCP:" line of /proc/net/sockstat, which follows the reader's network namespace for inuse and
/// tw (mem is host-wide). Cheap enough to read ten times a second, unlike a walk of the socket table.
/// </summary>
internal readonly record struct SockStat(long InUse, long TimeWait, long MemPages)
{
    private const string Path = "/proc/net/sockstat";

    public static SockStat Read()
    {
        foreach (string line in File.ReadLines(Path))
        {
            // TCP: inuse 11 orphan 0 tw 0 alloc 22 mem 26
            if (line.StartsWith("TCP:", StringComparison.Ordinal))
            {
                var rest = line.AsSpan(4);
                return new SockStat(Field(rest, "inuse"), Field(rest, "tw"), Field(rest, "mem"));
            }
        }

        throw new SocketGenException($"{Path} has no TCP line");
    }

    private static long Field(ReadOnlySpan<char> line, string key)
    {
        while (!line.IsEmpty)
        {
            line = line.TrimStart(' ');
            int end = line.IndexOf(' ');
            var name = end < 0 ? line : line[..end];
            line = end < 0 ? [] : line[(end + 1)..];
            end = line.IndexOf(' ');
            var value = end < 0 ? line : line[..end];
            line = end < 0 ? [] : line[(end + 1)..];
            if (name.SequenceEqual(key))
            {
                return long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
