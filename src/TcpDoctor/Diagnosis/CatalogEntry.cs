namespace TcpDoctor.Diagnosis;

/// <summary>One finding kind, for <c>explain</c> without an id and for documentation.</summary>
public sealed record CatalogEntry(string Id, string Title, string Description, Severity DefaultSeverity);
