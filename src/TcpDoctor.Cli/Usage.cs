namespace TcpDoctor.Cli;

/// <summary>
/// Usage errors: the command line itself is wrong (a malformed or out-of-range value, options that
/// exclude each other). They exit <see cref="ExitCode.Usage"/> (64), like the parser's own errors;
/// a file or the host failing us exits <see cref="ExitCode.Failure"/>.
/// </summary>
internal static class Usage
{
    public static TcpDoctorException Error(string message) => new(message, ExitCode.Usage);

    /// <summary>
    /// Runs the core's interpretation of a command-line value (a duration, a state, a threshold, a rule);
    /// what it rejects is a usage error.
    /// </summary>
    public static T Check<T>(Func<T> interpret)
    {
        ArgumentNullException.ThrowIfNull(interpret);
        try
        {
            return interpret();
        }
        catch (TcpDoctorException e) when (e.ExitCode == ExitCode.Failure)
        {
            throw new TcpDoctorException(e.Message, ExitCode.Usage, e);
        }
    }

    public static void Check(Action interpret) => Check(() =>
    {
        interpret();
        return 0;
    });
}
