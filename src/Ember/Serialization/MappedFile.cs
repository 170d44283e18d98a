using System.IO.MemoryMappedFiles;

namespace Ember.Serialization;

/// <summary>
/// A copy-on-write memory mapping of a whole file, shared by the storages of the tensors loaded from
/// it. It counts them (plus one reference held by the loader while it works) and unmaps the file when
/// the count reaches zero. Copy-on-write makes in-place ops on a loaded tensor write to private pages,
/// never to the file. The release may run on the finalizer thread: it touches only the view's
/// SafeHandle and the mapping's, which are finalised after ordinary finalizers, and it never throws.
/// </summary>
internal sealed unsafe class MappedFile : IStorageOwner
{
    readonly MemoryMappedFile mapping;
    readonly MemoryMappedViewAccessor view;
    int refs = 1;

    /// <summary>The first byte of the file.</summary>
    public byte* Base { get; }

    /// <summary>Maps the file behind <paramref name="stream"/>, which the mapping takes over.</summary>
    public MappedFile(FileStream stream)
    {
        try
        {
            mapping = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.CopyOnWrite, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        try
        {
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.CopyOnWrite);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            Base = p + view.PointerOffset;
        }
        catch
        {
            view?.Dispose();
            mapping.Dispose();
            throw;
        }
    }

    /// <summary>A storage of <paramref name="byteLength"/> bytes at <paramref name="offset"/> in the file that keeps the mapping alive.</summary>
    public Storage Storage(long offset, long byteLength)
    {
        Interlocked.Increment(ref refs);
        return new Storage((nint)(Base + offset), byteLength, this);
    }

    /// <summary>Drops one reference (a storage's, or the loader's); the last one unmaps the file.</summary>
    public void ReleaseStorage()
    {
        if (Interlocked.Decrement(ref refs) != 0) return;
        try
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            mapping.Dispose();
        }
        catch
        {
            // Unmapping cannot meaningfully fail; never let it take down the finalizer thread.
        }
    }
}
