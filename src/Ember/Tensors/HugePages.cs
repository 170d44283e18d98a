using System.Runtime.InteropServices;

namespace Ember;

/// <summary>
/// Native buffers of 2 MiB and more, placed on 2 MiB boundaries and, on Linux, marked for transparent
/// huge pages (madvise MADV_HUGEPAGE). With 4 KiB pages every row of a 1024-wide float matrix is a page
/// of its own, so a GEMM tile touches a dozen pages per row block and the TLB misses add up; with 2 MiB
/// pages a whole operand takes a few entries. Alternated call by call with 4 KiB pages, 1024³ and 2048³
/// products ran 1.03–1.08× faster. Where the advice is unavailable (other systems, huge pages
/// disabled) the buffers are plain aligned memory.
/// </summary>
internal static unsafe class HugePages
{
    /// <summary>Size of one huge page, and the least buffer worth placing on them.</summary>
    public const nuint Size = 2 << 20;

    const int AdviseHuge = 14, AdviseNoHuge = 15;   // MADV_HUGEPAGE, MADV_NOHUGEPAGE

    static readonly delegate* unmanaged<void*, nuint, int, int> Madvise = FindMadvise();

    /// <summary>Whether the advice can be given here: Linux, with madvise found in the C library.</summary>
    public static bool Available => Madvise != null;

    /// <summary>Whether buffers of <see cref="Size"/> and more ask for huge pages (Linux only).</summary>
    public static bool Enabled { get; set; } = true;

    static delegate* unmanaged<void*, nuint, int, int> FindMadvise()
    {
        if (!OperatingSystem.IsLinux()) return null;
        // libc is loaded into every process, so the main program's symbol scope finds it whatever its file name.
        return NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "madvise", out var f)
            ? (delegate* unmanaged<void*, nuint, int, int>)f : null;
    }

    /// <summary>Whether a buffer of this many bytes goes on huge-page boundaries.</summary>
    public static bool Applies(nuint bytes) => bytes >= Size;

    /// <summary>
    /// bytes of memory aligned to at least <paramref name="alignment"/> (OutOfMemoryException when there
    /// is none). Buffers <see cref="Applies"/> to start on a 2 MiB boundary and ask for huge pages.
    /// </summary>
    public static void* Allocate(nuint bytes, nuint alignment)
    {
        if (!Applies(bytes)) return NativeMemory.AlignedAlloc(bytes, alignment);
        void* p = NativeMemory.AlignedAlloc(bytes, Math.Max(alignment, Size));
        if (Enabled && Madvise != null) Madvise(p, bytes, AdviseHuge);
        return p;
    }

    /// <summary>Frees a buffer from <see cref="Allocate"/> of the same byte count.</summary>
    public static void Free(void* p, nuint bytes)
    {
        if (p == null) return;
        // The C allocator may reuse the range for small blocks, which should not inherit the advice.
        if (Applies(bytes) && Madvise != null) Madvise(p, bytes, AdviseNoHuge);
        NativeMemory.AlignedFree(p);
    }
}
