namespace SocketGen;

/// <summary>An expected failure: printed as one line, never with a stack trace.</summary>
internal sealed class SocketGenException : Exception
{
    public SocketGenException()
    {
    }

    public SocketGenException(string message)
        : base(message)
    {
    }

    public SocketGenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
