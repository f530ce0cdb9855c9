using System.Threading.Channels;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// The live view's loop: samples from the engine and keys from the input, one at a time, each followed
/// by a redraw (none for samples while paused: the screen holds still until p again). The screen is entered before
/// the first frame and left on every way out, so the terminal is restored whatever ends the view; an
/// error of the sample source propagates after that.
/// </summary>
internal sealed class WatchLiveView(IWatchScreen screen, IKeyInput keys, TimeProvider clock, WatchModel model, WatchTitle title)
{
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });

    public WatchModel Model => model;

    /// <summary>Stop after this many samples (null: until q or cancellation).</summary>
    public long? Count { get; init; }

    /// <summary>Asks for a redraw from any thread (the terminal was resized).</summary>
    public void Redraw() => _events.Writer.TryWrite(RedrawRequest.Instance);

    public async Task<WatchEnd> RunAsync(IAsyncEnumerable<Sample> samples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpSamplesAsync(samples, stop.Token);
        var reader = PumpKeysAsync(stop.Token);
        screen.Enter();
        try
        {
            Draw();
            var shown = 0L;
            while (true)
            {
                object e;
                try
                {
                    e = await _events.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return WatchEnd.Cancelled;
                }

                switch (e)
                {
                    case Sample sample:
                        model.Add(sample);
                        shown++;
                        if (!model.Paused)
                        {
                            Draw();
                        }

                        if (Count is { } n && shown >= n)
                        {
                            return WatchEnd.Count;
                        }

                        break;
                    case ConsoleKeyInfo key:
                        if (Handle(key))
                        {
                            return WatchEnd.Quit;
                        }

                        Draw();
                        break;
                    case SamplesEnded ended:
                        if (ended.Error is { } error)
                        {
                            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                        }

                        return cancellationToken.IsCancellationRequested ? WatchEnd.Cancelled : WatchEnd.SamplesEnded;
                    default:
                        // Resized: rows and columns the new frame does not cover may hold the old one.
                        screen.Clear();
                        Draw();
                        break;
                }
            }
        }
        finally
        {
            stop.Cancel();
            screen.Leave();
            await Task.WhenAll(pump, reader).ConfigureAwait(false);
        }
    }

    /// <summary>Applies a key; true when it asks to quit.</summary>
    public bool Handle(ConsoleKeyInfo key)
    {
        if (model.FilterDraft is { } draft)
        {
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    model.Filter = draft.Trim().Length == 0 ? null : draft.Trim();
                    model.FilterDraft = null;
                    break;
                case ConsoleKey.Escape:
                    model.FilterDraft = null;
                    break;
                case ConsoleKey.Backspace:
                    model.FilterDraft = draft.Length > 0 ? draft[..^1] : draft;
                    break;
                default:
                    if (!char.IsControl(key.KeyChar) && draft.Length < 64)
                    {
                        model.FilterDraft = draft + key.KeyChar;
                    }

                    break;
            }

            return false;
        }

        if (model.ShowHelp)
        {
            // Any key closes the help; q still quits.
            model.ShowHelp = false;
            return key.KeyChar is 'q' or 'Q';
        }

        switch (key.KeyChar)
        {
            case 'q' or 'Q':
                return true;
            case 'p' or 'P' or ' ':
                if (model.Paused)
                {
                    model.Resume();
                }
                else
                {
                    model.Pause(clock.GetUtcNow());
                }

                break;
            case 's' or 'S':
                model.Sort = model.Sort switch
                {
                    MoverSort.Growth => MoverSort.Count,
                    MoverSort.Count => MoverSort.Name,
                    _ => MoverSort.Growth,
                };
                break;
            case 'f' or 'F' or '/':
                model.FilterDraft = model.Filter ?? string.Empty;
                break;
            case '?' or 'h' or 'H':
                model.ShowHelp = true;
                break;
            default:
                if (key.Key == ConsoleKey.Escape)
                {
                    model.Filter = null;
                }

                break;
        }

        return false;
    }

    private void Draw() => screen.Draw(WatchScreen.Render(model, title, screen.Width, screen.Height, clock, screen.Unicode));

    private async Task PumpSamplesAsync(IAsyncEnumerable<Sample> samples, CancellationToken cancellationToken)
    {
        // Off the caller's context: the sampler's first read must not hold up the first frame.
        await Task.Yield();
        Exception? error = null;
        try
        {
            await foreach (var sample in samples.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                _events.Writer.TryWrite(sample);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }

        _events.Writer.TryWrite(new SamplesEnded(error));
    }

    private async Task PumpKeysAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                _events.Writer.TryWrite(await keys.ReadKeyAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    private sealed record SamplesEnded(Exception? Error);

    private sealed class RedrawRequest
    {
        public static RedrawRequest Instance { get; } = new();
    }
}
