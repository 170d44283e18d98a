using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>A float → float function, with a span body (SIMD) and a scalar body (strided tails).</summary>
internal interface IUnaryOp
{
    T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;
    void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A binary function of numbers: span∘span, span∘scalar and scalar∘span bodies for broadcast rows.</summary>
internal interface IBinaryOp
{
    T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>;
    void Span<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T>;
    void SpanScalar<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, INumber<T>;
    void ScalarSpan<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T>;
}

/// <summary>A predicate on two numbers; results are stored as Bool (one byte).</summary>
internal interface ICompareOp
{
    bool Test<T>(T a, T b) where T : unmanaged, INumber<T>;
}

/// <summary>
/// The generic drivers every elementwise op runs through: cast inputs to the compute dtype, plan
/// broadcast rows, split rows across threads, and call the op's span body on each row.
/// </summary>
internal static unsafe class Elementwise
{
    /// <summary>y = op(x) for a floating-point x, into a new contiguous tensor.</summary>
    public static Tensor Map<TOp>(Tensor x, TOp op, string name) where TOp : struct, IUnaryOp
    {
        x.Live(name);
        var dtype = x.DType.ToFloating();
        using var src = x.ContiguousInDType(dtype);
        var y = Tensor.Allocate(x.shape, dtype);
        var k = new MapKernel<TOp> { Op = op, X = src, Y = y };
        Dispatch.Float(dtype, ref k, name);
        return y;
    }

    struct MapKernel<TOp> : IFloatKernel where TOp : struct, IUnaryOp
    {
        public TOp Op; public Tensor X, Y;
        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* xp = (T*)X.DataPointer, yp = (T*)Y.DataPointer;
            var op = Op;
            Parallelism.For(Y.NumElements, 4, (s, e) => op.Span(new ReadOnlySpan<T>(xp + s, (int)(e - s)), new Span<T>(yp + s, (int)(e - s))));
        }
    }

    /// <summary>y = op(a, b) with broadcasting, computed and stored in <paramref name="dtype"/>.</summary>
    public static Tensor Binary<TOp>(Tensor a, Tensor b, TOp op, DType dtype, string name) where TOp : struct, IBinaryOp
    {
        a.Live(name); b.Live(name);
        var shape = Shapes.Broadcast(a.shape, b.shape, name);
        using var ca = a.InDType(dtype);
        using var cb = b.InDType(dtype);
        var y = Tensor.Allocate(shape, dtype);
        var k = new BinaryKernel<TOp> { Op = op, A = ca, B = cb, Y = y };
        Dispatch.Numeric(dtype, ref k);
        return y;
    }

    struct BinaryKernel<TOp> : INumericKernel where TOp : struct, IBinaryOp
    {
        public TOp Op; public Tensor A, B, Y;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            var op = Op;
            T* ap = (T*)A.DataPointer, bp = (T*)B.DataPointer, yp = (T*)Y.DataPointer;
            if (Shapes.SameShape(A.shape, B.shape) && A.IsContiguous && B.IsContiguous)
            {
                Parallelism.For(Y.NumElements, 1, (s, e) =>
                    op.Span(new ReadOnlySpan<T>(ap + s, (int)(e - s)), new ReadOnlySpan<T>(bp + s, (int)(e - s)), new Span<T>(yp + s, (int)(e - s))));
                return;
            }
            var plan = Plan(Y, A, B);
            long sa = plan.RowStrides[1], sb = plan.RowStrides[2];
            plan.ForEachRow((off, n) =>
            {
                T* pa = ap + off[1], pb = bp + off[2];
                var dst = new Span<T>(yp + off[0], n);
                if (sa == 1 && sb == 1) op.Span(new ReadOnlySpan<T>(pa, n), new ReadOnlySpan<T>(pb, n), dst);
                else if (sa == 1 && sb == 0) op.SpanScalar(new ReadOnlySpan<T>(pa, n), *pb, dst);
                else if (sa == 0 && sb == 1) op.ScalarSpan(*pa, new ReadOnlySpan<T>(pb, n), dst);
                else for (int i = 0; i < n; i++) dst[i] = op.Scalar(pa[i * sa], pb[i * sb]);
            });
        }
    }

    /// <summary>Rows of the output and of each input read as the output's (broadcast) shape.</summary>
    static RowPlan Plan(Tensor y, params ReadOnlySpan<Tensor> inputs)
    {
        var strides = new long[inputs.Length + 1][];
        strides[0] = y.strides;
        for (int i = 0; i < inputs.Length; i++) strides[i + 1] = Shapes.BroadcastStrides(inputs[i].shape, inputs[i].strides, y.shape);
        return new RowPlan(y.shape, strides);
    }

    /// <summary>Bool result of op(a, b) with broadcasting; both sides compared in <paramref name="dtype"/>.</summary>
    public static Tensor Compare<TOp>(Tensor a, Tensor b, TOp op, DType dtype, string name) where TOp : struct, ICompareOp
    {
        a.Live(name); b.Live(name);
        var shape = Shapes.Broadcast(a.shape, b.shape, name);
        using var ca = a.InDType(dtype);
        using var cb = b.InDType(dtype);
        var y = Tensor.Allocate(shape, DType.Bool);
        var k = new CompareKernel<TOp> { Op = op, A = ca, B = cb, Y = y };
        Dispatch.Numeric(dtype, ref k);
        return y;
    }

    struct CompareKernel<TOp> : INumericKernel where TOp : struct, ICompareOp
    {
        public TOp Op; public Tensor A, B, Y;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            var op = Op;
            T* ap = (T*)A.DataPointer, bp = (T*)B.DataPointer;
            byte* yp = (byte*)Y.DataPointer;
            var plan = Plan(Y, A, B);
            long sa = plan.RowStrides[1], sb = plan.RowStrides[2];
            plan.ForEachRow((off, n) =>
            {
                T* pa = ap + off[1], pb = bp + off[2];
                byte* py = yp + off[0];
                for (int i = 0; i < n; i++) py[i] = op.Test(pa[i * sa], pb[i * sb]) ? (byte)1 : (byte)0;
            });
        }
    }

    /// <summary>y = condition ? a : b with broadcasting (all three already in y's dtype, condition Bool).</summary>
    public static void Where(Tensor condition, Tensor a, Tensor b, Tensor y)
    {
        var k = new WhereKernel { C = condition, A = a, B = b, Y = y };
        Dispatch.Numeric(y.DType, ref k);
    }

    struct WhereKernel : INumericKernel
    {
        public Tensor C, A, B, Y;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            var plan = Plan(Y, C, A, B);
            byte* cp = (byte*)C.DataPointer; T* ap = (T*)A.DataPointer, bp = (T*)B.DataPointer, yp = (T*)Y.DataPointer;
            long sc = plan.RowStrides[1], sa = plan.RowStrides[2], sb = plan.RowStrides[3];
            plan.ForEachRow((off, n) =>
            {
                byte* c = cp + off[1]; T* pa = ap + off[2], pb = bp + off[3], o = yp + off[0];
                for (int i = 0; i < n; i++) o[i] = c[i * sc] != 0 ? pa[i * sa] : pb[i * sb];
            });
        }
    }
}
