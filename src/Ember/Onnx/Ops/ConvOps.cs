using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>
/// Conv and ConvTranspose: 1-d and 2-d inputs run on Ember's Conv1d/Conv2d/ConvTranspose2d; other
/// ranks fall back to <see cref="DirectConv"/>.
/// </summary>
internal static class ConvOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Conv"] = Conv;
        r["ConvTranspose"] = ConvTranspose;
    }

    static void CheckRank(OnnxNode node, Tensor x, Tensor w)
    {
        if (x.Rank < 3)
            throw new ArgumentException($"{node.OpType}: input of shape {Shapes.Format(x.Shape)}; expected [N, C, spatial...] with at least one spatial axis.");
        if (w.Rank != x.Rank)
            throw new ArgumentException($"{node.OpType}: the weight {Shapes.Format(w.Shape)} must have the input's rank {x.Rank} (input {Shapes.Format(x.Shape)}).");
    }

    static OnnxKernel Conv(OnnxNode node)
    {
        node.ExpectInputs(2, 3);
        return ConvKernel(node);
    }

    /// <summary>The convolution of inputs [X, W, B?] with the node's window attributes (also used by the quantized convs).</summary>
    internal static OnnxKernel ConvKernel(OnnxNode node)
    {
        int groups = node.Int32("group", 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            var w = Host.Need(node, inputs, 1, "W");
            var b = inputs.Length > 2 ? inputs[2] : null;
            CheckRank(node, x, w);
            var shape = x.Shape;
            var g = WindowGeometry.Resolve(node, shape[2..], w.Shape[2..]);
            // Uneven pads (SAME_*, or explicit) are applied up front; even ones go to the kernel.
            int[] padding = g.SymmetricPads ? g.PadBegin : new int[g.Rank];
            if (x.Rank > 4) return [DirectConv.Conv(x, w, b, g, groups)];
            using var input = g.SymmetricPads ? Host.Same(x) : x.Pad(g.PadPairs());
            return [x.Rank == 3
                ? Tensor.Conv1d(input, w, b, g.Strides, padding, g.Dilations, groups)
                : Tensor.Conv2d(input, w, b, g.Strides, padding, g.Dilations, groups)];
        };
    }

    /// <summary>The full (unpadded) transposed convolution of a 1-d or 2-d input on Ember's kernel.</summary>
    static Tensor Full2d(Tensor x, Tensor w, int r, int[] strides, int[] dilations, int groups)
    {
        using var x2 = r == 1 ? x.Unsqueeze(2) : Host.Same(x);
        using var w2 = r == 1 ? w.Unsqueeze(2) : Host.Same(w);
        var y = Tensor.ConvTranspose2d(x2, w2, null, r == 1 ? [1, strides[0]] : strides, null, null, groups, r == 1 ? [1, dilations[0]] : dilations);
        if (r != 1) return y;
        using (y) return y.Squeeze(2);
    }

    static OnnxKernel ConvTranspose(OnnxNode node)
    {
        node.ExpectInputs(2, 3);
        int groups = node.Int32("group", 1);
        var outputShape = node.Ints32("output_shape");
        var outputPadding = node.Ints32("output_padding");
        string autoPad = node.String("auto_pad", "NOTSET");
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            var w = Host.Need(node, inputs, 1, "W");
            var b = inputs.Length > 2 ? inputs[2] : null;
            CheckRank(node, x, w);
            int r = x.Rank - 2;
            var spatial = x.Shape[2..];
            var kernel = w.Shape[2..];
            var strides = node.Ints32("strides") ?? Enumerable.Repeat(1, r).ToArray();
            var dilations = node.Ints32("dilations") ?? Enumerable.Repeat(1, r).ToArray();
            var opad = outputPadding ?? new int[r];
            var pads = node.Ints32("pads") ?? new int[2 * r];
            if (strides.Length != r || dilations.Length != r || opad.Length != r || pads.Length != 2 * r)
                throw node.Error($"has strides, dilations, output_padding or pads of the wrong length for a {r}-d input {Shapes.Format(x.Shape)}");
            var full = new int[r];
            var begin = new int[r];
            var end = new int[r];
            for (int i = 0; i < r; i++)
            {
                full[i] = (spatial[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1;
                int? target = outputShape is { } os ? os[os.Length - r + i] : autoPad is "SAME_UPPER" or "SAME_LOWER" ? spatial[i] * strides[i] : null;
                if (target is int t)
                {
                    // Floor division: a negative total (output_shape larger than the full result) extends at the end.
                    int total = full[i] + opad[i] - t, half = (int)Math.Floor(total / 2.0);
                    begin[i] = autoPad == "SAME_UPPER" ? half : total - half;
                    end[i] = total - begin[i];
                }
                else { begin[i] = pads[i]; end[i] = pads[r + i]; }
            }
            // The full transposed convolution, then crop the pads (and extend by output_padding).
            using var y1 = r > 2 ? DirectConv.ConvTranspose(x, w, strides, dilations, groups) : Full2d(x, w, r, strides, dilations, groups);
            var pairs = new int[2 * r];
            for (int i = 0; i < r; i++) { pairs[2 * i] = -begin[r - 1 - i]; pairs[2 * i + 1] = -end[r - 1 - i] + opad[r - 1 - i]; }
            var cropped = y1.Pad(pairs);
            if (b is null) return [cropped];
            using (cropped)
            {
                using var bias = b.Reshape([b.Shape[0], .. Enumerable.Repeat(1, r)]);
                return [cropped.Add(bias)];
            }
        };
    }

    // ---- export ----

    /// <summary>Conv (2-d; Conv1d arrives as a 2-d conv of height 1) with its epilogue ReLU.</summary>
    internal static void ExportConv(OnnxTracer t, Tensor input, Tensor weight, Tensor? bias, Tensor y,
        int[] strides, int[] pads, int[] dilations, int groups, bool relu)
    {
        var result = t.Emit("Conv", [t.In(input), t.In(weight), t.InOptional(bias)],
            new Attr("kernel_shape", weight.Shape[2..]), new Attr("strides", strides),
            new Attr("pads", pads.Concat(pads).ToArray()), new Attr("dilations", dilations), new Attr("group", (long)groups));
        if (relu) result = t.Emit("Relu", [result]);
        t.Bind(y, result);
    }

    internal static void ExportConvTranspose(OnnxTracer t, Tensor input, Tensor weight, Tensor? bias, Tensor y,
        int[] strides, int[] pads, int[] outputPadding, int[] dilations, int groups)
        => t.Emit("ConvTranspose", y, [t.In(input), t.In(weight), t.InOptional(bias)],
            new Attr("kernel_shape", weight.Shape[2..]), new Attr("strides", strides),
            new Attr("pads", pads.Concat(pads).ToArray()), new Attr("output_padding", outputPadding),
            new Attr("dilations", dilations), new Attr("group", (long)groups));
}
