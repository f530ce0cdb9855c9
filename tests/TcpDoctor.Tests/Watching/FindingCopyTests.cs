using System.Reflection;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class FindingCopyTests
{
    [Fact]
    public void The_copy_keeps_everything_but_the_sockets()
    {
        var socket = new TcpSocket { State = TcpState.Established };
        var original = new Finding
        {
            Id = "hung-requests",
            Severity = Severity.Critical,
            Title = "title",
            Subject = new FindingSubject { Process = "appA", RemoteAddress = "10.0.0.2", RemotePort = 80 },
            Summary = "summary",
            Outlook = "outlook",
            Evidence = [Figure.Of("n", 3)],
            Remedies = ["timeout"],
            Confirm = "confirm",
            TimeToFull = TimeSpan.FromMinutes(3),
            Magnitude = 0.7,
            Sockets = [socket],
            Reapable = ReapableSockets.Where([socket], static _ => true),
        };

        var copy = FindingCopy.WithoutSockets(original);

        Assert.Empty(copy.Sockets);
        Assert.Empty(copy.Reapable.Sockets);
        Assert.Equal(FindingCopy.KeptWithoutSockets, copy.Reapable.Reason);
        foreach (var p in typeof(Finding).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.Name is not (nameof(Finding.Sockets) or nameof(Finding.Reapable)))
            {
                Assert.Equal(p.GetValue(original), p.GetValue(copy));
            }
        }
    }

    /// <summary>When this fails, Finding gained a property: copy it in <see cref="FindingCopy"/>, then add it here.</summary>
    [Fact]
    public void Finding_has_no_property_the_copy_does_not_know()
    {
        string[] known = ["Id", "Severity", "Title", "Subject", "Summary", "Outlook", "Evidence", "Remedies", "Confirm", "TimeToFull", "Magnitude", "Sockets", "Reapable", "Key"];
        var actual = typeof(Finding).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(known.Order(StringComparer.Ordinal), actual);
    }

    [Fact]
    public void A_finding_without_sockets_is_not_copied()
    {
        var f = Findings.Make();
        Assert.Same(f, FindingCopy.WithoutSockets(f));
    }
}
