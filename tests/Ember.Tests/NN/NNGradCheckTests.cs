using Xunit;
using static Ember.Tests.GradCheckCase;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>
/// Finite-difference checks (Float64) of the layers' backward passes. Dropout draws its mask from a
/// generator made afresh with the same seed on every evaluation, so each evaluation sees the same mask.
/// Embedding's padding row and frequency scaling deliberately differ from the true derivative, so they
/// are checked against PyTorch's fixtures instead.
/// </summary>
public class NNGradCheckTests
{
    static Tensor Idx(params long[] v) => Tensor.FromArray(v, v.Length);
    static Tensor Idx2(long[] v, int rows) => Tensor.FromArray(v, rows, v.Length / rows);

    static readonly GradCheckCase[] Cases =
    [
        G("embedding", r => [r.N(5, 3)], x => Tensor.Embedding(Idx2([1, 4, 1, 0, 2, 4], 2), x[0])),
        G("embedding_repeats_times_weights", r => [r.N(6, 2), r.N(4, 2)], x => Tensor.Embedding(Idx(5, 0, 5, 2), x[0]) * x[1]),
        G("bilinear", r => [r.N(4, 3), r.N(4, 2), r.N(5, 3, 2), r.N(5)], x => F.Bilinear(x[0], x[1], x[2], x[3])),
        G("bilinear_lead_dims_no_bias", r => [r.N(2, 3, 2), r.N(2, 3, 4), r.N(3, 2, 4)], x => F.Bilinear(x[0], x[1], x[2])),
        G("dropout", r => [r.N(4, 5)], x => F.Dropout(x[0], 0.4, true, new Generator(7))),
        G("dropout_p_one", r => [r.N(3, 2)], x => F.Dropout(x[0], 1, true, new Generator(7))),
        G("dropout1d", r => [r.N(3, 4, 2)], x => F.Dropout1d(x[0], 0.5, true, new Generator(3))),
        G("dropout2d", r => [r.N(2, 3, 2, 2)], x => F.Dropout2d(x[0], 0.5, true, new Generator(3))),
        G("dropout_eval", r => [r.N(3, 3)], x => F.Dropout(x[0], 0.5, false)),
        G("unflatten", r => [r.N(2, 6)], x => F.Unflatten(x[0], 1, [3, -1]) * 2),
    ];

    public static TheoryData<string> CaseNames => FixtureRunner.Names(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheck(string name) => GradCheckCase.Check(Cases, name);
}
