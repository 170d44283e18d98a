using System.Text.Json;
using Ember.Models;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Models;

/// <summary>
/// Gpt against a PyTorch transcription of the same model (fixtures/make_gpt_fixtures.py): with the same
/// weights, the logits, the loss and every parameter's gradient must agree.
/// </summary>
public sealed class GptFixtureTests
{
    public static TheoryData<string> Cases => new() { "learned_tied", "rotary_untied_nobias" };

    static JsonElement Case(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "gpt.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("config").GetProperty("name").GetString() == name).Clone();
    }

    internal static Gpt Build(JsonElement c)
    {
        var cfg = c.GetProperty("config");
        var config = new GptConfig(cfg.GetProperty("vocab").GetInt32(), cfg.GetProperty("block").GetInt32(), cfg.GetProperty("layers").GetInt32(),
            cfg.GetProperty("heads").GetInt32(), cfg.GetProperty("d").GetInt32(), Dropout: 0,
            cfg.GetProperty("positions").GetString() == "rotary" ? GptPositions.Rotary : GptPositions.Learned,
            TieWeights: cfg.GetProperty("tie").GetBoolean(), Bias: cfg.GetProperty("bias").GetBoolean());
        var gpt = new Gpt(config, new Generator(0));
        var state = c.GetProperty("state").EnumerateObject().ToDictionary(p => p.Name, p => FixtureTensor.Parse(p.Value).ToTensor());
        gpt.LoadStateDict(state);
        foreach (var t in state.Values) t.Dispose();
        return gpt;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsLossAndGradientsMatchPyTorch(string name)
    {
        var c = Case(name);
        var gpt = Build(c);
        using var inputs = FixtureTensor.Parse(c.GetProperty("inputs")).ToTensor();
        using var targets = FixtureTensor.Parse(c.GetProperty("targets")).ToTensor();
        using var logits = gpt.Forward(inputs);
        Close(FixtureTensor.Parse(c.GetProperty("logits")), logits, "logits");

        int v = gpt.Config.VocabSize;
        using var flat = logits.Reshape(-1, v);
        using var flatTargets = targets.Reshape(-1);
        using var loss = F.CrossEntropy(flat, flatTargets);
        Assert.Equal(c.GetProperty("loss").GetDouble(), loss.ToArray<float>()[0], 4);
        loss.Backward();
        var grads = c.GetProperty("grads").EnumerateObject().ToDictionary(p => p.Name, p => FixtureTensor.Parse(p.Value));
        var named = gpt.NamedParameters().ToList();
        Assert.Equal(grads.Keys.Order(), named.Select(p => p.Name).Order());
        foreach (var (pname, p) in named)
            Close(grads[pname], p.Grad!, $"grad of {pname}");
    }

    /// <summary>Float32 results against float64 references: a float32-sized tolerance.</summary>
    static void Close(FixtureTensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var got = actual.ToArray<float>();
        for (int i = 0; i < got.Length; i++)
        {
            double e = expected.Values[i];
            Assert.True(Math.Abs(got[i] - e) <= 1e-4 + 1e-4 * Math.Abs(e), $"{what}[{i}]: {got[i]}, expected {e}");
        }
    }
}
