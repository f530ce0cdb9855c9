namespace TcpDoctor.Interop;

/// <summary>P/Invoke declarations into the C library, one partial file per function group.</summary>
internal static partial class Libc
{
    internal const string Name = "libc";
}
