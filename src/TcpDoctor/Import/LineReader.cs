namespace TcpDoctor.Import;

/// <summary>
/// Lines of a text as spans over one reused buffer: no string per line, and memory bounded whatever
/// the input (a line longer than <see cref="MaxLineChars"/> is cut, the rest of it dropped: a binary
/// file may have no newline for megabytes). "\n", "\r\n" and a lone "\r" end a line.
/// </summary>
internal sealed class LineReader
{
    public const int MaxLineChars = 64 * 1024;

    private readonly TextReader _reader;
    private readonly char[] _buffer = new char[MaxLineChars * 2];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _pendingCr;
    private bool _dropRest;

    public LineReader(TextReader reader) => _reader = reader ?? throw new ArgumentNullException(nameof(reader));

    /// <summary>The next line (without its end), valid until the next call; false at the end.</summary>
    public bool TryRead(out ReadOnlySpan<char> line)
    {
        while (true)
        {
            if (_pendingCr && _start < _end)
            {
                if (_buffer[_start] == '\n')
                {
                    _start++;
                }

                _pendingCr = false;
            }

            var at = _buffer.AsSpan(_start, _end - _start).IndexOfAny('\n', '\r');
            if (at >= 0)
            {
                var lineStart = _start;
                var lineEnd = _start + at;
                _pendingCr = _buffer[lineEnd] == '\r';
                _start = lineEnd + 1;
                if (_dropRest)
                {
                    _dropRest = false;
                    continue;
                }

                line = _buffer.AsSpan(lineStart, lineEnd - lineStart);
                return true;
            }

            if (_dropRest)
            {
                _start = _end;
            }
            else if (_end - _start >= MaxLineChars)
            {
                // Too long: its head now (the span stays valid: nothing moves until the next call), the rest dropped.
                line = _buffer.AsSpan(_start, MaxLineChars);
                _start = _end;
                _dropRest = true;
                return true;
            }

            if (_eof)
            {
                if (_start < _end && !_dropRest)
                {
                    line = _buffer.AsSpan(_start, _end - _start);
                    _start = _end;
                    return true;
                }

                line = default;
                return false;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            var n = _reader.Read(_buffer, _end, _buffer.Length - _end);
            if (n <= 0)
            {
                _eof = true;
            }
            else
            {
                _end += n;
            }
        }
    }
}
