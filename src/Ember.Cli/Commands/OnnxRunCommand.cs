using System.CommandLine;
using System.Globalization;
using Ember.Onnx;
using Ember.Onnx.Testing;
using Ember.Serialization;

namespace Ember.Cli.Commands;

/// <summary>`ember onnx run`: runs a model on tensors from files and shows (and optionally saves) its outputs.</summary>
internal static class OnnxRunCommand
{
    const int Shown = 8;

    public static Command Create()
    {
        var model = OnnxCommand.ModelArgument();
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "An input as name=FILE (.safetensors, or a TensorProto .pb); a single-input model may omit name=. Repeat for each input.",
            HelpName = "name=FILE",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var outFile = new Option<string?>("--output", "-o") { Description = "Write every output to this .safetensors file, by output name.", HelpName = "FILE" };
        var cmd = new Command("run", "Run an ONNX model on inputs read from files; print each output's shape and first values.") { model, inputs, outFile };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("onnx run", io.Error, () => Run(r.GetValue(model)!, r.GetValue(inputs) ?? [], r.GetValue(outFile), io.Output));
        });
        return cmd;
    }

    static int Run(string path, string[] specs, string? outFile, TextWriter output)
    {
        using var model = OnnxCommand.Load(path);
        var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            if (specs.Length == 0)
                throw new ArgumentException($"--input is required; the model needs {Describe(model)}.");
            foreach (var spec in specs) Read(model, spec, given);
            var outputs = model.Run(given);
            try
            {
                foreach (var name in model.OutputNames) Show(output, name, outputs[name]);
                if (outFile is not null)
                {
                    Safetensors.Save(outFile, outputs);
                    output.WriteLine($"wrote {outputs.Count} output{(outputs.Count == 1 ? "" : "s")} to {outFile}");
                }
            }
            finally { foreach (var t in outputs.Values) t.Dispose(); }
        }
        finally { foreach (var t in given.Values) t.Dispose(); }
        return 0;
    }

    static string Describe(OnnxModel model) => string.Join(", ", model.Inputs.Select(i => $"{i.Name}: {i.ElementType}{OnnxCommand.FormatShape(i)}"));

    /// <summary>Reads one --input: name=FILE, or FILE alone for a single-input model (or a file holding every input by name).</summary>
    static void Read(OnnxModel model, string spec, Dictionary<string, Tensor> given)
    {
        int eq = spec.IndexOf('=');
        string? name = eq > 0 && !File.Exists(spec) ? spec[..eq] : null;
        string file = name is null ? spec : spec[(eq + 1)..];
        if (name is not null && !model.InputNames.Contains(name))
            throw new ArgumentException($"--input {spec}: the model has no input '{name}'; its inputs are {Describe(model)}.");
        if (!File.Exists(file)) throw new FileNotFoundException($"--input {spec}: the file '{file}' does not exist.", file);

        if (file.EndsWith(".pb", StringComparison.OrdinalIgnoreCase))
        {
            Add(given, Target(model, name, spec), OnnxBackendTestRunner.ReadTensor(file), spec);
            return;
        }
        var tensors = Safetensors.Load(file);
        try
        {
            if (name is not null)
            {
                // The tensor named like the input, or the file's only tensor.
                string key = tensors.ContainsKey(name) ? name : tensors.Count == 1 ? tensors.Keys.Single()
                    : throw new ArgumentException($"--input {spec}: '{file}' holds {tensors.Count} tensors ({string.Join(", ", tensors.Keys)}) and none is named '{name}'.");
                Add(given, name, Take(tensors, key), spec);
            }
            else if (tensors.Count == 1) Add(given, Target(model, null, spec), Take(tensors, tensors.Keys.Single()), spec);
            else
            {
                var named = tensors.Keys.Where(model.InputNames.Contains).ToArray();
                if (named.Length == 0)
                    throw new ArgumentException($"--input {spec}: '{file}' holds {tensors.Count} tensors ({string.Join(", ", tensors.Keys)}), none named like an input of the model ({Describe(model)}); write name=FILE.");
                foreach (var k in named) Add(given, k, Take(tensors, k), spec);
            }
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    static string Target(OnnxModel model, string? name, string spec)
        => name ?? (model.InputNames.Count == 1 ? model.InputNames[0]
            : throw new ArgumentException($"--input {spec}: the model has {model.InputNames.Count} inputs ({Describe(model)}); write name=FILE for each."));

    static Tensor Take(Dictionary<string, Tensor> tensors, string key)
    {
        var t = tensors[key];
        tensors.Remove(key);
        return t;
    }

    static void Add(Dictionary<string, Tensor> given, string name, Tensor t, string spec)
    {
        if (!given.TryAdd(name, t))
        {
            t.Dispose();
            throw new ArgumentException($"--input {spec}: the input '{name}' is given twice.");
        }
    }

    static void Show(TextWriter output, string name, Tensor t)
    {
        var inv = CultureInfo.InvariantCulture;
        // Bools and integers print as whole numbers, floats with six significant digits.
        using var wide = t.To(t.DType.IsFloatingPoint() ? DType.Float64 : DType.Int64);
        string values = t.DType.IsFloatingPoint()
            ? string.Join(", ", wide.ToArray<double>().Take(Shown).Select(x => x.ToString("G6", inv)))
            : string.Join(", ", wide.ToArray<long>().Take(Shown).Select(x => x.ToString(inv)));
        string more = t.NumElements > Shown ? ", …" : "";
        output.WriteLine($"{name}: {t.DType} [{string.Join(", ", t.Shape)}]  [{values}{more}]");
    }
}
