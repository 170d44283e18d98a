using Ember.NN;

namespace Ember.Cli.Sequence;

/// <summary>One-step-ahead forecaster: an LSTM over the window [B, L, 1], then Linear(hidden, 1) on its last hidden state.</summary>
internal sealed class LstmForecaster : Module<Tensor, Tensor>
{
    public LSTM Lstm { get; }
    public Linear Head { get; }

    public LstmForecaster(int hidden, int layers, Generator generator)
    {
        Lstm = Child("lstm", new LSTM(1, hidden, numLayers: layers, batchFirst: true, generator: generator));
        Head = Child("head", new Linear(hidden, 1, generator: generator));
    }

    public override Tensor Forward(Tensor input)
    {
        var (output, h, c) = Lstm.Forward(input, null, null);
        output.Dispose();
        c.Dispose();
        using (h)
        {
            using var last = h.Select(0, h.Shape[0] - 1);
            return Head.Forward(last);
        }
    }
}

/// <summary>
/// Sequence classifier: an LSTM or GRU over a padded batch [B, T, 1] with each sequence's length (the padding is
/// never read, as with a packed sequence), then Linear(hidden, classes) on the final hidden state of each sequence.
/// </summary>
internal sealed class RecurrentClassifier : Module
{
    readonly LSTM? lstm;
    readonly GRU? gru;

    public Linear Head { get; }
    public string Cell { get; }

    public RecurrentClassifier(string cell, int hidden, int classes, Generator generator)
    {
        Cell = cell;
        if (cell == "lstm") lstm = Child("rnn", new LSTM(1, hidden, batchFirst: true, generator: generator));
        else if (cell == "gru") gru = Child("rnn", new GRU(1, hidden, batchFirst: true, generator: generator));
        else throw new ArgumentException($"--cell: expected lstm or gru, got '{cell}'.");
        Head = Child("head", new Linear(hidden, classes, generator: generator));
    }

    /// <summary>Logits [B, classes].</summary>
    public Tensor Forward(Tensor input, int[] lengths)
    {
        Tensor output, h;
        if (lstm is not null)
        {
            Tensor c;
            (output, h, c) = lstm.Forward(input, null, null, lengths);
            c.Dispose();
        }
        else (output, h) = gru!.Forward(input, null, lengths);
        output.Dispose();
        using (h)
        {
            using var last = h.Select(0, h.Shape[0] - 1);
            return Head.Forward(last);
        }
    }
}
