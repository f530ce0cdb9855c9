using System.ComponentModel;
using System.Text;

namespace TcpDoctor.Tests;

/// <summary>Our words for file errors: the CLI's runtime messages are resource keys, so none may leak.</summary>
public sealed class FileErrorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-fileerrors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<Exception, string> Exceptions => new()
    {
        { new FileNotFoundException("IO_FileNotFound_FileName, /x"), "no such file" },
        { new DirectoryNotFoundException("IO_PathNotFound_Path, /x/y"), "no such file or directory" },
        { new UnauthorizedAccessException("UnauthorizedAccess_IODenied_Path, /x"), "permission denied" },
        { new PathTooLongException("IO_PathTooLong"), "the path is too long" },
        { new IOException("IO_SharingViolation", 24), "too many open files" },
        { new IOException("x", 21), "it is a directory" },
        { new IOException("x", 28), "no space left on device" },
        { new IOException("x", 30), "read-only file system" },
        { new Win32Exception(2), "no such file or directory" },
        { new IOException("IO_Unknown"), "unexpected error (IOException)" },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void Describes_each_exception_in_our_words(Exception exception, string expected) =>
        Assert.Equal(expected, FileErrors.Describe(exception));

    [Fact]
    public void A_directory_is_told_apart_from_a_denied_file() =>
        Assert.Equal("it is a directory", FileErrors.Describe(new UnauthorizedAccessException("UnauthorizedAccess_IODenied_Path"), _dir));

    [Theory]
    [InlineData(1, "operation not permitted")]
    [InlineData(12, "out of memory")]
    [InlineData(13, "permission denied")]
    [InlineData(23, "too many open files in the system")]
    [InlineData(24, "too many open files")]
    public void Names_errnos(int errno, string expected) => Assert.Equal(expected, FileErrors.Errno(errno));

    [Fact]
    public void Rare_errnos_get_libc_s_text_not_a_key()
    {
        var text = FileErrors.Errno(71); // EPROTO
        Assert.False(string.IsNullOrWhiteSpace(text));
        Assert.False(FileErrors.IsResourceKey(text));
        Assert.True(char.IsLower(text[0]), text);
    }

    [Theory]
    [InlineData("IO_FileNotFound_FileName, /nonexistent", true)]
    [InlineData("Arg_NullReferenceException", true)]
    [InlineData("IO_PathNotFound_Path", true)]
    [InlineData("Could not find file '/nonexistent'.", false)]
    [InlineData("dry run: nothing is destroyed", false)]
    [InlineData("a_b c", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Recognizes_resource_keys(string? message, bool isKey) => Assert.Equal(isKey, FileErrors.IsResourceKey(message));

    [Fact]
    public void Reads_a_text_file_without_its_byte_order_mark()
    {
        var path = Write("t.yaml", [0xEF, 0xBB, 0xBF, .. "staleAfter: 5m\n"u8]);
        Assert.Equal("staleAfter: 5m\n", TextFiles.ReadSmall(path, "thresholds file"));
    }

    [Fact]
    public void A_missing_file_is_one_line_in_our_words()
    {
        var path = Path.Combine(_dir, "nope.yaml");
        Assert.Equal($"cannot read thresholds file {path}: no such file", Read(path));
        Assert.Equal($"cannot read thresholds file {path}/x: no such file or directory", Read(path + "/x"));
    }

    [Fact]
    public void A_directory_is_named_as_such() =>
        Assert.Equal($"cannot read policy file {_dir}: it is a directory", Assert.Throws<TcpDoctorException>(() => TextFiles.ReadSmall(_dir, "policy file")).Message);

    [Fact]
    public void Binary_content_is_not_a_text_file()
    {
        var nul = Write("nul.bin", [0x7F, (byte)'E', (byte)'L', (byte)'F', 0, 1]);
        Assert.Equal($"cannot read thresholds file {nul}: it is not a text file (it contains NUL bytes)", Read(nul));
        var latin1 = Write("latin1.yaml", Encoding.Latin1.GetBytes("staleAfter: 5m # café\n"));
        Assert.Equal($"cannot read thresholds file {latin1}: it is not a text file (not valid UTF-8)", Read(latin1));
    }

    [Fact]
    public void A_file_larger_than_the_limit_is_refused_without_reading_it_all()
    {
        var path = Write("big.yaml", new byte[10_000]);
        Assert.Equal($"cannot read thresholds file {path}: it is larger than 4 KiB, too large for a thresholds file",
            Assert.Throws<TcpDoctorException>(() => TextFiles.ReadSmall(path, "thresholds file", 4096)).Message);

        // An endless device stops at the limit instead of reading forever.
        Assert.Contains("too large", Assert.Throws<TcpDoctorException>(() => TextFiles.ReadSmall("/dev/zero", "policy file")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_name_says_so() =>
        Assert.Equal("cannot read thresholds file: no file name given", Read(""));

    private string Read(string path) => Assert.Throws<TcpDoctorException>(() => TextFiles.ReadSmall(path, "thresholds file")).Message;

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
