using System.Runtime.InteropServices;
using SocketGen.Interop;

namespace SocketGen;

/// <summary>
/// A worker's line protocol with its parent: reports go to stdout, commands come on stdin, and
/// stdin reaching EOF means the parent is gone, so the worker exits and its sockets close.
/// </summary>
internal static unsafe class ParentLink
{
    public static void Send(string line) => Console.Out.WriteLine(line);

    /// <summary>Blocks until the parent writes a line; false when stdin closed first.</summary>
    public static bool WaitForLine()
    {
        byte b;
        while (true)
        {
            nint n = Libc.read(0, &b, 1);
            if (n == 1 && b == (byte)'\n')
            {
                return true;
            }

            if (n == 0 || (n < 0 && Marshal.GetLastPInvokeError() != Libc.EINTR))
            {
                return false;
            }
        }
    }

    /// <summary>True when stdin closed (parent gone) within <paramref name="timeoutMs"/> (-1: wait forever).</summary>
    public static bool WaitClosed(int timeoutMs)
    {
        var p = new pollfd { fd = 0, events = Libc.POLLIN };
        int ready = Libc.poll(&p, 1, timeoutMs);
        if (ready <= 0)
        {
            return false;
        }

        if ((p.revents & (Libc.POLLHUP | Libc.POLLERR)) != 0)
        {
            return true;
        }

        byte b;
        return Libc.read(0, &b, 1) <= 0;
    }
}
