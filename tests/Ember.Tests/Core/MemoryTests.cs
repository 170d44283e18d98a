using Ember;
using Ember.NN;
using Ember.Optim;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>Tests that read process-wide memory counters run alone, after the parallel ones.</summary>
[CollectionDefinition("Memory", DisableParallelization = true)]
public sealed class MemoryCollection;

[Collection("Memory")]
public class MemoryTests
{
    [Fact]
    public void PoolReusesBuffersOfTheSameSizeClass()
    {
        var (cls1, bytes1) = MemoryPool.SizeClass(1000);
        var (cls2, bytes2) = MemoryPool.SizeClass(1024);
        Assert.Equal(cls1, cls2);
        Assert.True(bytes1 >= 1024 && bytes1 < 1024 * 1.3);
        Assert.True(MemoryPool.SizeClass(1025).Bytes > 1024);
        for (long n = 1; n < 1 << 24; n = n * 3 + 1)
        {
            var (_, b) = MemoryPool.SizeClass(n);
            Assert.True(b >= n && b <= Math.Max(64, n * 1.26), $"class of {n} bytes is {b}");
        }
    }

    [Fact]
    public void ClassBytesInvertsSizeClass()
    {
        for (long n = 1; n < 1L << 34; n = n * 5 / 4 + 1)
        {
            var (cls, bytes) = MemoryPool.SizeClass(n);
            Assert.Equal(bytes, MemoryPool.ClassBytes(cls));
        }
    }

    [Fact]
    public unsafe void LargeBuffersStartOnHugePageBoundaries()
    {
        if (OperatingSystem.IsLinux()) Assert.True(HugePages.Available, "madvise should be found in the C library on Linux");
        foreach (nuint bytes in new nuint[] { HugePages.Size - 64, HugePages.Size, 3 * HugePages.Size + 4096 + 12 })
        {
            byte* p = (byte*)HugePages.Allocate(bytes, 64);
            Assert.True(p != null);
            Assert.Equal(0u, (nuint)p % (HugePages.Applies(bytes) ? HugePages.Size : 64));
            // Every byte is usable: write a pattern over the whole buffer and read it back.
            for (nuint i = 0; i < bytes; i += 4093) p[i] = (byte)(i * 7);
            p[bytes - 1] = 0xA5;
            for (nuint i = 0; i < bytes; i += 4093) Assert.Equal((byte)(i * 7), p[i]);
            Assert.Equal(0xA5, p[bytes - 1]);
            HugePages.Free(p, bytes);
        }
    }

    [Fact]
    public void LargeTensorsComputeOnHugePages()
    {
        // 1024×1024 floats (4 MiB) take the huge-page path, in the pool, the GEMM workspace and Trim.
        var g = new Generator(3);
        using var a = Tensor.Randn([1024, 1024], g);
        using var eye = Tensor.Eye(1024);
        using (var product = a.MatMul(eye))
            Assert.Equal(a.ToArray<float>(), product.ToArray<float>());
        MemoryPool.Trim();
    }

    [Fact]
    public void DisposedTensorsReturnTheirBuffersAtOnce()
    {
        var before = MemoryPool.LiveBytes;
        var t = Tensor.Zeros(1 << 20);
        Assert.True(MemoryPool.LiveBytes >= before + (4 << 20));
        t.Dispose();
        Assert.True(MemoryPool.LiveBytes <= before + (64 << 10));
    }

    [Fact]
    public void ForgottenTensorsComeBackThroughTheGc()
    {
        long start = MemoryPool.LiveBytes;
        for (int i = 0; i < 2000; i++)
        {
            var t = Tensor.Ones(256, 1024); // 1 MiB each, never disposed: 2 GiB in all if nothing came back
            _ = t.NumElements;
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(MemoryPool.LiveBytes - start < 512L << 20, $"live bytes grew by {(MemoryPool.LiveBytes - start) >> 20} MiB");
    }

    [Fact]
    public void SteadyStateTrainingDoesNotGrowMemory()
    {
        var gen = new Generator(0);
        var model = new Sequential(new Linear(784, 512, generator: gen), new ReLU(), new Linear(512, 256, generator: gen), new ReLU(), new Linear(256, 10, generator: gen));
        var opt = new Adam(model.Parameters(), 1e-3);
        using var x = Tensor.Randn([128, 784], gen);
        using var y = Tensor.RandInt(0, 10, [128], gen);
        void Step()
        {
            opt.ZeroGrad();
            using var logits = model.Forward(x);
            using var loss = F.CrossEntropy(logits, y);
            loss.Backward();
            opt.Step();
        }
        for (int i = 0; i < 100; i++) Step();
        long liveAfterWarmup = MemoryPool.LiveBytes + MemoryPool.PooledBytes;
        int gen2Before = GC.CollectionCount(2);
        for (int i = 0; i < 300; i++) Step();
        long liveAfter = MemoryPool.LiveBytes + MemoryPool.PooledBytes;
        Assert.True(liveAfter <= liveAfterWarmup * 1.05, $"tensor memory grew from {liveAfterWarmup >> 10} KiB to {liveAfter >> 10} KiB");
        Assert.True(GC.CollectionCount(2) - gen2Before <= 3, $"{GC.CollectionCount(2) - gen2Before} gen-2 collections in 300 steps");
    }
}
