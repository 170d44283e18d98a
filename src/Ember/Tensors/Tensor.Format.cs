using System.Globalization;
using System.Text;

namespace Ember;

/// <summary>
/// Printing, following torch/_tensor_str.py: 4 decimals (or scientific notation when the magnitudes
/// call for it), every element padded to one width, rows wrapped at 80 columns, tensors over 1000
/// elements summarised with "..." keeping 3 items at each edge. Ember always adds the shape and dtype.
/// </summary>
public partial class Tensor
{
    /// <summary>The tensor as PyTorch prints it, e.g. <c>tensor([1.5000, 2.0000], shape=[2], dtype=float32)</c>.</summary>
    public override string ToString()
    {
        if (disposed != 0 || storage.IsReleased) return "tensor(<disposed>)";
        const string prefix = "tensor(";
        string body = NumElements == 0 ? "[]" : new Printer(this).Format(prefix.Length);
        var suffixes = new List<string> { "shape=" + Shapes.Format(shape), "dtype=" + DType.TorchName() };
        if (GradFn is not null) suffixes.Add($"grad_fn=<{GradFn.Name}>");
        else if (RequiresGrad) suffixes.Add("requires_grad=True");
        return AddSuffixes(prefix + body, suffixes, prefix.Length);
    }

    /// <summary>Appends ", suffix" items, starting a new line when the current one would pass 80 columns (PyTorch's _add_suffixes).</summary>
    static string AddSuffixes(string text, List<string> suffixes, int indent)
    {
        var sb = new StringBuilder(text);
        // PyTorch's count, quirks included: with no newline this is the length plus 2.
        int lastLine = text.Length - text.LastIndexOf('\n') + 1;
        foreach (var suffix in suffixes)
        {
            if (lastLine + suffix.Length + 2 > Printer.LineWidth)
            {
                sb.Append(",\n").Append(' ', indent).Append(suffix);
                lastLine = indent + suffix.Length;
            }
            else
            {
                sb.Append(", ").Append(suffix);
                lastLine += suffix.Length + 2;
            }
        }
        return sb.Append(')').ToString();
    }

    /// <summary>Lays out the elements: one pass picks the elements shown, the formatter sizes them, a second pass writes them.</summary>
    sealed unsafe class Printer
    {
        public const int LineWidth = 80;
        const int Threshold = 1000, EdgeItems = 3, Precision = 4;

        readonly Tensor t;
        readonly bool summarize, floating;
        bool intMode = true, sciMode;
        int maxWidth = 1;

        public Printer(Tensor t)
        {
            this.t = t;
            summarize = t.NumElements > Threshold;
            floating = t.DType.IsFloatingPoint();
            var shown = new List<long>();
            CollectShown(0, 0, shown);
            SizeFormatter(shown);
        }

        public string Format(int indent) => TensorString(0, 0, indent);

        /// <summary>The positions along a dim that are printed: all, or the edges when summarising.</summary>
        IEnumerable<int> ShownIndices(int size)
        {
            if (!summarize || size <= 2 * EdgeItems)
            {
                for (int i = 0; i < size; i++) yield return i;
                yield break;
            }
            for (int i = 0; i < EdgeItems; i++) yield return i;
            for (int i = size - EdgeItems; i < size; i++) yield return i;
        }

        bool Elided(int size) => summarize && size > 2 * EdgeItems;

        void CollectShown(int dim, long off, List<long> shown)
        {
            if (dim == t.Rank) { shown.Add(off); return; }
            foreach (var i in ShownIndices(t.shape[dim])) CollectShown(dim + 1, off + i * t.strides[dim], shown);
        }

        /// <summary>Chooses integer, fixed or scientific notation and the common width, from the shown elements only.</summary>
        void SizeFormatter(List<long> shown)
        {
            if (!floating)
            {
                foreach (var off in shown) maxWidth = Math.Max(maxWidth, Plain(off).Length);
                return;
            }
            var values = shown.Select(ReadDouble).Where(v => double.IsFinite(v) && v != 0).ToList();
            if (values.Count == 0) return;
            double min = values.Min(Math.Abs), max = values.Max(Math.Abs);
            intMode = values.All(v => v == Math.Ceiling(v));
            if (intMode)
            {
                if (max / min > 1000 || max > 1e8)
                {
                    sciMode = true;
                    foreach (var v in values) maxWidth = Math.Max(maxWidth, Scientific(v).Length);
                }
                else foreach (var v in values) maxWidth = Math.Max(maxWidth, Fixed(v, 0).Length + 1);
            }
            else if (max / min > 1000 || max > 1e8 || min < 1e-4)
            {
                sciMode = true;
                foreach (var v in values) maxWidth = Math.Max(maxWidth, Scientific(v).Length);
            }
            else foreach (var v in values) maxWidth = Math.Max(maxWidth, Fixed(v, Precision).Length);
        }

        string Element(long off)
        {
            string s;
            if (!floating) s = Plain(off);
            else
            {
                double v = ReadDouble(off);
                if (sciMode) s = Scientific(v);
                else if (intMode) s = double.IsFinite(v) ? Fixed(v, 0) + "." : Fixed(v, 0);
                else s = Fixed(v, Precision);
            }
            return s.PadLeft(maxWidth);
        }

        string TensorString(int dim, long off, int indent)
        {
            int remaining = t.Rank - dim;
            if (remaining == 0) return Element(off);
            int size = t.shape[dim];
            if (remaining == 1) return VectorString(dim, off, indent);
            var slices = new List<string>();
            foreach (var i in ShownIndices(size))
            {
                if (Elided(size) && i == size - EdgeItems) slices.Add("...");
                slices.Add(TensorString(dim + 1, off + i * t.strides[dim], indent + 1));
            }
            return "[" + string.Join("," + new string('\n', remaining - 1) + new string(' ', indent + 1), slices) + "]";
        }

        string VectorString(int dim, long off, int indent)
        {
            int elementLength = maxWidth + 2;
            int perLine = Math.Max(1, (LineWidth - indent) / elementLength);
            int size = t.shape[dim];
            var data = new List<string>();
            foreach (var i in ShownIndices(size))
            {
                if (Elided(size) && i == size - EdgeItems) data.Add(" ...");
                data.Add(Element(off + i * t.strides[dim]));
            }
            var lines = data.Chunk(perLine).Select(line => string.Join(", ", line));
            return "[" + string.Join(",\n" + new string(' ', indent + 1), lines) + "]";
        }

        double ReadDouble(long off)
        {
            byte* p = (byte*)t.DataPointer + off * t.ElementSize;
            return t.DType == DType.Float32 ? *(float*)p : *(double*)p;
        }

        string Plain(long off)
        {
            byte* p = (byte*)t.DataPointer + off * t.ElementSize;
            return t.DType switch
            {
                DType.Int64 => (*(long*)p).ToString(CultureInfo.InvariantCulture),
                DType.Int32 => (*(int*)p).ToString(CultureInfo.InvariantCulture),
                DType.UInt8 => (*p).ToString(CultureInfo.InvariantCulture),
                DType.Bool => *p != 0 ? "True" : "False",
                _ => throw new NotSupportedException($"ToString: no plain format for {t.DType}."),
            };
        }

        static string? NonFinite(double v) => double.IsNaN(v) ? "nan" : double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" : null;

        /// <summary>Python's "{:.Nf}" (both round exact ties to even).</summary>
        static string Fixed(double v, int decimals) => NonFinite(v) ?? v.ToString("F" + decimals, CultureInfo.InvariantCulture);

        /// <summary>Python's "{:.4e}": a lower-case e and an exponent of at least two digits (1.0000e+08).</summary>
        static string Scientific(double v)
        {
            if (NonFinite(v) is { } s) return s;
            var text = v.ToString("E" + Precision, CultureInfo.InvariantCulture); // 1.0000E+008
            int e = text.IndexOf('E');
            char sign = text[e + 1];
            var digits = text[(e + 2)..].TrimStart('0').PadLeft(2, '0');
            return text[..e] + "e" + sign + digits;
        }
    }
}
