using TcpDoctor.Import;

namespace TcpDoctor.Tests.Import;

public sealed class LineReaderTests
{
    private static List<string> Lines(string text, int chunk = 7)
    {
        var reader = new LineReader(new TrickleReader(text, chunk));
        var lines = new List<string>();
        while (reader.TryRead(out var line))
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    [Theory]
    [InlineData("a\nb\n", new[] { "a", "b" })]
    [InlineData("a\r\nb", new[] { "a", "b" })]
    [InlineData("a\rb\r\n\r\nc", new[] { "a", "b", "", "c" })]
    [InlineData("", new string[0])]
    [InlineData("\n", new[] { "" })]
    public void Every_line_end_is_one_end(string text, string[] expected)
    {
        Assert.Equal(expected, Lines(text));
        Assert.Equal(expected, Lines(text, chunk: 1));
    }

    [Fact]
    public void A_line_longer_than_the_limit_is_cut_and_the_next_line_is_whole()
    {
        var longLine = new string('x', LineReader.MaxLineChars * 3 + 5);
        var lines = Lines(longLine + "\r\nnext\n", chunk: 4096);

        Assert.Equal(2, lines.Count);
        Assert.Equal(LineReader.MaxLineChars, lines[0].Length);
        Assert.Equal("next", lines[1]);
    }

    [Fact]
    public void A_huge_input_without_a_newline_is_one_cut_line_in_bounded_memory()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var reader = new LineReader(new EndlessReader(50_000_000));
        var count = 0;
        while (reader.TryRead(out var line))
        {
            Assert.Equal(LineReader.MaxLineChars, line.Length);
            count++;
        }

        Assert.Equal(1, count);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "the reader allocated in proportion to its input");
    }

    /// <summary>Hands out at most <c>chunk</c> characters per Read, as a pipe does.</summary>
    private sealed class TrickleReader(string text, int chunk) : TextReader
    {
        private int _at;

        public override int Read(char[] buffer, int index, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), text.Length - _at);
            text.CopyTo(_at, buffer, index, n);
            _at += n;
            return n;
        }
    }

    /// <summary><c>total</c> characters of binary-looking noise, no newline, without holding them.</summary>
    private sealed class EndlessReader(long total) : TextReader
    {
        private long _left = total;

        public override int Read(char[] buffer, int index, int count)
        {
            var n = (int)Math.Min(count, _left);
            buffer.AsSpan(index, n).Fill('\u0001');
            _left -= n;
            return n;
        }
    }
}
