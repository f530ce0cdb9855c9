using System.Text.Json;
using TcpDoctor.Kernel;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class CounterRatesTests
{
    [Theory]
    [InlineData(100L, 150L, 5.0, 10.0)]
    [InlineData(7L, 7L, 2.0, 0.0)]
    [InlineData(150L, 100L, 5.0, null)] // went backwards: a reset, not a negative rate
    [InlineData(null, 100L, 5.0, null)]
    [InlineData(100L, null, 5.0, null)]
    [InlineData(100L, 150L, 0.0, null)]
    [InlineData(100L, 150L, -1.0, null)]
    [InlineData(100L, 150L, double.PositiveInfinity, null)]
    [InlineData(long.MaxValue - 10, long.MaxValue, 2.0, 5.0)]
    public void Rate_is_the_increase_per_second_or_nothing(long? then, long? now, double seconds, double? expected) =>
        Assert.Equal(expected, CounterRates.Rate(then, now, seconds));

    [Fact]
    public void Reads_each_counter_from_its_section_by_its_kernel_name()
    {
        var before = State(tcp: 0, ext: 0, ct: 0);
        var after = State(tcp: 10, ext: 20, ct: 30);
        var r = CounterRates.Between(before, after, 2);
        Assert.Equal(5, r.ActiveOpens);
        Assert.Equal(10, r.PassiveOpens);
        Assert.Equal(15, r.ResetsSent);
        Assert.Equal(20, r.ResetsReceived);
        Assert.Equal(25, r.RetransSegs);
        Assert.Equal(10, r.ListenOverflows);
        Assert.Equal(20, r.ListenDrops);
        Assert.Equal(30, r.SynCookiesSent);
        Assert.Equal(40, r.TimeWaitOverflows);
        Assert.Equal(15, r.ConntrackDrops);
        Assert.Equal(30, r.ConntrackEarlyDrops);
        Assert.Equal(45, r.ConntrackInsertFailed);
    }

    [Fact]
    public void Counters_that_restarted_after_a_reboot_give_no_rate_while_the_others_still_do()
    {
        var before = State(tcp: 1000, ext: 0, ct: 0);
        var after = State(tcp: 5, ext: 10, ct: 10);
        var r = CounterRates.Between(before, after, 1);
        Assert.Null(r.ActiveOpens);
        Assert.Null(r.RetransSegs);
        Assert.Equal(10, r.ListenOverflows);
        Assert.Equal(10, r.ConntrackDrops);
    }

    [Fact]
    public void A_host_without_conntrack_or_counters_has_no_rates() =>
        Assert.Equal(CounterRates.None, CounterRates.Between(KernelState.Empty, KernelState.Empty, 2));

    [Fact]
    public void Conntrack_loaded_between_samples_gives_no_conntrack_rate()
    {
        var r = CounterRates.Between(State(0, 0, null), State(10, 10, 10), 1);
        Assert.Null(r.ConntrackDrops);
        Assert.Equal(10, r.ActiveOpens);
    }

    [Fact]
    public void No_time_between_samples_gives_no_rates() =>
        Assert.Equal(CounterRates.None, CounterRates.Between(State(0, 0, 0), State(10, 10, 10), 0));

    [Fact]
    public void Rates_carry_every_name_of_the_watch_json_contract_in_camel_case()
    {
        string[] contract = ["activeOpens", "passiveOpens", "resetsSent", "resetsReceived", "retransSegs", "listenDrops", "timeWaitOverflows"];
        var names = typeof(CounterRates).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToHashSet();
        Assert.Subset(names, contract.ToHashSet());
    }

    /// <summary>Each counter at base × its position, so a counter read from the wrong name shows.</summary>
    private static KernelState State(long tcp, long ext, long? ct) => new()
    {
        Tcp = Counters(tcp, "ActiveOpens", "PassiveOpens", "OutRsts", "EstabResets", "RetransSegs"),
        TcpExt = Counters(ext, "ListenOverflows", "ListenDrops", "SyncookiesSent", "TCPTimeWaitOverflow"),
        Conntrack = ct is { } c ? new ConntrackState { Count = 100, Max = 1000, Drop = c, EarlyDrop = 2 * c, InsertFailed = 3 * c } : null,
    };

    private static CounterSet Counters(long value, params string[] names)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            d[names[i]] = value * (i + 1);
        }

        return new CounterSet(d);
    }
}
