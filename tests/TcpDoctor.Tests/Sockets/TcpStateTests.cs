using TcpDoctor.Sockets;

namespace TcpDoctor.Tests;

public sealed class TcpStateTests
{
    [Theory]
    [InlineData("ESTABLISHED", TcpState.Established)]
    [InlineData("estab", TcpState.Established)]
    [InlineData("time-wait", TcpState.TimeWait)]
    [InlineData("TIME_WAIT", TcpState.TimeWait)]
    [InlineData("fin-wait-2", TcpState.FinWait2)]
    [InlineData("FIN_WAIT2", TcpState.FinWait2)]
    [InlineData("close-wait", TcpState.CloseWait)]
    [InlineData("SYN-RECV", TcpState.SynRecv)]
    [InlineData("listen", TcpState.Listen)]
    [InlineData("UNCONN", TcpState.Close)]
    public void Parses_netstat_and_ss_spellings(string text, TcpState expected)
    {
        Assert.True(TcpStates.TryParse(text, out var state));
        Assert.Equal(expected, state);
    }

    [Fact]
    public void Netstat_names_round_trip_for_every_state()
    {
        foreach (var state in TcpStates.All)
        {
            Assert.True(TcpStates.TryParse(state.ToNetstatName(), out var back));
            Assert.Equal(state, back);
        }
    }

    [Fact]
    public void Unknown_state_in_a_filter_is_a_user_facing_error()
    {
        var e = Assert.Throws<TcpDoctorException>(() => SocketFilter.ParseStates(["established,wat"]));
        Assert.Contains("'wat' is not a TCP state", e.Message);
    }

    [Fact]
    public void State_lists_accept_commas_and_repeats()
    {
        var set = SocketFilter.ParseStates(["time-wait,close-wait", "listen"]);
        Assert.Equal(new HashSet<TcpState> { TcpState.TimeWait, TcpState.CloseWait, TcpState.Listen }, set);
    }
}
