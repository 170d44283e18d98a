using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Ember.Training;

/// <summary>
/// Shows a run's progress: a live bar on a terminal (epoch, step/total, ETA, samples/s, running loss and
/// metrics), one plain line per epoch when output is redirected, or nothing. The bar is redrawn at most ten
/// times a second, so the loop pays for a clock read per batch and little else.
/// </summary>
public sealed class ProgressCallback : Callback
{
    const long RedrawTicks = TimeSpan.TicksPerSecond / 10;
    readonly ProgressMode mode;
    readonly TextWriter? writer;
    readonly Stopwatch clock = new();
    long lastDraw = long.MinValue;
    IAnsiConsole? console;

    /// <param name="mode">Bar, lines or quiet; Auto picks the bar on an interactive console.</param>
    /// <param name="writer">Where lines go (default the console); a writer means lines unless the mode is Bar.</param>
    public ProgressCallback(ProgressMode mode = ProgressMode.Auto, TextWriter? writer = null)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, $"ProgressCallback: unknown mode {mode}.");
        this.writer = writer;
        this.mode = mode == ProgressMode.Auto ? (writer is null && !Console.IsOutputRedirected ? ProgressMode.Bar : ProgressMode.Lines) : mode;
    }

    /// <summary>The mode in use (Auto resolved).</summary>
    public ProgressMode Mode => mode;

    // Progress is drawn after everything else has seen the epoch.
    public override int Order => 1000;

    TextWriter Out => writer ?? Console.Out;

    public override void OnTrainBegin(TrainingContext context)
    {
        if (mode == ProgressMode.Bar)
            console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Out) });
    }

    public override void OnEpochBegin(TrainingContext context)
    {
        clock.Restart();
        lastDraw = long.MinValue;
    }

    public override void OnBatchEnd(TrainingContext context)
    {
        if (mode != ProgressMode.Bar) return;
        long now = clock.ElapsedTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency;
        if (now - lastDraw < RedrawTicks && context.Step != context.StepsPerEpoch) return;
        lastDraw = now;
        Draw(context, now / (double)TimeSpan.TicksPerSecond);
    }

    public override void OnEpochEnd(TrainingContext context)
    {
        if (mode == ProgressMode.Quiet) return;
        string line = ProgressText.EpochLine(context);
        if (mode == ProgressMode.Lines) Out.WriteLine(line);
        else
        {
            ClearLine();
            console!.MarkupLine($"[bold]{Markup.Escape(line)}[/]");
        }
    }

    public override void OnTrainEnd(TrainingContext context)
    {
        if (mode == ProgressMode.Quiet || context.StopReason is null) return;
        if (mode == ProgressMode.Lines) Out.WriteLine(context.StopReason);
        else
        {
            ClearLine();
            console!.MarkupLine($"[yellow]{Markup.Escape(context.StopReason)}[/]");
        }
        Out.Flush();
    }

    void Draw(TrainingContext ctx, double seconds)
    {
        var inv = CultureInfo.InvariantCulture;
        string head = $"Epoch {ctx.Epoch + 1}/{ctx.Epochs} ";
        var tail = new StringBuilder(120);
        int done = -1;
        const int width = 20;
        if (ctx.StepsPerEpoch is { } n && n > 0)
        {
            done = (int)Math.Min(width, (long)ctx.Step * width / n);
            tail.Append(inv, $" {ctx.Step}/{n}");
            double eta = ctx.Step > 0 ? seconds / ctx.Step * (n - ctx.Step) : double.NaN;
            tail.Append(" ETA ").Append(ProgressText.Duration(eta));
        }
        else tail.Append(inv, $"{ctx.Step} steps");
        if (seconds > 0) tail.Append(inv, $" - {ctx.EpochSamples / seconds:F0} samples/s");
        tail.Append(" - loss: ").Append(ProgressText.Value("loss", ctx.RunningLoss.Compute()));
        foreach (var m in ctx.Metrics) tail.Append(" - ").Append(m.Name).Append(": ").Append(ProgressText.Value(m.Name, m.Compute()));

        // The live line must fit the terminal: a wrapped line could not be redrawn in place.
        int room = console!.Profile.Width - 1 - head.Length - (done >= 0 ? width : 0);
        string rest = tail.ToString();
        if (rest.Length > room) rest = room > 1 ? rest[..(room - 1)] + "…" : "";
        var line = new StringBuilder(200).Append("[bold]").Append(head).Append("[/]");
        if (done >= 0) line.Append("[green]").Append('━', done).Append("[/][grey]").Append('━', width - done).Append("[/]");
        line.Append(Markup.Escape(rest));
        ClearLine();
        console.Markup(line.ToString());
    }

    /// <summary>Back to the start of the line, erasing it where the terminal understands ANSI.</summary>
    void ClearLine()
    {
        Out.Write(console!.Profile.Capabilities.Ansi ? "\r\u001b[2K" : "\r");
        Out.Flush();
    }
}
