namespace Ember.NN;

/// <summary>Which fan the Kaiming initialisers keep the variance for: fan_in (forward pass) or fan_out (backward pass).</summary>
public enum FanMode { FanIn, FanOut }

/// <summary>The nonlinearities <see cref="Init.CalculateGain(Nonlinearity, double?)"/> knows (torch.nn.init.calculate_gain).</summary>
public enum Nonlinearity { Linear, Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Sigmoid, Tanh, Relu, LeakyRelu, Selu }

/// <summary>
/// Weight initialisers (torch.nn.init). The in-place forms take the tensor to fill (any floating-point
/// tensor, parameters included: they write under no-grad), draw from the given generator (the default
/// stream when null) and return the same tensor. The shape forms return a new Float32 tensor.
/// </summary>
public static class Init
{
    /// <summary>U(low, high) samples.</summary>
    public static Tensor Uniform(int[] shape, double low, double high, Generator? generator = null)
    {
        using var u = Tensor.Rand(shape, generator);
        using var scaled = u * (high - low);
        return scaled + low;
    }

    /// <summary>N(0, std²) samples.</summary>
    public static Tensor Normal(int[] shape, double std, Generator? generator = null)
    {
        using var n = Tensor.Randn(shape, generator);
        return n * std;
    }

    // ---- in place ----

    /// <summary>Fills with U(a, b).</summary>
    public static Tensor Uniform(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        if (!(a <= b)) throw new ArgumentException($"Init.Uniform: the lower bound {a} must not exceed the upper bound {b}.");
        return Fill(tensor, "Uniform", generator, g => a + (b - a) * g.NextDouble());
    }

    /// <summary>Fills with N(mean, std²).</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        if (!(std >= 0)) throw new ArgumentException($"Init.Normal: the standard deviation must be non-negative, got {std}.");
        return Fill(tensor, "Normal", generator, g => mean + std * g.NextNormal());
    }

    /// <summary>
    /// Fills with N(mean, std²) restricted to [a, b] (resampling values outside). The interval must hold
    /// a reasonable share of the distribution; PyTorch's default bounds are ±2 (absolute, not in stds).
    /// </summary>
    public static Tensor TruncNormal(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2, Generator? generator = null)
    {
        if (!(std > 0)) throw new ArgumentException($"Init.TruncNormal: the standard deviation must be positive, got {std}.");
        if (!(a < b)) throw new ArgumentException($"Init.TruncNormal: the lower bound {a} must be below the upper bound {b}.");
        return Fill(tensor, "TruncNormal", generator, g =>
        {
            for (int tries = 0; tries < 100_000; tries++)
            {
                double v = mean + std * g.NextNormal();
                if (v >= a && v <= b) return v;
            }
            throw new ArgumentException($"Init.TruncNormal: [{a}, {b}] lies too far in the tail of N({mean}, {std}²) to sample; move the bounds nearer the mean.");
        });
    }

    /// <summary>Fills with <paramref name="value"/>.</summary>
    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using (Autograd.NoGrad()) tensor.FillInPlace(value);
        return tensor;
    }

    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0);
    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1);

    /// <summary>Fills a 2-d tensor with the identity (ones on the main diagonal, zeros elsewhere).</summary>
    public static Tensor Eye(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank != 2) throw new ArgumentException($"Init.Eye: only 2-d tensors can be filled with the identity, got shape {Shapes.Format(tensor.Shape)}.");
        using var eye = Tensor.Eye(tensor.Size(0), tensor.Size(1));
        using (Autograd.NoGrad()) tensor.CopyFrom(eye);
        return tensor;
    }

    /// <summary>Glorot: U(±gain·√(6 / (fan_in + fan_out))).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = FanInAndFanOut(tensor, "XavierUniform");
        double bound = Math.Sqrt(3.0) * gain * Math.Sqrt(2.0 / (fanIn + fanOut));
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Glorot: N(0, gain²·2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = FanInAndFanOut(tensor, "XavierNormal");
        return Normal(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>
    /// He: U(±gain·√(3 / fan)) with gain = CalculateGain(nonlinearity, a). Layers use a = √5 with the
    /// default leaky_relu, which comes to U(±1/√fan_in).
    /// </summary>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        double bound = Math.Sqrt(3.0) * KaimingStd(tensor, a, mode, nonlinearity, "KaimingUniform");
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>He: N(0, gain² / fan) with gain = CalculateGain(nonlinearity, a).</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
        => Normal(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity, "KaimingNormal"), generator);

    static double KaimingStd(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity, string op)
    {
        var (fanIn, fanOut) = FanInAndFanOut(tensor, op);
        if (tensor.NumElements == 0) return 0; // nothing to fill, as in PyTorch
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0) throw new ArgumentException($"Init.{op}: the {(mode == FanMode.FanIn ? "fan_in" : "fan_out")} of shape {Shapes.Format(tensor.Shape)} is 0.");
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    /// <summary>
    /// A (semi-)orthogonal matrix times <paramref name="gain"/>: the tensor is viewed as [size(0), rest];
    /// its rows (or columns, whichever are fewer) are orthonormal. Made, as in PyTorch, from the QR
    /// decomposition of a standard normal matrix with R's diagonal made positive (so Q is Haar-distributed).
    /// </summary>
    public static Tensor Orthogonal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2) throw new ArgumentException($"Init.Orthogonal: only tensors with 2 or more dimensions are supported, got shape {Shapes.Format(tensor.Shape)}.");
        RequireFloat(tensor, "Orthogonal");
        if (tensor.NumElements == 0) return tensor;
        int rows = tensor.Size(0), cols = (int)(tensor.NumElements / rows);
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        var g = generator ?? Generator.Default;
        var a = new double[m * n];
        lock (g)
            for (int i = 0; i < a.Length; i++) a[i] = g.NextNormal();
        var q = HouseholderQ(a, m, n);
        var values = new double[rows * cols];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                // Q is m×n; when there are fewer rows than columns the tensor gets Qᵀ.
                if (rows >= cols) values[i * cols + j] = gain * q[i * n + j];
                else values[j * cols + i] = gain * q[i * n + j];
            }
        using var src = Tensor.FromArray(values, tensor.Shape);
        using (Autograd.NoGrad()) tensor.CopyFrom(src);
        return tensor;
    }

    /// <summary>
    /// The thin Q (m×n, m ≥ n, row-major) of a = QR by Householder reflections, with each column's sign
    /// chosen so R's diagonal is positive.
    /// </summary>
    static double[] HouseholderQ(double[] a, int m, int n)
    {
        var vs = new double[n][];
        var rDiag = new double[n];
        for (int k = 0; k < n; k++)
        {
            var v = new double[m - k];
            double norm = 0;
            for (int i = k; i < m; i++) { v[i - k] = a[i * n + k]; norm += v[i - k] * v[i - k]; }
            norm = Math.Sqrt(norm);
            double alpha = v[0] > 0 ? -norm : norm;
            rDiag[k] = alpha;
            v[0] -= alpha;
            double vn = 0;
            foreach (var x in v) vn += x * x;
            vn = Math.Sqrt(vn);
            if (vn == 0) { vs[k] = v; continue; }
            for (int i = 0; i < v.Length; i++) v[i] /= vn;
            vs[k] = v;
            for (int j = k; j < n; j++)
            {
                double dot = 0;
                for (int i = k; i < m; i++) dot += v[i - k] * a[i * n + j];
                for (int i = k; i < m; i++) a[i * n + j] -= 2 * dot * v[i - k];
            }
        }
        // Q = H₀·H₁·…·Hₙ₋₁ applied to the first n columns of the identity.
        var q = new double[m * n];
        for (int i = 0; i < n; i++) q[i * n + i] = 1;
        for (int k = n - 1; k >= 0; k--)
        {
            var v = vs[k];
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int i = k; i < m; i++) dot += v[i - k] * q[i * n + j];
                for (int i = k; i < m; i++) q[i * n + j] -= 2 * dot * v[i - k];
            }
        }
        for (int j = 0; j < n; j++)
            if (rDiag[j] < 0)
                for (int i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
        return q;
    }

    /// <summary>
    /// The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear, convolutions
    /// and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope 0.01 when
    /// <paramref name="param"/> is null), 3/4 for selu.
    /// </summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        Nonlinearity.Selu => 3.0 / 4,
        _ => 1,
    };

    /// <summary>CalculateGain by PyTorch's name ("relu", "leaky_relu", "conv2d", ...).</summary>
    public static double CalculateGain(string nonlinearity, double? param = null)
    {
        ArgumentNullException.ThrowIfNull(nonlinearity);
        var key = nonlinearity.Replace("_", "", StringComparison.Ordinal);
        if (!Enum.TryParse<Nonlinearity>(key, ignoreCase: true, out var n) || int.TryParse(key, out _))
            throw new ArgumentException($"Init.CalculateGain: unsupported nonlinearity '{nonlinearity}'; expected one of {string.Join(", ", Enum.GetNames<Nonlinearity>())}.");
        return CalculateGain(n, param);
    }

    /// <summary>
    /// PyTorch's _calculate_fan_in_and_fan_out: for a weight [out, in, k...], fan_in = in·∏k and
    /// fan_out = out·∏k (for a transposed convolution's [in, out, k...] the roles swap with the dims).
    /// </summary>
    public static (int FanIn, int FanOut) FanInAndFanOut(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length < 2)
            throw new ArgumentException($"Init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape {Shapes.Format(shape)}).");
        long receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (checked((int)(shape[1] * receptive)), checked((int)(shape[0] * receptive)));
    }

    public static (int FanIn, int FanOut) FanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return FanInAndFanOut(tensor.Shape);
    }

    static (int, int) FanInAndFanOut(Tensor tensor, string op)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2)
            throw new ArgumentException($"Init.{op}: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape {Shapes.Format(tensor.Shape)}).");
        return FanInAndFanOut(tensor.Shape);
    }

    static void RequireFloat(Tensor tensor, string op)
    {
        if (!tensor.DType.IsFloatingPoint())
            throw new ArgumentException($"Init.{op}: only floating-point tensors can be filled with random values, got {tensor.DType}.");
    }

    /// <summary>Draws every element in row-major order (under the generator's lock) and writes them in under no-grad.</summary>
    static Tensor Fill(Tensor tensor, string op, Generator? generator, Func<Generator, double> sample)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        RequireFloat(tensor, op);
        var g = generator ?? Generator.Default;
        var values = new double[tensor.NumElements];
        lock (g)
            for (int i = 0; i < values.Length; i++) values[i] = sample(g);
        using var flat = Tensor.FromArray(values, values.Length);
        using var src = flat.Reshape(tensor.Shape);
        using (Autograd.NoGrad()) tensor.CopyFrom(src);
        return tensor;
    }
}
