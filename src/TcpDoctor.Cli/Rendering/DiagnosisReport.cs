using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli.Rendering;

/// <summary>What diagnose prints: the result, and the findings at or above --min-severity.</summary>
internal sealed record DiagnosisReport(DiagnosisResult Result, IReadOnlyList<Finding> Shown);
