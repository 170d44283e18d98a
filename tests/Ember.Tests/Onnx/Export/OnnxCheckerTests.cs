using Ember.Onnx;
using Ember.Onnx.Protos;
using Google.Protobuf;
using Xunit;
using static Ember.Tests.Onnx.OnnxBuilder;

namespace Ember.Tests.Onnx.Export;

/// <summary>The spec checker on a valid graph and on graphs broken by hand, one rule at a time.</summary>
public class OnnxCheckerTests
{
    /// <summary>y = Relu(x·W + b): x [N, 3], W [3, 2], b [2].</summary>
    static ModelProto Valid()
    {
        var g = new GraphProto { Name = "g" };
        g.Input.Add(Value("x", OnnxFloat, -1, 3));
        g.Output.Add(Value("y", OnnxFloat, -1, 2));
        g.Initializer.Add(Floats("W", [3, 2], 1, 2, 3, 4, 5, 6));
        g.Initializer.Add(Floats("b", [2], 0.5f, -0.5f));
        g.Node.Add(new NodeProto { Name = "mm", OpType = "MatMul", Input = { "x", "W" }, Output = { "xw" } });
        g.Node.Add(new NodeProto { Name = "add", OpType = "Add", Input = { "xw", "b" }, Output = { "z" } });
        g.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "z" }, Output = { "y" } });
        return Model(g);
    }

    static TensorProto Floats(string name, long[] dims, params float[] values)
    {
        var t = new TensorProto { Name = name, DataType = OnnxFloat, RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()) };
        t.Dims.Add(dims);
        return t;
    }

    static string Problems(ModelProto m) => string.Join("; ", OnnxChecker.Problems(m));

    [Fact]
    public void AcceptsAValidModel()
    {
        Assert.Empty(OnnxChecker.Problems(Valid()));
        OnnxChecker.Check(Valid().ToByteArray());
    }

    [Fact]
    public void RejectsANodeThatReadsAValueBeforeItIsDefined()
    {
        var m = Valid();
        var relu = m.Graph.Node[2];
        m.Graph.Node.RemoveAt(2);
        m.Graph.Node.Insert(0, relu);
        Assert.Contains("node 0 'relu' (Relu) reads 'z' before anything defines it", Problems(m));
    }

    [Fact]
    public void RejectsAValueDefinedTwice()
    {
        var m = Valid();
        m.Graph.Node[1].Output[0] = "xw";
        m.Graph.Node[2].Input[0] = "xw";
        Assert.Contains("the value 'xw' is defined twice", Problems(m));
    }

    [Fact]
    public void RejectsDuplicateNodeNames()
    {
        var m = Valid();
        m.Graph.Node[1].Name = "mm";
        Assert.Contains("the node name 'mm' is used twice", Problems(m));
    }

    [Fact]
    public void RejectsAnInitializerWhoseDataDoesNotFitItsDims()
    {
        var m = Valid();
        m.Graph.Initializer[0].Dims[1] = 3;
        Assert.Contains("the initializer 'W' holds 24 bytes of raw data but its dims [3, 3] need 36", Problems(m));
    }

    [Fact]
    public void RejectsAnInitializerWithoutAType()
    {
        var m = Valid();
        m.Graph.Initializer[1].DataType = 0;
        Assert.Contains("the initializer 'b' has the data type 0, which is not an ONNX type", Problems(m));
    }

    [Fact]
    public void RejectsAModelWithoutADefaultOpsetImport()
    {
        var m = Valid();
        m.OpsetImport.Clear();
        Assert.Contains("there is no opset import for the default domain", Problems(m));
    }

    [Fact]
    public void RejectsGraphInputsAndOutputsWithoutTypeOrShape()
    {
        var m = Valid();
        m.Graph.Input[0].Type.TensorType.Shape = null;
        m.Graph.Output[0].Type = null;
        var p = Problems(m);
        Assert.Contains("the graph input 'x' has no shape", p);
        Assert.Contains("the graph output 'y' has no tensor type", p);
    }

    [Fact]
    public void RejectsAnOutputNothingComputes()
    {
        var m = Valid();
        m.Graph.Output[0].Name = "missing";
        Assert.Contains("the graph output 'missing' is never computed", Problems(m));
    }

    [Fact]
    public void RejectsAnAttributeWhoseValueIsNotOfItsDeclaredType()
    {
        var m = Valid();
        m.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, I = 3 });
        m.Graph.Node[1].Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int });
        var p = Problems(m);
        Assert.Contains("node 0 'mm' (MatMul) attribute 'alpha' is declared Float but holds a Int value", p);
        Assert.Contains("node 1 'add' (Add) attribute 'axis' is declared Int but holds no value", p);
    }

    [Fact]
    public void RejectsAnOperatorNewerThanTheImportedOpset()
    {
        var m = Valid();
        m.OpsetImport[0].Version = 16;
        m.Graph.Node[2].OpType = "Gelu";
        Assert.Contains("node 2 'relu' (Gelu) needs opset 20 but the model imports opset 16", Problems(m));
    }

    [Fact]
    public void RejectsAxesGivenTheWayAnotherOpsetExpects()
    {
        var m = Valid();
        m.OpsetImport[0].Version = 17;
        m.Graph.Node.Add(new NodeProto { Name = "mean", OpType = "ReduceMean", Input = { "y", "W" }, Output = { "m" } });
        m.Graph.Node.Add(new NodeProto { Name = "sq", OpType = "Squeeze", Input = { "m" }, Output = { "s" }, Attribute = { new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 0 } } } });
        var p = Problems(m);
        Assert.Contains("node 3 'mean' (ReduceMean) has an axes input, but before opset 18 the axes are an attribute", p);
        Assert.Contains("node 4 'sq' (Squeeze) has an axes attribute, but from opset 13 the axes are an input", p);
    }

    [Fact]
    public void CheckThrowsOneErrorNamingEveryProblem()
    {
        var m = Valid();
        m.OpsetImport.Clear();
        m.Graph.Node[1].Name = "mm";
        var e = Assert.Throws<InvalidDataException>(() => OnnxChecker.Check(m.ToByteArray()));
        Assert.StartsWith("OnnxChecker: the model breaks the ONNX spec: ", e.Message);
        Assert.Contains("no opset import", e.Message);
        Assert.Contains("'mm' is used twice", e.Message);
    }

    [Fact]
    public void RejectsBytesThatAreNotAModel()
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxChecker.Check([0xff, 0xff, 0xff]));
        Assert.StartsWith("OnnxChecker: the bytes are not an ONNX model", e.Message);
    }
}
