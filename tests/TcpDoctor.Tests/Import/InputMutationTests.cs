using CsCheck;
using TcpDoctor.Import;

namespace TcpDoctor.Tests.Import;

/// <summary>
/// Real captures mutated at random (lines cut, duplicated, dropped, swapped, bytes corrupted, CRLF,
/// absurd numbers): every outcome is clean: what parses is kept, the rest is counted, nothing throws.
/// bench/ runs the same for longer.
/// </summary>
public sealed class InputMutationTests
{
    [Theory]
    [InlineData("ss-tan.txt", InputFormat.Ss)]
    [InlineData("ss-tanpoi.txt", InputFormat.Ss)]
    [InlineData("netstat-tanpo.txt", InputFormat.Netstat)]
    [InlineData("proc-net-tcp.txt", InputFormat.Proc)]
    public void Mutated_captures_parse_what_is_valid_and_count_the_rest(string file, InputFormat format)
    {
        var lines = Fixture.Lines("import", "close-wait-leak", file);
        Gen.Int.Array[0, 40].Sample(
            ops =>
            {
                var text = Mutate(lines, ops);
                var table = InputReader.Read(new StringReader(text), "mutated", format);
                Assert.True(table.Sockets.Count + table.Skipped <= table.Lines, $"{table.Sockets.Count} sockets + {table.Skipped} skipped > {table.Lines} lines");
                Assert.True(table.SkippedLines.Count <= ImportedTable.SkippedLinesKept);
                Assert.All(table.SkippedLines, n => Assert.InRange(n, 1, table.Lines));
                Assert.All(table.Sockets, s => Assert.True(Enum.IsDefined(s.State), $"state {(int)s.State}"));
            },
            iter: Iterations);
    }

    [Fact]
    public void Auto_detection_of_mutated_input_either_detects_or_says_it_cannot()
    {
        var lines = Fixture.Lines("import", "close-wait-leak", "ss-tanpoi.txt");
        Gen.Int.Array[0, 60].Sample(
            ops =>
            {
                try
                {
                    _ = InputReader.Read(new StringReader(Mutate(lines, ops)), "mutated");
                }
                catch (TcpDoctorException e)
                {
                    Assert.StartsWith("mutated: cannot tell what this is", e.Message, StringComparison.Ordinal);
                }
            },
            iter: Iterations);
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-8-bom")]
    [InlineData("latin-1")]
    public void Another_encoding_reads_the_same_or_skips_what_it_cannot(string encoding)
    {
        var text = File.ReadAllText(Fixture.Path("import", "close-wait-leak", "ss-tanpoi.txt"));
        var bytes = encoding switch
        {
            "utf-16" => [.. System.Text.Encoding.Unicode.GetPreamble(), .. System.Text.Encoding.Unicode.GetBytes(text)],
            "utf-8-bom" => [.. System.Text.Encoding.UTF8.GetPreamble(), .. System.Text.Encoding.UTF8.GetBytes(text)],
            _ => System.Text.Encoding.Latin1.GetBytes(text.Replace("php-fpm", "php-fpm\u00e9", StringComparison.Ordinal)),
        };

        using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var table = InputReader.Read(reader, "encoded");

        var expected = InputReader.Read(new StringReader(text), "plain");
        Assert.Equal(expected.Sockets.Count, table.Sockets.Count);
        Assert.Equal(0, table.Skipped);
    }

    /// <summary>300 per test here; bench/Fuzz runs the same tests with TCPDOCTOR_FUZZ_ITER in the hundreds of thousands.</summary>
    private static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("TCPDOCTOR_FUZZ_ITER"), out var n) && n > 0 ? n : 300;

    private static string Mutate(string[] source, int[] ops)
    {
        var list = new List<string>(source);
        foreach (var op in ops)
        {
            var u = (uint)op;
            if (list.Count == 0)
            {
                list.Add(new string('x', (int)(u % 100)));
                continue;
            }

            var at = (int)(u / 8 % (uint)list.Count);
            var line = list[at];
            switch (u % 8)
            {
                case 0:
                    list[at] = line[..(line.Length / 2)];
                    break;
                case 1:
                    list.Insert(at, line);
                    break;
                case 2:
                    list.RemoveAt(at);
                    break;
                case 3:
                    (list[at], list[(at + 1) % list.Count]) = (list[(at + 1) % list.Count], line);
                    break;
                case 4 when line.Length > 0:
                    var chars = line.ToCharArray();
                    chars[(int)(u / 64 % (uint)chars.Length)] = (char)(u >> 20 & 0xFF);
                    list[at] = new string(chars);
                    break;
                case 5:
                    list[at] = line + "\r";
                    break;
                case 6:
                    list[at] = System.Text.RegularExpressions.Regex.Replace(line, "[0-9]+", "99999999999999999999999", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
                    break;
                default:
                    list[at] = line.Replace(' ', '\t');
                    break;
            }
        }

        return string.Join('\n', list);
    }
}
