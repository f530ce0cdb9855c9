namespace TcpDoctor.Lab;

/// <summary>
/// How to run this tool again as a lab role: the file to execute (the apphost, or the dotnet host) and
/// the arguments that come before the behaviour (the assembly for the dotnet host, then the hidden verb).
/// The lab executes it through a symlink named after the role, because /proc/PID/comm — the process
/// name every tool shows — is the basename of the file that was executed.
/// </summary>
internal sealed record WorkerLauncher(string Executable, IReadOnlyList<string> Arguments);
