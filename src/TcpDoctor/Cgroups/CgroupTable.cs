namespace TcpDoctor.Cgroups;

/// <summary>The cgroups of one snapshot's sockets, by id. Ids it does not know (a cgroup removed since) are simply absent.</summary>
public sealed class CgroupTable
{
    private readonly Dictionary<ulong, CgroupInfo> _byId;

    public CgroupTable(IEnumerable<CgroupInfo> cgroups)
    {
        ArgumentNullException.ThrowIfNull(cgroups);
        _byId = [];
        foreach (var c in cgroups)
        {
            _byId[c.Id] = c;
        }
    }

    public static CgroupTable Empty { get; } = new([]);

    public int Count => _byId.Count;

    public IEnumerable<CgroupInfo> All => _byId.Values;

    public CgroupInfo? Get(ulong id) => id != 0 && _byId.TryGetValue(id, out var c) ? c : null;
}
