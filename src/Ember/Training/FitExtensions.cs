using Ember.Data;
using Ember.NN;
using Ember.Optim;

namespace Ember.Training;

/// <summary><c>model.Fit(…)</c>: a <see cref="Trainer"/> made and run in one call, for the simple cases.</summary>
public static class FitExtensions
{
    /// <summary>Trains <paramref name="model"/> for <paramref name="epochs"/> epochs and returns the History.</summary>
    public static History Fit(this Module<Tensor, Tensor> model, IEnumerable<Batch> train, int epochs, Optimizer optimizer,
        Func<Tensor, Tensor, Tensor> loss, IEnumerable<Batch>? validation = null, IEnumerable<Metric>? metrics = null,
        IEnumerable<Callback>? callbacks = null, ProgressMode progress = ProgressMode.Auto)
    {
        var trainer = new Trainer(model, optimizer, loss)
        {
            Metrics = metrics?.ToList() ?? [],
            Callbacks = callbacks?.ToList() ?? [],
            Progress = progress,
        };
        return trainer.Fit(train, epochs, validation);
    }
}
