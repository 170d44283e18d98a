namespace Ember.Bench.Workloads;

/// <summary>Problem sizes shared by the memory-bound workloads, so their rows line up in the table.</summary>
public static class Sizes
{
    /// <summary>Total element counts, named as they appear in the JSON "case" field.</summary>
    public static readonly (string Name, int Count)[] Elements =
    [
        ("1e3", 1_000), ("1e4", 10_000), ("1e5", 100_000), ("1e6", 1_000_000), ("1e7", 10_000_000),
    ];

    /// <summary>Row length for the last-dim ops: 1000 keeps totals exact and, not being a multiple of
    /// the vector width, also exercises the tail path a real model hits.</summary>
    public const int RowLength = 1000;

    /// <summary>[rows, RowLength] holding <paramref name="count"/> elements.</summary>
    public static int[] Rows(int count) => [count / RowLength, RowLength];

    public static string Describe(int[] shape) => "[" + string.Join("x", shape) + "]";
}
