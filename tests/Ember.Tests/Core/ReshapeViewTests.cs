using Xunit;

namespace Ember.Tests;

/// <summary>
/// Reshape and View of strided tensors (permuted, transposed, sliced, expanded): whenever a view is
/// possible it must read exactly the elements a copy would, in the same order; otherwise View refuses.
/// </summary>
public class ReshapeViewTests
{
    public static TheoryData<string> Layouts => new() { "permute_merge_tail", "permute_merge_head", "transpose", "slice_step", "narrow", "expand", "unit_dims" };

    static Tensor Strided(string layout)
    {
        using var a = Tensor.Arange(48).Reshape(2, 3, 2, 4);
        return layout switch
        {
            "permute_merge_tail" => a.Permute(0, 2, 3, 1),
            "permute_merge_head" => a.Permute(1, 0, 2, 3),
            "transpose" => a.Transpose(1, 3),
            "slice_step" => a.Slice(3, 0, 4, 2),
            "narrow" => a.Narrow(1, 1, 2),
            "expand" => a.Narrow(1, 0, 1).Expand(2, 5, 2, 4),
            "unit_dims" => a.Narrow(1, 2, 1).Unsqueeze(0).Permute(1, 0, 2, 3, 4),
            _ => throw new ArgumentException(layout),
        };
    }

    static IEnumerable<int[]> Targets(long count)
    {
        // Every way of writing count as an ordered product of up to four factors.
        var divisors = Enumerable.Range(1, (int)count).Where(d => count % d == 0).ToArray();
        yield return [(int)count];
        foreach (int a in divisors)
        {
            yield return [a, (int)(count / a)];
            foreach (int b in divisors.Where(b => count / a % b == 0))
            {
                yield return [a, b, (int)(count / a / b)];
                yield return [a, 1, b, (int)(count / a / b)];
            }
        }
    }

    [Theory, MemberData(nameof(Layouts))]
    public void Reshape_ReadsTheSameElementsAsACopy(string layout)
    {
        using var x = Strided(layout);
        using var copy = x.Contiguous();
        foreach (var target in Targets(x.NumElements))
        {
            using var expected = copy.Reshape(target);
            using var actual = x.Reshape(target);
            Assert.Equal(target, actual.Shape);
            Assert.True(expected.ToArray<long>().SequenceEqual(actual.ToArray<long>()),
                $"{layout} [{string.Join(", ", x.Shape)}] strides [{string.Join(", ", x.Strides)}] → [{string.Join(", ", target)}]: " +
                $"got {string.Join(",", actual.ToArray<long>().Take(12))}…, expected {string.Join(",", expected.ToArray<long>().Take(12))}…");
        }
    }

    [Fact]
    public void PermutedMerge_IsAView_WhenTheMergedDimsStayContiguous()
    {
        // [2,3,2,4] with its first two dims swapped: strides [8, 24, 4, 1]. The last two dims are still
        // contiguous together, so they merge into one of stride 1; the first two cannot merge.
        using var a = Tensor.Arange(48).Reshape(2, 3, 2, 4);
        using var p = a.Permute(1, 0, 2, 3);
        using var merged = p.View(3, 2, 8);
        Assert.Equal([8L, 24, 1], merged.Strides);
        using var copy = p.Contiguous();
        Assert.Equal(copy.ToArray<long>(), merged.ToArray<long>());
        Assert.Throws<InvalidOperationException>(() => p.View(6, 8));
    }
}
