using Ember.NN;

namespace Ember.Cli.Models;

/// <summary>
/// Two conv blocks and a classifier: Conv(1, 32, 3, p1)-BN-ReLU-MaxPool2 → Conv(32, 64, 3, p1)-BN-ReLU-MaxPool2 →
/// Flatten → Linear(3136, 256)-ReLU-Dropout(0.3) → Linear(256, 10). The convolutions have no bias, since the
/// batch norm that follows would cancel it.
/// </summary>
internal static class SmallCnn
{
    public static Sequential Create(Generator init, Generator dropout) => new(
        new Conv2d(1, 32, 3, padding: 1, bias: false, generator: init),
        new BatchNorm2d(32),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(32, 64, 3, padding: 1, bias: false, generator: init),
        new BatchNorm2d(64),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(64 * 7 * 7, 256, generator: init),
        new ReLU(),
        new Dropout(0.3, dropout),
        new Linear(256, 10, generator: init));
}
