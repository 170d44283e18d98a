using Ember.NN;

namespace Ember.Cli.Models;

/// <summary>The baseline: Flatten → Linear(784, 256) → ReLU → Dropout(0.2) → Linear(256, 128) → ReLU → Linear(128, 10).</summary>
internal static class Mlp
{
    public static Sequential Create(Generator init, Generator dropout) => new(
        new Flatten(),
        new Linear(28 * 28, 256, generator: init),
        new ReLU(),
        new Dropout(0.2, dropout),
        new Linear(256, 128, generator: init),
        new ReLU(),
        new Linear(128, 10, generator: init));
}
