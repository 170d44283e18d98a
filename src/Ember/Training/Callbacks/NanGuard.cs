using System.Numerics.Tensors;

namespace Ember.Training;

/// <summary>
/// Stops training at the first batch whose loss or any gradient is NaN or infinite, before the optimizer
/// step, so the weights keep their last finite values; the epoch is abandoned, so checkpoints written at
/// epoch ends are not touched. The message (in <see cref="History.StopReason"/>) names the epoch and step.
/// With <c>throwOnNonFinite</c> it throws instead.
/// </summary>
public sealed class NanGuard(bool throwOnNonFinite = false) : Callback
{
    /// <summary>The message of the stop, or null while all is finite.</summary>
    public string? Message { get; private set; }

    public override void OnBatchEnd(TrainingContext context)
    {
        // With gradient accumulation, a bad loss is caught here even on batches that take no step.
        if (!double.IsFinite(context.BatchLoss)) Fail(context, $"the loss is {context.BatchLoss}");
    }

    public override void OnBeforeOptimizerStep(TrainingContext context)
    {
        if (!double.IsFinite(context.BatchLoss)) { Fail(context, $"the loss is {context.BatchLoss}"); return; }
        foreach (var (name, p) in context.Model.NamedParameters())
        {
            if (p.Grad is not { } g || IsFinite(g)) continue;
            Fail(context, $"the gradient of '{name}' holds NaN or infinite values (loss {context.BatchLoss:G6})");
            return;
        }
    }

    void Fail(TrainingContext context, string what)
    {
        if (Message != null) return;
        string steps = context.StepsPerEpoch is { } n ? $"{context.Step}/{n}" : $"{context.Step}";
        Message = $"NanGuard: {what} at epoch {context.Epoch + 1}, step {steps} (global step {context.GlobalStep + 1}); training stopped before the optimizer step, so the weights and checkpoints keep their last finite values.";
        if (throwOnNonFinite) throw new InvalidOperationException(Message);
        context.Stop(Message);
    }

    static bool IsFinite(Tensor g)
    {
        if (g.NumElements == 0) return true;
        if (!g.IsContiguous)
        {
            using var c = g.Contiguous();
            return IsFinite(c);
        }
        // The largest magnitude is NaN if any element is, and infinite if any element is.
        return g.DType switch
        {
            DType.Float32 => float.IsFinite(TensorPrimitives.MaxMagnitude<float>(g.Span<float>())),
            DType.Float64 => double.IsFinite(TensorPrimitives.MaxMagnitude<double>(g.Span<double>())),
            _ => true,
        };
    }
}
