namespace Ember.Data;

/// <summary>
/// Functions that turn a list of samples into a batch (torch's collate_fn). A collate function owns the samples
/// it is given: these copy them into the batch tensors and dispose them.
/// </summary>
public static class Collate
{
    /// <summary>Stacks same-shaped tensors along a new first dimension; the samples are disposed.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("Collate: cannot stack an empty list of samples.", nameof(samples));
        var first = samples[0];
        var shape = first.Shape;
        for (int k = 1; k < samples.Count; k++)
        {
            var s = samples[k];
            if (s.DType != first.DType || !s.shape.AsSpan().SequenceEqual(shape))
                throw new ArgumentException($"Collate: sample {k} is {s.DType} {Shapes.Format(s.shape)} but sample 0 is {first.DType} {Shapes.Format(shape)}; every sample of a batch must have the same shape and dtype.");
        }
        var batch = Tensor.Allocate([samples.Count, .. shape], first.DType);
        long itemBytes = first.NumElements * first.ElementSize;
        for (int k = 0; k < samples.Count; k++)
        {
            var s = samples[k].Live("Collate");
            var c = s.IsContiguous ? s : s.Contiguous();
            unsafe { Buffer.MemoryCopy(c.DataPointer, (byte*)batch.DataPointer + k * itemBytes, itemBytes, itemBytes); }
            if (!ReferenceEquals(c, s)) c.Dispose();
        }
        foreach (var s in samples) s.Dispose();
        return batch;
    }

    /// <summary>(input, class index) samples → a <see cref="Batch"/> of stacked inputs and an Int64 [B] target.</summary>
    public static Batch Default(IReadOnlyList<(Tensor Input, long Label)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var labels = new long[samples.Count];
        var inputs = new Tensor[samples.Count];
        for (int k = 0; k < samples.Count; k++) (inputs[k], labels[k]) = samples[k];
        return new Batch(Stack(inputs), Tensor.FromArray(labels, samples.Count));
    }

    /// <summary>(input, target tensor) samples → a <see cref="Batch"/> of stacked inputs and stacked targets.</summary>
    public static Batch Default(IReadOnlyList<(Tensor Input, Tensor Label)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var inputs = new Tensor[samples.Count];
        var targets = new Tensor[samples.Count];
        for (int k = 0; k < samples.Count; k++) (inputs[k], targets[k]) = samples[k];
        var x = Stack(inputs);
        try { return new Batch(x, Stack(targets)); }
        catch { x.Dispose(); throw; }
    }
}
