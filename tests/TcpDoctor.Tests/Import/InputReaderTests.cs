using TcpDoctor.Diagnosis;
using TcpDoctor.Import;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Import;

/// <summary>
/// ss, netstat and /proc/net/tcp output captured from the real tools in one lab moment
/// (Fixtures/import/close-wait-leak/README.md): every format reads the same socket table, and the
/// diagnosis names what the live one named, minus what the format cannot carry.
/// </summary>
public sealed class InputReaderTests
{
    private static ImportedTable Read(string file, InputFormat format = InputFormat.Auto)
    {
        using var reader = new StreamReader(Fixture.Path("import", "close-wait-leak", file));
        return InputReader.Read(reader, file, format);
    }

    private static List<(TcpState, string, ushort, string, ushort)> Tuples(ImportedTable t) =>
        [.. t.Sockets.Select(s => (s.State, s.LocalAddress.Unmapped.ToString(), s.LocalPort, s.RemoteAddress.Unmapped.ToString(), s.RemotePort)).Order()];

    [Theory]
    [InlineData("ss-tan.txt", InputFormat.Ss)]
    [InlineData("ss-tanpoi.txt", InputFormat.Ss)]
    [InlineData("ss-tanpoH.txt", InputFormat.Ss)]
    [InlineData("netstat-antp.txt", InputFormat.Netstat)]
    [InlineData("netstat-tanpo.txt", InputFormat.Netstat)]
    [InlineData("proc-net-tcp.txt", InputFormat.Proc)]
    public void Every_format_is_detected_and_reads_the_same_table_with_nothing_skipped(string file, InputFormat format)
    {
        var table = Read(file);

        Assert.Equal(format, table.Format);
        Assert.Equal(0, table.Skipped);
        Assert.Equal(Tuples(Read("ss-tan.txt")), Tuples(table));
        Assert.Equal(
            File.ReadLines(Fixture.Path("import", "close-wait-leak", "ss-tan.txt")).Count(l => l.StartsWith("CLOSE-WAIT", StringComparison.Ordinal)),
            table.Sockets.Count(s => s.State == TcpState.CloseWait));
    }

    [Theory]
    [InlineData("ss-tan.txt", false, false, false)]
    [InlineData("ss-tanpoi.txt", true, true, true)]
    [InlineData("ss-tanpoH.txt", true, true, false)]
    [InlineData("netstat-antp.txt", true, false, false)]
    [InlineData("netstat-tanpo.txt", true, true, false)]
    [InlineData("proc-net-tcp.txt", false, true, false)]
    public void What_each_format_carries_is_known(string file, bool processes, bool timers, bool tcpInfo)
    {
        var table = Read(file);
        Assert.Equal(processes, table.HasProcesses);
        Assert.Equal(timers, table.HasTimers);
        Assert.Equal(tcpInfo, table.HasTcpInfo);
    }

    [Fact]
    public void Ss_users_timers_and_tcp_info_are_read()
    {
        var table = Read("ss-tanpoi.txt");
        var leaked = table.Sockets.Where(s => s.State == TcpState.CloseWait && s.LocalPort == 9000).ToList();

        Assert.NotEmpty(leaked);
        Assert.All(leaked, s => Assert.Equal("php-fpm", table.Commands[s.Pid]));
        Assert.All(leaked, s => Assert.True(s.Info.IsPresent && s.Info.RtoUs > 0));
        Assert.Contains(table.Sockets, s => s.Timer == TimerKind.TimeWait && s.TimerExpiresMs is > 0 and <= 60_000);
    }

    [Theory]
    [InlineData("ss-tanpoi.txt", "php-fpm")]
    [InlineData("netstat-antp.txt", "php-fpm")]
    [InlineData("ss-tan.txt", null)]
    [InlineData("proc-net-tcp.txt", null)]
    public void The_leak_is_found_as_diagnose_found_it_live(string file, string? process)
    {
        var tables = new[] { Read(file) };
        var snapshot = ImportedSnapshot.From(tables);

        var f = Assert.Single(Diagnoser.Judge(snapshot, null, Thresholds.Default));

        Assert.Equal(Catalog.CloseWaitLeak, f.Id);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(9000, f.Subject.LocalPort);
        Assert.Equal("127.0.0.1", f.Subject.RemoteAddress);
        Assert.Equal(process, f.Subject.Process);
        Assert.Equal(process is null ? null : 19846, f.Subject.Pid);
    }

    [Fact]
    public void With_several_inputs_each_finding_names_the_one_that_fed_it()
    {
        var other = InputReader.Read(new StringReader("ESTAB 0 0 10.0.0.1:22 10.0.0.9:50000\n"), "other.txt");
        var tables = new[] { Read("netstat-antp.txt"), other };

        var f = Assert.Single(ImportedSnapshot.Sourced(Diagnoser.Judge(ImportedSnapshot.From(tables), null, Thresholds.Default), tables));

        Assert.Equal("netstat-antp.txt", f.Text("input"));
        Assert.Null(Assert.Single(ImportedSnapshot.Sourced(Diagnoser.Judge(ImportedSnapshot.From([tables[0]]), null, Thresholds.Default), [tables[0]])).Text("input"));
    }

    [Fact]
    public void What_cannot_be_judged_is_said_per_input()
    {
        var gaps = ImportedSnapshot.Gaps([Read("ss-tan.txt"), Read("ss-tanpoi.txt")]);

        Assert.Contains(gaps, g => g.StartsWith("ss-tan.txt (ss -tan): no tcp_info", StringComparison.Ordinal) && g.Contains("not available from this input", StringComparison.Ordinal));
        Assert.DoesNotContain(gaps, g => g.StartsWith("ss-tanpoi.txt", StringComparison.Ordinal));
        Assert.Contains(gaps, g => g.Contains("Linux defaults are assumed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("hello\nworld\n")]
    [InlineData("")]
    [InlineData("\0\u0001\u0002binary")]
    public void Text_that_is_none_of_the_formats_is_one_clear_error(string text)
    {
        var e = Assert.Throws<TcpDoctorException>(() => InputReader.Read(new StringReader(text), "x.txt"));
        Assert.StartsWith("x.txt: cannot tell what this is", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_lines_are_counted_with_their_numbers_and_the_rest_is_read()
    {
        var text = "State Recv-Q Send-Q Local Address:Port Peer Address:Port\n" +
                   "ESTAB 0 0 10.0.0.1:80 10.0.0.2:5000\n" +
                   "ESTAB zero 0 10.0.0.1:80 10.0.0.2:5001\n" +
                   "ESTAB 0 0 localhost:http 10.0.0.2:5002\n" +
                   "garbage\n" +
                   "LISTEN 0 511 [::]:443 [::]:*\n";

        var t = InputReader.Read(new StringReader(text), "x");

        Assert.Equal(2, t.Sockets.Count);
        Assert.Equal(3, t.Skipped);
        Assert.Equal([3, 4, 5], t.SkippedLines);
        Assert.Equal("x: 3 of 6 lines could not be read and were skipped (lines 3, 4, 5).", Assert.Single(ImportedSnapshot.From([t]).Notices));
    }

    [Theory]
    [InlineData("1min30sec", 90_000u)]
    [InlineData("59sec", 59_000u)]
    [InlineData("1.200ms", 1_200u)]
    [InlineData("200ms", 200u)]
    [InlineData("2h3min", 7_380_000u)]
    public void Ss_timer_durations(string text, uint ms)
    {
        Assert.True(TcpDoctor.Import.DurationText.TryParseMs(text, out var parsed));
        Assert.Equal(ms, parsed);
    }
}
