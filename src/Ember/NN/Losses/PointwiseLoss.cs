using Ember.Backends.Cpu;

namespace Ember.NN.Losses;

/// <summary>
/// An elementwise loss ℓ(x, y; a): its value and its partial derivatives in x and y, in Float64.
/// <c>a</c> is an optional per-element constant (BCEWithLogits' pos_weight), 1 when absent.
/// </summary>
internal interface IPointwiseLoss
{
    double Value(double x, double y, double a);
    double DInput(double x, double y, double a);
    double DTarget(double x, double y, double a);
}

/// <summary>
/// The fused node behind the elementwise losses: one pass forward (values, or their weighted sum),
/// one pass backward (both gradients), no intermediate tensors. Each loss states its own derivative,
/// so the gradient at the kinks (x = y, |x − y| = β, p ∈ {0, 1}) is PyTorch's and never 0·∞.
/// </summary>
internal sealed unsafe class PointwiseLoss<TFn> : Node where TFn : struct, IPointwiseLoss
{
    readonly string op;
    readonly TFn fn;
    readonly Saved x, y;
    readonly double[]? weight, aux;
    readonly double scale;
    readonly bool elementwise;

    PointwiseLoss(string op, TFn fn, Saved x, Saved y, double[]? weight, double[]? aux, double scale, bool elementwise)
    {
        this.op = op; this.fn = fn; this.x = x; this.y = y; this.weight = weight; this.aux = aux; this.scale = scale; this.elementwise = elementwise;
    }

    public override string Name => op + "Backward";

    /// <summary>Input and target must already be checked (same shape, same floating dtype); weight and aux are broadcast to that shape.</summary>
    public static Tensor Apply(string op, TFn fn, Tensor input, Tensor target, double[]? weight, double[]? aux, LossReduction reduction)
    {
        var dtype = input.DType;
        using var xc = input.ContiguousInDType(dtype);
        using var yc = target.ContiguousInDType(dtype);
        long n = xc.NumElements;
        bool elementwise = reduction == LossReduction.None;
        double scale = reduction switch
        {
            LossReduction.Mean => 1.0 / n, // 0 elements: 0 · ∞ gives NaN, as PyTorch's mean of nothing
            LossReduction.BatchMean => input.Rank > 0 ? 1.0 / input.shape[0] : 1.0,
            _ => 1.0,
        };
        var output = elementwise ? Tensor.Empty(input.shape, dtype) : null;
        var k = new ForwardKernel { X = xc, Y = yc, Out = output, W = weight, A = aux, Fn = fn };
        Dispatch.Float(dtype, ref k, op);
        var result = output ?? Tensor.Scalar(n == 0 && reduction == LossReduction.Mean ? double.NaN : k.Total * scale, dtype);
        if (GradMode.ShouldRecord(input, target))
            GradMode.Record(result, new PointwiseLoss<TFn>(op, fn, new Saved(xc, op), new Saved(yc, op), weight, aux, scale, elementwise), input, target);
        return result;
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var xv = x.Value; var yv = y.Value;
        using var gc = g.ContiguousInDType(DType.Float64);
        var dx = NeedsInputGrad(0) ? Tensor.Empty(xv.shape, xv.DType) : null;
        var dy = NeedsInputGrad(1) ? Tensor.Empty(yv.shape, yv.DType) : null;
        var k = new BackwardKernel
        {
            X = xv, Y = yv, G = gc, Dx = dx, Dy = dy, W = weight, A = aux, Fn = fn, Scale = scale, Elementwise = elementwise,
        };
        Dispatch.Float(xv.DType, ref k, Name);
        return [dx, dy];
    }

    protected override void ReleaseSaved() { x.Release(); y.Release(); }

    struct ForwardKernel : IFloatKernel
    {
        public Tensor X, Y; public Tensor? Out; public double[]? W, A; public TFn Fn; public double Total;

        public void Run<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            T* xp = (T*)X.DataPointer, yp = (T*)Y.DataPointer;
            T* op = Out is null ? null : (T*)Out.DataPointer;
            long n = X.NumElements;
            var w = W; var a = A; var fn = Fn;
            // Fixed chunks, each summed in order: the total does not depend on scheduling.
            int chunks = Parallelism.ChunkCount(n, 16);
            var partial = new double[chunks];
            Parallelism.Run(chunks, c =>
            {
                double sum = 0;
                for (long i = n * c / chunks, e = n * (c + 1) / chunks; i < e; i++)
                {
                    double v = fn.Value(double.CreateTruncating(xp[i]), double.CreateTruncating(yp[i]), a is null ? 1.0 : a[i]);
                    if (w is not null) v *= w[i];
                    if (op is not null) op[i] = T.CreateTruncating(v);
                    else sum += v;
                }
                partial[c] = sum;
            });
            foreach (var p in partial) Total += p;
        }
    }

    struct BackwardKernel : IFloatKernel
    {
        public Tensor X, Y, G; public Tensor? Dx, Dy; public double[]? W, A; public TFn Fn; public double Scale; public bool Elementwise;

        public void Run<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            T* xp = (T*)X.DataPointer, yp = (T*)Y.DataPointer;
            T* dxp = Dx is null ? null : (T*)Dx.DataPointer;
            T* dyp = Dy is null ? null : (T*)Dy.DataPointer;
            double* gp = (double*)G.DataPointer;
            var w = W; var a = A; var fn = Fn; double scale = Scale; bool elementwise = Elementwise;
            Parallelism.For(X.NumElements, 16, (s, e) =>
            {
                for (long i = s; i < e; i++)
                {
                    double gi = (elementwise ? gp[i] : gp[0] * scale) * (w is null ? 1.0 : w[i]);
                    double xi = double.CreateTruncating(xp[i]), yi = double.CreateTruncating(yp[i]), ai = a is null ? 1.0 : a[i];
                    if (dxp is not null) dxp[i] = T.CreateTruncating(gi * fn.DInput(xi, yi, ai));
                    if (dyp is not null) dyp[i] = T.CreateTruncating(gi * fn.DTarget(xi, yi, ai));
                }
            });
        }
    }
}
