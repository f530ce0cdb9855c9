using System.Net;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

public sealed class NetworkNamespaceTests
{
    [Fact]
    public void Run_enters_the_namespace_on_another_thread_and_leaves_the_caller_where_it_was()
    {
        using var ns = TestNamespace.Create("enter");
        var before = NetworkNamespace.CurrentId();
        var callerThread = Environment.CurrentManagedThreadId;

        var (inside, thread) = ns.Run(() => (NetworkNamespace.CurrentId(), Environment.CurrentManagedThreadId));

        Assert.StartsWith("net:[", before);
        Assert.Equal(ns.Exec("readlink", "/proc/self/ns/net").Trim(), inside);
        Assert.NotEqual(before, inside);
        Assert.NotEqual(callerThread, thread);
        Assert.Equal(before, NetworkNamespace.CurrentId());
    }

    [Fact]
    public void Run_accepts_a_path_as_well_as_a_name()
    {
        using var ns = TestNamespace.Create("path");
        Assert.Equal(ns.Run(NetworkNamespace.CurrentId), NetworkNamespace.Run("/run/netns/" + ns.Name, NetworkNamespace.CurrentId));
    }

    [Fact]
    public void Run_without_a_namespace_runs_inline()
    {
        var thread = NetworkNamespace.Run(null, () => Environment.CurrentManagedThreadId);
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
    }

    [Fact]
    public void Run_names_a_missing_namespace_in_one_line()
    {
        var name = $"tdk-missing-{Environment.ProcessId}";
        var error = Assert.Throws<TcpDoctorException>(() => NetworkNamespace.Run(name, () => 0));
        Assert.Equal($"no network namespace '{name}' (see 'ip netns list')", error.Message);
    }

    [Fact]
    public void Run_rejects_a_file_that_is_not_a_network_namespace()
    {
        Requirements.RequireRoot();
        var error = Assert.Throws<TcpDoctorException>(() => NetworkNamespace.Run("/proc/self/ns/uts", () => 0));
        Assert.Contains("is not a network namespace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_rethrows_the_actions_exception()
    {
        using var ns = TestNamespace.Create("throw");
        Assert.Throws<InvalidOperationException>(() => ns.Run<int>(() => throw new InvalidOperationException("inside")));
    }

    [Fact]
    public void A_reader_opened_inside_keeps_reading_that_namespace_from_any_thread()
    {
        using var ns = TestNamespace.Create("reader");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var cookie = SocketFactory.CookieOf(listener);
        using var inside = ns.Run(SockDiagReader.Open);
        using var outside = SockDiagReader.Open();

        Assert.Equal([cookie], Dumps.All(inside).Select(s => s.Cookie));
        Assert.DoesNotContain(Dumps.All(outside), s => s.Cookie == cookie);
    }

    [Fact]
    public void Sysctl_changes_the_namespace_and_not_the_host()
    {
        using var ns = TestNamespace.Create("sysctl");
        var host = File.ReadAllText("/proc/sys/net/ipv4/tcp_fin_timeout").Trim();
        var value = host == "17" ? "18" : "17";

        ns.Sysctl("net.ipv4.tcp_fin_timeout", value);

        Assert.Equal(value, ns.Exec("cat", "/proc/sys/net/ipv4/tcp_fin_timeout").Trim());
        Assert.Equal(host, File.ReadAllText("/proc/sys/net/ipv4/tcp_fin_timeout").Trim());
    }

    [Fact]
    public void Disposing_the_namespace_kills_the_processes_it_started_and_deletes_it()
    {
        var ns = TestNamespace.Create("dispose");
        var pid = ns.Start("sleep", "600").Id;
        Assert.True(Directory.Exists($"/proc/{pid}"));
        ns.Dispose();

        Assert.False(Directory.Exists($"/proc/{pid}"));
        Assert.False(File.Exists("/run/netns/" + ns.Name));
    }

    [Fact]
    public void Sockets_created_inside_are_invisible_to_the_host_socket_table()
    {
        using var ns = TestNamespace.Create("isolate");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.IPv6Loopback);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        Assert.Contains(Ss.Sockets(ns), s => s.LocalPort == port && s.State == TcpState.Listen);
        using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        var refused = Assert.Throws<SocketException>(() => probe.Connect(IPAddress.IPv6Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }
}
