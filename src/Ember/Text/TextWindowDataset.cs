using Ember.Data;

namespace Ember.Text;

/// <summary>How <see cref="TextWindowDataset"/> places its windows.</summary>
public enum WindowSampling
{
    /// <summary>Window k starts at k·stride: every epoch sees the same windows (evaluation).</summary>
    Strided,
    /// <summary>Each sample starts at a position drawn from the sample's generator (training, as nanoGPT does).</summary>
    Random,
}

/// <summary>
/// Training windows cut from one token stream for next-token prediction: a window starting at i has input
/// tokens [i, i+T) and targets [i+1, i+T+1), both Int64 [T]. <see cref="Split"/> keeps the last part of the
/// stream for validation, so no validation token is ever seen in training. Random windows are drawn from
/// the generator the <see cref="DataLoader{TSample,TBatch}"/> hands each sample, so a seeded loader
/// repeats its batches exactly.
/// </summary>
public sealed class TextWindowDataset : Dataset<(Tensor Input, Tensor Target)>
{
    readonly int[] tokens;
    readonly int count;

    public int BlockSize { get; }
    public WindowSampling Sampling { get; }
    public int Stride { get; }

    /// <summary>The number of window starts there are: positions 0 … Tokens − T − 1.</summary>
    public int Positions => tokens.Length - BlockSize;

    public IReadOnlyList<int> Tokens => tokens;

    /// <param name="tokens">The stream (not copied; do not change it while the dataset is in use).</param>
    /// <param name="blockSize">T, the window length.</param>
    /// <param name="sampling">Strided (fixed windows) or random starts.</param>
    /// <param name="stride">Strided only: the step between starts; defaults to T (windows that do not overlap).</param>
    /// <param name="samplesPerEpoch">Random only: the dataset's count; defaults to one window per T tokens.</param>
    public TextWindowDataset(int[] tokens, int blockSize, WindowSampling sampling = WindowSampling.Strided, int? stride = null, int? samplesPerEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (blockSize <= 0)
            throw new ArgumentException($"TextWindowDataset: blockSize must be positive, got {blockSize}.");
        if (tokens.Length < blockSize + 1)
            throw new ArgumentException($"TextWindowDataset: a stream of {tokens.Length} tokens is too short for one window of blockSize {blockSize} (it needs {blockSize + 1}: the targets are shifted by one).");
        if (stride is { } s && (s <= 0 || sampling != WindowSampling.Strided))
            throw new ArgumentException($"TextWindowDataset: stride ({s}) must be positive and applies to strided windows only.");
        if (samplesPerEpoch is { } n && (n <= 0 || sampling != WindowSampling.Random))
            throw new ArgumentException($"TextWindowDataset: samplesPerEpoch ({n}) must be positive and applies to random windows only.");
        (this.tokens, BlockSize, Sampling, Stride) = (tokens, blockSize, sampling, stride ?? blockSize);
        count = sampling == WindowSampling.Strided
            ? (Positions - 1) / Stride + 1
            : samplesPerEpoch ?? Math.Max(1, tokens.Length / blockSize);
    }

    /// <summary>
    /// Splits <paramref name="tokens"/> by position: the first (1 − validationFraction) for training with
    /// random windows, the rest for validation with non-overlapping strided windows.
    /// </summary>
    public static (TextWindowDataset Train, TextWindowDataset Validation) Split(int[] tokens, int blockSize, double validationFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentException($"TextWindowDataset.Split: validationFraction must lie in (0, 1), got {validationFraction}.");
        int cut = (int)Math.Round(tokens.Length * (1 - validationFraction));
        if (cut < blockSize + 1 || tokens.Length - cut < blockSize + 1)
            throw new ArgumentException($"TextWindowDataset.Split: {tokens.Length} tokens split at {cut} leave a part shorter than one window of blockSize {blockSize} plus one; use more text, a smaller block or another fraction.");
        return (new TextWindowDataset(tokens[..cut], blockSize, WindowSampling.Random),
                new TextWindowDataset(tokens[cut..], blockSize, WindowSampling.Strided));
    }

    public override int Count => count;

    /// <summary>Where sample <paramref name="index"/> starts (random windows draw it from <paramref name="generator"/>).</summary>
    public int StartOf(int index, Generator generator)
    {
        CheckIndex(index);
        return Sampling == WindowSampling.Strided ? index * Stride : (int)generator.NextInt64(0, Positions);
    }

    public override (Tensor Input, Tensor Target) Get(int index) => Get(index, SampleSeeds.Generator(0, 0, index));

    public override (Tensor Input, Tensor Target) Get(int index, Generator generator) => Window(StartOf(index, generator));

    /// <summary>The window starting at <paramref name="start"/>: inputs [start, start+T), targets one further.</summary>
    public (Tensor Input, Tensor Target) Window(int start)
    {
        if (start < 0 || start >= Positions)
            throw new ArgumentOutOfRangeException(nameof(start), $"TextWindowDataset: a window starts in [0, {Positions}) for {tokens.Length} tokens and blockSize {BlockSize}, got {start}.");
        var input = new long[BlockSize];
        var target = new long[BlockSize];
        for (int t = 0; t < BlockSize; t++) { input[t] = tokens[start + t]; target[t] = tokens[start + t + 1]; }
        return (Tensor.FromArray(input, BlockSize), Tensor.FromArray(target, BlockSize));
    }

    /// <summary><paramref name="batchSize"/> random windows as one batch ([B, T] inputs and targets), for a plain training loop.</summary>
    public Batch SampleBatch(int batchSize, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (batchSize <= 0) throw new ArgumentException($"TextWindowDataset.SampleBatch: batchSize must be positive, got {batchSize}.");
        var samples = new (Tensor, Tensor)[batchSize];
        for (int b = 0; b < batchSize; b++) samples[b] = Window((int)generator.NextInt64(0, Positions));
        return Collate(samples);
    }

    /// <summary>Stacks (input, target) windows into a <see cref="Batch"/>; the samples are disposed.</summary>
    public static Batch Collate(IReadOnlyList<(Tensor Input, Tensor Target)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return new Batch(Data.Collate.Stack(samples.Select(s => s.Input).ToArray()), Data.Collate.Stack(samples.Select(s => s.Target).ToArray()));
    }
}
