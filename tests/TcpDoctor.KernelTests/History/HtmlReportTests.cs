using System.Net;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.History;

/// <summary>
/// The HTML report of a real recording, rendered by headless Chromium (Debian's <c>chromium</c>, installed
/// by .ci/run): the browser's DOM shows the title, the finding and charts with data, and nothing is fetched.
/// </summary>
public sealed class HtmlReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-html-").FullName;

    [Fact]
    public void The_html_report_renders_in_chromium_with_its_finding_and_charts()
    {
        var chromium = Requirements.Tool("chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        using var ns = TestNamespace.Create("recordhtml");
        using var sockets = new SocketFactory(ns);
        var listener = sockets.Listen(IPAddress.Loopback, backlog: 64);
        var db = Path.Combine(_dir, "history.db");
        using (var recorder = Recorder.Start(db, "--netns", ns.Name, "--interval", "100ms", "--detail-every", "400ms"))
        {
            recorder.WaitForSamples(8);
            for (var i = 0; i < 15; i++)
            {
                var pair = sockets.Connect(listener);
                pair.Client.Close();
                SocketFactory.WaitForState(pair.Server, TcpState.CloseWait);
            }

            recorder.WaitForSamples(recorder.Samples() + 8);
            Assert.Equal(0, recorder.Terminate().ExitCode);
        }

        var report = Cli.Run("history", "report", "--db", db, "--since", "10m", "--format", "html");
        Assert.True(report.ExitCode == 0, report.Stderr);
        var html = Path.Combine(_dir, "report.html");
        File.WriteAllText(html, report.Stdout);

        // TCPDOCTOR_KEEP_REPORT=DIR keeps the page and its screenshot there, to look at them.
        var keep = Environment.GetEnvironmentVariable("TCPDOCTOR_KEEP_REPORT") is { Length: > 0 } k ? k : null;
        if (keep is not null)
        {
            File.Copy(html, Path.Combine(keep, "report.html"), overwrite: true);
        }

        Assert.DoesNotContain("<script", report.Stdout);
        Assert.DoesNotContain("src=", report.Stdout);
        Assert.DoesNotContain("href=", report.Stdout);

        var args = new[] { "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", $"--user-data-dir={Path.Combine(_dir, "profile")}" };
        var dom = CommandRunner.RunWithStatus(chromium, [.. args, "--dump-dom", "file://" + html], TimeSpan.FromSeconds(90));
        Assert.True(dom.ExitCode == 0, dom.Stderr);
        Assert.Contains("<title>TCP incident report, ", dom.Stdout);
        Assert.Contains("<code>close-wait-leak</code>", dom.Stdout);
        Assert.Contains("<svg id=\"sockets-by-state\"", dom.Stdout);
        Assert.Matches("<polyline class=\"series\" data-name=\"CLOSE_WAIT\" data-points=\"[1-9][0-9]*\"", dom.Stdout);
        Assert.Contains("class=\"start\"", dom.Stdout); // the change point is drawn on the finding's chart

        var png = Path.Combine(_dir, "report.png");
        var shot = CommandRunner.RunWithStatus(chromium, [.. args, "--window-size=1000,1600", $"--screenshot={png}", "file://" + html], TimeSpan.FromSeconds(90));
        Assert.True(shot.ExitCode == 0, shot.Stderr);
        Assert.True(new FileInfo(png).Length > 10_000, "the screenshot is a page with content, not a blank");
        if (keep is not null)
        {
            File.Copy(png, Path.Combine(keep, "report.png"), overwrite: true);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
