namespace TcpDoctor;

/// <summary>
/// An expected failure (bad input, missing permission, kernel without a feature). The CLI prints its
/// message as one line and exits with <see cref="ExitCode"/>; never a stack trace.
/// </summary>
public sealed class TcpDoctorException : Exception
{
    public TcpDoctorException(string message, ExitCode exitCode, Exception? inner = null)
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

    public ExitCode ExitCode { get; } = ExitCode.Failure;
}
