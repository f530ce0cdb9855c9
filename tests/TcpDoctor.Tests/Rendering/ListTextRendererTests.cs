using TcpDoctor.Cli.Rendering;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Rendering;

public sealed class ListTextRendererTests
{
    /// <summary>Every row but the TIME_WAIT flood, and two of those.</summary>
    private static List<TcpSocket> Rows(Snapshot s) =>
        [.. s.Sockets.Where(x => x.State != TcpState.TimeWait), .. s.Sockets.Where(x => x.State == TcpState.TimeWait).Take(2)];

    [Fact]
    public void One_row_per_socket_as_ss_writes_endpoints()
    {
        var snapshot = Scenes.Web1Snapshot();
        string[] expected =
        [
            "State        Recv-Q  Send-Q Local                      Peer                       Process                Timer              Idle s/r          RTT",
            "LISTEN            0     511 0.0.0.0:80                 *                          nginx/812              -                  -                   -",
            "LISTEN            0     511 [::]:443                   *                          nginx/812              -                  -                   -",
            "LISTEN            5       4 10.0.0.1:8080              *                          appA/1001              -                  -                   -",
            "ESTABLISHED       0       0 10.0.0.1:80                10.0.0.7:41000             nginx/812              -                  200ms/100ms    0.00ms",
            "ESTABLISHED       0       0 10.0.0.1:80                10.0.0.7:41001             nginx/812              -                  200ms/100ms    0.00ms",
            "ESTABLISHED       0       0 10.0.0.1:80                10.0.0.7:41002             nginx/812              -                  200ms/100ms    0.00ms",
            "ESTABLISHED       0       0 10.0.0.1:80                10.0.0.7:41003             nginx/812              -                  200ms/100ms    0.00ms",
            "ESTABLISHED       0       0 10.0.0.1:80                10.0.0.7:41004             nginx/812              -                  200ms/100ms    0.00ms",
            "ESTABLISHED       0       0 10.0.0.1:80                10.0.0.7:41005             nginx/812              -                  200ms/100ms    0.00ms",
            "ESTABLISHED       0       0 [2001:db8::1]:443          [2001:db8::9]:52000        nginx/812              -                  1m15s/1h       0.00ms",
            "ESTABLISHED       0       0 [::ffff:10.0.0.1]:443      [::ffff:10.0.0.9]:52001    nginx/812              -                  1s/1s          0.00ms",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50000             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50001             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50002             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50003             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50004             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50005             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50006             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50007             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50008             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50009             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50010             php-fpm/900            -                  -                   -",
            "CLOSE_WAIT        1       0 10.0.0.1:9000              10.0.0.8:50011             php-fpm/900            -                  -                   -",
            "SYN_SENT          0       0 10.0.0.1:40001             10.0.0.3:6379              appA/1001              on,1.5s,3          -                   -",
            "FIN_WAIT2         0       0 10.0.0.1:80                10.0.0.7:42000             -                      timewait,12s       -                   -",
            "ESTABLISHED       0       0 10.0.0.1:22                10.0.0.50:60000            ?                      -                  2s/2s          0.00ms",
            "TIME_WAIT         0       0 10.0.0.1:33000             10.0.0.2:5432              -                      timewait,40s       -                   -",
            "TIME_WAIT         0       0 10.0.0.1:33001             10.0.0.2:5432              -                      timewait,40s       -                   -",
        ];
        var output = MockOutput.Render(new ListTextRenderer(), SocketTable.Of(snapshot, Rows(snapshot)));
        Assert.Equal(expected, output.Lines);
        Assert.Equal(["note: Not root: 3 processes' sockets are not attributed."], output.ErrorLines);
    }

    [Fact]
    public void No_match_is_one_line_under_the_header()
    {
        var output = MockOutput.Render(new ListTextRenderer(), new SocketTable(Scenes.Empty(), []));
        Assert.Equal(2, output.Lines.Count);
        Assert.Equal("(no socket matches)", output.Lines[1]);
        Assert.Empty(output.ErrorLines);
    }

    [Fact]
    public void Json_rows_stay_one_array_on_stdout_with_notes_on_stderr()
    {
        var snapshot = Scenes.Web1Snapshot();
        var output = MockOutput.Render(new ListJsonRenderer(), SocketTable.Of(snapshot, Rows(snapshot)));
        using var doc = System.Text.Json.JsonDocument.Parse(output.Stdout);
        Assert.Equal(Rows(snapshot).Count, doc.RootElement.GetArrayLength());
        Assert.Equal("::ffff:10.0.0.1", doc.RootElement[10].GetProperty("localAddress").GetString());
        Assert.Equal(["note: Not root: 3 processes' sockets are not attributed."], output.ErrorLines);
    }
}
