using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ember.Optim;

/// <summary>
/// One optimizer's update rule for a vector of elements: the parameter, its gradient and up to three
/// state buffers (unused ones are ignored). Written once, width-generic, for Float32 and Float64.
/// </summary>
internal interface IFusedUpdate<T> where T : unmanaged
{
    void Apply(ref Vector<T> p, Vector<T> g, ref Vector<T> s0, ref Vector<T> s1, ref Vector<T> s2);
}

/// <summary>
/// Runs an <see cref="IFusedUpdate{T}"/> over whole spans in one pass: full vectors in place, then the
/// remainder through a zero-padded vector on the stack, so the rule exists only in its vector form.
/// </summary>
internal static class FusedUpdate
{
    [SkipLocalsInit]
    public static void Run<T, TOp>(in TOp op, Span<T> p, ReadOnlySpan<T> g, Span<T> s0, Span<T> s1, Span<T> s2)
        where T : unmanaged where TOp : struct, IFusedUpdate<T>
    {
        int n = p.Length, w = Vector<T>.Count, i = 0;
        bool has0 = !s0.IsEmpty, has1 = !s1.IsEmpty, has2 = !s2.IsEmpty;
        ref T pr = ref MemoryMarshal.GetReference(p);
        ref T gr = ref MemoryMarshal.GetReference(g);
        ref T r0 = ref MemoryMarshal.GetReference(s0);
        ref T r1 = ref MemoryMarshal.GetReference(s1);
        ref T r2 = ref MemoryMarshal.GetReference(s2);
        Vector<T> v0 = default, v1 = default, v2 = default;
        for (; i <= n - w; i += w)
        {
            var pv = Vector.LoadUnsafe(ref pr, (nuint)i);
            var gv = Vector.LoadUnsafe(ref gr, (nuint)i);
            if (has0) v0 = Vector.LoadUnsafe(ref r0, (nuint)i);
            if (has1) v1 = Vector.LoadUnsafe(ref r1, (nuint)i);
            if (has2) v2 = Vector.LoadUnsafe(ref r2, (nuint)i);
            op.Apply(ref pv, gv, ref v0, ref v1, ref v2);
            pv.StoreUnsafe(ref pr, (nuint)i);
            if (has0) v0.StoreUnsafe(ref r0, (nuint)i);
            if (has1) v1.StoreUnsafe(ref r1, (nuint)i);
            if (has2) v2.StoreUnsafe(ref r2, (nuint)i);
        }
        if (i == n) return;

        // The remainder: padding lanes compute on zeros and are never written back.
        int rest = n - i;
        Span<T> tmp = stackalloc T[5 * w];
        tmp.Clear();
        p[i..].CopyTo(tmp);
        g[i..].CopyTo(tmp[w..]);
        if (has0) s0[i..].CopyTo(tmp[(2 * w)..]);
        if (has1) s1[i..].CopyTo(tmp[(3 * w)..]);
        if (has2) s2[i..].CopyTo(tmp[(4 * w)..]);
        var tp = new Vector<T>(tmp);
        var tg = new Vector<T>(tmp[w..]);
        v0 = new Vector<T>(tmp[(2 * w)..]);
        v1 = new Vector<T>(tmp[(3 * w)..]);
        v2 = new Vector<T>(tmp[(4 * w)..]);
        op.Apply(ref tp, tg, ref v0, ref v1, ref v2);
        tp.CopyTo(tmp);
        v0.CopyTo(tmp[(2 * w)..]);
        v1.CopyTo(tmp[(3 * w)..]);
        v2.CopyTo(tmp[(4 * w)..]);
        tmp[..rest].CopyTo(p[i..]);
        if (has0) tmp.Slice(2 * w, rest).CopyTo(s0[i..]);
        if (has1) tmp.Slice(3 * w, rest).CopyTo(s1[i..]);
        if (has2) tmp.Slice(4 * w, rest).CopyTo(s2[i..]);
    }
}
