namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>
/// A class fixture whose namespace (and whatever <typeparamref name="T"/> builds in it) is created by
/// the first test that asks, so the root check skips tests instead of failing the fixture.
/// </summary>
public abstract class LazyNamespaceFixture<T> : IDisposable
    where T : class
{
    private readonly Lock _lock = new();
    private TestNamespace? _namespace;
    private SocketFactory? _factory;
    private T? _value;

    protected abstract string Tag { get; }

    /// <summary>Skips the test when not root; otherwise the shared namespace and what was built in it.</summary>
    public (TestNamespace Namespace, SocketFactory Factory, T Value) Get()
    {
        Requirements.RequireRoot();
        lock (_lock)
        {
            if (_value is null)
            {
                var ns = TestNamespace.Create(Tag);
                var factory = new SocketFactory(ns);
                try
                {
                    _value = Build(ns, factory);
                }
                catch
                {
                    factory.Dispose();
                    ns.Dispose();
                    throw;
                }

                _namespace = ns;
                _factory = factory;
            }

            return (_namespace!, _factory!, _value);
        }
    }

    protected abstract T Build(TestNamespace ns, SocketFactory factory);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            (_value as IDisposable)?.Dispose();
            _factory?.Dispose();
            _namespace?.Dispose();
        }
    }
}
