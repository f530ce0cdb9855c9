using System.CommandLine;

namespace TcpDoctor.Cli;

/// <summary>
/// Runs the parsed command and turns expected failures into one line on stderr and an exit code.
/// Set TCPDOCTOR_DEBUG=1 to see stack traces of unexpected errors.
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
            return ExitCodes.Usage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (TcpDoctorException e)
        {
            Console.Error.WriteLine($"tcpdoctor: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (IOException e) when (e.HResult == 32 || e.Message.Contains("Broken pipe", StringComparison.Ordinal))
        {
            // Output piped into head(1): not an error.
            return ExitCodes.Ok;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("TCPDOCTOR_DEBUG") is null)
        {
            Console.Error.WriteLine($"tcpdoctor: internal error: {e.GetType().Name}: {e.Message} (TCPDOCTOR_DEBUG=1 shows the stack; please report it)");
            return 70;
        }
    }
}
