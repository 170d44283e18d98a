using Ember.Onnx;
using Ember.Onnx.Protos;
using Google.Protobuf;

namespace Ember.Tests.Onnx;

/// <summary>Builds small ONNX models in memory with the generated protobuf classes.</summary>
internal static class OnnxBuilder
{
    public const int OnnxFloat = (int)TensorProto.Types.DataType.Float;
    public const int OnnxDouble = (int)TensorProto.Types.DataType.Double;
    public const int OnnxInt64 = (int)TensorProto.Types.DataType.Int64;
    public const int OnnxInt32 = (int)TensorProto.Types.DataType.Int32;
    public const int OnnxBool = (int)TensorProto.Types.DataType.Bool;
    public const int OnnxUInt8 = (int)TensorProto.Types.DataType.Uint8;
    public const int OnnxFloat16 = (int)TensorProto.Types.DataType.Float16;

    public static ModelProto Model(GraphProto graph, long opset = 17)
    {
        var m = new ModelProto { IrVersion = 8, ProducerName = "ember-tests", Graph = graph };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return m;
    }

    /// <summary>A tensor value: dims given, -1 for a symbolic dimension named "N".</summary>
    public static ValueInfoProto Value(string name, int elemType, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } },
        };
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = op.ToLowerInvariant() + "_0" };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    public static TensorProto RawFloats(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = OnnxFloat, RawData = OnnxTensors.Raw(values) };
        t.Dims.AddRange(dims);
        return t;
    }

    public static GraphProto Graph(IEnumerable<NodeProto> nodes, IEnumerable<ValueInfoProto> inputs, IEnumerable<ValueInfoProto> outputs,
        IEnumerable<TensorProto>? initializers = null)
    {
        var g = new GraphProto { Name = "test" };
        g.Node.AddRange(nodes);
        g.Input.AddRange(inputs);
        g.Output.AddRange(outputs);
        if (initializers is not null) g.Initializer.AddRange(initializers);
        return g;
    }

    /// <summary>y = Relu(x · W + b) with W [3, 2] as raw_data and b [2] as float_data; x is [N, 3].</summary>
    public static ModelProto Linear()
    {
        var w = RawFloats("W", [1, -2, 3, 4, 5, -6], 3, 2);
        var b = new TensorProto { Name = "b", DataType = OnnxFloat };
        b.Dims.Add(2);
        b.FloatData.AddRange([0.5f, -0.5f]);
        return Model(Graph(
            [Node("MatMul", ["x", "W"], ["xw"]), Node("Add", ["xw", "b"], ["z"]), Node("Relu", ["z"], ["y"])],
            [Value("x", OnnxFloat, -1, 3)], [Value("y", OnnxFloat, -1, 2)], [w, b]));
    }

    public static byte[] Bytes(ModelProto m) => m.ToByteArray();
}
