namespace Ember.Models;

/// <summary>
/// Picks a next token from one position's logits: temperature, then top-k, then top-p (nucleus), then a
/// draw from the renormalised distribution with a seeded <see cref="Generator"/>. Temperature 0 is argmax
/// (the first of equal maxima). Works on a V-long array: one position per step costs nothing next to the model.
/// </summary>
public static class Sampler
{
    /// <summary>The next token for <paramref name="logits"/> (length V) under <paramref name="options"/>.</summary>
    public static int Sample(ReadOnlySpan<float> logits, SamplingOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        if (options.Temperature == 0) { options.Validate(); return ArgMax(logits); }
        var probs = Probabilities(logits, options);
        double u = generator.NextDouble(), cumulative = 0;
        int last = -1;
        for (int i = 0; i < probs.Length; i++)
        {
            if (probs[i] == 0) continue;
            cumulative += probs[i];
            last = i;
            if (u < cumulative) return i;
        }
        return last; // rounding left u just above the total
    }

    /// <summary>
    /// The distribution <see cref="Sample"/> draws from: softmax(logits / temperature), restricted to the
    /// top k and then to the nucleus of mass p, renormalised. Temperature 0 puts all mass on the argmax.
    /// </summary>
    public static double[] Probabilities(ReadOnlySpan<float> logits, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int v = logits.Length;
        if (v == 0) throw new ArgumentException("Sampler: the logits are empty; there is no token to pick.");
        for (int i = 0; i < v; i++)
            if (float.IsNaN(logits[i]) || float.IsPositiveInfinity(logits[i]))
                throw new ArgumentException($"Sampler: logit {i} is {logits[i]}; logits must be finite or −∞.");
        var probs = new double[v];
        if (options.Temperature == 0) { probs[ArgMax(logits)] = 1; return probs; }

        // Most likely first; the sort is stable, so ties keep the lower id ahead.
        var values = logits.ToArray();
        var order = Enumerable.Range(0, v).OrderByDescending(i => values[i]).ToArray();
        double max = logits[order[0]];
        if (double.IsNegativeInfinity(max)) throw new ArgumentException("Sampler: every logit is −∞; there is no token to pick.");
        int keep = Math.Min(options.TopK ?? v, v);
        double total = 0;
        for (int r = 0; r < keep; r++)
        {
            int i = order[r];
            probs[i] = Math.Exp((logits[i] - max) / options.Temperature);
            total += probs[i];
        }
        if (options.TopP is { } p && p < 1)
        {
            // The smallest prefix whose mass reaches p; the token that crosses p stays in.
            double cumulative = 0;
            int r = 0;
            while (r < keep)
            {
                cumulative += probs[order[r]] / total;
                r++;
                if (cumulative >= p) break;
            }
            for (int q = r; q < keep; q++) probs[order[q]] = 0;
            keep = r;
            total = 0;
            for (int q = 0; q < keep; q++) total += probs[order[q]];
        }
        for (int i = 0; i < v; i++) probs[i] /= total;
        return probs;
    }

    static int ArgMax(ReadOnlySpan<float> logits)
    {
        if (logits.Length == 0) throw new ArgumentException("Sampler: the logits are empty; there is no token to pick.");
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
