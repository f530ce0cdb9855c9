using TcpDoctor.Diagnosis;
using TcpDoctor.Remedies;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests;

public sealed class ReapPolicyLoaderTests
{
    private const string Yaml = """
        # reap policy
        maxPerMinute: 120
        thresholds:
          hungAfter: 2m
        rules:
          - name: stale-fin-wait-2
            state: fin-wait2
            olderThan: 30s
            localPort: 443
          - name: hung-backend
            finding: Hung-Requests
            remote: 10.0.0.0/8
            dryRun: true
          - name: per-client-cap
            states: [established, close-wait]
            local-port: 5432
            keep_newest: 20
            process: 812
            idle-over: 10m
        """;

    [Fact]
    public void Reads_rules_rate_limit_and_thresholds_from_yaml()
    {
        var policy = ReapPolicyLoader.Parse(Yaml, "reap.yaml");

        Assert.Equal(120, policy.MaxPerMinute);
        Assert.Equal(TimeSpan.FromMinutes(2), policy.ApplyThresholds(Thresholds.Default).HungAfter);
        Assert.Equal(["stale-fin-wait-2", "hung-backend", "per-client-cap"], policy.Rules.Select(r => r.Name));
        var fw2 = policy.Rules[0];
        Assert.Equal([TcpState.FinWait2], fw2.Filter.States);
        Assert.Equal(TimeSpan.FromSeconds(30), fw2.OlderThan);
        Assert.Equal((ushort)443, fw2.Filter.LocalPort);
        Assert.False(fw2.DryRun);
        var hung = policy.Rules[1];
        Assert.Equal("hung-requests", hung.Finding);
        Assert.True(hung.DryRun);
        Assert.True(hung.Filter.Remote!.Value.Contains(NetAddress.FromIPv4(0x0A010203)));
        var cap = policy.Rules[2];
        Assert.Equal(new HashSet<TcpState> { TcpState.Established, TcpState.CloseWait }, cap.Filter.States);
        Assert.Equal(20, cap.KeepNewest);
        Assert.Equal("812", cap.Filter.Process);
        Assert.Equal(TimeSpan.FromMinutes(10), cap.Filter.IdleOver);
        Assert.True(policy.NeedsDiagnosis);
    }

    [Fact]
    public void Reads_the_same_policy_from_json()
    {
        const string json = """
            {
              "maxPerMinute": 0,
              "rules": [
                { "name": "tw", "state": ["time-wait"], "olderThan": "5s", "includeListeners": false, "port": 80 },
                { "name": "all-listeners-on-9999", "state": "listen", "port": 9999, "includeListeners": true }
              ]
            }
            """;

        var policy = ReapPolicyLoader.Parse(json, "reap.json");

        Assert.Equal(0, policy.MaxPerMinute);
        Assert.Equal((ushort)80, policy.Rules[0].Filter.Port);
        Assert.True(policy.Rules[1].IncludeListeners);
        Assert.False(policy.NeedsDiagnosis);
    }

    [Theory]
    [InlineData("rules:\n  - name: a\n    state: fin-wait2\n    colour: red\n", "p.yaml:4: unknown key 'colour' in a rule")]
    [InlineData("rules:\n  - name: a\n    state: fin-wait3\n", "p.yaml:3: rule 'a': 'fin-wait3' is not a TCP state")]
    [InlineData("rules:\n  - name: a\n    finding: hung-requests\n  - name: b\n    keepNewest: 3\n", "p.yaml:4: rule 'b': refusing to reap with no filter")]
    [InlineData("rules:\n  - name: a\n    finding: hung-requests\n  - name: a\n    finding: stale-established\n", "p.yaml:4: two rules are named 'a' (the first on line 2)")]
    [InlineData("rules:\n  - name: a\n    state: time-wait\n    olderThan: soon\n", "p.yaml:4: 'olderThan' must be a duration")]
    [InlineData("rules:\n  - name: a\n    state: listen\n", "p.yaml:2: rule 'a': LISTEN sockets are never reaped unless")]
    [InlineData("rules:\n  - name: a\n    finding: slow-dns\n", "p.yaml:2: rule 'a': 'slow-dns' is not a finding id")]
    [InlineData("rules:\n  - name: a\n    port: 70000\n", "p.yaml:3: 'port' must be a whole number from 1 to 65535")]
    [InlineData("rules:\n  - name: a\n    finding: hung-requests\n    dryRun: maybe\n", "p.yaml:4: 'dryRun' must be true or false")]
    [InlineData("maxPerMinute: 10\nthresholds:\n  hungAfter: 2m\n  hungLater: 3m\nrules: []\n", "p.yaml:4: unknown threshold 'hungLater'")]
    [InlineData("thresholds:\n  hungAfter: never\nrules:\n  - name: a\n    finding: hung-requests\n", "p.yaml:2: ")]
    [InlineData("thresholds:\n  hungAfter: 2m\n  hungWarning: 100\nrules:\n  - name: a\n    finding: hung-requests\n", "p.yaml:3: hungWarning (100) is above hungCritical (50)")]
    [InlineData("thresholds:\n  portsCritical: 0.9\n  portsWarning: 0.95\nrules:\n  - name: a\n    finding: hung-requests\n", "p.yaml:3: portsWarning (0.95) is above portsCritical (0.9)")]
    [InlineData("rules:\n  - name: a\n    finding: hung-requests\n   state: x\n", "p.yaml:4: not valid YAML")]
    [InlineData("maxPerMinute: 10\n", "p.yaml:1: the policy has no 'rules'")]
    [InlineData("maxPerMinute: -1\nrules:\n  - name: a\n    finding: hung-requests\n", "p.yaml:1: 'maxPerMinute' must be a whole number from 0 up")]
    [InlineData("rules:\n  - port: 80\n", "p.yaml:2: a rule needs a 'name'")]
    [InlineData("", "p.yaml:1: the policy is empty")]
    public void Rejects_a_bad_policy_naming_the_line_at_fault(string text, string expected)
    {
        var e = Assert.Throws<TcpDoctorException>(() => ReapPolicyLoader.Parse(text, "p.yaml"));

        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Warning_levels_are_checked_against_the_baseline_the_policy_is_applied_over()
    {
        const string text = "thresholds:\n  hungAfter: 2m\n  hungWarning: 100\nrules:\n  - name: a\n    finding: hung-requests\n";
        var raised = Thresholds.Default with { HungCritical = 200 };
        var lowered = Thresholds.Default with { HungWarning = 10, HungCritical = 20 };

        var policy = ReapPolicyLoader.Parse(text, "p.yaml", raised);
        var e = Assert.Throws<TcpDoctorException>(() => ReapPolicyLoader.Parse(text.Replace("100", "30", StringComparison.Ordinal), "p.yaml", lowered));

        Assert.Equal(100, policy.ApplyThresholds(raised).HungWarning);
        Assert.StartsWith("p.yaml:3: hungWarning (30) is above hungCritical (20)", e.Message);
    }

    [Fact]
    public void Json_errors_name_the_line_too()
    {
        const string json = "{\n  \"rules\": [\n    { \"name\": \"a\", \"port\": 80, \"state\": \"established\" },\n    { \"name\": \"b\", \"state\": \"nope\" }\n  ]\n}\n";
        const string broken = "{\n  \"rules\": [\n    { \"name\": \"a\" \"port\": 80 }\n  ]\n}\n";

        var semantic = Assert.Throws<TcpDoctorException>(() => ReapPolicyLoader.Parse(json, "p.json"));
        var syntax = Assert.Throws<TcpDoctorException>(() => ReapPolicyLoader.Parse(broken, "p.json"));

        Assert.StartsWith("p.json:4: rule 'b': 'nope' is not a TCP state", semantic.Message);
        Assert.StartsWith("p.json:3: not valid JSON", syntax.Message);
    }

    [Fact]
    public void A_missing_file_is_one_clear_line()
    {
        var e = Assert.Throws<TcpDoctorException>(() => ReapPolicyLoader.Load("/nonexistent/reap.yaml"));

        Assert.StartsWith("cannot read policy file /nonexistent/reap.yaml", e.Message);
    }
}
