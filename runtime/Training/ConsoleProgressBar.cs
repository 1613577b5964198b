// A ready-made IProgress<TrainingProgress> for console programs: one redrawn line per epoch on a
// terminal, plain log lines when the output goes to a file or a CI log.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace LstmGen.Training;

/// <summary>
/// Shows training progress in the console. On a terminal, each epoch is one line redrawn with <c>\r</c>
/// (at most every <see cref="RedrawInterval"/>): a bar of the epoch's samples, the loss, samples per second
/// and the time left; the epoch ends with its validation results. When output is redirected, it writes plain
/// lines instead: one at each tenth of an epoch, and one per epoch.
/// </summary>
/// <example><code>trainer.Fit(train, validation, new ConsoleProgressBar());</code></example>
public sealed class ConsoleProgressBar : IProgress<TrainingProgress>
{
    private readonly TextWriter _writer;
    private readonly bool _redraw;
    private readonly int _width;
    private readonly Stopwatch _sinceDraw = new();
    private int _lastTenth = -1;
    private int _lastLength;

    /// <summary>Writes to the console, redrawing one line unless output is redirected.</summary>
    public ConsoleProgressBar()
        : this(Console.Out, !Console.IsOutputRedirected)
    {
    }

    /// <summary>Writes to <paramref name="writer"/>; <paramref name="redraw"/> chooses the redrawn line (terminal) or plain lines.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="redraw">True to redraw one line with carriage returns; false for plain lines.</param>
    /// <param name="barWidth">Characters of the bar itself.</param>
    public ConsoleProgressBar(TextWriter writer, bool redraw, int barWidth = 30)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(barWidth);
        _writer = writer;
        _redraw = redraw;
        _width = barWidth;
    }

    /// <summary>Shortest time between two redraws of the line. Default 100 ms.</summary>
    public TimeSpan RedrawInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc/>
    public void Report(TrainingProgress value)
    {
        if (value.Phase == TrainingPhase.EpochEnd)
        {
            string line = EpochLine(value);
            if (_redraw) _writer.Write("\r" + Pad(line) + Environment.NewLine);
            else _writer.WriteLine(line);
            _writer.Flush();
            _lastTenth = -1;
            _lastLength = 0;
            _sinceDraw.Reset();
            return;
        }

        if (_redraw)
        {
            if (_sinceDraw.IsRunning && _sinceDraw.Elapsed < RedrawInterval && value.Batch < value.Batches) return;
            _sinceDraw.Restart();
            _writer.Write("\r" + Pad(BatchLine(value)));
            _writer.Flush();
        }
        else
        {
            int tenth = value.SamplesPerEpoch == 0 ? 10 : (int)(10L * value.Samples / value.SamplesPerEpoch);
            if (tenth == _lastTenth || tenth == 10) return;
            _lastTenth = tenth;
            _writer.WriteLine(BatchLine(value));
            _writer.Flush();
        }
    }

    /// <summary>The line for a batch report, e.g. <c>epoch 2/10 [#########.....] 640/1000 loss 0.4213 812 samples/s 00:01:23 left</c>.</summary>
    public string BatchLine(TrainingProgress value)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"epoch {value.Epoch}/{value.Epochs} ");
        if (_redraw)
        {
            int filled = value.SamplesPerEpoch == 0 ? _width : (int)((long)_width * value.Samples / value.SamplesPerEpoch);
            text.Append('[').Append('#', filled).Append('.', _width - filled).Append("] ");
        }
        text.Append(CultureInfo.InvariantCulture, $"{value.Samples}/{value.SamplesPerEpoch} loss {value.EpochLoss:G4} {value.SamplesPerSecond:F0} samples/s {Time(value.Remaining)} left");
        return text.ToString();
    }

    /// <summary>The line for an epoch report, e.g. <c>epoch 2/10 loss 0.4213 validation loss 0.45, accuracy 91.2 % (3.1 s)</c>.</summary>
    public static string EpochLine(TrainingProgress value)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"epoch {value.Epoch}/{value.Epochs} loss {value.Loss:G4}");
        if (value.Validation is { } validation) text.Append(" validation ").Append(validation);
        text.Append(CultureInfo.InvariantCulture, $" ({value.SamplesPerSecond:F0} samples/s, {Time(value.Elapsed)} elapsed, {Time(value.Remaining)} left)");
        return text.ToString();
    }

    private string Pad(string line)
    {
        string padded = line.Length < _lastLength ? line + new string(' ', _lastLength - line.Length) : line;
        _lastLength = line.Length;
        return padded;
    }

    private static string Time(TimeSpan time) =>
        time.TotalHours >= 1 ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : time.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}
