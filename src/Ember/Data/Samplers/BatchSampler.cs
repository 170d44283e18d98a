namespace Ember.Data;

/// <summary>Groups a sampler's indices into batches of <c>batchSize</c>; the last, short one is kept unless dropLast.</summary>
public sealed class BatchSampler
{
    public BatchSampler(Sampler sampler, int batchSize, bool dropLast = false)
    {
        Sampler = sampler ?? throw new ArgumentNullException(nameof(sampler));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"BatchSampler: batch size {batchSize} must be positive.");
        BatchSize = batchSize;
        DropLast = dropLast;
    }

    public Sampler Sampler { get; }
    public int BatchSize { get; }
    public bool DropLast { get; }

    /// <summary>How many batches one epoch yields.</summary>
    public int Count => DropLast ? Sampler.Count / BatchSize : (Sampler.Count + BatchSize - 1) / BatchSize;

    /// <summary>The batches of epoch <paramref name="epoch"/>, as arrays of dataset indices.</summary>
    public IEnumerable<int[]> Batches(long epoch)
    {
        var batch = new List<int>(BatchSize);
        foreach (int i in Sampler.Indices(epoch))
        {
            batch.Add(i);
            if (batch.Count == BatchSize) { yield return batch.ToArray(); batch.Clear(); }
        }
        if (batch.Count > 0 && !DropLast) yield return batch.ToArray();
    }
}
