namespace TcpDoctor;

/// <summary>
/// Every exit status tcpdoctor uses, in one place (cf. dotnet-counters' ReturnCode). diagnose follows the
/// Nagios convention for 0–3; 64 and 70 are sysexits' EX_USAGE and EX_SOFTWARE.
/// </summary>
public enum ExitCode
{
    /// <summary>Success; for diagnose, nothing at warning or above.</summary>
    Ok = 0,

    /// <summary>diagnose: the worst finding is a warning.</summary>
    Warning = 1,

    /// <summary>diagnose: a critical finding.</summary>
    Critical = 2,

    /// <summary>
    /// An expected failure, one line on stderr: a file that cannot be read or is wrong, a missing permission,
    /// a kernel without a feature. For diagnose this is Nagios' UNKNOWN: could not diagnose.
    /// </summary>
    Failure = 3,

    /// <summary>The command line is wrong: unknown verb or option, a malformed or out-of-range value, options that exclude each other.</summary>
    Usage = 64,

    /// <summary>An internal error (a bug): TCPDOCTOR_DEBUG=1 shows the stack trace.</summary>
    Internal = 70,

    /// <summary>Stopped by Ctrl+C (128 + SIGINT) before it finished.</summary>
    Interrupted = 130,
}

/// <summary>
/// The <see cref="ExitCode"/> values as ints, for command actions (which return int) and for code written
/// against the earlier constants. Every value comes from the enum.
/// </summary>
public static class ExitCodes
{
    public const int Ok = (int)ExitCode.Ok;
    public const int Warning = (int)ExitCode.Warning;
    public const int Critical = (int)ExitCode.Critical;

    /// <summary>diagnose could not diagnose (Nagios UNKNOWN); the same value as <see cref="Failure"/>.</summary>
    public const int Unknown = (int)ExitCode.Failure;

    /// <summary>An expected failure: bad file, missing permission, missing kernel feature.</summary>
    public const int Failure = (int)ExitCode.Failure;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = (int)ExitCode.Usage;

    public const int Internal = (int)ExitCode.Internal;

    public const int Interrupted = (int)ExitCode.Interrupted;
}
