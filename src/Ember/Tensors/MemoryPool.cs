namespace Ember;

/// <summary>
/// A size-bucketed pool of 64-byte-aligned native buffers. Tensors of the same sizes recur every
/// training step, so a freed buffer is kept in its bucket and handed to the next request of that
/// class instead of going back to the OS. Native (not managed) memory keeps big buffers out of the
/// GC heap entirely: no LOH fragmentation, no gen-2 collections caused by tensor data, and aligned
/// vector loads; docs/architecture.md records the measurement behind the choice.
/// </summary>
public static unsafe class MemoryPool
{
    const int Alignment = 64;
    const int MinClassBytes = 64;
    // Quarter-octave size classes: a request wastes at most ~19% of its buffer.
    const int StepsPerOctave = 4;
    const int ClassCount = 40 * StepsPerOctave;

    static readonly Stack<nint>[] Buckets = CreateBuckets();
    static readonly object Gate = new();
    static long pooledBytes, liveBytes, liveBytesAfterLastGc = -1, managedBytesAtLastGc;
    static int lastGcCount = -1;

    /// <summary>Bytes held idle in the pool, ready for reuse.</summary>
    public static long PooledBytes => Interlocked.Read(ref pooledBytes);
    /// <summary>Bytes handed out to live tensors.</summary>
    public static long LiveBytes => Interlocked.Read(ref liveBytes);
    /// <summary>
    /// Whether buffers of 2 MiB and more ask the OS for 2 MiB pages (Linux transparent huge pages, by
    /// madvise): fewer TLB misses for big operands, 1.03–1.08× on 1024³ and 2048³ products.
    /// Affects buffers allocated after the change.
    /// </summary>
    public static bool UseHugePages { get => HugePages.Enabled; set => HugePages.Enabled = value; }

    /// <summary>Upper bound of idle bytes kept; beyond it, freed buffers go back to the OS.</summary>
    public static long MaxPooledBytes { get; set; } = 2L << 30;

    /// <summary>
    /// Managed bytes allocated between young collections before Ember asks for one (0: leave it to the
    /// runtime). Tensor code allocates only small objects (tensor handles, graph nodes), but the runtime
    /// sizes its young generation by the CPU cache, tens of MB, so without this a training loop's RSS
    /// drifts up by that much before the first collection. A gen-0 collection of short-lived objects
    /// takes a fraction of a millisecond.
    /// </summary>
    public static long ManagedGen0Budget { get; set; } = 4L << 20;

    static Stack<nint>[] CreateBuckets()
    {
        var b = new Stack<nint>[ClassCount];
        for (int i = 0; i < b.Length; i++) b[i] = new Stack<nint>();
        return b;
    }

    /// <summary>The size class of a request and the bytes that class allocates.</summary>
    internal static (int Class, long Bytes) SizeClass(long bytes)
    {
        if (bytes <= MinClassBytes) return (0, MinClassBytes);
        int octave = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(bytes - 1)); // 2^octave < bytes <= 2^(octave+1)
        long baseSize = 1L << octave;
        long step = baseSize / StepsPerOctave;
        long k = (bytes - baseSize + step - 1) / step; // 1..StepsPerOctave
        long size = baseSize + k * step;
        int cls = (octave - 6) * StepsPerOctave + (int)k;
        return (cls, size);
    }

    /// <summary>The bytes size class cls allocates (the inverse of <see cref="SizeClass"/>).</summary>
    internal static long ClassBytes(int cls)
    {
        if (cls == 0) return MinClassBytes;
        long baseSize = 1L << ((cls - 1) / StepsPerOctave + 6);
        return baseSize + ((cls - 1) % StepsPerOctave + 1) * (baseSize / StepsPerOctave);
    }

    internal static nint Rent(long bytes, out long allocated)
    {
        var (cls, size) = SizeClass(bytes);
        allocated = size;
        MaybeCollect(size);
        if (cls < ClassCount)
        {
            lock (Gate)
            {
                if (Buckets[cls].TryPop(out var p))
                {
                    pooledBytes -= size;
                    liveBytes += size;
                    return p;
                }
            }
        }
        var mem = (nint)HugePages.Allocate((nuint)size, Alignment);
        if (mem == 0) throw new OutOfMemoryException($"Ember could not allocate {size} bytes for a tensor.");
        Interlocked.Add(ref liveBytes, size);
        return mem;
    }

    internal static void Return(nint p, long size)
    {
        var (cls, _) = SizeClass(size);
        lock (Gate)
        {
            liveBytes -= size;
            if (cls < ClassCount && pooledBytes + size <= MaxPooledBytes)
            {
                Buckets[cls].Push(p);
                pooledBytes += size;
                return;
            }
        }
        HugePages.Free((void*)p, (nuint)size);
    }

    /// <summary>Frees every idle buffer.</summary>
    public static void Trim()
    {
        lock (Gate)
        {
            for (int cls = 0; cls < ClassCount; cls++)
                while (Buckets[cls].TryPop(out var p)) HugePages.Free((void*)p, (nuint)ClassBytes(cls));
            pooledBytes = 0;
        }
    }

    /// <summary>
    /// Tensors nobody disposed come back through the GC, which does not see native bytes. When the
    /// live bytes have grown well past what survived the last collection, ask for a cheap young
    /// collection so forgotten tensors return to the pool instead of growing the process.
    /// </summary>
    static void MaybeCollect(long request)
    {
        int gcs = GC.CollectionCount(0);
        long live = Interlocked.Read(ref liveBytes);
        long managed = GC.GetTotalAllocatedBytes(precise: false);
        if (gcs != lastGcCount) { lastGcCount = gcs; liveBytesAfterLastGc = live; managedBytesAtLastGc = managed; return; }
        if (live + request > 2 * liveBytesAfterLastGc + (256L << 20))
        {
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
        }
        else if (ManagedGen0Budget > 0 && managed - managedBytesAtLastGc > ManagedGen0Budget)
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        else return;
        lastGcCount = GC.CollectionCount(0);
        liveBytesAfterLastGc = Interlocked.Read(ref liveBytes);
        managedBytesAtLastGc = GC.GetTotalAllocatedBytes(precise: false);
    }
}

/// <summary>
/// Memory that Ember did not rent from the pool, such as a memory-mapped file view. A storage over it
/// calls <see cref="ReleaseStorage"/> exactly once, from Dispose or from its finalizer, so the method
/// must be thread-safe, must not throw and may only touch objects that are finalizer-safe (SafeHandles).
/// </summary>
internal interface IStorageOwner
{
    void ReleaseStorage();
}

/// <summary>
/// The bytes behind one or more tensors (views share it). Reference-counted by the tensors that
/// use it; the last Dispose returns the buffer to the pool at once, and if nobody disposes, the
/// finalizer does it when the GC finds the storage unreachable.
/// </summary>
internal sealed unsafe class Storage
{
    nint pointer;
    readonly long allocated;
    readonly IStorageOwner? owner;
    int refs;

    public readonly long ByteLength;
    /// <summary>Bumped by every in-place write; autograd compares it to catch stale saved tensors.</summary>
    public int Version;

    public Storage(long byteLength)
    {
        ByteLength = byteLength;
        pointer = byteLength == 0 ? 0 : MemoryPool.Rent(byteLength, out allocated);
    }

    /// <summary>A storage over external memory (non-empty); <paramref name="owner"/> is released with it instead of the pool.</summary>
    public Storage(nint pointer, long byteLength, IStorageOwner owner)
    {
        if (pointer == 0 || byteLength <= 0) throw new ArgumentException("Storage: external memory must be a non-null pointer to at least one byte.");
        ByteLength = byteLength;
        this.pointer = pointer;
        this.owner = owner;
    }

    public nint Pointer => pointer;
    /// <summary>Whether the bytes belong to an <see cref="IStorageOwner"/> (a mapped file) rather than the pool.</summary>
    public bool IsExternal => owner is not null;
    public bool IsReleased => pointer == 0 && ByteLength != 0;

    public int RefCount => Volatile.Read(ref refs);

    public void AddRef() => Interlocked.Increment(ref refs);

    public void Release()
    {
        if (Interlocked.Decrement(ref refs) == 0) Free();
    }

    void Free()
    {
        GiveBack();
        GC.SuppressFinalize(this);
    }

    void GiveBack()
    {
        var p = Interlocked.Exchange(ref pointer, 0);
        if (p == 0) return;
        if (owner is not null) owner.ReleaseStorage();
        else MemoryPool.Return(p, allocated);
    }

    ~Storage() => GiveBack();
}
