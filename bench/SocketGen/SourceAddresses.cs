using SocketGen.Interop;

namespace SocketGen;

/// <summary>
/// Loopback source addresses: held pairs come from 127.0.1.1 onwards, churn from 127.2.1.1 onwards.
/// Many sources keep the connections per (source, destination) tuple in the single digits, so
/// connect() finds a free port at its first try and the port range is never the limit.
/// </summary>
internal static class SourceAddresses
{
    public const int Count = 1024;

    public static sockaddr_in Pair(long n) => Make(0, n);

    public static sockaddr_in Churn(long n) => Make(2, n);

    public static sockaddr_in Listener(int port) => sockaddr_in.Loopback(0, 0, 1, port);

    private static sockaddr_in Make(byte block, long n)
    {
        int k = (int)(n % Count);
        return sockaddr_in.Loopback(block, (byte)(1 + (k / 254)), (byte)(1 + (k % 254)), 0);
    }
}
