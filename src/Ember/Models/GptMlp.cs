using Ember.NN;

namespace Ember.Models;

/// <summary>The feed-forward half of a <see cref="Gpt"/> block: Linear d → 4d (c_fc), GELU, Linear 4d → d (c_proj), dropout.</summary>
public sealed class GptMlp : Module<Tensor, Tensor>
{
    public Linear CFc { get; }
    public GELU Gelu { get; }
    public Linear CProj { get; }
    public Dropout Dropout { get; }

    public GptMlp(GptConfig config, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        CFc = Child("c_fc", new Linear(config.DModel, 4 * config.DModel, config.Bias, generator));
        Gelu = Child("gelu", new GELU());
        CProj = Child("c_proj", new Linear(4 * config.DModel, config.DModel, config.Bias, generator));
        Dropout = Child("dropout", new Dropout(config.Dropout, generator));
    }

    public override Tensor Forward(Tensor input)
    {
        using var hidden = CFc.Forward(input);
        using var activated = Gelu.Forward(hidden);
        using var projected = CProj.Forward(activated);
        return Dropout.Forward(projected);
    }
}
