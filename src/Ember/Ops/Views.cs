namespace Ember;

/// <summary>
/// View ops: each is a pure layout function (shape, strides, offset → new ones) over the same storage,
/// recorded with a backward that maps the gradient back to the input's layout.
/// </summary>
public partial class Tensor
{
    Tensor MakeView(int[] newShape, long[] newStrides, long newOffset, string op, Func<Tensor, Tensor>? backward,
        Func<Tensor, Tensor>? region = null)
    {
        var v = new Tensor(Live(op).storage, DType, newShape, newStrides, newOffset);
        if (backward is not null && GradMode.ShouldRecord(this)) GradMode.Record(v, new ViewBackward(op, backward, region), this);
        return v;
    }

    /// <summary>
    /// A view of one region of this tensor (a slice): <paramref name="region"/> picks that part of any
    /// tensor of this shape, and the gradient is the output's gradient placed there among zeros.
    /// </summary>
    Tensor MakeRegionView(int[] newShape, long[] newStrides, long newOffset, string op, Func<Tensor, Tensor> region)
    {
        var inShape = shape;
        return MakeView(newShape, newStrides, newOffset, op, g => ScatterIntoZeros(g, inShape, region), region);
    }

    /// <summary>
    /// A view op's backward: a function from the output gradient to the input gradient. A slice's
    /// gradient can also be added straight into its region of a gradient being summed, so the pieces
    /// of a Split or Chunk meet in one buffer instead of one zero-filled input-sized tensor each.
    /// </summary>
    sealed class ViewBackward(string op, Func<Tensor, Tensor> backward, Func<Tensor, Tensor>? region) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g) => [backward(g)];

        internal override bool AccumulateInto(Tensor inputGrad, Tensor gradOutput)
        {
            if (region is null) return false;
            using var part = region(inputGrad);
            part.AddInPlace(gradOutput);
            return true;
        }
    }

    /// <summary>The same elements in a new shape (a view when the strides allow, else a copy). One dim may be -1.</summary>
    public Tensor Reshape(params int[] shape)
    {
        Live("Reshape");
        var target = Shapes.InferReshape(shape, NumElements, this.shape, "Reshape");
        var viewStrides = ViewStrides(target);
        Tensor y;
        if (viewStrides is not null) y = MakeView(target, viewStrides, offset, "Reshape", ReshapeBack());
        else using (var c = Contiguous()) y = c.Reshape(target);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ShapeOps.ExportReshape(onnx, this, y);
        return y;
    }

    /// <summary>Like Reshape, but never copies: fails when the layout does not allow a view.</summary>
    public Tensor View(params int[] shape)
    {
        Live("View");
        var target = Shapes.InferReshape(shape, NumElements, this.shape, "View");
        var viewStrides = ViewStrides(target)
            ?? throw new InvalidOperationException($"View: a tensor of shape {Shapes.Format(this.shape)} with strides [{string.Join(", ", strides)}] cannot be viewed as {Shapes.Format(target)}; use Reshape (which copies) or call Contiguous() first.");
        var y = MakeView(target, viewStrides, offset, "View", ReshapeBack());
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ShapeOps.ExportReshape(onnx, this, y);
        return y;
    }

    Func<Tensor, Tensor> ReshapeBack()
    {
        var inShape = shape;
        return g => g.Reshape(inShape);
    }

    /// <summary>Strides that read the current elements in row-major order as <paramref name="target"/>, or null (PyTorch's computeStride).</summary>
    long[]? ViewStrides(int[] target)
    {
        if (NumElements == 0 || IsContiguous) return Shapes.ContiguousStrides(target);
        var result = new long[target.Length];
        int viewDim = target.Length - 1;
        // Old dims are grouped into chunks that are mutually contiguous; chunkBase is the innermost
        // stride of the current chunk, and every view dim carved from the chunk is a multiple of it.
        long chunkBase = strides[^1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            tensorNumel *= shape[d];
            bool chunkEnds = d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase);
            if (!chunkEnds) continue;
            while (viewDim >= 0 && (viewNumel < tensorNumel || target[viewDim] == 1))
            {
                result[viewDim] = viewNumel * chunkBase;
                viewNumel *= target[viewDim];
                viewDim--;
            }
            if (viewNumel != tensorNumel) return null;
            if (d > 0) { chunkBase = strides[d - 1]; tensorNumel = 1; viewNumel = 1; }
        }
        return viewDim == -1 ? result : null;
    }

    /// <summary>Swaps two dims (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = Shapes.NormalizeDim(dim0, Rank, "Transpose"), b = Shapes.NormalizeDim(dim1, Rank, "Transpose");
        if (Rank == 0) return MakeView(shape, strides, offset, "Transpose", g => g);
        var s = (int[])shape.Clone(); var st = (long[])strides.Clone();
        (s[a], s[b]) = (s[b], s[a]); (st[a], st[b]) = (st[b], st[a]);
        var y = MakeView(s, st, offset, "Transpose", g => g.Transpose(a, b));
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ShapeOps.ExportSwap(onnx, this, y, a, b);
        return y;
    }

    /// <summary>The transpose of a 2-d tensor (PyTorch's .T for matrices).</summary>
    public Tensor T => Rank < 2 ? Transpose(0, 0) : Transpose(-2, -1);

    /// <summary>Reorders the dims (a view): output dim i is input dim dims[i].</summary>
    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"Permute: got {dims.Length} dims [{string.Join(", ", dims)}] for a tensor of rank {Rank}.");
        var perm = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            perm[i] = Shapes.NormalizeDim(dims[i], Rank, "Permute");
            if (seen[perm[i]]) throw new ArgumentException($"Permute: dim {dims[i]} repeats in [{string.Join(", ", dims)}].");
            seen[perm[i]] = true;
        }
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++) inverse[perm[i]] = i;
        var y = MakeView(perm.Select(p => shape[p]).ToArray(), perm.Select(p => strides[p]).ToArray(), offset, "Permute", g => g.Permute(inverse));
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ShapeOps.ExportTranspose(onnx, this, y, perm);
        return y;
    }

    /// <summary>Elements start..start+length-1 along dim (a view).</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Narrow");
        if (start < 0) start += shape[d];
        if (start < 0 || length < 0 || start + length > shape[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: [{start}, {start + length}) is out of range for dim {dim} of size {shape[d]} (shape {Shapes.Format(shape)}).");
        return Slice(d, start, start + length);
    }

    /// <summary>Elements start, start+step, ... (before end) along dim; negative bounds count from the end; bounds clamp like Python slices.</summary>
    public Tensor Slice(int dim, int start, int end, int step = 1)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Slice");
        if (step <= 0) throw new ArgumentException($"Slice: step must be positive, got {step}.");
        int n = shape[d];
        if (start < 0) start += n;
        if (end < 0) end += n;
        start = Math.Clamp(start, 0, n);
        end = Math.Clamp(end, start, n);
        var s = (int[])shape.Clone(); var st = (long[])strides.Clone();
        s[d] = (end - start + step - 1) / step;
        st[d] = strides[d] * step;
        int from = start, to = end, by = step;
        var y = MakeRegionView(s, st, offset + start * strides[d], "Slice", z => z.Slice(d, from, to, by));
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.IndexingOps.ExportSlice(onnx, this, y, d, start, end, step);
        return y;
    }

    /// <summary>The slice at index along dim, with that dim removed (a view).</summary>
    public Tensor Select(int dim, int index)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Select");
        if (Rank == 0) throw new ArgumentException("Select: cannot select from a 0-d tensor.");
        int n = shape[d];
        if (index < -n || index >= n)
            throw new ArgumentOutOfRangeException(nameof(index), $"Select: index {index} is out of range for dim {dim} of size {n} (shape {Shapes.Format(shape)}).");
        if (index < 0) index += n;
        var s = shape.Where((_, i) => i != d).ToArray();
        var st = strides.Where((_, i) => i != d).ToArray();
        int at = index;
        var y = MakeRegionView(s, st, offset + index * strides[d], "Select", z => z.Select(d, at));
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.IndexingOps.ExportSelect(onnx, this, y, d, index);
        return y;
    }

    /// <summary>Zeros of <paramref name="shape"/> with <paramref name="g"/> written into the region <paramref name="view"/> picks.</summary>
    static Tensor ScatterIntoZeros(Tensor g, int[] shape, Func<Tensor, Tensor> view)
    {
        var z = Full(shape, 0, g.DType);
        using var region = view(z);
        Backends.Cpu.StridedCopy.Copy(g, region);
        return z;
    }

    /// <summary>Broadcasts size-1 dims to larger sizes without copying (-1 keeps a size).</summary>
    public Tensor Expand(params int[] sizes)
    {
        Live("Expand");
        if (sizes.Length < Rank)
            throw new ArgumentException($"Expand: the target {Shapes.Format(sizes)} has fewer dims than the tensor {Shapes.Format(shape)}.");
        var s = new int[sizes.Length]; var st = new long[sizes.Length];
        int lead = sizes.Length - Rank;
        for (int i = 0; i < sizes.Length; i++)
        {
            int src = i - lead;
            int want = sizes[i];
            if (src < 0)
            {
                if (want < 0) throw new ArgumentException($"Expand: -1 is not allowed for a new leading dim ({Shapes.Format(sizes)}).");
                s[i] = want; st[i] = 0; continue;
            }
            if (want == -1) want = shape[src];
            if (shape[src] == want) { s[i] = want; st[i] = strides[src]; }
            else if (shape[src] == 1) { s[i] = want; st[i] = 0; }
            else throw new ArgumentException($"Expand: cannot expand {Shapes.Format(shape)} to {Shapes.Format(sizes)}: dim {i} has size {shape[src]}, not 1.");
        }
        // The engine sums the gradient back down to the input's shape.
        var y = MakeView(s, st, offset, "Expand", g => g.Alias());
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ShapeOps.ExportExpand(onnx, this, y);
        return y;
    }

    /// <summary>Broadcasts to <paramref name="other"/>'s shape.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other.shape);

    /// <summary>Removes size-1 dims (all of them, or just dim).</summary>
    public Tensor Squeeze(int? dim = null)
    {
        Live("Squeeze");
        int[] keep;
        if (dim is int dd)
        {
            int d = Shapes.NormalizeDim(dd, Rank, "Squeeze");
            keep = Enumerable.Range(0, Rank).Where(i => i != d || shape[i] != 1).ToArray();
        }
        else keep = Enumerable.Range(0, Rank).Where(i => shape[i] != 1).ToArray();
        var y = MakeView(keep.Select(i => shape[i]).ToArray(), keep.Select(i => strides[i]).ToArray(), offset, "Squeeze", ReshapeBack());
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ShapeOps.ExportSqueeze(onnx, this, y, Enumerable.Range(0, Rank).Except(keep).ToArray());
        return y;
    }

    /// <summary>Inserts a size-1 dim at position dim (dim may be Rank, or negative).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = Shapes.NormalizeDim(dim, Rank + 1, "Unsqueeze");
        var s = shape.ToList(); var st = strides.ToList();
        long stride = d < Rank ? strides[d] * shape[d] : 1;
        s.Insert(d, 1); st.Insert(d, stride);
        var y = MakeView(s.ToArray(), st.ToArray(), offset, "Unsqueeze", ReshapeBack());
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ShapeOps.ExportUnsqueeze(onnx, this, y, d);
        return y;
    }

    /// <summary>Merges dims startDim..endDim into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int a = Shapes.NormalizeDim(startDim, Rank, "Flatten"), b = Shapes.NormalizeDim(endDim, Rank, "Flatten");
        if (a > b) throw new ArgumentException($"Flatten: startDim {startDim} comes after endDim {endDim}.");
        var s = new List<int>();
        for (int i = 0; i < a; i++) s.Add(shape[i]);
        long merged = 1;
        for (int i = a; i <= b; i++) merged *= shape[i];
        s.Add((int)merged);
        for (int i = b + 1; i < Rank; i++) s.Add(shape[i]);
        return Reshape(s.ToArray());
    }

    /// <summary>All windows of <paramref name="size"/> along dim, every <paramref name="step"/>, as a new last dim (a view).</summary>
    public Tensor Unfold(int dim, int size, int step)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "Unfold");
        int n = Rank == 0 ? 1 : shape[d];
        if (size < 0 || size > n) throw new ArgumentException($"Unfold: window size {size} does not fit dim {dim} of size {n}.");
        if (step <= 0) throw new ArgumentException($"Unfold: step must be positive, got {step}.");
        var s = shape.Append(size).ToArray(); var st = strides.Append(Rank == 0 ? 1 : strides[d]).ToArray();
        if (Rank > 0) { s[d] = (n - size) / step + 1; st[d] = strides[d] * step; }
        var inShape = shape;
        int windows = Rank > 0 ? s[d] : 1;
        return MakeView(s, st, offset, "Unfold", g =>
        {
            // Windows may overlap, so their gradients add up.
            var z = Full(inShape, 0, g.DType);
            for (int w = 0; w < windows; w++)
            {
                using var gw = g.Select(d, w).Unsqueeze(d).Transpose(d, -1).Squeeze(-1);
                using var region = z.Narrow(d, w * step, size);
                region.AddInPlace(gw);
            }
            return z;
        });
    }
}
