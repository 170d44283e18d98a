using System.Runtime.CompilerServices;
using Ember.Serialization;
using Xunit;
using static Ember.Tests.Serialization.SafetensorsTestFiles;

namespace Ember.Tests.Serialization;

/// <summary>
/// Mapped tensors outlive the file handle, keep the mapping while any tensor (or view) uses it, and
/// release it on the last Dispose or through the finalizer; Save is atomic. The mapping checks read
/// /proc/self/maps and so run on Linux only.
/// </summary>
public sealed class SafetensorsLifetimeTests : IDisposable
{
    readonly SafetensorsTestFiles files = new();
    public void Dispose() => files.Dispose();

    static bool IsMapped(string path) => File.ReadAllText("/proc/self/maps").Contains(path);

    string Write(string name, float[] values)
    {
        var path = files.Path(name);
        using var t = Tensor.FromArray(values, values.Length);
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["t"] = t });
        return path;
    }

    [Fact]
    public void TensorsOutliveTheFileAndDisposingReleasesTheMapping()
    {
        var path = Write("outlive.safetensors", [1, 2, 3, 4]);
        var all = Safetensors.Load(path);
        var t = all["t"];
        Assert.True(t.storage.IsExternal);
        if (!OperatingSystem.IsLinux()) { t.Dispose(); return; }
        Assert.True(IsMapped(path));
        File.Delete(path); // allowed on Linux while mapped; the data stays reachable
        Assert.Equal([1f, 2, 3, 4], t.ToArray<float>());
        using (var doubled = t * 2f) Assert.Equal([2f, 4, 6, 8], doubled.ToArray<float>());
        t.Dispose();
        Assert.False(IsMapped(path), "the last Dispose should unmap the file");
    }

    [Fact]
    public void ViewsKeepTheMappingAlive()
    {
        var path = Write("view.safetensors", [1, 2, 3, 4, 5, 6]);
        var t = Safetensors.Load(path)["t"];
        Tensor v;
        using (var r = t.Reshape(2, 3)) v = r.Transpose(0, 1);
        t.Dispose();
        Assert.Equal([1f, 4, 2, 5, 3, 6], v.ToArray<float>());
        if (OperatingSystem.IsLinux()) Assert.True(IsMapped(path));
        v.Dispose();
        if (OperatingSystem.IsLinux()) Assert.False(IsMapped(path));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float LoadAndForget(string path) => Safetensors.Load(path)["t"].ToArray<float>().Sum();

    [Fact]
    public void TheFinalizerReleasesForgottenTensors()
    {
        var path = Write("forgotten.safetensors", [1, 2, 3]);
        for (int i = 0; i < 20; i++) Assert.Equal(6f, LoadAndForget(path));
        for (int i = 0; i < 3 && OperatingSystem.IsLinux() && IsMapped(path); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        if (OperatingSystem.IsLinux()) Assert.False(IsMapped(path), "the GC should have unmapped forgotten tensors' file");
        Write("forgotten.safetensors", [7, 8]); // and the file can be replaced afterwards
        var again = Safetensors.Load(path);
        Assert.Equal([7f, 8], again["t"].ToArray<float>());
        DisposeAll(again);
    }

    [Fact]
    public void ReplacingTheFileWhileLoadedKeepsTheOldValues()
    {
        var path = Write("replace.safetensors", [1, 2]);
        var old = Safetensors.Load(path);
        if (!OperatingSystem.IsLinux()) { DisposeAll(old); return; } // Windows locks a mapped file
        Write("replace.safetensors", [9, 9, 9]); // rename over the mapped file: the mapping keeps the old inode
        Assert.Equal([1f, 2], old["t"].ToArray<float>());
        var fresh = Safetensors.Load(path);
        Assert.Equal([9f, 9, 9], fresh["t"].ToArray<float>());
        DisposeAll(old);
        DisposeAll(fresh);
    }

    [Fact]
    public void InPlaceWritesToALoadedTensorNeverReachTheFile()
    {
        var path = Write("cow.safetensors", [1, 2, 3]);
        var before = File.ReadAllBytes(path);
        var all = Safetensors.Load(path);
        all["t"].MulInPlace(10);
        Assert.Equal([10f, 20, 30], all["t"].ToArray<float>());
        var again = Safetensors.Load(path);
        Assert.Equal([1f, 2, 3], again["t"].ToArray<float>());
        DisposeAll(all);
        DisposeAll(again);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void WithoutMappingTheFileIsReleasedBeforeLoadReturns()
    {
        var path = Write("copy.safetensors", [5, 6]);
        var all = Safetensors.Load(path, new SafetensorsLoadOptions { MemoryMap = false });
        if (OperatingSystem.IsLinux()) Assert.False(IsMapped(path));
        File.Delete(path);
        Assert.Equal([5f, 6], all["t"].ToArray<float>());
        DisposeAll(all);
    }

    // ---- atomic Save ----

    void AssertFailedSaveLeftNoTrace<TException>(Dictionary<string, Tensor> tensors, Dictionary<string, string>? metadata = null)
        where TException : Exception
    {
        var path = Write("keep.safetensors", [1, 2, 3]);
        var before = File.ReadAllBytes(path);
        Assert.ThrowsAny<TException>(() => Safetensors.Save(path, tensors, metadata));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(files.Dir));
    }

    [Fact]
    public void SaveFailingMidWriteLeavesTheOldFileAndNoTempFile()
    {
        using var ok = Tensor.Ones(1000);
        var gone = Tensor.Ones(10);
        gone.Dispose(); // discovered only when its bytes are written, after the header and other data
        AssertFailedSaveLeftNoTrace<ObjectDisposedException>(new() { ["a"] = ok, ["b"] = gone });
    }

    [Fact]
    public void SaveRefusesInvalidNamesAndLeavesTheOldFile()
    {
        using var t = Tensor.Ones(2);
        AssertFailedSaveLeftNoTrace<ArgumentException>(new() { ["bad\ud800name"] = t });
        AssertFailedSaveLeftNoTrace<ArgumentException>(new() { ["__metadata__"] = t });
        AssertFailedSaveLeftNoTrace<ArgumentException>(new() { [""] = t });
        AssertFailedSaveLeftNoTrace<ArgumentException>(new() { ["t"] = t }, new() { ["k"] = "\udc00" });
        var e = Assert.Throws<ArgumentException>(() => Safetensors.Save(files.Path("x.safetensors"), new Dictionary<string, Tensor> { ["bad\ud800name"] = t }));
        Assert.Contains("Safetensors.Save", e.Message);
    }

    [Fact]
    public void SaveReplacesAnExistingFile()
    {
        var path = Write("twice.safetensors", [1, 2, 3]);
        Write("twice.safetensors", [4]);
        var all = Safetensors.Load(path);
        Assert.Equal([4f], all["t"].ToArray<float>());
        DisposeAll(all);
        Assert.Single(Directory.GetFiles(files.Dir));
    }
}
