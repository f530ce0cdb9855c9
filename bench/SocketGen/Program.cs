namespace SocketGen;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        GenOptions options;
        try
        {
            options = GenOptions.Parse(args);
        }
        catch (SocketGenException e)
        {
            Console.Error.WriteLine($"socketgen: {e.Message}");
            return 2;
        }

        try
        {
            var plan = Plan.Create(options);
            return options.Worker switch
            {
                WorkerMode.Pairs => new PairWorker(plan, options.WorkerIndex).Run(),
                WorkerMode.Churn => new ChurnWorker(plan).Run(),
                _ => await new Generator(options, plan).RunAsync(),
            };
        }
        catch (SocketGenException e) when (options.Worker != WorkerMode.None)
        {
            // The parent reports it, with the worker's name and PID.
            Console.Out.WriteLine($"error {e.Message}");
            return 1;
        }
        catch (SocketGenException e)
        {
            Console.Error.WriteLine($"socketgen: {e.Message}");
            return 1;
        }
    }
}
