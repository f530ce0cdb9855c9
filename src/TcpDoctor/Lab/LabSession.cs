using System.Diagnostics;
using TcpDoctor.Interop;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab;

/// <summary>
/// A running lab: its network namespace (and the peer namespace standing for another host, when the
/// scenario needs one), the role processes in them, and their removal. Scenarios build through it;
/// everything it does is reported through the progress callback, one line per step.
/// </summary>
internal sealed class LabSession : IAsyncDisposable
{
    /// <summary>The lab's address on the link to the peer, and the peer's.</summary>
    public const string LabAddress = "10.0.0.1";
    public const string PeerAddress = "10.0.0.7";

    private const int LinkPrefix = 24;
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly LabOptions _options;
    private readonly IProgress<string>? _progress;
    private readonly LabMarker _marker;
    private readonly List<string> _namespaces = [];
    private readonly List<LabWorker> _workers = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _disposed;

    private LabSession(LabScenario scenario, LabOptions options, IProgress<string>? progress, LabMarker marker)
    {
        Scenario = scenario;
        _options = options;
        _progress = progress;
        _marker = marker;
    }

    public LabScenario Scenario { get; }

    public string Name => _options.Name;

    public string PeerName => _options.Name + "-peer";

    public bool HasPeer => _namespaces.Contains(PeerName);

    public IReadOnlyList<LabWorker> Workers => _workers;

    /// <summary>How long building took, until the pathology was in place.</summary>
    public TimeSpan ReadyAfter { get; private set; }

    /// <summary>Builds <paramref name="scenario"/>; on failure or cancellation everything made so far is removed again.</summary>
    public static async Task<LabSession> StartAsync(LabScenario scenario, LabOptions options, IProgress<string>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        RequireRoot();
        ValidateName(options.Name);
        var marker = LabMarker.Claim([options.Name, options.Name + "-peer"], progress);
        var session = new LabSession(scenario, options, progress, marker);
        try
        {
            session.CreateNamespace(options.Name, "loopback up");
            await scenario.BuildAsync(session, ct);
            session.ReadyAfter = session._clock.Elapsed;
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Refuses to go on without root: namespaces, veth links and sysctls need it.</summary>
    public static void RequireRoot()
    {
        if (Libc.geteuid() != 0)
        {
            throw new TcpDoctorException("the lab needs root: it creates network namespaces (run it with sudo)");
        }
    }

    /// <summary>
    /// Makes the peer namespace: another host on a veth link (lab0 LabAddress/24 here, peer0 PeerAddress/24
    /// there), with <paramref name="peerAddresses"/> added to its link as well (more clients).
    /// </summary>
    public void AddPeer(params string[] peerAddresses)
    {
        ArgumentNullException.ThrowIfNull(peerAddresses);
        CreateNamespace(PeerName, "the other host");
        IpCommand.Run("-n", Name, "link", "add", "lab0", "type", "veth", "peer", "name", "peer0", "netns", PeerName);
        IpCommand.Run("-n", Name, "addr", "add", $"{LabAddress}/{LinkPrefix}", "dev", "lab0");
        IpCommand.Run("-n", PeerName, "addr", "add", $"{PeerAddress}/{LinkPrefix}", "dev", "peer0");
        foreach (var address in peerAddresses)
        {
            IpCommand.Run("-n", PeerName, "addr", "add", address.Contains('/', StringComparison.Ordinal) ? address : $"{address}/{LinkPrefix}", "dev", "peer0");
        }

        IpCommand.Run("-n", Name, "link", "set", "lab0", "up");
        IpCommand.Run("-n", PeerName, "link", "set", "peer0", "up");
        var extra = peerAddresses.Length > 0 ? $" (and {string.Join(", ", peerAddresses)})" : "";
        Report($"veth link: lab0 {LabAddress}/{LinkPrefix} in {Name} <-> peer0 {PeerAddress}/{LinkPrefix}{extra} in {PeerName}");
    }

    /// <summary>Sets a sysctl of the lab namespace (or the peer's); /proc/sys follows the opening thread's namespace.</summary>
    public void Sysctl(string key, string value, bool peer = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        var path = "/proc/sys/" + key.Replace('.', '/');
        NetworkNamespace.Run(peer ? PeerName : Name, () =>
        {
            File.WriteAllText(path, value);
            return 0;
        });
        Report($"sysctl {key}={value}{(peer ? $" in {PeerName}" : "")}");
    }

    /// <summary>Runs <c>ip ARGS</c> and says why.</summary>
    public void Ip(string why, params string[] arguments)
    {
        IpCommand.Run(arguments);
        Report($"{IpCommand.Describe(arguments)}: {why}");
    }

    /// <summary>Runs one nftables script (commands separated by ';') in namespace <paramref name="networkNamespace"/> and says why.</summary>
    public void Nft(string why, string networkNamespace, string script)
    {
        if (!File.Exists("/usr/sbin/nft") && !File.Exists("/sbin/nft") && !File.Exists("/usr/bin/nft"))
        {
            throw new TcpDoctorException("this lab needs nft (Debian package nftables) to drop packets at random");
        }

        IpCommand.Run("netns", "exec", networkNamespace, "nft", script);
        Report($"nft in {networkNamespace}: {script}: {why}");
    }

    /// <summary>Starts a role in the lab namespace and waits until it is in place.</summary>
    public Task<LabWorker> StartAsync(string role, string description, string behaviour, string[] arguments, CancellationToken ct) =>
        StartInAsync(Name, role, description, behaviour, arguments, ct);

    /// <summary>Starts a role on the peer host.</summary>
    public Task<LabWorker> StartOnPeerAsync(string role, string description, string behaviour, string[] arguments, CancellationToken ct) =>
        StartInAsync(PeerName, role, description, behaviour, arguments, ct);

    /// <summary>A snapshot of the lab namespace, without the process scan.</summary>
    public Snapshot Look() => SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = Name, Processes = false });

    /// <summary>Polls the lab namespace until <paramref name="condition"/> holds.</summary>
    public async Task WaitUntilAsync(string what, Func<Snapshot, bool> condition, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(condition);
        Report($"waiting until {what}");
        var deadline = Stopwatch.StartNew();
        while (!condition(Look()))
        {
            if (deadline.Elapsed > _options.ReadyTimeout)
            {
                throw new TcpDoctorException($"the lab did not get ready: still not {what} after {Duration.Format(_options.ReadyTimeout)}");
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    public void Report(string line) => _progress?.Report(line);

    /// <summary>Stops every role (stdin closed, then killed by pid), deletes the namespaces, releases the name.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Task.WhenAll(_workers.Select(w => Task.Run(() => w.Stop(StopGrace))));
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }

        for (var i = _namespaces.Count - 1; i >= 0; i--)
        {
            try
            {
                IpCommand.Run("netns", "delete", _namespaces[i]);
                Report($"removed network namespace {_namespaces[i]}");
            }
            catch (TcpDoctorException e)
            {
                Report(e.Message);
            }
        }

        _marker.Release();
    }

    private void CreateNamespace(string name, string what)
    {
        IpCommand.Run("netns", "add", name);
        _namespaces.Add(name);
        IpCommand.Run("-n", name, "link", "set", "lo", "up");
        Report($"network namespace {name}: {what}");
    }

    private async Task<LabWorker> StartInAsync(string networkNamespace, string role, string description, string behaviour, string[] arguments, CancellationToken ct)
    {
        // /proc/PID/comm keeps 15 characters.
        if (role.Length is 0 or > 15 || role.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"role name '{role}' must be 1 to 15 characters without '/'", nameof(role));
        }

        var link = Path.Combine(_marker.Directory, role);
        if (!File.Exists(link))
        {
            File.CreateSymbolicLink(link, _options.Launcher.Executable);
        }

        var worker = LabWorker.Start(link, role, networkNamespace, description, [.. _options.Launcher.Arguments, behaviour, .. arguments]);
        _workers.Add(worker);
        worker.ExitedUnexpectedly += (_, message) => Report(message);
        await worker.WaitReadyAsync(_options.ReadyTimeout, ct);
        Report($"{role} (pid {worker.Pid}{(networkNamespace == Name ? "" : $", in {networkNamespace}")}): {description}");
        return worker;
    }

    private static void ValidateName(string name)
    {
        var ok = name.Length is > 0 and <= 48 && name[0] is not ('.' or '-');
        foreach (var c in name)
        {
            ok &= char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
        }

        if (!ok)
        {
            throw new TcpDoctorException($"'{name}' is not a usable namespace name: 1 to 48 letters, digits, '-', '_' or '.'");
        }
    }
}
