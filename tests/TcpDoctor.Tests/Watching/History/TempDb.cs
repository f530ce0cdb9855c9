using System.Security.Cryptography;

namespace TcpDoctor.Tests.Watching.History;

/// <summary>A private directory for one test's database files, removed on dispose.</summary>
internal sealed class TempDb : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-history-").FullName;

    public string Path => System.IO.Path.Combine(_dir, "history.db");

    public string In(string name) => System.IO.Path.Combine(_dir, name);

    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
