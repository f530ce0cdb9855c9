using System.Runtime.InteropServices;

namespace TcpDoctor.Interop;

/// <summary>
/// Directory-relative file syscalls for the /proc/PID/fd scan. Plain int descriptors rather than
/// SafeHandles: they never leave the method that opens them and a scan opens one per process.
/// </summary>
internal static unsafe partial class FileSyscalls
{
    public const int AT_FDCWD = -100;
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;

    public const int EACCES = 13;
    public const int ENOENT = 2;
    public const int ESRCH = 3;

    /// <summary>O_DIRECTORY is 0200000 in asm-generic and x86 but 040000 on arm/arm64.</summary>
    public static int O_DIRECTORY => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    // openat is variadic; the mode argument is only read with O_CREAT/O_TMPFILE, so it is not declared.
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int dirFd, byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    /// <summary>Fills <paramref name="buffer"/> with <c>struct linux_dirent64</c> records; 0 at the end.</summary>
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int fd, byte* buffer, nuint count);

    // No errno: a failed readlink of an fd means it was closed since the listing, which is just skipped.
    [LibraryImport("libc", EntryPoint = "readlinkat")]
    public static partial nint ReadLinkAt(int dirFd, byte* path, byte* buffer, nuint size);

    /// <summary><c>STATX_SIZE</c>: the only field asked of statx here.</summary>
    public const uint STATX_SIZE = 0x200;

    /// <summary><c>sizeof(struct statx)</c>: the same on every architecture.</summary>
    public const int StatxBytes = 256;

    /// <summary>Offset of <c>stx_size</c> (__u64) in <c>struct statx</c>.</summary>
    public const int StatxSizeOffset = 40;

    /// <summary>statx(2) (glibc 2.28+): fills a <see cref="StatxBytes"/>-byte <c>struct statx</c>.</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirFd, byte* path, int flags, uint mask, byte* buffer);

    /// <summary><c>STATX_INO</c>.</summary>
    public const uint STATX_INO = 0x100;

    /// <summary>Offset of <c>stx_ino</c> (__u64) in <c>struct statx</c>.</summary>
    public const int StatxInoOffset = 32;

    /// <summary>
    /// The inode of what <paramref name="path"/> leads to (links followed: /proc/PID/ns/net gives the
    /// namespace's inode, a cgroup v2 directory its cgroup id); null when it cannot be read.
    /// </summary>
    public static ulong? InodeOf(string path) => IdentityOf(path)?.Inode;

    /// <summary>The device (major, minor as one number) and inode of what <paramref name="path"/> leads to; null when unreadable.</summary>
    public static (ulong Device, ulong Inode)? IdentityOf(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        byte* statx = stackalloc byte[StatxBytes];
        int rc;
        fixed (byte* p = bytes)
        {
            rc = Statx(AT_FDCWD, p, 0, STATX_INO, statx);
        }

        // stx_dev_major and stx_dev_minor (__u32 each) at 136 and 140.
        return rc == 0 ? (((ulong)*(uint*)(statx + 136) << 32) | *(uint*)(statx + 140), *(ulong*)(statx + StatxInoOffset)) : null;
    }
}
