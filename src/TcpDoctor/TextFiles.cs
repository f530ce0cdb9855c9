using System.Text;

namespace TcpDoctor;

/// <summary>
/// Reads the small text files an operator hands us (thresholds, reap policy): every way it can fail is
/// one <see cref="TcpDoctorException"/> line in our words, naming the file.
/// </summary>
public static class TextFiles
{
    /// <summary>A config or policy file is a few hundred bytes; a megabyte is surely the wrong file.</summary>
    public const int DefaultMaxBytes = 1 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The text of <paramref name="path"/>. <paramref name="what"/> names the file's role in the message:
    /// "cannot read thresholds file /x: no such file". Not found, permission denied, a directory, larger
    /// than <paramref name="maxBytes"/> (also what keeps /dev/zero from being read forever), and binary
    /// content (a NUL byte or invalid UTF-8) are each told apart.
    /// </summary>
    public static string ReadSmall(string path, string what, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(what);
        if (path.Length == 0)
        {
            throw new TcpDoctorException($"cannot read {what}: no file name given");
        }

        byte[] bytes;
        int length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            bytes = new byte[Math.Min(maxBytes + 1, 64 * 1024)];
            length = 0;
            int n;
            while ((n = stream.Read(bytes, length, bytes.Length - length)) > 0)
            {
                length += n;
                if (length > maxBytes)
                {
                    throw new TcpDoctorException($"cannot read {what} {path}: it is larger than {Size(maxBytes)}, too large for a {what}");
                }

                if (length == bytes.Length)
                {
                    Array.Resize(ref bytes, Math.Min(bytes.Length * 2, maxBytes + 1));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new TcpDoctorException($"cannot read {what} {path}: {FileErrors.Describe(e, path)}", ExitCode.Failure, e);
        }

        var content = bytes.AsSpan(0, length);
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }

        if (content.IndexOf((byte)0) >= 0)
        {
            throw new TcpDoctorException($"cannot read {what} {path}: it is not a text file (it contains NUL bytes)");
        }

        try
        {
            return StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException e)
        {
            throw new TcpDoctorException($"cannot read {what} {path}: it is not a text file (not valid UTF-8)", ExitCode.Failure, e);
        }
    }

    private static string Size(int bytes) => bytes >= 1 << 20 && bytes % (1 << 20) == 0
        ? $"{bytes >> 20} MiB"
        : bytes >= 1 << 10 && bytes % (1 << 10) == 0 ? $"{bytes >> 10} KiB" : $"{bytes} bytes";
}
