namespace TcpDoctor.Import;

/// <summary>What an input file holds; <see cref="Auto"/> detects it from the first lines.</summary>
public enum InputFormat
{
    Auto,

    /// <summary>iproute2's <c>ss -t…</c>: -tan, -tanp, -tanpo, -tanpoi, -tai, with or without a header.</summary>
    Ss,

    /// <summary>net-tools' <c>netstat -an</c>, -tan, -antp, -antpW, -tanpo (Linux).</summary>
    Netstat,

    /// <summary>A dump of <c>/proc/net/tcp</c> and/or <c>/proc/net/tcp6</c>.</summary>
    Proc,

    /// <summary>Windows <c>netstat -ano</c> (and <c>-b</c>).</summary>
    WindowsNetstat,

    /// <summary>macOS / BSD <c>netstat -anp tcp</c>.</summary>
    MacNetstat,
}
