using TcpDoctor.Diagnosis;
using TcpDoctor.Remedies;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests;

/// <summary>A selection that can reach every connection of the host (the operator's ssh session included) is refused unless said so.</summary>
public sealed class ReapNarrowingTests
{
    private static readonly IReadOnlySet<TcpState> Established = new HashSet<TcpState> { TcpState.Established };

    private static AddressPrefix Prefix(string text) => AddressPrefix.TryParse(text, out var p) ? p : throw new ArgumentException(text);

    public static TheoryData<string, ReapRule> NotNarrowed => new()
    {
        { "older-than alone", new ReapRule { Name = "r", OlderThan = TimeSpan.FromHours(1) } },
        { "state and older-than", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established }, OlderThan = TimeSpan.FromHours(1) } },
        { "state and idle-over", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, IdleOver = TimeSpan.FromMinutes(10) } } },
        { "state alone", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established } } },
        { "port without a state", new ReapRule { Name = "r", Filter = new SocketFilter { Port = 22 } } },
        { "peer 0.0.0.0/0", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Remote = Prefix("0.0.0.0/0") } } },
        { "peer ::/0", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Remote = Prefix("::/0") } } },
        { "peer ::ffff:0.0.0.0/96", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Remote = Prefix("::ffff:0.0.0.0/96") } } },
        { "keep-newest and a state", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established }, KeepNewest = 5 } },
        { "the root cgroup and a state", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Cgroup = "/" } } },
        { "a container without a state", new ReapRule { Name = "r", Filter = new SocketFilter { Container = "web" } } },
    };

    [Theory]
    [MemberData(nameof(NotNarrowed))]
    public void A_selection_that_is_not_narrowed_is_refused_with_what_narrows_it(string what, ReapRule rule)
    {
        var e = Assert.Throws<TcpDoctorException>(rule.Validate);

        Assert.True(e.Message == ReapAdvice.NotNarrowed, what + ": " + e.Message);
        Assert.Contains("--state", e.Message);
        Assert.Contains("--local-port", e.Message);
        Assert.Contains("--remote ADDR/PREFIX, not /0", e.Message);
        Assert.Contains("--process", e.Message);
        Assert.Contains("--finding", e.Message);
        Assert.Contains("--all-matching", e.Message);
    }

    [Theory]
    [MemberData(nameof(NotNarrowed))]
    public void All_matching_says_so_explicitly(string what, ReapRule rule)
    {
        _ = what;
        (rule with { AllMatching = true }).Validate();
    }

    public static TheoryData<string, ReapRule> Narrowed => new()
    {
        { "state and local port", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, LocalPort = 5432 } } },
        { "state and remote port", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, RemotePort = 80 } } },
        { "state and port", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Port = 80 } } },
        { "state and a real prefix", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Remote = Prefix("10.0.0.0/8") } } },
        { "state and process", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Process = "worker" } } },
        { "finding", new ReapRule { Name = "r", Finding = Catalog.HungRequests } },
        { "state and container", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Container = "web" } } },
        { "state and a unit's cgroup", new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, Cgroup = "/system.slice/php8.2-fpm.service" } } },
    };

    [Theory]
    [MemberData(nameof(Narrowed))]
    public void A_narrowed_selection_is_accepted(string what, ReapRule rule)
    {
        _ = what;
        rule.Validate();
    }

    [Fact]
    public void Idle_over_zero_is_refused()
    {
        var rule = new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, LocalPort = 80, IdleOver = TimeSpan.Zero } };

        Assert.StartsWith("idle-over must be longer than 0", Assert.Throws<TcpDoctorException>(rule.Validate).Message);
    }

    [Fact]
    public void An_empty_filter_names_what_narrows_it()
    {
        var e = Assert.Throws<TcpDoctorException>(new ReapRule { Name = "r", AllMatching = true }.Validate);

        Assert.Equal(ReapAdvice.EmptyFilter, e.Message);
        Assert.Contains("--remote ADDR/PREFIX, not /0", e.Message);
    }

    [Fact]
    public void Min_severity_without_a_finding_is_refused()
    {
        var rule = new ReapRule { Name = "r", Filter = new SocketFilter { States = Established, LocalPort = 80 }, MinSeverity = Severity.Info };

        Assert.StartsWith("min-severity applies to a finding", Assert.Throws<TcpDoctorException>(rule.Validate).Message);
    }

    [Theory]
    [InlineData("rules:\n  - name: old\n    state: established\n    olderThan: 1h\n", "p.yaml:2: rule 'old': refusing to reap a selection that can reach every connection")]
    [InlineData("rules:\n  - name: all\n    state: established\n    remote: 0.0.0.0/0\n", "p.yaml:2: rule 'all': refusing to reap a selection that can reach every connection")]
    [InlineData("rules:\n  - name: z\n    state: established\n    localPort: 22\n    idleOver: 0s\n", "p.yaml:2: rule 'z': idle-over must be longer than 0")]
    [InlineData("rules:\n  - name: fd\n    finding: fd-exhaustion\n", "p.yaml:2: rule 'fd': refusing to reap finding fd-exhaustion: ")]
    [InlineData("rules:\n  - name: s\n    finding: stale-established\n    minSeverity: severe\n", "p.yaml:4: rule 's': 'severe' is not a severity")]
    public void A_policy_rule_that_is_not_narrowed_is_refused_with_its_line(string yaml, string expected)
    {
        Assert.StartsWith(expected, Assert.Throws<TcpDoctorException>(() => ReapPolicyLoader.Parse(yaml, "p.yaml")).Message);
    }

    [Fact]
    public void A_policy_rule_may_say_all_matching_and_a_minimum_severity()
    {
        var policy = ReapPolicyLoader.Parse(
            "rules:\n  - name: old\n    state: fin-wait2\n    olderThan: 30s\n    allMatching: true\n  - name: stale\n    finding: stale-established\n    min-severity: info\n",
            "p.yaml");

        Assert.True(policy.Rules[0].AllMatching);
        Assert.Equal(Severity.Info, policy.Rules[1].MinSeverity);
        Assert.Null(policy.Rules[0].MinSeverity);
        Assert.Equal(Severity.Warning, policy.Rules[0].EffectiveMinSeverity);
    }

    [Fact]
    public void The_rule_description_says_all_matching_and_the_minimum_severity()
    {
        Assert.Equal("state FIN_WAIT2, older than 30s, all matching", ReapText.Describe(new ReapRule
        {
            Name = "r",
            Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.FinWait2 } },
            OlderThan = TimeSpan.FromSeconds(30),
            AllMatching = true,
        }));
        Assert.Equal("finding stale-established, at least info", ReapText.Describe(new ReapRule { Name = "r", Finding = Catalog.StaleEstablished, MinSeverity = Severity.Info }));
    }
}
