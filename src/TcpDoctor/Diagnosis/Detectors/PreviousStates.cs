using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>Connections that were already in a state at the previous snapshot: what tells a stuck socket from one passing through.</summary>
internal static class PreviousStates
{
    /// <summary>The 4-tuples in <paramref name="state"/> at the previous snapshot; null without one.</summary>
    public static HashSet<TupleKey>? InState(DiagnosisContext context, TcpState state)
    {
        if (context.Previous is null)
        {
            return null;
        }

        var set = new HashSet<TupleKey>();
        foreach (var s in context.Previous.Sockets)
        {
            if (s.State == state)
            {
                set.Add(TupleKey.Of(s));
            }
        }

        return set;
    }
}
