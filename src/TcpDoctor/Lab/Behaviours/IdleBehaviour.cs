using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using TcpDoctor.Interop;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// A client holding idle connections to <c>connect=ADDR:PORT</c>: <c>count=N</c> of them, or per source
/// address (<c>from=ADDR*N,…</c>), with keepalive only if <c>keepalive=1</c>. With <c>nofile=N</c> it
/// first lowers its own soft RLIMIT_NOFILE to N, and with <c>fill=F</c> opens connections until that
/// fraction of the limit is in use. <c>keepidle=S</c>, <c>keepintvl=S</c>, <c>keepcnt=N</c> set the keepalive schedule.
/// </summary>
internal sealed class IdleBehaviour : ILabBehaviour
{
    private const string FdDirectory = "/proc/self/fd";

    public async Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct)
    {
        var target = options.Endpoint("connect");
        var keepAlive = options.Flag("keepalive");
        var (idle, interval, probes) = (options.Int("keepidle", 60), options.Int("keepintvl", 10), options.Int("keepcnt", 3));
        var held = new List<Socket>();
        var nofile = options.Int("nofile", 0);
        if (nofile > 0)
        {
            LowerFileLimit(nofile);
        }

        var fill = options.Number("fill", 0);
        if (fill > 0 && nofile > 0)
        {
            var wanted = (int)Math.Ceiling(fill * nofile);
            while (OpenFds() < wanted)
            {
                held.Add(await Wire.ConnectAsync(target, null, keepAlive: false, ct));
            }
        }
        else
        {
            var sources = options.Sources("from");
            if (sources.Count == 0)
            {
                sources = [(IPAddress.None, options.Int("count", 1))];
            }

            foreach (var (source, count) in sources)
            {
                for (var i = 0; i < count; i++)
                {
                    held.Add(await Wire.ConnectAsync(target, source.Equals(IPAddress.None) ? null : source, keepAlive: false, ct));
                }
            }
        }

        if (keepAlive)
        {
            foreach (var socket in held)
            {
                Wire.KeepAlive(socket, idle, interval, probes);
            }
        }

        ready();
        await Wire.HoldAsync(ct);
        GC.KeepAlive(held);
    }

    private static int OpenFds() => Directory.GetFileSystemEntries(FdDirectory).Length;

    private static void LowerFileLimit(int soft)
    {
        if (Libc.getrlimit(Libc.RLIMIT_NOFILE, out var limit) != 0)
        {
            throw new TcpDoctorException($"getrlimit(RLIMIT_NOFILE): {Errno.Describe(Marshal.GetLastPInvokeError())}");
        }

        limit.rlim_cur = (ulong)soft;
        if (Libc.setrlimit(Libc.RLIMIT_NOFILE, limit) != 0)
        {
            throw new TcpDoctorException($"setrlimit(RLIMIT_NOFILE, {soft}): {Errno.Describe(Marshal.GetLastPInvokeError())}");
        }
    }
}
