using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests.Watching;

/// <summary>
/// A namespace of its own for each engine test class (names are unique per use), where nothing but
/// the test's sockets lives, so the kernel's counters and ss see exactly what the test made.
/// </summary>
public sealed class EngineNamespaceFixture : LazyNamespaceFixture<string>
{
    protected override string Tag => "engine";

    protected override string Build(TestNamespace ns, SocketFactory factory) => ns.Name;
}
