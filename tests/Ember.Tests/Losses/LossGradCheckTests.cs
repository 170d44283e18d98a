using Ember.NN;
using Xunit;
using static Ember.Tests.GradCheckCase;
using F = Ember.NN.Functional;

namespace Ember.Tests.Losses;

/// <summary>
/// Finite-difference checks (Float64) of every loss's backward, for the input and every differentiable
/// target, with each reduction and option. Random inputs keep clear of the kinks (x = y, |x − y| = β,
/// the hinges) almost surely; class indices and weights are constants.
/// </summary>
public class LossGradCheckTests
{
    static Tensor Idx(params long[] values) => Tensor.FromArray(values, values.Length);
    static Tensor Idx(long[] values, params int[] shape) => Tensor.FromArray(values, shape);
    static Tensor Const(params double[] values) => Tensor.FromArray(values, values.Length);

    static readonly GradCheckCase[] Cases =
    [
        G("mse_mean", r => [r.N(3, 4), r.N(3, 4)], x => F.MseLoss(x[0], x[1])),
        G("mse_none", r => [r.N(2, 5), r.N(2, 5)], x => F.MseLoss(x[0], x[1], Reduction.None)),
        G("l1_sum", r => [r.N(3, 4), r.N(3, 4)], x => F.L1Loss(x[0], x[1], Reduction.Sum)),
        G("l1_none", r => [r.N(6), r.N(6)], x => F.L1Loss(x[0], x[1], Reduction.None)),
        G("smoothl1_mean", r => [r.N(4, 5), r.N(4, 5)], x => F.SmoothL1Loss(x[0], x[1], beta: 1.0)),
        G("smoothl1_beta_none", r => [r.N(3, 4), r.N(3, 4)], x => F.SmoothL1Loss(x[0], x[1], Reduction.None, beta: 0.5)),
        G("huber_mean", r => [r.N(4, 5), r.N(4, 5)], x => F.HuberLoss(x[0], x[1], delta: 1.0)),
        G("huber_delta_sum", r => [r.N(3, 4), r.N(3, 4)], x => F.HuberLoss(x[0], x[1], Reduction.Sum, delta: 0.4)),

        G("ce_mean", r => [r.N(4, 5)], x => F.CrossEntropy(x[0], Idx(0, 4, 2, 2))),
        G("ce_none", r => [r.N(3, 4)], x => F.CrossEntropy(x[0], Idx(3, 0, 1), Reduction.None)),
        G("ce_weight_ignore_smooth", r => [r.N(5, 4)],
            x => F.CrossEntropy(x[0], Idx(1, -100, 3, 0, 3), weight: Const(0.5, 1.5, 2, 0.75), labelSmoothing: 0.2)),
        G("ce_weight_ignore_smooth_none", r => [r.N(4, 3)],
            x => F.CrossEntropy(x[0], Idx(2, 1, 0, 1), Reduction.None, Const(1.5, 0.5, 2), ignoreIndex: 1, labelSmoothing: 0.3)),
        G("ce_spatial", r => [r.N(2, 3, 2, 2)], x => F.CrossEntropy(x[0], Idx([0, 2, 1, 1, 2, 0, -100, 1], 2, 2, 2), weight: Const(1, 2, 0.5))),
        G("ce_spatial_smooth_sum", r => [r.N(2, 4, 3)], x => F.CrossEntropy(x[0], Idx([0, 3, 1, 2, 2, 0], 2, 3), Reduction.Sum, labelSmoothing: 0.1)),
        G("ce_unbatched", r => [r.N(5)], x => F.CrossEntropy(x[0], FixtureTensor.Make(new long[] { 3 }, []))),
        G("ce_prob_both", r => [r.N(3, 4), r.P(3, 4)], x => F.CrossEntropy(x[0], x[1])),
        G("ce_prob_weight_smooth_none", r => [r.N(3, 4), r.P(3, 4)],
            x => F.CrossEntropy(x[0], x[1], Reduction.None, Const(0.5, 1, 1.5, 2), labelSmoothing: 0.25)),
        G("ce_prob_spatial_sum", r => [r.N(2, 3, 4), r.P(2, 3, 4)], x => F.CrossEntropy(x[0], x[1], Reduction.Sum)),

        G("nll_mean", r => [r.N(4, 3)], x => F.NllLoss(x[0], Idx(0, 2, 1, 2))),
        G("nll_weight_ignore_none", r => [r.N(4, 3)], x => F.NllLoss(x[0], Idx(0, -100, 1, 2), Reduction.None, Const(2, 0.5, 1))),
        G("nll_spatial_weight", r => [r.N(2, 3, 3)], x => F.NllLoss(x[0], Idx([0, 1, 2, 2, 1, 0], 2, 3), weight: Const(2, 0.5, 1))),

        G("bce_mean", r => [r.U(0.05, 0.95, 3, 4), r.U(0, 1, 3, 4)], x => F.BinaryCrossEntropy(x[0], x[1])),
        G("bce_weight_none", r => [r.U(0.05, 0.95, 2, 3), r.U(0, 1, 2, 3)], x => F.BinaryCrossEntropy(x[0], x[1], Reduction.None, Const(0.5, 1.5, 2))),
        G("bcel_mean", r => [r.N(3, 4), r.U(0, 1, 3, 4)], x => F.BinaryCrossEntropyWithLogits(x[0], x[1])),
        G("bcel_weight_pos_sum", r => [r.N(3, 4), r.U(0, 1, 3, 4)],
            x => F.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.Sum, Const(0.5, 1.5, 2, 1), Const(2, 0.5, 1, 3))),
        G("bcel_large_logits_none", r => [r.U(-40, 40, 8), r.U(0, 1, 8)], x => F.BinaryCrossEntropyWithLogits(x[0], x[1], reduction: Reduction.None)),

        G("kl_mean", r => [r.N(3, 4), r.P(3, 4)], x => F.KlDiv(x[0], x[1])),
        G("kl_batchmean", r => [r.N(3, 4), r.P(3, 4)], x => F.KlDiv(x[0], x[1], Reduction.BatchMean)),
        G("kl_log_target_none", r => [r.N(2, 3), r.N(2, 3)], x => F.KlDiv(x[0], x[1], Reduction.None, logTarget: true)),

        G("cosine_mean", r => [r.N(4, 3), r.N(4, 3)], x => F.CosineEmbeddingLoss(x[0], x[1], Const(1, -1, -1, 1), margin: -0.5)),
        G("cosine_unbatched_none", r => [r.N(5), r.N(5)], x => F.CosineEmbeddingLoss(x[0], x[1], FixtureTensor.Make(new double[] { 1 }, []), reduction: Reduction.None)),
        G("ranking_all_inputs", r => [r.N(6), r.N(6), r.Of([1, -1, 1, -1, -1, 1], 6)], x => F.MarginRankingLoss(x[0], x[1], x[2], margin: 0.3)),
        G("ranking_none", r => [r.N(2, 3), r.N(2, 3)], x => F.MarginRankingLoss(x[0], x[1], Const(1, -1, 1, 1, -1, -1).Reshape(2, 3), reduction: Reduction.None)),
        G("triplet_mean", r => [r.N(4, 5), r.N(4, 5), r.N(4, 5)], x => F.TripletMarginLoss(x[0], x[1], x[2], margin: 3.0)),
        G("triplet_swap_p1_none", r => [r.N(3, 4), r.N(3, 4), r.N(3, 4)], x => F.TripletMarginLoss(x[0], x[1], x[2], margin: 3.0, p: 1, swap: true, reduction: Reduction.None)),
        G("triplet_unbatched_p3", r => [r.N(6), r.N(6), r.N(6)], x => F.TripletMarginLoss(x[0], x[1], x[2], margin: 5.0, p: 3, eps: 0.01)),
    ];

    public static TheoryData<string> CaseNames => FixtureRunner.Names(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheck(string name) => GradCheckCase.Check(Cases, name);
}
