using System.Text.Json;
using Ember.NN;
using Ember.Serialization;
using Xunit;

namespace Ember.Tests.Recurrent;

/// <summary>
/// The PyTorch reference cases of fixtures/rnn/*.safetensors (written by fixtures/make_rnn_fixtures.py):
/// each case's settings come from the file's metadata, its tensors from NAME.* entries.
/// </summary>
internal sealed class RnnFixtures
{
    public Dictionary<string, Tensor> Tensors { get; }
    public Dictionary<string, JsonElement> Settings { get; }

    RnnFixtures(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "rnn", file);
        Tensors = Safetensors.Load(path);
        Settings = Safetensors.ReadMetadata(path).Where(kv => kv.Key != "torch")
            .ToDictionary(kv => kv.Key, kv => JsonDocument.Parse(kv.Value).RootElement.Clone());
    }

    static readonly Lazy<RnnFixtures> layers = new(() => new RnnFixtures("layers.safetensors"));
    static readonly Lazy<RnnFixtures> cells = new(() => new RnnFixtures("cells.safetensors"));
    public static RnnFixtures Layers => layers.Value;
    public static RnnFixtures Cells => cells.Value;

    public Tensor? Get(string name, string key) => Tensors.TryGetValue($"{name}.{key}", out var t) ? t : null;

    public string Kind(string name) => Settings[name].GetProperty("kind").GetString()!;

    int Int(string name, string key, int fallback) => Settings[name].TryGetProperty(key, out var v) ? v.GetInt32() : fallback;
    bool Bool(string name, string key, bool fallback) => Settings[name].TryGetProperty(key, out var v) ? v.GetBoolean() : fallback;
    string Str(string name, string key, string fallback) => Settings[name].TryGetProperty(key, out var v) ? v.GetString()! : fallback;

    /// <summary>The module the case describes, with PyTorch's weights loaded.</summary>
    public Module Build(string name)
    {
        int i = Int(name, "input_size", 0), h = Int(name, "hidden_size", 0), layersCount = Int(name, "num_layers", 1);
        bool bias = Bool(name, "bias", true), bf = Bool(name, "batch_first", false), bi = Bool(name, "bidirectional", false);
        Module m = Kind(name) switch
        {
            "LSTM" => new LSTM(i, h, layersCount, bias, bf, 0, bi, Int(name, "proj_size", 0)),
            "GRU" => new GRU(i, h, layersCount, bias, bf, 0, bi),
            "RNN" => new RNN(i, h, layersCount, Str(name, "nonlinearity", "tanh"), bias, bf, 0, bi),
            "LSTMCell" => new LSTMCell(i, h, bias),
            "GRUCell" => new GRUCell(i, h, bias),
            "RNNCell" => new RNNCell(i, h, bias, Str(name, "nonlinearity", "tanh")),
            var k => throw new InvalidOperationException($"unknown kind {k}"),
        };
        var prefix = name + ".sd.";
        var state = Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        m.LoadStateDict(state);
        return m;
    }

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| everywhere, naming the worst element.</summary>
    public static void Close(Tensor expected, Tensor? actual, double atol, double rtol, string what)
    {
        Assert.True(actual is not null, $"{what}: no value");
        Assert.Equal(expected.Shape, actual!.Shape);
        var e = expected.To(DType.Float64).ToArray<double>();
        var a = actual.To(DType.Float64).ToArray<double>();
        int worst = -1; double worstExcess = 0;
        for (int j = 0; j < e.Length; j++)
        {
            double excess = Math.Abs(a[j] - e[j]) - (atol + rtol * Math.Abs(e[j]));
            if (!(excess <= worstExcess)) { worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess; worst = j; }
        }
        Assert.True(worst < 0, worst < 0 ? "" : $"{what}: element {worst} is {a[worst]:G9}, expected {e[worst]:G9}");
    }
}
