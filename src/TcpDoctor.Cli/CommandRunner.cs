using System.CommandLine;
using System.CommandLine.Invocation;

namespace TcpDoctor.Cli;

/// <summary>
/// Runs the parsed command and turns expected failures into one line on stderr and an
/// <see cref="ExitCode"/>. Set TCPDOCTOR_DEBUG=1 to see stack traces of unexpected errors.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> InvokeAsync(ParseResult parse)
    {
        // A monitoring plugin's every failure is UNKNOWN (exit 3), said on stdout: the core shows stdout only.
        var plugin = Commands.CheckCommand.Owns(parse);
        if (parse.Errors.Count > 0 && plugin)
        {
            Console.Out.WriteLine(Rendering.CheckRenderer.Unknown(string.Join("; ", parse.Errors.Select(e => e.Message)) + " (tcpdoctor check --help)"));
            return (int)ExitCode.Failure;
        }

        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"tcpdoctor: {error.Message}");
            }

            // A bad value of a known option already says what to write (one line, like every other
            // error); an unknown word or a missing argument gets the pointer to --help.
            if (parse.Errors.Any(e => e.SymbolResult is not (System.CommandLine.Parsing.OptionResult or System.CommandLine.Parsing.ArgumentResult)))
            {
                Console.Error.WriteLine("Try 'tcpdoctor --help' or 'tcpdoctor VERB --help'.");
            }

            return (int)ExitCode.Usage;
        }

        // One termination scope for every asynchronous verb, its token the action's. The parser's own
        // handler is off: it would return 130 two seconds after Ctrl+C although a lab is still removing
        // its namespaces. Synchronous verbs cannot observe a token, so Ctrl+C ends them the default way.
        using var termination = parse.Action is AsynchronousCommandLineAction ? new TerminationScope() : null;
        try
        {
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return await parse.InvokeAsync(configuration, termination?.Token ?? CancellationToken.None);
        }
        catch (TcpDoctorException e) when (plugin)
        {
            Console.Out.WriteLine(Rendering.CheckRenderer.Unknown(e.Message));
            return (int)ExitCode.Failure;
        }
        catch (TcpDoctorException e)
        {
            Console.Error.WriteLine($"tcpdoctor: {e.Message}");
            return (int)e.ExitCode;
        }
        catch (OperationCanceledException) when (plugin)
        {
            Console.Out.WriteLine(Rendering.CheckRenderer.Unknown("interrupted"));
            return (int)ExitCode.Failure;
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
        catch (Exception e) when (Environment.GetEnvironmentVariable("TCPDOCTOR_DEBUG") is null && plugin)
        {
            Console.Out.WriteLine(Rendering.CheckRenderer.Unknown($"internal error: {InternalError(e)} (TCPDOCTOR_DEBUG=1 shows the stack; please report it)"));
            return (int)ExitCode.Failure;
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
