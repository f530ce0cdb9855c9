using System.Runtime.InteropServices;
using SocketGen.Interop;

namespace SocketGen;

/// <summary>Thin, allocation-free socket operations on raw fds.</summary>
internal static unsafe class LoopbackSocket
{
    public const int Backlog = 65535;

    public static int Listen(int port)
    {
        int fd = Open();
        int one = 1;
        Check(Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, &one, sizeof(int)), $"SO_REUSEADDR on port {port}");
        var address = sockaddr_in.Loopback(0, 0, 1, port);
        Check(Libc.bind(fd, &address, sockaddr_in.Size), $"bind 127.0.0.1:{port}");
        Check(Libc.listen(fd, Backlog), $"listen on port {port}");
        return fd;
    }

    /// <summary>
    /// Starts a non-blocking connect from <paramref name="source"/> with the port left to connect():
    /// IP_BIND_ADDRESS_NO_PORT lets one source port serve many destinations, so the ephemeral range
    /// bounds connections per (source, destination), not per source.
    /// </summary>
    public static int StartConnect(in sockaddr_in source, in sockaddr_in destination, bool abortOnClose)
    {
        int fd = Open();
        int one = 1;
        Check(Libc.setsockopt(fd, Libc.IPPROTO_IP, Libc.IP_BIND_ADDRESS_NO_PORT, &one, sizeof(int)), "IP_BIND_ADDRESS_NO_PORT");
        if (abortOnClose)
        {
            AbortOnClose(fd);
        }

        fixed (sockaddr_in* src = &source)
        fixed (sockaddr_in* dst = &destination)
        {
            Check(Libc.bind(fd, src, sockaddr_in.Size), "bind source address");
            if (Libc.connect(fd, dst, sockaddr_in.Size) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINPROGRESS)
                {
                    Libc.close(fd);
                    throw new SocketGenException($"connect failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                }
            }
        }

        return fd;
    }

    /// <summary>Next connection waiting on <paramref name="listener"/>, or -1 when there is none.</summary>
    public static int Accept(int listener)
    {
        while (true)
        {
            int fd = Libc.accept4(listener, null, null, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd >= 0)
            {
                return fd;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EAGAIN)
            {
                return -1;
            }

            if (errno != Libc.EINTR)
            {
                throw new SocketGenException($"accept failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
            }
        }
    }

    /// <summary>
    /// SO_LINGER {on, 0}: a close (or the kernel closing fds of a killed worker) sends RST and leaves no
    /// TIME_WAIT behind, so tearing down 400k held sockets does not pollute the next run.
    /// </summary>
    public static void AbortOnClose(int fd)
    {
        long linger = 1; // struct linger { int l_onoff = 1; int l_linger = 0; } on little-endian
        if (!BitConverter.IsLittleEndian)
        {
            linger = 1L << 32;
        }

        Check(Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_LINGER, &linger, sizeof(long)), "SO_LINGER");
    }

    /// <summary>tcpi_state, the first byte of struct tcp_info.</summary>
    public static byte State(int fd)
    {
        byte state = 0;
        int length = 1;
        Check(Libc.getsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_INFO, &state, &length), "TCP_INFO");
        return state;
    }

    public static string PendingError(int fd)
    {
        int error = 0;
        int length = sizeof(int);
        Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &length);
        return error == 0 ? "closed" : Marshal.GetPInvokeErrorMessage(error);
    }

    public static void Close(int fd) => Libc.close(fd);

    /// <summary>Waits until one of <paramref name="fds"/> is readable or the timeout passes.</summary>
    public static void WaitReadable(ReadOnlySpan<int> fds, int timeoutMs)
    {
        Span<pollfd> polls = stackalloc pollfd[Math.Min(fds.Length, 256)];
        for (int i = 0; i < polls.Length; i++)
        {
            polls[i] = new pollfd { fd = fds[i], events = Libc.POLLIN };
        }

        fixed (pollfd* p = polls)
        {
            Libc.poll(p, (nuint)polls.Length, timeoutMs);
        }
    }

    private static int Open()
    {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SocketGenException($"socket failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        return fd;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SocketGenException($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }
}
