namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// <c>list --format json</c>: one array, each row written as it comes (nothing holds the whole table:
/// 400k rows stream in constant memory). Notes go to stderr, so stdout stays an array.
/// </summary>
internal sealed class ListJsonRenderer : IRenderer<SocketTable>
{
    public void Render(SocketTable document, Output o)
    {
        var (snapshot, rows) = document;
        var stream = o.Stream;
        using var j = JsonOutput.Create(stream, indented: false);
        j.WriteStartArray();
        foreach (var (s, part) in rows)
        {
            SocketJson.Write(j, s, part);
            if (j.BytesPending > 1 << 16)
            {
                j.Flush();
            }
        }

        j.WriteEndArray();
        j.Flush();
        stream.WriteByte((byte)'\n');
        foreach (var notice in snapshot.Notices)
        {
            o.Note(notice);
        }
    }
}
