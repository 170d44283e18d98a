using Ember.Bench.Peers;
using Ember.NN;
using TorchSharp;
using TorchModel = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace Ember.Bench.Workloads;

/// <summary>
/// A word-level LSTM language model, built the same way in both frameworks: Embedding(1000, 128) →
/// LSTM(128, 256, batch-first) → Linear(256, 1000) at every position. Forward takes token ids [N, T]
/// and gives logits [N·T, 1000], the shape cross-entropy takes with one target per position.
/// </summary>
public static class LstmModel
{
    public const int Vocab = 1000, EmbedDim = 128, Hidden = 256;

    /// <summary>Ember's model, weights from a fixed seed: every call gives the same initial weights.</summary>
    public static Module<Tensor, Tensor> Ember() => new EmberLstm(new Generator(13));

    /// <summary>The same layers in TorchSharp, with Ember's parameter names and initial weights.</summary>
    public static TorchModel Torch()
    {
        var model = new TorchLstm();
        WeightTransfer.Copy(Ember, model);
        return model;
    }

    sealed class EmberLstm : Module<Tensor, Tensor>
    {
        readonly Embedding embed;
        readonly LSTM lstm;
        readonly Linear head;

        public EmberLstm(Generator g)
        {
            embed = Child("embed", new Embedding(Vocab, EmbedDim, generator: g));
            lstm = Child("lstm", new LSTM(EmbedDim, Hidden, batchFirst: true, generator: g));
            head = Child("head", new Linear(Hidden, Vocab, generator: g));
        }

        public override Tensor Forward(Tensor tokens)
        {
            using var x = embed.Forward(tokens);
            using var h = lstm.Forward(x);
            using var flat = h.Reshape(-1, Hidden);
            return head.Forward(flat);
        }
    }

    sealed class TorchLstm : TorchModel
    {
        readonly TorchSharp.Modules.Embedding embed = torch.nn.Embedding(Vocab, EmbedDim);
        readonly TorchSharp.Modules.LSTM lstm = torch.nn.LSTM(EmbedDim, Hidden, batchFirst: true);
        readonly TorchSharp.Modules.Linear head = torch.nn.Linear(Hidden, Vocab);

        public TorchLstm() : base(nameof(TorchLstm)) => RegisterComponents();

        public override torch.Tensor forward(torch.Tensor tokens)
        {
            var x = embed.forward(tokens);
            var (h, _, _) = lstm.forward(x);
            return head.forward(h.reshape(-1, Hidden));
        }
    }
}
