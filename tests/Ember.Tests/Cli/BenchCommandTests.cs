using System.Globalization;
using Xunit;

namespace Ember.Tests.Cli;

public sealed class BenchCommandTests
{
    [Fact]
    public void TimesTheChosenModelsTrainingStepAndInference()
    {
        var r = CliRunner.Run("bench", "--model", "mlp", "--batch-size", "8", "--steps", "3", "--threads", "1");
        Assert.True(r.Exit == 0, r.ToString());
        var row = r.Out.Split('\n').Single(l => l.StartsWith("mlp ", StringComparison.Ordinal));
        var fields = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("8", fields[1]);
        // The median train step, then its [p10-p90] range, in milliseconds.
        double median = double.Parse(fields[2], CultureInfo.InvariantCulture);
        Assert.True(median > 0, row);
        Assert.Matches(@"^\[[\d.]+-[\d.]+\]$", fields[3]);
        Assert.DoesNotContain("cnn", r.Out);
    }

    [Fact]
    public void BadOptionsAreOneLine()
    {
        CliRunner.AssertOneLineError(CliRunner.Run("bench", "--model", "vgg"), "vgg", "mlp");
        CliRunner.AssertOneLineError(CliRunner.Run("bench", "--steps", "0"), "--steps");
    }
}
