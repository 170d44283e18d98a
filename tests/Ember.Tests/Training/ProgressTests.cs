using System.Text.RegularExpressions;
using Ember.Training;
using Xunit;

namespace Ember.Tests.Training;

public class ProgressTests
{
    [Fact]
    public void RedirectedOutputGetsOnePlainLinePerEpoch()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        using var val = TrainingSetup.Loader(x, y, shuffle: false);
        var model = TrainingSetup.Model(1);
        var writer = new StringWriter();
        var trainer = new Trainer(model, new Ember.Optim.Adam(model.Parameters(), 0.01), TrainingSetup.CrossEntropy)
        {
            Metrics = [new Accuracy()], ProgressWriter = writer,
        };
        trainer.Fit(loader, 2, val);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(2, lines.Length);
        for (int e = 0; e < 2; e++)
            Assert.Matches(new Regex($@"^Epoch {e + 1}/2 - 6/6 steps - \d+\.\ds - \d+ samples/s - loss: \d\.\d{{4}} - accuracy: \d\.\d{{4}} - val_loss: \d\.\d{{4}} - val_accuracy: \d\.\d{{4}} - lr: 0\.01$"), lines[e]);
    }

    [Fact]
    public void TheStopReasonFollowsTheLastLine()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(2);
        var writer = new StringWriter();
        var trainer = new Trainer(model, new Ember.Optim.Adam(model.Parameters(), 0.01), TrainingSetup.CrossEntropy)
        {
            ProgressWriter = writer, Progress = ProgressMode.Lines,
            Callbacks = [new LambdaCallback { EpochEnd = c => c.Stop("stopped by hand") }],
        };
        trainer.Fit(loader, 5);
        Assert.EndsWith("\nstopped by hand" + Environment.NewLine, writer.ToString());
    }

    [Fact]
    public void QuietModePrintsNothing()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(3);
        var writer = new StringWriter();
        var trainer = new Trainer(model, new Ember.Optim.Adam(model.Parameters(), 0.01), TrainingSetup.CrossEntropy)
        {
            ProgressWriter = writer, Progress = ProgressMode.Quiet,
            Callbacks = [new LambdaCallback { EpochEnd = c => c.Stop("stopped by hand") }],
        };
        trainer.Fit(loader, 2);
        Assert.Equal("", writer.ToString());
    }

    [Fact]
    public void TheBarEndsEachEpochWithItsSummary()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(4);
        var writer = new StringWriter();
        var trainer = new Trainer(model, new Ember.Optim.Adam(model.Parameters(), 0.01), TrainingSetup.CrossEntropy)
        {
            Metrics = [new Accuracy()], ProgressWriter = writer, Progress = ProgressMode.Bar,
        };
        trainer.Fit(loader, 2);
        string text = writer.ToString();
        Assert.Contains("Epoch 1/2 - 6/6 steps", text);
        Assert.Contains("Epoch 2/2 - 6/6 steps", text);
        Assert.Contains("ETA", text); // the live bar was drawn at least at the last step
    }
}
