namespace Ember.Data;

/// <summary>The given indices in a random order each epoch, derived from (seed, epoch).</summary>
public sealed class SubsetRandomSampler : Sampler
{
    readonly int[] indices;

    public SubsetRandomSampler(IEnumerable<int> indices, ulong? seed = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        this.indices = indices.ToArray();
        foreach (int i in this.indices)
            if (i < 0) throw new ArgumentOutOfRangeException(nameof(indices), $"SubsetRandomSampler: index {i} is negative.");
        Seed = SeedOrDefault(seed, generator);
    }

    public ulong Seed { get; }

    public override int Count => indices.Length;

    public override IEnumerable<int> Indices(long epoch)
    {
        var perm = Dataset.Permutation(indices.Length, new Generator(SampleSeeds.ForEpoch(Seed, epoch)));
        var result = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) result[i] = indices[perm[i]];
        return result;
    }
}
