using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests;

/// <summary>The <c>--hung-after</c> flag as an operator types it: a default wait and per port, peer or process rules. (No root needed.)</summary>
public sealed class HungAfterCliTests
{
    [Fact]
    public void Repeated_hung_after_sets_the_default_and_rules_and_the_list_shows_them()
    {
        var (exit, stdout, stderr) = Cli.Run("diagnose", "--hung-after", "30s", "--hung-after", "5432=10m", "--hung-after", "redis-cli=off", "--hung-after", "5672=2m", "--list-thresholds");
        Assert.True(exit == 0, stderr);
        var line = Assert.Single(stdout.Split('\n'), l => l.StartsWith("hungAfter ", StringComparison.Ordinal));
        Assert.Contains("30s, 5671=off, 15010=off, 15012=off, 5432=10m, redis-cli=off, 5672=2m", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5432=soon")]
    [InlineData("70000=1m")]
    [InlineData("30s,40s")]
    public void A_bad_rule_is_a_one_line_error(string value)
    {
        var (exit, stdout, stderr) = Cli.Run("diagnose", "--hung-after", value, "--list-thresholds");
        Assert.NotEqual(0, exit);
        Assert.Contains("hungAfter", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout.Trim());
    }

    [Fact]
    public void Help_documents_the_rule_syntax()
    {
        var (exit, stdout, _) = Cli.Run("diagnose", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("SELECTOR=DURATION", stdout, StringComparison.Ordinal);
        Assert.Contains("redis-cli=off", stdout, StringComparison.Ordinal);
    }
}
