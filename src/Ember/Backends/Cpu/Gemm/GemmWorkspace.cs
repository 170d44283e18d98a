using System.Runtime.InteropServices;

namespace Ember.Backends.Cpu;

/// <summary>
/// Per-thread, 64-byte aligned scratch for the packed A and B panels. It only grows, so steady-state
/// GEMM calls allocate nothing; the memory is freed when the owning thread (and so this object) dies.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    const nuint Alignment = 64;

    [ThreadStatic] static GemmWorkspace? current;

    byte* packedA, packedB;
    nuint sizeA, sizeB;

    /// <summary>The calling thread's workspace. Only the innermost, non-parallel code may hold it.</summary>
    public static GemmWorkspace Current => current ??= new GemmWorkspace();

    public byte* PackedA(nuint bytes) => Ensure(ref packedA, ref sizeA, bytes);

    public byte* PackedB(nuint bytes) => Ensure(ref packedB, ref sizeB, bytes);

    static byte* Ensure(ref byte* buffer, ref nuint size, nuint bytes)
    {
        if (bytes <= size) return buffer;
        NativeMemory.AlignedFree(buffer);
        buffer = null;
        size = 0;
        buffer = (byte*)NativeMemory.AlignedAlloc(bytes, Alignment);
        size = bytes;
        return buffer;
    }

    ~GemmWorkspace()
    {
        NativeMemory.AlignedFree(packedA);
        NativeMemory.AlignedFree(packedB);
    }
}
