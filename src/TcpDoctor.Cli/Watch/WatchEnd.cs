namespace TcpDoctor.Cli.Watch;

/// <summary>Why the live view stopped.</summary>
internal enum WatchEnd
{
    /// <summary>q was pressed.</summary>
    Quit,

    /// <summary>--count samples were shown.</summary>
    Count,

    /// <summary>The token was cancelled (Ctrl+C, SIGTERM).</summary>
    Cancelled,

    /// <summary>The sample sequence ended by itself.</summary>
    SamplesEnded,
}
