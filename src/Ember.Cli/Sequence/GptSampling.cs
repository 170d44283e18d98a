using Ember.Models;
using Ember.Text;

namespace Ember.Cli.Sequence;

/// <summary>`ember gpt sample`: a trained run's model continues a prompt, one token at a time through the KV cache.</summary>
internal static class GptSampling
{
    public static int Run(string runDir, string? prompt, int tokens, double temperature, int? topK, double? topP, ulong seed, int? threads, TextWriter output)
    {
        if (tokens < 1) throw new ArgumentException($"--tokens must be at least 1, got {tokens}.");
        if (!(temperature >= 0) || double.IsInfinity(temperature)) throw new ArgumentException($"--temperature must be a finite number ≥ 0 (0 picks the most likely token), got {temperature}.");
        if (topK is < 1) throw new ArgumentException($"--top-k must be at least 1, got {topK}.");
        if (topP is { } p && !(p > 0 && p <= 1)) throw new ArgumentException($"--top-p must lie in (0, 1], got {p}.");
        if (threads is < 1) throw new ArgumentException($"--threads must be at least 1, got {threads}.");
        Threading.SetNumThreads(threads ?? Environment.ProcessorCount);

        var config = GptRunConfig.Load(runDir);
        string path = GptCheckpoint.PathIn(runDir);
        var (_, tokenizer) = GptCheckpoint.ReadInfo(path);
        if (tokenizer.VocabSize != config.VocabSize)
            throw new InvalidDataException($"'{path}' holds a tokenizer of {tokenizer.VocabSize} ids, but '{GptRunConfig.PathIn(runDir)}' says {config.VocabSize}; the files come from different runs.");
        var model = new Gpt(config.Model(), new Generator(0));
        GptCheckpoint.Load(path, model);
        model.Eval();

        var ids = Prompt(prompt, tokenizer);
        var options = new SamplingOptions(MaxNewTokens: tokens, Temperature: temperature, TopK: topK, TopP: topP);
        var more = model.Generate(ids, options, new Generator(seed), useCache: true);
        // The prompt as given (an unknown character would decode as U+FFFD), then the continuation.
        output.Write(prompt ?? "");
        output.WriteLine(tokenizer.Decode(more));
        return 0;
    }

    /// <summary>The prompt's ids; an empty prompt starts from a line break (or GPT-2's end-of-text token).</summary>
    static int[] Prompt(string? prompt, ITokenizer tokenizer)
    {
        if (!string.IsNullOrEmpty(prompt))
        {
            var ids = tokenizer.Encode(prompt);
            if (tokenizer is CharTokenizer && ids.All(i => i == CharTokenizer.UnknownId))
                throw new ArgumentException($"--prompt: none of the characters of \"{prompt}\" occur in the run's text, so the model cannot read it.");
            return ids;
        }
        return tokenizer switch
        {
            Gpt2Tokenizer => [Gpt2Tokenizer.EndOfText],
            CharTokenizer c => [c.Encode("\n")[0] is var nl && nl != CharTokenizer.UnknownId ? nl : 1],
            _ => [0],
        };
    }
}
