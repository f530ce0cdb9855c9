using System.CommandLine;
using TcpDoctor.Snapshots;

namespace TcpDoctor.Cli;

/// <summary>
/// How the continuous verbs (watch, record) keep their cost down between full reads: the flags of
/// <see cref="SamplingPolicy"/>. See docs/engine.md, "Cost".
/// </summary>
/// <param name="detailEvery">The verb's default for --detail-every (serve judges less often than watch).</param>
/// <param name="ownerRefresh">The verb's default for --owner-refresh.</param>
internal sealed class SamplingArgs(TimeSpan? detailEvery = null, TimeSpan? ownerRefresh = null)
{
    public DurationOption OwnerRefresh { get; } = new(
        "--owner-refresh",
        [],
        "Walk every /proc/PID/fd to map sockets to processes this often; in between the map is reused, and sockets with no known " +
        "owner one sample later trigger a walk (at most every 5s). 0 walks at every sample.",
        ownerRefresh ?? SamplingPolicy.DefaultOwnerRefresh);

    public DurationOption DetailEvery { get; } = new(
        "--detail-every",
        [],
        "Read tcp_info (timers, idle times, retransmits) and run the detectors this often; the samples in between only count, " +
        "and findings stand until the next full one. 0 reads everything at every sample.",
        detailEvery ?? SamplingPolicy.DefaultDetailEvery);

    public void AddTo(Command command)
    {
        command.Options.Add(OwnerRefresh.Option);
        command.Options.Add(DetailEvery.Option);
    }

    public SamplingPolicy ToPolicy(ParseResult parse) => new()
    {
        OwnerRefresh = OwnerRefresh.GetValue(parse),
        DetailEvery = DetailEvery.GetValue(parse),
    };
}
