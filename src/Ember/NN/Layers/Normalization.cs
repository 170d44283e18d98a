namespace Ember.NN;

/// <summary>
/// Batch normalisation over dim 1, PyTorch's _BatchNorm: parameters weight (ones) and bias (zeros)
/// when affine; buffers running_mean (zeros), running_var (ones) and num_batches_tracked (Int64 0-d)
/// when tracking running statistics. Training uses (and accumulates) batch statistics; evaluation
/// uses the running ones. A null momentum averages all batches so far (cumulative moving average).
/// </summary>
public abstract class BatchNorm : Module<Tensor, Tensor>
{
    public int NumFeatures { get; }
    public double Eps { get; }
    public double? Momentum { get; }
    public Parameter? Weight { get; }
    public Parameter? Bias { get; }
    public Tensor? RunningMean { get; }
    public Tensor? RunningVar { get; }
    public Tensor? NumBatchesTracked { get; }

    protected BatchNorm(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats)
    {
        if (numFeatures <= 0)
            throw new ArgumentException($"{GetType().Name}: numFeatures must be positive, got {numFeatures}.");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = Param("weight", Tensor.Ones(numFeatures));
            Bias = Param("bias", Tensor.Zeros(numFeatures));
        }
        else { NoParam("weight"); NoParam("bias"); }
        if (trackRunningStats)
        {
            RunningMean = Buffer("running_mean", Tensor.Zeros(numFeatures));
            RunningVar = Buffer("running_var", Tensor.Ones(numFeatures));
            NumBatchesTracked = Buffer("num_batches_tracked", Tensor.Scalar(0L));
        }
    }

    /// <summary>The input ranks this layer accepts, checked before normalising.</summary>
    protected abstract void CheckInput(Tensor input);

    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        double momentum = Momentum ?? 0;
        if (Training && NumBatchesTracked is not null)
        {
            long batches = IncrementBatches();
            if (Momentum is null) momentum = 1.0 / batches;
        }
        // Batch statistics in training, and also in evaluation when no running statistics are kept.
        bool useBatchStats = Training || RunningMean is null;
        return Tensor.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStats, momentum, Eps);
    }

    public override string ExtraRepr() =>
        $"{NumFeatures}, eps={PyFloat(Eps)}, momentum={(Momentum is { } m ? PyFloat(m) : "None")}, affine={PyBool(Weight is not null)}, track_running_stats={PyBool(RunningMean is not null)}";

    unsafe long IncrementBatches()
    {
        var t = NumBatchesTracked!;
        long* p = (long*)t.DataPointer;
        *p += 1;
        t.BumpVersion();
        return *p;
    }
}

/// <summary>Batch normalisation of [N, C] or [N, C, L] over N (and L) per feature C.</summary>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats)
{
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank is not (2 or 3))
            throw new ArgumentException($"BatchNorm1d: expected a 2-d or 3-d input ([N, C] or [N, C, L]), got shape [{string.Join(", ", input.Shape)}].");
    }
}

/// <summary>Batch normalisation of [N, C, H, W] over N, H and W per channel C.</summary>
public sealed class BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
    : BatchNorm(numFeatures, eps, momentum, affine, trackRunningStats)
{
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"BatchNorm2d: expected a 4-d input [N, C, H, W], got shape [{string.Join(", ", input.Shape)}].");
    }
}

/// <summary>Layer normalisation over the trailing normalizedShape dims, with elementwise weight (ones) and bias (zeros).</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    public int[] NormalizedShape { get; }
    public double Eps { get; }
    public Parameter? Weight { get; }
    public Parameter? Bias { get; }

    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = Param("weight", Tensor.Ones(NormalizedShape));
            Bias = Param("bias", Tensor.Zeros(NormalizedShape));
        }
        else { NoParam("weight"); NoParam("bias"); }
    }

    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
        : this([normalizedShape], eps, elementwiseAffine) { }

    public override Tensor Forward(Tensor input) => Tensor.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    public override string ExtraRepr() => $"{PyTuple(NormalizedShape)}, eps={PyFloat(Eps)}, elementwise_affine={PyBool(Weight is not null)}";
}

/// <summary>Group normalisation: channels split into numGroups groups, each normalised over its channels and positions.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    public int NumGroups { get; }
    public int NumChannels { get; }
    public double Eps { get; }
    public Parameter? Weight { get; }
    public Parameter? Bias { get; }

    public GroupNorm(int numGroups, int numChannels, double eps = 1e-5, bool affine = true)
    {
        if (numGroups <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: {numChannels} channels cannot be split into {numGroups} groups; numGroups must divide numChannels.");
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        if (affine)
        {
            Weight = Param("weight", Tensor.Ones(numChannels));
            Bias = Param("bias", Tensor.Zeros(numChannels));
        }
        else { NoParam("weight"); NoParam("bias"); }
    }

    public override Tensor Forward(Tensor input) => Tensor.GroupNorm(input, NumGroups, Weight, Bias, Eps);

    public override string ExtraRepr() => $"{NumGroups}, {NumChannels}, eps={PyFloat(Eps)}, affine={PyBool(Weight is not null)}";
}
