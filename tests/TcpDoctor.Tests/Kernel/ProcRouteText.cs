using System.Buffers.Binary;
using System.Globalization;

namespace TcpDoctor.Tests.Kernel;

/// <summary>/proc/net/route text for synthetic tables, as the kernel prints it on this (little-endian) machine.</summary>
internal static class ProcRouteText
{
    public const string Header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

    /// <summary>
    /// One route to <paramref name="network"/>/<paramref name="length"/> (first octet in the top byte): by
    /// <paramref name="device"/>, or a reject route (<c>*</c>, flags 0201) when it is null.
    /// </summary>
    public static string Line(uint network, int length, string? device, uint metric = 0)
    {
        var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);

        // The kernel prints each __be32 as a number in host order.
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{device ?? "*"}\t{BinaryPrimitives.ReverseEndianness(network & mask):X8}\t00000000\t{(device is null ? 0x0201 : 0x0001):X4}\t0\t0\t{metric}\t{BinaryPrimitives.ReverseEndianness(mask):X8}\t0\t0\t0\n");
    }
}
