using System.Globalization;
using System.Net;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// The <c>key=value</c> arguments of a lab worker (<c>tcpdoctor lab-worker BEHAVIOUR key=value …</c>).
/// Workers are started by the lab itself, so a bad argument is a programming error, reported as one line.
/// </summary>
internal sealed class BehaviourOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private BehaviourOptions()
    {
    }

    public static BehaviourOptions Parse(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var options = new BehaviourOptions();
        foreach (var argument in arguments)
        {
            var eq = argument.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new TcpDoctorException($"lab worker argument '{argument}' is not key=value");
            }

            options._values[argument[..eq]] = argument[(eq + 1)..];
        }

        return options;
    }

    public string Text(string key, string fallback) => _values.GetValueOrDefault(key, fallback);

    public IPEndPoint Endpoint(string key)
    {
        var text = _values.GetValueOrDefault(key) ?? throw new TcpDoctorException($"lab worker needs {key}=ADDRESS:PORT");
        return TryEndpoint(text, out var endpoint) ? endpoint : throw new TcpDoctorException($"lab worker: {key}={text} is not ADDRESS:PORT");
    }

    /// <summary>One or more endpoints, <c>ADDR:PORT,ADDR:PORT</c>.</summary>
    public IReadOnlyList<IPEndPoint> Endpoints(string key)
    {
        var text = _values.GetValueOrDefault(key) ?? throw new TcpDoctorException($"lab worker needs {key}=ADDRESS:PORT[,ADDRESS:PORT…]");
        var endpoints = new List<IPEndPoint>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            endpoints.Add(TryEndpoint(item, out var endpoint) ? endpoint : throw new TcpDoctorException($"lab worker: '{item}' in {key}= is not ADDRESS:PORT"));
        }

        return endpoints.Count > 0 ? endpoints : throw new TcpDoctorException($"lab worker needs {key}=ADDRESS:PORT[,ADDRESS:PORT…]");
    }

    /// <summary>ADDRESS:PORT with a port: a worker cannot listen on or connect to port 0.</summary>
    private static bool TryEndpoint(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endpoint) =>
        IPEndPoint.TryParse(text, out endpoint) && endpoint.Port != 0;

    public int Int(string key, int fallback)
    {
        if (!_values.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new TcpDoctorException($"lab worker: {key}={text} is not a whole number");
    }

    public double Number(string key, double fallback)
    {
        if (!_values.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new TcpDoctorException($"lab worker: {key}={text} is not a number");
    }

    public TimeSpan Time(string key, TimeSpan fallback) =>
        _values.TryGetValue(key, out var text) ? Duration.Parse(text) : fallback;

    public bool Flag(string key) => _values.TryGetValue(key, out var text) && text is "1" or "true" or "yes";

    /// <summary>
    /// Source addresses as <c>ADDR[*N],…</c>: each address with how many connections come from it
    /// (1 when not given). Empty when the key is absent: let the kernel choose.
    /// </summary>
    public IReadOnlyList<(IPAddress Address, int Count)> Sources(string key)
    {
        if (!_values.TryGetValue(key, out var text) || text.Length == 0)
        {
            return [];
        }

        var sources = new List<(IPAddress, int)>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var star = item.IndexOf('*', StringComparison.Ordinal);
            var addressText = star < 0 ? item : item[..star];
            var count = 1;
            if (!IPAddress.TryParse(addressText, out var address)
                || (star >= 0 && !int.TryParse(item.AsSpan(star + 1), NumberStyles.None, CultureInfo.InvariantCulture, out count)))
            {
                throw new TcpDoctorException($"lab worker: '{item}' in {key}= is not ADDRESS or ADDRESS*COUNT");
            }

            sources.Add((address, count));
        }

        return sources;
    }
}
