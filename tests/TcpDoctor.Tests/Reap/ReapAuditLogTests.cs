using TcpDoctor.Remedies;
using TcpDoctor.Sockets;
using static TcpDoctor.Tests.ReapSockets;

namespace TcpDoctor.Tests;

public sealed class ReapAuditLogTests
{
    [Fact]
    public void Formats_one_logfmt_line_with_the_exact_tuple_and_quoted_reason()
    {
        var socket = Sock(TcpState.Established, "[::ffff:10.0.0.1]:43210", "[::ffff:10.0.0.2]:80", cookie: 4242, pid: 812);
        var rule = new ReapRule { Name = "hung", Finding = "hung-requests" };
        var record = new ReapRecord
        {
            Time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
            Candidate = new ReapCandidate(socket, rule, "hung-requests: 5 requests from \"curl\" hang"),
            Outcome = ReapOutcome.Destroyed,
            Process = "curl",
            Pid = 812,
            NetworkNamespace = "blue",
        };

        Assert.Equal(
            "2026-01-02T03:04:05.678Z destroyed rule=hung state=ESTABLISHED local=[::ffff:10.0.0.1]:43210 remote=[::ffff:10.0.0.2]:80 " +
            "process=curl pid=812 cookie=4242 netns=blue reason=\"hung-requests: 5 requests from \\\"curl\\\" hang\"",
            ReapAuditLog.Format(record));
    }
}
