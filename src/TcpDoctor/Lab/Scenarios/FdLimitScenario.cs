using TcpDoctor.Diagnosis;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 000: sockets count against a process's open-files limit. appA runs with a soft RLIMIT_NOFILE of
/// 128 and has 90 % of it in use; a few more connections and accept()/connect() fail with EMFILE.
/// </summary>
internal sealed class FdLimitScenario : LabScenario
{
    public override string Name => "fd-limit";

    public override string Description => "appA runs with an open-files limit of 128 and holds connections up to 90 % of it";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.FdExhaustion];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        await lab.StartAsync(
            "postgres", "a database on 127.0.0.1:5432 that keeps every connection it is given",
            "server", ["listen=127.0.0.1:5432", "mode=drain"], ct);
        await lab.StartAsync(
            "appA", "lowers its own soft open-files limit to 128 and opens connections to 127.0.0.1:5432 until 90 % of it is in use",
            "idle", ["connect=127.0.0.1:5432", "nofile=128", "fill=0.9"], ct);
    }
}
