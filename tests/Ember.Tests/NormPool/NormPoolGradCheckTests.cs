using Xunit;
using static Ember.Tests.GradCheckCase;

namespace Ember.Tests;

/// <summary>
/// Finite-difference checks (Float64) of every pooling and normalisation backward. Max-pooling inputs
/// have no ties (so the argmax is stable under the perturbation); running statistics are constants.
/// </summary>
public class NormPoolGradCheckTests
{
    static Tensor Const(double[] values) => Tensor.FromArray(values, values.Length);

    static readonly GradCheckCase[] Cases =
    [
        G("maxpool2d_k2", r => [r.D(2, 2, 4, 6)], x => x[0].MaxPool2d([2])),
        G("maxpool2d_pad_dilation_ceil", r => [r.D(1, 2, 7, 8)], x => x[0].MaxPool2d([3, 2], [2, 1], [1, 1], [2, 1], ceilMode: true)),
        G("maxpool2d_overlapping", r => [r.D(1, 1, 5, 5)], x => x[0].MaxPool2d([3], [1], [1])),
        G("maxpool2d_unbatched", r => [r.D(2, 5, 5)], x => x[0].MaxPool2d([2], ceilMode: true)),
        G("maxpool1d", r => [r.D(2, 2, 9)], x => x[0].MaxPool1d(3, 2, 1)),
        G("maxpool1d_unbatched", r => [r.D(3, 7)], x => x[0].MaxPool1d(2, ceilMode: true)),
        G("avgpool2d_pad_include", r => [r.N(2, 2, 5, 6)], x => x[0].AvgPool2d([3], [2], [1], ceilMode: true)),
        G("avgpool2d_pad_exclude", r => [r.N(1, 2, 5, 6)], x => x[0].AvgPool2d([3, 2], [2, 2], [1, 1], ceilMode: true, countIncludePad: false)),
        G("avgpool2d_unbatched", r => [r.N(2, 4, 4)], x => x[0].AvgPool2d([2])),
        G("adaptive_avg", r => [r.N(2, 2, 7, 5)], x => x[0].AdaptiveAvgPool2d([3, 2])),
        G("adaptive_avg_upsample", r => [r.N(1, 1, 2, 3)], x => x[0].AdaptiveAvgPool2d([4])),
        G("adaptive_max", r => [r.D(2, 2, 7, 5)], x => x[0].AdaptiveMaxPool2d([3, 2])),
        G("adaptive_max_unbatched", r => [r.D(2, 5, 4)], x => x[0].AdaptiveMaxPool2d([2, 3])),
        G("batchnorm_train_2d", r => [r.N(3, 2, 3, 4), r.N(2), r.N(2)],
            x => Tensor.BatchNorm(x[0], Const([0, 0]), Const([1, 1]), x[1], x[2], training: true)),
        G("batchnorm_train_1d", r => [r.N(5, 3), r.N(3), r.N(3)],
            x => Tensor.BatchNorm(x[0], null, null, x[1], x[2], training: true, eps: 1e-3)),
        G("batchnorm_train_3d_no_affine", r => [r.N(2, 3, 5)],
            x => Tensor.BatchNorm(x[0], null, null, null, null, training: true)),
        G("batchnorm_eval", r => [r.N(2, 3, 2, 2), r.N(3), r.N(3)],
            x => Tensor.BatchNorm(x[0], Const([0.1, -0.2, 0.3]), Const([0.5, 1.5, 2]), x[1], x[2], training: false)),
        G("batchnorm_weight_only", r => [r.N(4, 2, 3), r.N(2)],
            x => Tensor.BatchNorm(x[0], null, null, x[1], null, training: true)),
        G("layernorm_rows", r => [r.N(3, 6), r.N(6), r.N(6)], x => Tensor.LayerNorm(x[0], [6], x[1], x[2])),
        G("layernorm_two_dims", r => [r.N(2, 3, 4), r.N(3, 4), r.N(3, 4)], x => Tensor.LayerNorm(x[0], [3, 4], x[1], x[2], eps: 1e-3)),
        G("layernorm_no_affine", r => [r.N(4, 5)], x => Tensor.LayerNorm(x[0], [5], null, null)),
        G("groupnorm", r => [r.N(2, 4, 3, 2), r.N(4), r.N(4)], x => Tensor.GroupNorm(x[0], 2, x[1], x[2])),
        G("groupnorm_no_affine", r => [r.N(3, 6, 4)], x => Tensor.GroupNorm(x[0], 3, null, null, eps: 1e-3)),
        G("layernorm_bias_only", r => [r.N(2, 7), r.N(7)], x => Tensor.LayerNorm(x[0], [7], null, x[1])),
    ];

    public static TheoryData<string> CaseNames => FixtureRunner.Names(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheck(string name) => GradCheckCase.Check(Cases, name);
}
