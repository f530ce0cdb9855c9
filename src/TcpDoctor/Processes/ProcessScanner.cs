using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using TcpDoctor.Interop;

namespace TcpDoctor.Processes;

/// <summary>
/// Maps socket inodes to processes with one pass over /proc/PID/fd (KERNEL.md §6.1). The cost is one
/// getdents64 entry plus one readlinkat per open fd on the host, which at 400k sockets dwarfs the
/// socket dump itself. Measured on 6.18 with 2 idle vCPUs: ≈3.2 µs per fd on one thread, ≈1.5–1.7 µs
/// on two, both for one process holding 19k sockets and for 21 processes holding 181k.
/// </summary>
public static class ProcessScanner
{
    public const string DefaultProcRoot = "/proc";

    // readlink on /proc/PID/fd serialises per task: past a few threads more only contend (and a host's other work needs cores too).
    private const int MaxThreads = 4;

    // The readlink work unit: a few µs of openat per chunk against ~2 ms of readlinks.
    private const int ChunkEntries = 1024;

    /// <summary>
    /// Scans every process under <paramref name="procRoot"/>. With <paramref name="socketInodes"/>,
    /// only those inodes are attributed and only their owners get a <see cref="ProcessInfo"/>;
    /// without it every socket inode is attributed. Processes that exit mid-scan are skipped.
    /// </summary>
    public static ProcessTable Scan(string procRoot = DefaultProcRoot, IReadOnlySet<uint>? socketInodes = null) =>
        Scan(procRoot, socketInodes, Math.Clamp(Environment.ProcessorCount, 1, MaxThreads));

    internal static unsafe ProcessTable Scan(string procRoot, IReadOnlySet<uint>? socketInodes, int threads)
    {
        ArgumentNullException.ThrowIfNull(procRoot);
        var procFd = OpenProcRoot(procRoot);
        try
        {
            // Phase 1, parallel by process: list each fd directory.
            var pids = ListPids(procFd);
            var listings = new FdListing?[pids.Count];
            var errnos = new int[pids.Count];
            RunParallel(pids.Count, threads, i =>
            {
                if (ProcFdReader.TryList(procFd, pids[i], out listings[i], out var errno) == ProcFdReader.ListResult.Unreadable)
                {
                    errnos[i] = errno;
                }
            });

            var unreadable = new Dictionary<int, int>();
            foreach (var errno in errnos)
            {
                if (errno != 0)
                {
                    unreadable[errno] = unreadable.GetValueOrDefault(errno) + 1;
                }
            }

            // Phase 2, parallel by chunk: readlink every fd. Chunks rather than processes, so that one
            // process holding most sockets is still read by both threads.
            var chunks = new List<FdChunk>();
            var scanned = 0;
            foreach (var listing in listings)
            {
                if (listing is not null)
                {
                    scanned++;
                    ProcFdReader.Split(listing, ChunkEntries, chunks);
                }
            }

            // Work in an order that interleaves processes: readlink on /proc/PID/fd takes the task's lock,
            // so two threads on adjacent chunks of one process serialise (measured: a second thread gained
            // nothing at 400k sockets over 41 processes until the order was interleaved).
            var order = Interleave(chunks);
            RunParallel(order.Length, threads, i => ProcFdReader.ReadLinks(procFd, chunks[order[i]], socketInodes));

            // Phase 3, in pid order: details of the processes that own a wanted socket, and the map.
            return Collect(procFd, chunks, scanned, unreadable, ProcessVisibility.Read(procRoot));
        }
        finally
        {
            _ = FileSyscalls.Close(procFd);
        }
    }

    /// <summary>A directory fd of the proc filesystem at <paramref name="procRoot"/>, for the *at syscalls; the caller closes it.</summary>
    internal static unsafe int OpenProcRoot(string procRoot)
    {
        var rootBytes = Encoding.UTF8.GetBytes(procRoot + "\0");
        int procFd;
        fixed (byte* root = rootBytes)
        {
            procFd = FileSyscalls.OpenAt(FileSyscalls.AT_FDCWD, root, FileSyscalls.O_RDONLY | FileSyscalls.O_DIRECTORY | FileSyscalls.O_CLOEXEC);
        }

        if (procFd < 0)
        {
            throw new TcpDoctorException($"cannot open {procRoot}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        return procFd;
    }

    /// <summary>Chunk indices ordered round-robin over processes: first chunks of every process, then second chunks, …</summary>
    private static int[] Interleave(List<FdChunk> chunks)
    {
        var rank = new int[chunks.Count];
        for (var i = 1; i < chunks.Count; i++)
        {
            rank[i] = chunks[i].Listing == chunks[i - 1].Listing ? rank[i - 1] + 1 : 0;
        }

        return [.. Enumerable.Range(0, chunks.Count).OrderBy(i => rank[i]).ThenBy(i => i)];
    }

    private static ProcessTable Collect(int procFd, List<FdChunk> chunks, int scanned, Dictionary<int, int> unreadable, ProcessVisibility visibility)
    {
        var inodeCount = 0;
        foreach (var chunk in chunks)
        {
            inodeCount += chunk.Inodes.Count;
        }

        var owners = new InodeOwnerMap(inodeCount);
        var processes = new Dictionary<int, ProcessInfo>();

        // Chunks of one process are adjacent and in pid order.
        for (var first = 0; first < chunks.Count;)
        {
            var listing = chunks[first].Listing;
            var end = first;
            int socketFds = 0, wanted = 0;
            var errno = 0;
            for (; end < chunks.Count && chunks[end].Listing == listing; end++)
            {
                socketFds += chunks[end].SocketFds;
                wanted += chunks[end].Inodes.Count;
                errno = errno != 0 ? errno : chunks[end].Errno;
            }

            // Listed, then not readable (out of fds, a security module): as unreadable as a denied listing.
            var gone = errno != 0;
            if (gone && ProcFdReader.Classify(errno) == ProcFdReader.ListResult.Unreadable)
            {
                unreadable[errno] = unreadable.GetValueOrDefault(errno) + 1;
            }

            // Details only for owners of a wanted socket: ~40 processes even at 400k sockets. A process
            // whose fd directory or comm vanished meanwhile has exited and is dropped.
            ProcessInfo? info = null;
            if (!gone && wanted > 0)
            {
                info = ProcessDetails.TryRead(procFd, listing.Pid, listing.Count, socketFds, out var detailsErrno);
                if (info is null && detailsErrno != 0 && ProcFdReader.Classify(detailsErrno) == ProcFdReader.ListResult.Unreadable)
                {
                    unreadable[detailsErrno] = unreadable.GetValueOrDefault(detailsErrno) + 1;
                }
            }

            if (info is not null)
            {
                processes[listing.Pid] = info;
                for (var c = first; c < end; c++)
                {
                    foreach (var inode in chunks[c].Inodes)
                    {
                        owners.Add(inode, listing.Pid);
                    }
                }
            }

            first = end;
        }

        return new ProcessTable(owners.Owners, owners.SharedCounts(), processes, scanned, unreadable, visibility);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0..count-1 on this thread plus threads-1 helpers, each taking
    /// the next index from a shared counter.
    /// </summary>
    private static void RunParallel(int count, int threads, Action<int> body)
    {
        var next = -1;
        void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                body(i);
            }
        }

        var helperCount = Math.Min(threads, count) - 1;
        if (helperCount <= 0)
        {
            Work();
            return;
        }

        var helpers = new Thread[helperCount];
        var failures = new Exception?[helperCount];
        for (var t = 0; t < helpers.Length; t++)
        {
            var slot = t;
            helpers[t] = new Thread(() =>
            {
                try
                {
                    Work();
                }
                catch (Exception e)
                {
                    failures[slot] = e;
                }
            })
            { IsBackground = true, Name = "tcpdoctor /proc scan" };
            helpers[t].Start();
        }

        Work();
        foreach (var helper in helpers)
        {
            helper.Join();
        }

        foreach (var failure in failures)
        {
            if (failure is not null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
    }

    /// <summary>The numeric entries of /proc, ascending: one per thread-group leader.</summary>
    internal static unsafe List<int> ListPids(int procFd)
    {
        const int BufferBytes = 32 * 1024;
        var pids = new List<int>(512);
        var buffer = (byte*)NativeMemory.Alloc(BufferBytes);
        try
        {
            nint n;
            while ((n = FileSyscalls.GetDents64(procFd, buffer, BufferBytes)) > 0)
            {
                for (nint offset = 0; offset < n;)
                {
                    var entry = buffer + offset;
                    offset += *(ushort*)(entry + 16);
                    if (TryParsePid(entry + 19, out var pid))
                    {
                        pids.Add(pid);
                    }
                }
            }
        }
        finally
        {
            NativeMemory.Free(buffer);
        }

        pids.Sort();
        return pids;
    }

    private static unsafe bool TryParsePid(byte* name, out int pid)
    {
        pid = 0;
        var i = 0;
        for (; name[i] != 0; i++)
        {
            var digit = name[i] - '0';
            if ((uint)digit > 9 || i >= 9)
            {
                return false;
            }

            pid = (pid * 10) + digit;
        }

        return i > 0 && pid > 0;
    }
}
