using System.Net;
using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests;

/// <summary>
/// The built CLI run as nobody (setpriv) in a namespace whose sockets belong to this root test process:
/// it sees every socket (sock_diag needs no privilege) but cannot read our /proc/PID/fd, and says so in
/// one note, the same in every verb.
/// </summary>
public sealed class UnprivilegedCliTests
{
    private const string NotePrefix = "Process attribution is partial:";

    [Fact]
    public void Diagnose_as_nobody_sees_every_socket_and_says_once_which_processes_it_could_not_read()
    {
        using var cli = UnprivilegedCli.Create();
        using var ns = TestNamespace.Create("unpriv-diag");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        factory.Connect(listener);
        factory.Connect(listener);
        var ss = Ss.Sockets(ns);

        var json = cli.Run(ns.Name, "diagnose", "--sample", "0", "--format", "json");
        var text = cli.Run(ns.Name, "diagnose", "--sample", "0");

        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Stdout);
        var root = doc.RootElement;
        Assert.Equal(ss.Count, root.GetProperty("total").GetInt32());
        var notices = root.GetProperty("notices").EnumerateArray().Select(n => n.GetString()!).ToList();
        var limitations = root.GetProperty("limitations").EnumerateArray().Select(n => n.GetString()!).ToList();
        var note = Assert.Single(notices, n => n.StartsWith(NotePrefix, StringComparison.Ordinal));
        Assert.Contains("permission denied: not root", note, StringComparison.Ordinal);
        Assert.DoesNotContain(notices.Concat(limitations), n => n != note && n.Contains("process", StringComparison.OrdinalIgnoreCase) && !n.Contains("tcp_info", StringComparison.Ordinal));

        Assert.True(text.ExitCode == 0, text.ToString());
        // Notes are wrapped to the terminal width: compare the text with its lines joined.
        var flat = string.Join(' ', text.Stdout.Split('\n').Select(x => x.Trim()));
        Assert.Equal(1, Occurrences(flat, NotePrefix));
        Assert.Equal(1, Occurrences(flat, "could not be read"));
        Assert.Equal(1, Occurrences(flat, "permission denied"));
        Assert.Equal(string.Empty, text.Stderr);
    }

    [Fact]
    public void Summary_and_list_as_nobody_leave_root_s_sockets_unattributed_and_say_why()
    {
        using var cli = UnprivilegedCli.Create();
        using var ns = TestNamespace.Create("unpriv-list");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        factory.Connect(listener);
        var owned = Ss.Sockets(ns).Count(s => s.State is Sockets.TcpState.Listen or Sockets.TcpState.Established);

        var summary = cli.Run(ns.Name, "summary", "--format", "json");
        var list = cli.Run(ns.Name, "list", "--format", "json");

        Assert.True(summary.ExitCode == 0, summary.ToString());
        using var s = JsonDocument.Parse(summary.Stdout);
        var attribution = s.RootElement.GetProperty("attribution");
        Assert.Equal(owned, attribution.GetProperty("unattributed").GetInt32());
        Assert.True(attribution.GetProperty("processesUnreadable").GetInt32() >= 1);
        Assert.Single(s.RootElement.GetProperty("notices").EnumerateArray(), n => n.GetString()!.StartsWith(NotePrefix, StringComparison.Ordinal));

        Assert.True(list.ExitCode == 0, list.ToString());
        using var l = JsonDocument.Parse(list.Stdout);
        Assert.Equal(owned, l.RootElement.GetArrayLength());
        Assert.All(l.RootElement.EnumerateArray(), r => Assert.False(r.TryGetProperty("pid", out _)));
        Assert.Equal(1, list.Stderr.Split('\n').Count(x => x.StartsWith("note: " + NotePrefix, StringComparison.Ordinal)));
    }

    [Fact]
    public void All_namespaces_as_nobody_fails_with_one_line_that_says_what_it_needs()
    {
        using var cli = UnprivilegedCli.Create();
        using var ns = TestNamespace.Create("unpriv-all");

        var result = cli.Run(null, "summary", "--all-namespaces");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("CAP_SYS_ADMIN", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hidepid_proc_is_named_in_the_note()
    {
        using var cli = UnprivilegedCli.Create();
        using var ns = TestNamespace.Create("unpriv-hidepid");
        using var factory = new SocketFactory(ns);
        factory.Connect(factory.Listen(IPAddress.Loopback));

        // ip netns exec runs each command in a mount namespace of its own: this /proc is gone with it.
        var result = cli.RunWith(ns.Name, ["mount -t proc -o hidepid=2 proc /proc"], ["summary", "--format", "json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var note = Assert.Single(doc.RootElement.GetProperty("notices").EnumerateArray().Select(n => n.GetString()!), n => n.StartsWith(NotePrefix, StringComparison.Ordinal));
        // The kernel shows hidepid=2 by its name since 5.8.
        Assert.Matches("hidepid=(2|invisible), so other users' processes are hidden", note);
        Assert.True(doc.RootElement.GetProperty("attribution").GetProperty("unattributed").GetInt32() >= 2);

        // The host's /proc is untouched.
        Assert.Null(Processes.ProcessVisibility.Read().HidePid);
    }

    [Fact]
    public void A_pid_namespace_of_its_own_is_named_in_the_note_even_for_root()
    {
        Requirements.RequireRoot();
        using var ns = TestNamespace.Create("pidns");
        using var factory = new SocketFactory(ns);
        factory.Connect(factory.Listen(IPAddress.Loopback));
        var unshare = Reap.TcpDoctorCli.FindTool("unshare") ?? throw new InvalidOperationException("unshare (util-linux) is needed");
        var dotnet = Reap.TcpDoctorCli.FindTool("dotnet") ?? "dotnet";

        // The CLI becomes pid 1 of a new PID namespace with its own /proc: this test process is not in it.
        var (exit, stdout, stderr) = CommandRunner.RunWithStatus("ip", ["netns", "exec", ns.Name, unshare, "--pid", "--fork", "--mount-proc", dotnet, Cli.DllPath, "summary", "--format", "json"], TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var note = Assert.Single(doc.RootElement.GetProperty("notices").EnumerateArray().Select(n => n.GetString()!), n => n.StartsWith(NotePrefix, StringComparison.Ordinal));
        Assert.Contains("PID namespace other than the host's", note, StringComparison.Ordinal);
        Assert.DoesNotContain("permission denied", note, StringComparison.Ordinal);
        Assert.True(doc.RootElement.GetProperty("attribution").GetProperty("unattributed").GetInt32() >= 2);
    }

    private static int Occurrences(string text, string part)
    {
        var n = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
