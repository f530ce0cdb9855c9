using System.CommandLine;

namespace TcpDoctor.Cli;

/// <summary>
/// Runs the parsed command and turns expected failures into one line on stderr and an
/// <see cref="ExitCode"/>. Set TCPDOCTOR_DEBUG=1 to see stack traces of unexpected errors.
/// </summary>
internal static class CommandRunner
{
    public static int Invoke(ParseResult parse)
    {
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"tcpdoctor: {error.Message}");
            }

            Console.Error.WriteLine("Try 'tcpdoctor --help' or 'tcpdoctor VERB --help'.");
            return (int)ExitCode.Usage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (TcpDoctorException e)
        {
            Console.Error.WriteLine($"tcpdoctor: {e.Message}");
            return (int)e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return (int)ExitCode.Interrupted;
        }
        catch (IOException e) when (e.HResult == 32 || e.Message.Contains("Broken pipe", StringComparison.Ordinal))
        {
            // EPIPE: output piped into head(1) that has stopped reading. Not an error.
            return (int)ExitCode.Ok;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("TCPDOCTOR_DEBUG") is null)
        {
            Console.Error.WriteLine($"tcpdoctor: internal error: {InternalError(e)} (TCPDOCTOR_DEBUG=1 shows the stack; please report it)");
            return (int)ExitCode.Internal;
        }
    }

    /// <summary>
    /// The type and, where it is text, the message. The runtime's own messages are resource keys in this
    /// build (UseSystemResourceKeys), so they are replaced by our words or left out.
    /// </summary>
    internal static string InternalError(Exception e)
    {
        if (e is IOException or UnauthorizedAccessException)
        {
            return $"{e.GetType().Name}: {FileErrors.Describe(e)}";
        }

        return FileErrors.IsResourceKey(e.Message) || string.IsNullOrWhiteSpace(e.Message)
            ? e.GetType().Name
            : $"{e.GetType().Name}: {e.Message}";
    }
}
