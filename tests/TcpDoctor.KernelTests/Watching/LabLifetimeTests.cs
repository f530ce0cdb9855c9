using System.Globalization;
using System.Text.Json;
using TcpDoctor.Diagnosis;
using TcpDoctor.KernelTests.Lab;
using TcpDoctor.KernelTests.Reap;

namespace TcpDoctor.KernelTests.Watching;

/// <summary>
/// The engine against a lab, both as an operator runs them: <c>tcpdoctor lab close-wait-leak</c> and
/// <c>tcpdoctor watch --format json --netns NAME</c> as two processes. The leak appears once, ages with the
/// same first-seen time, and clears when the leaking process (the lab's php-fpm, by its pid) ends.
/// The labs have names of their own: the scenario tests run the same scenarios at the same time.
/// </summary>
public sealed class LabLifetimeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static JsonElement? Leak(JsonElement sample, string list) =>
        sample.GetProperty(list).EnumerateArray().Where(f => f.GetProperty("id").GetString() == Catalog.CloseWaitLeak).Cast<JsonElement?>().SingleOrDefault();

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();

    [Fact]
    public async Task A_lab_leak_appears_once_ages_and_clears_when_the_leaking_process_ends()
    {
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-watch-leak-{Environment.ProcessId}");
        var phpFpm = lab.PidOf("php-fpm");

        // Judged every 600 ms, counted every 300 ms in between: the counting samples carry the finding over.
        using var watch = TcpDoctorCli.Start("watch", "--format", "json", "--interval", "300ms", "--detail-every", "600ms", "--netns", lab.Name);
        var appearedLine = watch.WaitForLine(l => Leak(Parse(l), "findings") is { } f && f.GetProperty("new").GetBoolean(), Patience, "with the leak, new");
        var appeared = Leak(Parse(appearedLine), "findings")!.Value;
        Assert.Equal(phpFpm, appeared.GetProperty("subject").GetProperty("pid").GetInt32());
        var firstSeen = appeared.GetProperty("firstSeen").GetString();

        // Ages: later samples list it with the same first seen, older, and never new again.
        watch.WaitForLine(l => Leak(Parse(l), "findings") is { } f && f.GetProperty("ageSeconds").GetDouble() >= 1.0, Patience, "with the leak at least 1 s old");
        var listed = watch.Stdout.Select(Parse).Select(s => Leak(s, "findings")).OfType<JsonElement>().ToList();
        Assert.True(listed.Count >= 3, $"{listed.Count} samples list the leak");
        Assert.All(listed, f => Assert.Equal(firstSeen, f.GetProperty("firstSeen").GetString()));
        Assert.Single(listed, f => f.GetProperty("new").GetBoolean());

        // The leaking process ends: its CLOSE_WAIT go with it, and the next judged sample clears the leak.
        lab.KillRole(phpFpm);
        var clearedLine = watch.WaitForLine(l => Leak(Parse(l), "cleared") is not null, Patience, "clearing the leak");
        var cleared = Leak(Parse(clearedLine), "cleared")!.Value;
        Assert.Equal(firstSeen, cleared.GetProperty("firstSeen").GetString());
        Assert.Null(Leak(Parse(clearedLine), "findings"));
        Assert.Equal(0, Parse(clearedLine).GetProperty("states").GetProperty("CLOSE_WAIT").GetInt32());

        Assert.Equal(0, watch.Stop(Patience));
        Assert.Empty(watch.Stderr);
    }

    [Fact]
    public async Task A_namespace_removed_under_watch_ends_it_with_one_line_saying_so()
    {
        await using var lab = await LabRun.StartAsync("healthy", $"tdk-watch-gone-{Environment.ProcessId}");
        using var watch = TcpDoctorCli.Start("watch", "--format", "json", "--interval", "200ms", "--netns", lab.Name);
        watch.WaitForLine(l => l.StartsWith('{'), Patience, "a first sample");
        var samples = watch.Stdout.Count;

        Assert.Equal(0, await lab.StopAsync());
        Assert.Equal(3, watch.WaitForExit(Patience));
        var line = Assert.Single(watch.Stderr);
        Assert.StartsWith($"tcpdoctor: network namespace '{lab.Name}' is gone: it was removed (or its last process exited) after ", line, StringComparison.Ordinal);
        Assert.True(watch.Stdout.Count >= samples, string.Create(CultureInfo.InvariantCulture, $"{watch.Stdout.Count} samples"));
    }
}
