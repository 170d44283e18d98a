using Ember.Serialization;

namespace Ember.NN;

public abstract partial class Module
{
    /// <summary>
    /// Writes <see cref="StateDict"/> (parameters and persistent buffers under PyTorch's dotted names)
    /// to <paramref name="path"/> as safetensors, so <c>model.load_state_dict(safetensors.torch.load_file(path))</c>
    /// loads it in PyTorch. The file is replaced atomically.
    /// </summary>
    public void Save(string path) => Safetensors.Save(path, StateDict());

    /// <summary>
    /// Reads a safetensors file (from <see cref="Save"/> or from PyTorch's <c>save_file(model.state_dict(), path)</c>)
    /// and copies it into this module's parameters and buffers; names and shapes must match exactly.
    /// </summary>
    public void Load(string path)
    {
        var state = Safetensors.Load(path);
        try { LoadStateDict(state, strict: true); }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }
}
