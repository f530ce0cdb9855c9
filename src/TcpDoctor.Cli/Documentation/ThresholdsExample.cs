using System.Text;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli.Documentation;

/// <summary>
/// The example thresholds file the package puts in /etc/tcpdoctor: every key of <see cref="ThresholdKeys.All"/>
/// with its meaning and its default, commented out, so the file changes nothing until a line is uncommented
/// and a new default in a later version still applies to keys left alone.
/// </summary>
internal static class ThresholdsExample
{
    public static string Write()
    {
        var w = new StringBuilder();
        w.Append("# tcpdoctor thresholds (flat YAML; JSON with the same keys works too). Every key is listed with its\n");
        w.Append("# default, commented out: uncomment and change the ones to override. Use the file with\n");
        w.Append("#\n#   tcpdoctor diagnose --config /etc/tcpdoctor/thresholds.yaml      (also check, watch, serve)\n#\n");
        w.Append("# --set KEY=VALUE and the flags (--stale-after, --hung-after, --max-per-client) override the file.\n");
        w.Append("# 'tcpdoctor diagnose --list-thresholds' prints the same keys; 'tcpdoctor explain ID' explains a finding.\n");
        foreach (var key in ThresholdKeys.All)
        {
            w.Append("\n# ").Append(key.Description).Append('\n');
            w.Append('#').Append(key.Name).Append(": ").Append(key.Format(Thresholds.Default)).Append('\n');
        }

        return w.ToString();
    }
}
