namespace Ember.Plots;

/// <summary>Argument checks and file writing shared by the plots.</summary>
internal static class PlotFiles
{
    public static void CheckSize(int width, int height, string op)
    {
        if (width < 16 || height < 16 || width > 16384 || height > 16384)
            throw new ArgumentOutOfRangeException(nameof(width), $"{op}: an image of {width}x{height} pixels is out of range; width and height must be between 16 and 16384.");
    }

    public static void Write(string path, byte[] png)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
            Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, png);
    }
}
