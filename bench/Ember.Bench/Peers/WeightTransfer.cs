using TorchSharp;

namespace Ember.Bench.Peers;

/// <summary>
/// Copies an Ember model's initial parameters into a TorchSharp model with the same layer names, so
/// both frameworks start from identical weights (their own initialisers draw different numbers).
/// </summary>
public static class WeightTransfer
{
    /// <summary>Builds the Ember model, copies its parameters into <paramref name="to"/> by name, and frees it.</summary>
    public static void Copy(Func<Ember.NN.Module> createEmber, torch.nn.Module to)
    {
        var from = createEmber();
        try
        {
            var source = from.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            var targets = to.named_parameters().ToList();
            if (targets.Count != source.Count || targets.Any(t => !source.ContainsKey(t.name)))
                throw new InvalidOperationException(
                    $"parameter names differ: ember [{string.Join(", ", source.Keys)}], torchsharp [{string.Join(", ", targets.Select(t => t.name))}]");
            using (torch.no_grad())
                foreach (var (name, target) in targets)
                {
                    var p = source[name];
                    using var values = TorchSharpPeer.FromArray(p.ToArray<float>(), p.Shape);
                    if (!values.shape.SequenceEqual(target.shape))
                        throw new InvalidOperationException(
                            $"'{name}': ember shape [{string.Join(", ", p.Shape)}], torchsharp [{string.Join(", ", target.shape)}]");
                    target.copy_(values);
                }
        }
        finally
        {
            foreach (var p in from.Parameters()) p.Dispose();
        }
    }
}
