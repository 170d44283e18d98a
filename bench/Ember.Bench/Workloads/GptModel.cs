using Ember.Bench.Peers;
using Ember.NN;
using TorchSharp;
using TorchModel = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace Ember.Bench.Workloads;

/// <summary>
/// A two-block GPT, built the same way in both frameworks from Linear, LayerNorm, GELU and the fused
/// attention op, so the math is identical: token Embedding(1000, 256) + learned positions (64) → 2 pre-norm
/// blocks [LN → causal 4-head self-attention (qkv 256→768, out 256→256) → residual; LN → 256→1024 → GELU
/// → 1024→256 → residual] → LN → Linear(256, 1000). Forward takes token ids [N, T] and gives logits [N·T, 1000].
/// </summary>
public static class GptModel
{
    public const int Vocab = 1000, Context = 64, Width = 256, Heads = 4, HeadDim = Width / Heads, Hidden = 4 * Width;

    /// <summary>Ember's model, weights from a fixed seed: every call gives the same initial weights.</summary>
    public static Module<Tensor, Tensor> Ember() => new EmberGpt(new Generator(14));

    /// <summary>The same layers in TorchSharp, with Ember's parameter names and initial weights.</summary>
    public static TorchModel Torch()
    {
        var model = new TorchGpt();
        WeightTransfer.Copy(Ember, model);
        return model;
    }

    sealed class EmberGpt : Module<Tensor, Tensor>
    {
        readonly Embedding tok, pos;
        readonly EmberBlock block0, block1;
        readonly LayerNorm norm;
        readonly Linear head;

        public EmberGpt(Generator g)
        {
            tok = Child("tok", new Embedding(Vocab, Width, generator: g));
            pos = Child("pos", new Embedding(Context, Width, generator: g));
            block0 = Child("block0", new EmberBlock(g));
            block1 = Child("block1", new EmberBlock(g));
            norm = Child("norm", new LayerNorm(Width));
            head = Child("head", new Linear(Width, Vocab, generator: g));
        }

        public override Tensor Forward(Tensor tokens)
        {
            using var positions = Tensor.Arange((long)tokens.Shape[1]);
            using var t = tok.Forward(tokens);
            using var p = pos.Forward(positions);
            using var x0 = t + p;
            using var x1 = block0.Forward(x0);
            using var x2 = block1.Forward(x1);
            using var n = norm.Forward(x2);
            using var flat = n.Reshape(-1, Width);
            return head.Forward(flat);
        }
    }

    sealed class EmberBlock : Module<Tensor, Tensor>
    {
        readonly LayerNorm ln1, ln2;
        readonly Linear qkv, proj, fc1, fc2;

        public EmberBlock(Generator g)
        {
            ln1 = Child("ln1", new LayerNorm(Width));
            qkv = Child("qkv", new Linear(Width, 3 * Width, generator: g));
            proj = Child("proj", new Linear(Width, Width, generator: g));
            ln2 = Child("ln2", new LayerNorm(Width));
            fc1 = Child("fc1", new Linear(Width, Hidden, generator: g));
            fc2 = Child("fc2", new Linear(Hidden, Width, generator: g));
        }

        public override Tensor Forward(Tensor x)
        {
            int n = x.Shape[0], t = x.Shape[1];
            using var a = ln1.Forward(x);
            using var packed = qkv.Forward(a);
            var parts = packed.Chunk(3, -1);
            using var q = SplitHeads(parts[0], n, t);
            using var k = SplitHeads(parts[1], n, t);
            using var v = SplitHeads(parts[2], n, t);
            foreach (var part in parts) part.Dispose();
            using var y = Functional.ScaledDotProductAttention(q, k, v, isCausal: true);
            using var yt = y.Transpose(1, 2);
            using var merged = yt.Reshape(n, t, Width);
            using var o = proj.Forward(merged);
            using var x1 = x + o;
            using var b = ln2.Forward(x1);
            using var f1 = fc1.Forward(b);
            using var act = f1.Gelu();
            using var f2 = fc2.Forward(act);
            return x1 + f2;
        }

        /// <summary>[N, T, C] → [N, H, T, C/H].</summary>
        static Tensor SplitHeads(Tensor x, int n, int t)
        {
            using var r = x.Reshape(n, t, Heads, HeadDim);
            return r.Transpose(1, 2);
        }
    }

    // Field names are the parameter-name prefixes, matching the Ember children above.
    sealed class TorchGpt : TorchModel
    {
        readonly TorchSharp.Modules.Embedding tok = torch.nn.Embedding(Vocab, Width), pos = torch.nn.Embedding(Context, Width);
        readonly TorchBlock block0 = new(), block1 = new();
        readonly TorchSharp.Modules.LayerNorm norm = torch.nn.LayerNorm(Width);
        readonly TorchSharp.Modules.Linear head = torch.nn.Linear(Width, Vocab);

        public TorchGpt() : base(nameof(TorchGpt)) => RegisterComponents();

        public override torch.Tensor forward(torch.Tensor tokens)
        {
            var positions = torch.arange(tokens.shape[1], dtype: torch.int64);
            var x = tok.forward(tokens) + pos.forward(positions);
            x = block1.forward(block0.forward(x));
            return head.forward(norm.forward(x).reshape(-1, Width));
        }
    }

    sealed class TorchBlock : TorchModel
    {
        readonly TorchSharp.Modules.LayerNorm ln1 = torch.nn.LayerNorm(Width), ln2 = torch.nn.LayerNorm(Width);
        readonly TorchSharp.Modules.Linear qkv = torch.nn.Linear(Width, 3 * Width), proj = torch.nn.Linear(Width, Width);
        readonly TorchSharp.Modules.Linear fc1 = torch.nn.Linear(Width, Hidden), fc2 = torch.nn.Linear(Hidden, Width);

        public TorchBlock() : base(nameof(TorchBlock)) => RegisterComponents();

        public override torch.Tensor forward(torch.Tensor x)
        {
            long n = x.shape[0], t = x.shape[1];
            var parts = qkv.forward(ln1.forward(x)).chunk(3, -1);
            var (q, k, v) = (SplitHeads(parts[0], n, t), SplitHeads(parts[1], n, t), SplitHeads(parts[2], n, t));
            var y = torch.nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, true);
            var x1 = x + proj.forward(y.transpose(1, 2).reshape(n, t, Width));
            return x1 + fc2.forward(torch.nn.functional.gelu(fc1.forward(ln2.forward(x1))));
        }

        static torch.Tensor SplitHeads(torch.Tensor x, long n, long t) => x.reshape(n, t, Heads, HeadDim).transpose(1, 2);
    }
}
