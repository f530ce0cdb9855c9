namespace TcpDoctor.Cli.Watch;

/// <summary>How the movers are ranked; <c>s</c> cycles through them.</summary>
internal enum MoverSort
{
    /// <summary>Fastest growing first: what is piling up now.</summary>
    Growth,

    /// <summary>Largest first.</summary>
    Count,

    /// <summary>By kind, then name: a stable list to read.</summary>
    Name,
}
