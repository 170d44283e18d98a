using Ember.Onnx;
using Ember.Onnx.Protos;
using Xunit;
using static Ember.Tests.Onnx.OnnxBuilder;

namespace Ember.Tests.Onnx;

/// <summary>If and Loop bodies that read values of the enclosing graph.</summary>
public class OnnxControlFlowTests
{
    static AttributeProto GraphAttr(string name, GraphProto g) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = g };

    /// <summary>a = Neg(x); y = If(c, then: a + x, else: a); both branches read outer values.</summary>
    static ModelProto IfModel()
    {
        var then = Graph([Node("Add", ["a", "x"], ["t"])], [], [Value("t", OnnxFloat, 3)]);
        var otherwise = Graph([Node("Identity", ["a"], ["e"])], [], [Value("e", OnnxFloat, 3)]);
        return Model(Graph(
            [Node("Neg", ["x"], ["a"]), Node("If", ["c"], ["y"], GraphAttr("then_branch", then), GraphAttr("else_branch", otherwise))],
            [Value("x", OnnxFloat, 3), Value("c", OnnxBool)], [Value("y", OnnxFloat, 3)]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IfRunsTheChosenBranchOnOuterValues(bool condition)
    {
        using var m = OnnxModel.Load(Bytes(IfModel()));
        using var x = Tensor.FromArray(new[] { 1f, -2, 3 }, 3);
        using var c = Tensor.Scalar(condition);
        var outputs = m.Run(new Dictionary<string, Tensor> { ["x"] = x, ["c"] = c });
        using var y = outputs["y"];
        using var a = x.Neg();
        using var expected = condition ? a.Add(x) : a.Clone();
        Assert.Equal(expected.ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void LoopCarriesStateAndStacksScanOutputs()
    {
        // for i in range(M): s = s * x + i (as float); scan out s each step.
        var body = Graph(
            [
                Node("Cast", ["i"], ["fi"], Int("to", OnnxFloat)),
                Node("Mul", ["s_in", "x"], ["sx"]),
                Node("Add", ["sx", "fi"], ["s_out"]),
                Node("Identity", ["cond_in"], ["cond_out"]),
                Node("Identity", ["s_out"], ["scan"]),
            ],
            [Value("i", OnnxInt64), Value("cond_in", OnnxBool), Value("s_in", OnnxFloat, 2)],
            [Value("cond_out", OnnxBool), Value("s_out", OnnxFloat, 2), Value("scan", OnnxFloat, 2)]);
        var model = Model(Graph(
            [Node("Loop", ["m", "", "s0"], ["s", "history"], GraphAttr("body", body))],
            [Value("m", OnnxInt64), Value("s0", OnnxFloat, 2), Value("x", OnnxFloat, 2)],
            [Value("s", OnnxFloat, 2), Value("history", OnnxFloat, -1, 2)]));
        using var m = OnnxModel.Load(Bytes(model));
        using var steps = Tensor.Scalar(3L);
        using var s0 = Tensor.FromArray(new[] { 1f, 2 }, 2);
        using var x = Tensor.FromArray(new[] { 2f, 0.5f }, 2);
        var outputs = m.Run(new Dictionary<string, Tensor> { ["m"] = steps, ["s0"] = s0, ["x"] = x });
        using var s = outputs["s"];
        using var history = outputs["history"];

        // The same recurrence with Ember's ops.
        var expected = new List<float[]>();
        var state = s0.Clone();
        for (int i = 0; i < 3; i++)
        {
            using var sx = state.Mul(x);
            using var next = sx + (float)i;
            state.Dispose();
            state = next.Clone();
            expected.Add(state.ToArray<float>());
        }
        using (state) Assert.Equal(state.ToArray<float>(), s.ToArray<float>());
        Assert.Equal([3, 2], history.Shape);
        Assert.Equal(expected.SelectMany(v => v).ToArray(), history.ToArray<float>());
    }
}
