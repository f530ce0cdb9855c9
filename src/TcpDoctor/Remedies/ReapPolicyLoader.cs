using System.Globalization;
using TcpDoctor.Configuration;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Reads a reap policy from YAML or JSON (docs/reap.md). Keys are camelCase (kebab-case is accepted);
/// every mistake is one <see cref="TcpDoctorException"/> line naming the file and the line at fault:
/// <c>reap.yaml:12: rule 'fin-wait-2': 'fin-wait-3' is not a TCP state: …</c>.
/// </summary>
public static class ReapPolicyLoader
{
    private static readonly string[] TopKeys = ["rules", "maxPerMinute", "thresholds"];

    private static readonly string[] RuleKeys =
    [
        "name", "state", "port", "localPort", "remotePort", "remote", "process", "cgroup", "container", "idleOver", "olderThan",
        "finding", "minSeverity", "keepNewest", "includeListeners", "allMatching", "dryRun",
    ];

    /// <param name="baseline">The thresholds the policy's <c>thresholds</c> section is applied over (the
    /// caller's config and flags; defaults when null), for checking that warning levels stay at or below critical ones.</param>
    public static ReapPolicy Load(string path, Thresholds? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(TextFiles.ReadSmall(path, "policy file"), path, baseline);
    }

    public static ReapPolicy Parse(string text, string source, Thresholds? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var root = ConfigDocumentReader.Read(text, source) ?? throw new TcpDoctorException($"{source}:1: the policy is empty: it needs 'rules'");
        if (root.Kind != ConfigNodeKind.Mapping)
        {
            throw Error(source, root, $"expected a map with 'rules', found {root.Describe()}");
        }

        List<ReapRule>? rules = null;
        var maxPerMinute = ReapPolicy.DefaultMaxPerMinute;
        var thresholds = new List<KeyValuePair<string, string?>>();
        foreach (var (key, value) in Keys(root, TopKeys, source, "the policy"))
        {
            switch (key)
            {
                case "rules":
                    rules = ReadRules(value, source);
                    break;
                case "maxPerMinute":
                    maxPerMinute = Int(value, source, key, 0, int.MaxValue);
                    break;
                case "thresholds":
                    thresholds = ReadThresholds(value, source, baseline ?? Thresholds.Default);
                    break;
                default:
                    break;
            }
        }

        if (rules is null)
        {
            throw Error(source, root, "the policy has no 'rules'");
        }

        return new ReapPolicy { Rules = rules, MaxPerMinute = maxPerMinute, ThresholdSettings = thresholds, Source = source };
    }

    private static List<ReapRule> ReadRules(ConfigNode node, string source)
    {
        if (node.Kind != ConfigNodeKind.Sequence || node.Items.Count == 0)
        {
            throw Error(source, node, $"'rules' must be a list of rules, found {node.Describe()}");
        }

        var rules = new List<ReapRule>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in node.Items)
        {
            var rule = ReadRule(item, source);
            if (!names.TryAdd(rule.Name, item.Line))
            {
                throw Error(source, item, $"two rules are named '{rule.Name}' (the first on line {names[rule.Name]})");
            }

            rules.Add(rule);
        }

        return rules;
    }

    private static ReapRule ReadRule(ConfigNode node, string source)
    {
        if (node.Kind != ConfigNodeKind.Mapping)
        {
            throw Error(source, node, $"a rule is a map of 'name', 'state', 'olderThan'…, found {node.Describe()}");
        }

        var entries = Keys(node, RuleKeys, source, "a rule");
        var name = entries.FirstOrDefault(e => e.Key == "name").Value is { } n
            ? Text(n, source, "name")
            : throw Error(source, node, "a rule needs a 'name'");
        var context = $"rule '{name}'";
        var filter = new SocketFilter();
        var rule = new ReapRule { Name = name };
        foreach (var (key, value) in entries)
        {
            try
            {
                switch (key)
                {
                    case "state":
                        filter = filter with { States = SocketFilter.ParseStates(Texts(value, source, key)) };
                        break;
                    case "port":
                        filter = filter with { Port = Port(value, source, key) };
                        break;
                    case "localPort":
                        filter = filter with { LocalPort = Port(value, source, key) };
                        break;
                    case "remotePort":
                        filter = filter with { RemotePort = Port(value, source, key) };
                        break;
                    case "remote":
                        var r = Text(value, source, key);
                        filter = filter with
                        {
                            Remote = AddressPrefix.TryParse(r, out var prefix)
                                ? prefix
                                : throw new TcpDoctorException($"'{r}' is not an address or ADDR/PREFIX (10.0.0.2, 10.0.0.0/8)"),
                        };
                        break;
                    case "process":
                        filter = filter with { Process = Text(value, source, key) };
                        break;
                    case "cgroup":
                        filter = filter with { Cgroup = Text(value, source, key) };
                        break;
                    case "container":
                        filter = filter with { Container = Text(value, source, key) };
                        break;
                    case "idleOver":
                        filter = filter with { IdleOver = Dur(value, source, key) };
                        break;
                    case "olderThan":
                        rule = rule with { OlderThan = Dur(value, source, key) };
                        break;
                    case "finding":
                        var id = Text(value, source, key);
                        rule = rule with { Finding = Catalog.Find(id)?.Id ?? id };
                        break;
                    case "minSeverity":
                        rule = rule with { MinSeverity = ReapRule.ParseSeverity(Text(value, source, key)) };
                        break;
                    case "allMatching":
                        rule = rule with { AllMatching = Bool(value, source, key) };
                        break;
                    case "keepNewest":
                        rule = rule with { KeepNewest = Int(value, source, key, 1, int.MaxValue) };
                        break;
                    case "includeListeners":
                        rule = rule with { IncludeListeners = Bool(value, source, key) };
                        break;
                    case "dryRun":
                        rule = rule with { DryRun = Bool(value, source, key) };
                        break;
                    default:
                        break;
                }
            }
            catch (TcpDoctorException e) when (!e.Message.StartsWith(source + ":", StringComparison.Ordinal))
            {
                throw new TcpDoctorException($"{source}:{value.Line}: {context}: {e.Message}", ExitCode.Failure, e);
            }
        }

        rule = rule with { Filter = filter };
        try
        {
            rule.Validate();
        }
        catch (TcpDoctorException e)
        {
            throw new TcpDoctorException($"{source}:{node.Line}: {context}: {e.Message}", ExitCode.Failure, e);
        }

        return rule;
    }

    private static List<KeyValuePair<string, string?>> ReadThresholds(ConfigNode node, string source, Thresholds baseline)
    {
        if (node.Kind != ConfigNodeKind.Mapping)
        {
            throw Error(source, node, $"'thresholds' must be a map of threshold keys (hungAfter: 2m), found {node.Describe()}");
        }

        var settings = new List<KeyValuePair<string, string?>>();
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var t = baseline;
        foreach (var (keyNode, valueNode) in node.Entries)
        {
            var key = ThresholdKeys.Find(keyNode.Value!)
                ?? throw Error(source, keyNode, $"unknown threshold '{keyNode.Value}' (known: {string.Join(", ", ThresholdKeys.All.Select(k => k.Name))})");
            if (!lines.TryAdd(key.Name, keyNode.Line))
            {
                throw Error(source, keyNode, $"'{key.Name}' is set twice (first on line {lines[key.Name]})");
            }

            if (valueNode.Kind != ConfigNodeKind.Scalar)
            {
                throw Error(source, valueNode, $"'{key.Name}' needs a plain value, found {valueNode.Describe()}");
            }

            try
            {
                t = key.Set(t, valueNode.Value);
            }
            catch (TcpDoctorException e)
            {
                throw new TcpDoctorException($"{source}:{valueNode.Line}: {e.Message}", ExitCode.Failure, e);
            }

            settings.Add(new(key.Name, valueNode.Value));
        }

        // A warning above its critical level would leave the groups between them unreported.
        if (ThresholdKeys.FindInconsistency(t) is var (lower, upper))
        {
            var line = Math.Max(lines.GetValueOrDefault(lower), lines.GetValueOrDefault(upper));
            throw new TcpDoctorException(
                $"{source}:{(line > 0 ? line : node.Line)}: {lower} ({ThresholdKeys.Find(lower)!.Format(t)}) is above {upper} ({ThresholdKeys.Find(upper)!.Format(t)}): a warning level must not exceed its critical level");
        }

        return settings;
    }

    /// <summary>The entries of a map with their canonical key names; unknown or repeated keys are errors.</summary>
    private static List<KeyValuePair<string, ConfigNode>> Keys(ConfigNode map, string[] known, string source, string what)
    {
        var result = new List<KeyValuePair<string, ConfigNode>>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Entries)
        {
            var canonical = Canonical(keyNode.Value!, known)
                ?? throw Error(source, keyNode, $"unknown key '{keyNode.Value}' in {what} (known: {string.Join(", ", known)})");
            if (!seen.TryAdd(canonical, keyNode.Line))
            {
                throw Error(source, keyNode, $"'{canonical}' is set twice in {what} (first on line {seen[canonical]})");
            }

            result.Add(new(canonical, value));
        }

        return result;
    }

    /// <summary>Matches camelCase, kebab-case and snake_case spellings, any case; "states" and "idle" are accepted too.</summary>
    private static string? Canonical(string key, string[] known)
    {
        var folded = key.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        folded = folded.ToLowerInvariant() switch
        {
            "states" => "state",
            "idle" => "idleover",
            var f => f,
        };
        return known.FirstOrDefault(k => string.Equals(k, folded, StringComparison.OrdinalIgnoreCase));
    }

    private static string Text(ConfigNode node, string source, string key) =>
        node.Kind == ConfigNodeKind.Scalar && !string.IsNullOrWhiteSpace(node.Value)
            ? node.Value
            : throw Error(source, node, $"'{key}' needs a value, found {node.Describe()}");

    private static List<string> Texts(ConfigNode node, string source, string key)
    {
        if (node.Kind == ConfigNodeKind.Sequence)
        {
            return node.Items.Select(i => Text(i, source, key)).ToList();
        }

        return [Text(node, source, key)];
    }

    private static int Int(ConfigNode node, string source, string key, int min, int max)
    {
        var text = Text(node, source, key);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw Error(source, node, string.Create(CultureInfo.InvariantCulture, $"'{key}' must be a whole number from {min}{(max == int.MaxValue ? " up" : $" to {max}")}, not '{text}'"));
    }

    private static ushort Port(ConfigNode node, string source, string key) => (ushort)Int(node, source, key, 1, 65535);

    private static TimeSpan Dur(ConfigNode node, string source, string key)
    {
        var text = Text(node, source, key);
        return Duration.TryParse(text, out var d)
            ? d
            : throw Error(source, node, $"'{key}' must be a duration like 500ms, 30s, 10m or 2h, not '{text}'");
    }

    private static bool Bool(ConfigNode node, string source, string key) => Text(node, source, key).ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        var other => throw Error(source, node, $"'{key}' must be true or false, not '{other}'"),
    };

    private static TcpDoctorException Error(string source, ConfigNode node, string message) => new($"{source}:{node.Line}: {message}");
}
