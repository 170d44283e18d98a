using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// y = x·Wᵀ + b as one op: the bias (and, fused, a ReLU) is applied by the GEMM's epilogue to each tile
/// as it is finished, so neither costs a pass of its own; Wᵀ is never materialised (GEMM reads W transposed).
/// </summary>
public partial class Tensor
{
    /// <summary>torch.nn.functional.linear: input [..., in], weight [out, in], bias [out] → [..., out].</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Linear(input, weight, bias, GemmActivation.None);

    /// <summary>Linear followed by an activation computed in the GEMM's epilogue.</summary>
    internal static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, GemmActivation activation)
    {
        input.Live("Linear"); weight.Live("Linear"); bias?.Live("Linear");
        if (weight.Rank != 2)
            throw new ArgumentException($"Linear: the weight must be 2-d [out, in], got {Shapes.Format(weight.shape)}.");
        if (input.Rank == 0 || input.shape[^1] != weight.shape[1])
            throw new ArgumentException($"Linear: input {Shapes.Format(input.shape)} has {(input.Rank == 0 ? 0 : input.shape[^1])} features but the weight {Shapes.Format(weight.shape)} expects {weight.shape[1]}.");
        int outFeatures = weight.shape[0], inFeatures = weight.shape[1];
        if (bias is not null && (bias.Rank != 1 || bias.shape[0] != outFeatures))
            throw new ArgumentException($"Linear: the bias {Shapes.Format(bias.shape)} does not match {outFeatures} output features.");
        var dtype = bias is null ? DTypes.ResultType(input, weight) : DTypes.Promote(DTypes.ResultType(input, weight), bias.DType);
        if (!dtype.IsFloatingPoint())
        {
            // Integer linear layers are rare: compose them from MatMul.
            using var wt = weight.Transpose(0, 1);
            using var xw = input.MatMul(wt);
            var sum = bias is null ? xw.Clone() : xw + bias;
            if (activation != GemmActivation.Relu) return sum;
            using (sum) return sum.Relu();
        }

        int rows = (int)(input.NumElements / Math.Max(inFeatures, 1));
        if (inFeatures == 0) rows = (int)Shapes.Count(input.shape[..^1]);
        var y = Allocate([.. input.shape[..^1], outFeatures], dtype);
        using (var x2 = input.ContiguousInDType(dtype))
        using (var w = weight.ContiguousInDType(dtype))
        using (var b = bias?.ContiguousInDType(dtype))
            LinearGemm(x2, w, b, y, rows, outFeatures, inFeatures, activation);
        if (GradMode.ShouldRecord(input, weight) || (bias is not null && GradMode.ShouldRecord(bias)))
        {
            var node = new LinearBackward(weight.RequiresGrad ? new Saved(input, "Linear") : null, input.RequiresGrad ? new Saved(weight, "Linear") : null,
                FusedRelu.SaveOutput(y, activation, "Linear"));
            if (bias is null) GradMode.Record(y, node, input, weight);
            else GradMode.Record(y, node, input, weight, bias);
        }
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.MatMulOps.ExportLinear(onnx, input, weight, bias, y, activation == GemmActivation.Relu);
        return y;
    }

    static unsafe void LinearGemm(Tensor x, Tensor w, Tensor? b, Tensor y, int m, int n, int k, GemmActivation activation)
    {
        if (m == 0 || n == 0) return;
        FlopCounter.Add((long)m * n * k);
        if (y.DType == DType.Float32) LinearGemm<float>(x, w, b, y, m, n, k, activation);
        else LinearGemm<double>(x, w, b, y, m, n, k, activation);
    }

    static unsafe void LinearGemm<T>(Tensor x, Tensor w, Tensor? b, Tensor y, int m, int n, int k, GemmActivation activation)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        // k == 0 still runs: C = epilogue(0) is the bias (or zeros), as PyTorch gives.
        var epilogue = new GemmEpilogue<T>(null, b is null ? null : (T*)b.DataPointer, activation);
        Gemm.Run(Threading.NumThreads, false, true, m, n, k, T.One, (T*)x.DataPointer, k, (T*)w.DataPointer, k,
            T.Zero, (T*)y.DataPointer, n, epilogue);
    }

    /// <summary>dx = g·W, dW = gᵀ·x (leading dims flattened), db = Σ g over all but the last dim.</summary>
    sealed class LinearBackward(Saved? input, Saved? weight, Saved? reluOutput) : Node
    {
        protected internal override Tensor?[] Backward(Tensor grad)
        {
            using var masked = reluOutput is null ? null : FusedRelu.MaskGrad(grad, reluOutput.Value);
            var g = masked ?? grad;
            int outFeatures = g.shape[^1];
            using var g2 = g.Reshape(-1, outFeatures);
            Tensor? gx = null, gw = null, gb = null;
            if (weight is not null)
            {
                var w = weight.Value;
                using var gxFlat = g2.MatMul(w);
                gx = gxFlat.Reshape([.. g.shape[..^1], w.shape[1]]);
            }
            if (input is not null)
            {
                var x = input.Value;
                using var x2 = x.Reshape(-1, x.shape[^1]);
                using var gt = g2.Transpose(0, 1);
                gw = gt.MatMul(x2);
            }
            if (NeedsInputGrad(2)) gb = g2.Sum(0);
            return [gx, gw, gb];
        }
        protected override void ReleaseSaved() { input?.Release(); weight?.Release(); reluOutput?.Release(); }
    }
}
