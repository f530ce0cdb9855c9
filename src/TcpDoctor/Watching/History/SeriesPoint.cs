namespace TcpDoctor.Watching.History;

/// <summary>One sample's value of a series.</summary>
public readonly record struct SeriesPoint(DateTimeOffset Time, double Value);
