namespace Ember.Data;

/// <summary>Transforms applied one after another (torchvision.transforms.Compose); intermediates are disposed.</summary>
public sealed class Compose(params ITransform[] transforms) : ITransform
{
    readonly ITransform[] transforms = CheckAll(transforms);

    public IReadOnlyList<ITransform> Transforms => transforms;

    public Tensor Apply(Tensor input, Generator generator) => Apply(input, generator, inputOwned: false);

    /// <summary>
    /// Runs the steps; once the image is one this pipeline owns (a step's fresh output, or an owned input), steps
    /// that can work in place overwrite it instead of allocating. An owned input is disposed unless returned.
    /// </summary>
    internal Tensor Apply(Tensor input, Generator generator, bool inputOwned)
    {
        var current = input;
        bool owned = inputOwned;
        foreach (var t in transforms)
        {
            if (owned && t is IInPlaceTransform inPlace && TransformExtensions.CanOverwrite(current))
            {
                inPlace.ApplyInPlace(current, generator);
                continue;
            }
            var next = t is Compose inner ? inner.Apply(current, generator, owned) : t.Apply(current, generator);
            if (owned && !ReferenceEquals(next, current) && t is not Compose) current.Dispose();
            owned |= !ReferenceEquals(next, current);
            current = next;
        }
        return current;
    }

    static ITransform[] CheckAll(ITransform[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        for (int i = 0; i < transforms.Length; i++)
            if (transforms[i] is null) throw new ArgumentNullException(nameof(transforms), $"Compose: transform {i} is null.");
        return (ITransform[])transforms.Clone();
    }
}
