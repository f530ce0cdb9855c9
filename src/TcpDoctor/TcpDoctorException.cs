namespace TcpDoctor;

/// <summary>
/// An expected failure (bad input, missing permission, kernel without a feature). The CLI prints its
/// message as one line and exits with <see cref="ExitCode"/>; never a stack trace.
/// </summary>
public sealed class TcpDoctorException : Exception
{
    public TcpDoctorException(string message, int exitCode = ExitCodes.Failure, Exception? inner = null)
        : base(message, inner) => ExitCode = exitCode;

    public TcpDoctorException()
    {
    }

    public TcpDoctorException(string message)
        : base(message)
    {
    }

    public TcpDoctorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = ExitCodes.Failure;
}

/// <summary>
/// Process exit codes. diagnose/check follow the Nagios convention: 0 OK, 1 warning, 2 critical,
/// 3 unknown (could not diagnose).
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Warning = 1;
    public const int Critical = 2;
    public const int Unknown = 3;

    /// <summary>Usage error or expected failure of a non-diagnostic verb.</summary>
    public const int Failure = 3;

    public const int Usage = 64;
}
