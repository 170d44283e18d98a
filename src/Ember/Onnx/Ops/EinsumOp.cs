namespace Ember.Onnx.Ops;

/// <summary>
/// Einsum by direct summation over every index (numpy's rules: '...' broadcasts, an implicit output
/// lists the letters used once, in alphabetical order). Meant for the small contractions models use.
/// </summary>
internal static class EinsumOp
{
    public static Tensor Run(string equation, Tensor[] xs)
    {
        var parts = equation.Split("->");
        if (parts.Length > 2) throw new ArgumentException($"Einsum: the equation '{equation}' has more than one '->'.");
        var terms = parts[0].Split(',');
        if (terms.Length != xs.Length)
            throw new ArgumentException($"Einsum: the equation '{equation}' names {terms.Length} operands but {xs.Length} were given.");

        // Expand '...' into private index letters, right-aligned across operands.
        int ellipsisRank = 0;
        for (int t = 0; t < terms.Length; t++)
            if (terms[t].Contains("..."))
                ellipsisRank = Math.Max(ellipsisRank, xs[t].Rank - (terms[t].Length - 3));
        string ell = new(Enumerable.Range(0, ellipsisRank).Select(i => (char)('\u0100' + i)).ToArray());
        var labels = new string[terms.Length];
        for (int t = 0; t < terms.Length; t++)
        {
            string term = terms[t];
            if (term.Contains("..."))
            {
                int own = xs[t].Rank - (term.Length - 3);
                term = term.Replace("...", ell[(ellipsisRank - own)..]);
            }
            if (term.Length != xs[t].Rank)
                throw new ArgumentException($"Einsum: operand {t} of shape {Shapes.Format(xs[t].Shape)} does not match '{terms[t]}' in '{equation}'.");
            labels[t] = term;
        }
        string output;
        if (parts.Length == 2) output = parts[1].Replace("...", ell);
        else
        {
            var counts = labels.SelectMany(l => l).Where(c => c < '\u0100').GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).OrderBy(c => c);
            output = ell + new string(counts.ToArray());
        }

        var size = new Dictionary<char, int>();
        for (int t = 0; t < xs.Length; t++)
        {
            var shape = xs[t].Shape;
            for (int i = 0; i < labels[t].Length; i++)
            {
                char c = labels[t][i];
                if (!size.TryGetValue(c, out int s) || s == 1) size[c] = shape[i];
                else if (shape[i] != s && shape[i] != 1)
                    throw new ArgumentException($"Einsum: index '{c}' has sizes {s} and {shape[i]} in '{equation}'.");
            }
        }
        foreach (char c in output)
            if (!size.ContainsKey(c)) throw new ArgumentException($"Einsum: the output index '{c}' of '{equation}' appears in no operand.");
        var all = output.Concat(size.Keys.Where(c => !output.Contains(c))).ToArray();
        var values = xs.Select(OnnxTensors.ToDoubles).ToArray();
        var strides = new long[xs.Length][];
        for (int t = 0; t < xs.Length; t++)
        {
            // Stride per letter of 'all' (0 where the letter is absent or broadcast).
            var own = Host.Strides(xs[t].Shape);
            strides[t] = new long[all.Length];
            for (int i = 0; i < labels[t].Length; i++)
            {
                int a = Array.IndexOf(all, labels[t][i]);
                if (xs[t].Shape[i] != 1) strides[t][a] += own[i];
            }
        }
        var dims = all.Select(c => size[c]).ToArray();
        var outShape = dims[..output.Length];
        long outCount = Shapes.Count(outShape);
        long sumCount = Shapes.Count(dims[output.Length..]);
        var y = new double[outCount];
        var pos = new int[all.Length];
        long total = outCount * sumCount;
        for (long n = 0; n < total; n++)
        {
            double product = 1;
            for (int t = 0; t < xs.Length; t++)
            {
                long at = 0;
                for (int i = 0; i < all.Length; i++) at += pos[i] * strides[t][i];
                product *= values[t][at];
            }
            y[n / Math.Max(sumCount, 1)] += product;
            for (int i = all.Length - 1; i >= 0; i--) { if (++pos[i] < dims[i]) break; pos[i] = 0; }
        }
        return OnnxTensors.FromDoubles(y, outShape, xs[0].DType);
    }
}
