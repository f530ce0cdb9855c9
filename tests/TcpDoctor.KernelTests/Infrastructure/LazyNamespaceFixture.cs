using System.Diagnostics;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>
/// A class fixture whose namespace (and whatever <typeparamref name="T"/> builds in it) is created by
/// the first test that asks, so the root check skips tests instead of failing the fixture. What the
/// kernel expires on its own (TIME_WAIT, request sockets) is rebuilt, in a new namespace, once it is
/// older than <see cref="FreshFor"/>: each test gets it as promised however slowly the class runs.
/// </summary>
public abstract class LazyNamespaceFixture<T> : IDisposable
    where T : class
{
    private readonly Lock _lock = new();
    private TestNamespace? _namespace;
    private SocketFactory? _factory;
    private T? _value;
    private long _builtAt;

    protected abstract string Tag { get; }

    /// <summary>How long what <see cref="Build"/> makes stays as the tests expect it; null: for good.</summary>
    protected virtual TimeSpan? FreshFor => null;

    /// <summary>Skips the test when not root; otherwise the shared namespace and what was built in it.</summary>
    public (TestNamespace Namespace, SocketFactory Factory, T Value) Get()
    {
        Requirements.RequireRoot();
        lock (_lock)
        {
            if (_value is not null && FreshFor is { } freshFor && Stopwatch.GetElapsedTime(_builtAt) > freshFor)
            {
                // Tests of one class run one at a time, so no test still uses what is disposed here.
                DisposeBuilt();
            }

            if (_value is null)
            {
                _builtAt = Stopwatch.GetTimestamp();
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
            lock (_lock)
            {
                DisposeBuilt();
            }
        }
    }

    private void DisposeBuilt()
    {
        (_value as IDisposable)?.Dispose();
        _factory?.Dispose();
        _namespace?.Dispose();
        _value = null;
        _factory = null;
        _namespace = null;
    }
}
