using Xunit;

namespace Ember.Tests.Cli;

/// <summary>
/// Bad input of every kind ends with one line on stderr naming the file or option and what is wrong, a non-zero
/// exit code, no stack trace, and the run folder untouched.
/// </summary>
[Collection("Memory")]
public sealed class BadInputTests(TrainedRun run) : IClassFixture<TrainedRun>
{
    /// <summary>A copy of the bundled data whose training images file is damaged by <paramref name="damage"/>.</summary>
    string DamagedData(Func<byte[], byte[]> damage)
    {
        string dir = run.Scratch("data");
        foreach (var f in Directory.GetFiles(CliRunner.BundledData, "*-ubyte*")) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        string images = Directory.GetFiles(dir, "train-images-idx3-ubyte*").Single();
        byte[] raw = images.EndsWith(".gz", StringComparison.Ordinal) ? Gunzip(File.ReadAllBytes(images)) : File.ReadAllBytes(images);
        File.Delete(images);
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), damage(raw));
        return dir;
    }

    static byte[] Gunzip(byte[] gz)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(gz), System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    [Theory]
    [InlineData("magic")]
    [InlineData("truncated")]
    public void ACorruptIdxFileIsNamedAndNothingIsOverwritten(string how)
    {
        string data = DamagedData(raw => how == "magic" ? [0x12, 0x34, .. raw[2..]] : raw[..(raw.Length / 2)]);
        // Training over an existing run with --force must not delete it when the data are bad.
        string dir = run.Scratch("corrupt");
        foreach (var f in Directory.GetFiles(run.Dir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var before = CliRunner.Snapshot(dir);
        var r = CliRunner.Run("train", "--model", "mlp", "--data", data, "--out", dir, "--force");
        CliRunner.AssertOneLineError(r, "train-images-idx3-ubyte");
        Assert.Equal(before, CliRunner.Snapshot(dir));

        string fresh = Path.Combine(run.Scratch("fresh"), "run");
        CliRunner.AssertOneLineError(CliRunner.Run("train", "--data", data, "--out", fresh), "train-images-idx3-ubyte");
        Assert.False(Directory.Exists(fresh));
    }

    [Fact]
    public void MissingDataFilesAreNamed()
    {
        string empty = run.Scratch("empty");
        CliRunner.AssertOneLineError(CliRunner.Run("train", "--data", empty, "--out", Path.Combine(empty, "run")), "train-images-idx3-ubyte");
        CliRunner.AssertOneLineError(CliRunner.Run("train", "--data", Path.Combine(empty, "nowhere")), "--data", "nowhere");
    }

    [Fact]
    public void AnUnreadableImageIsNamed()
    {
        string dir = run.Scratch("images");
        string bad = Path.Combine(dir, "shirt.png");
        File.WriteAllText(bad, "this is not a picture");
        CliRunner.AssertOneLineError(CliRunner.Run("predict", bad, "--run", run.Dir), "shirt.png");
        CliRunner.AssertOneLineError(CliRunner.Run("predict", Path.Combine(dir, "missing.png"), "--run", run.Dir), "missing.png");
        CliRunner.AssertOneLineError(CliRunner.Run("predict", "test:99999", "--run", run.Dir, "--data", CliRunner.BundledData), "test:99999");
    }

    [Fact]
    public void ACheckpointOfAnotherModelIsRefused()
    {
        // A cnn run folder whose best checkpoint was copied from the mlp run.
        string dir = run.Scratch("mixed");
        File.WriteAllText(Path.Combine(dir, "config.json"), File.ReadAllText(Path.Combine(run.Dir, "config.json")).Replace("\"mlp\"", "\"cnn\""));
        File.Copy(Path.Combine(run.Dir, "best.safetensors"), Path.Combine(dir, "best.safetensors"));
        File.Copy(Path.Combine(run.Dir, "best.safetensors"), Path.Combine(dir, "last.safetensors"));
        var before = CliRunner.Snapshot(dir);
        CliRunner.AssertOneLineError(CliRunner.Run("eval", "--run", dir), "best.safetensors", "'mlp'", "'cnn'");
        CliRunner.AssertOneLineError(CliRunner.Run("predict", "test:0", "--run", dir), "'mlp'");
        CliRunner.AssertOneLineError(CliRunner.Run("train", "--resume", "--out", dir), "last.safetensors", "'mlp'");
        Assert.Equal(before, CliRunner.Snapshot(dir));

        File.WriteAllBytes(Path.Combine(dir, "best.safetensors"), [1, 2, 3]);
        CliRunner.AssertOneLineError(CliRunner.Run("eval", "--run", dir), "best.safetensors");
    }

    [Fact]
    public void ResumingWithAnotherModelOrSettingChangesNothing()
    {
        string dir = run.Scratch("resume");
        foreach (var f in Directory.GetFiles(run.Dir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var before = CliRunner.Snapshot(dir);
        CliRunner.AssertOneLineError(CliRunner.Run("train", "--resume", "--model", "cnn", "--out", dir), "--model", "mlp");
        CliRunner.AssertOneLineError(CliRunner.Run("train", "--resume", "--lr", "0.5", "--out", dir), "--lr");
        CliRunner.AssertOneLineError(CliRunner.Run("train", "--resume", "--force", "--out", dir), "--resume", "--force");
        Assert.Equal(before, CliRunner.Snapshot(dir));
        CliRunner.AssertOneLineError(CliRunner.Run("train", "--resume", "--out", run.Scratch("nothing")), "config.json");
        CliRunner.AssertOneLineError(CliRunner.Run("eval", "--run", Path.Combine(dir, "absent")), "absent");
    }

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--epochs", "abc")]
    [InlineData("--batch-size", "-3")]
    [InlineData("--lr", "-1")]
    [InlineData("--lr", "fast")]
    [InlineData("--threads", "0")]
    [InlineData("--limit", "0")]
    [InlineData("--model", "vgg")]
    public void BadOptionValuesAreNamed(string option, string value)
    {
        string dir = Path.Combine(run.Scratch("options"), "run");
        var r = CliRunner.Run("train", option, value, "--out", dir, "--data", CliRunner.BundledData);
        CliRunner.AssertOneLineError(r, option == "--model" ? "vgg" : option);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void OtherVerbsNameTheirBadOptionsToo()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("summary", "--model", "vgg"), "vgg");
        CliRunner.AssertOneLineError(CliRunner.Run("summary", "--batch-size", "0"), "--batch-size");
        CliRunner.AssertOneLineError(CliRunner.Run("predict", "test:0", "--run", run.Dir, "--top", "11"), "--top");
        CliRunner.AssertOneLineError(CliRunner.Run("eval", "--run", run.Dir, "--checkpoint", "first"), "first");
        CliRunner.AssertOneLineError(CliRunner.Run("predict", "--run", run.Dir), "argument");
        CliRunner.AssertOneLineError(CliRunner.Run("fly"), "fly");
    }
}
