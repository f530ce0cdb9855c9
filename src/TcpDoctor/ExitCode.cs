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
