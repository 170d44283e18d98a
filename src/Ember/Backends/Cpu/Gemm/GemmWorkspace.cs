namespace Ember.Backends.Cpu;

/// <summary>
/// Per-thread, 64-byte aligned scratch for the packed A and B panels (on huge pages from 2 MiB). It only
/// grows, so steady-state GEMM calls allocate nothing; the memory is freed when the owning thread (and so
/// this object) dies.
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
        HugePages.Free(buffer, size);
        buffer = null;
        size = 0;
        buffer = (byte*)HugePages.Allocate(bytes, Alignment);
        size = bytes;
        return buffer;
    }

    ~GemmWorkspace()
    {
        HugePages.Free(packedA, sizeA);
        HugePages.Free(packedB, sizeB);
    }
}
