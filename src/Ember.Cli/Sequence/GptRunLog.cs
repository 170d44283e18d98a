using System.Globalization;
using Ember.Training;

namespace Ember.Cli.Sequence;

/// <summary>
/// What a GPT run records as it goes: a metrics.csv row and a samples.txt entry per evaluation, and TensorBoard
/// scalars (training loss, learning rate and throughput as logged, validation loss and bits per character at
/// each evaluation). A resumed run appends to the files it finds.
/// </summary>
internal sealed class GptRunLog : IDisposable
{
    const string Header = "step,train_loss,val_loss,val_bpc,lr";
    readonly string metrics, samples;
    readonly SummaryWriter events;

    public GptRunLog(string directory, bool resumed)
    {
        metrics = Path.Combine(directory, GptTrainingRun.Metrics);
        samples = Path.Combine(directory, GptTrainingRun.Samples);
        if (!resumed || !File.Exists(metrics)) File.WriteAllText(metrics, Header + "\n");
        if (!resumed) File.WriteAllText(samples, "");
        events = new SummaryWriter(directory);
    }

    public void Scalar(string tag, double value, long step)
    {
        if (double.IsFinite(value)) events.AddScalar(tag, value, step);
    }

    public void Eval(long step, double trainLoss, double valLoss, double bpc, double lr, string sample)
    {
        File.AppendAllText(metrics, string.Create(CultureInfo.InvariantCulture, $"{step},{trainLoss:R},{valLoss:R},{bpc:R},{lr:R}\n"));
        File.AppendAllText(samples, string.Create(CultureInfo.InvariantCulture, $"--- step {step}: validation {bpc:F3} bits per character ---\n{sample}\n\n"));
        Scalar("val/loss", valLoss, step);
        Scalar("val/bpc", bpc, step);
        events.Flush();
    }

    public void Dispose() => events.Dispose();
}
