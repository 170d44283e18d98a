using Ember.Training.TensorBoard;
using Ember.Training.TensorBoard.Protos;

namespace Ember.Training;

/// <summary>
/// Writes scalars, histograms and images for TensorBoard, like PyTorch's
/// torch.utils.tensorboard.SummaryWriter: one events.out.tfevents.&lt;unix time&gt;.&lt;hostname&gt; file in
/// <see cref="LogDir"/>, flushed every <c>maxQueue</c> records, every <c>flushSeconds</c> and on
/// <see cref="Flush"/> and <see cref="Dispose"/>. Safe to use from several threads.
/// </summary>
/// <example>
/// <code>
/// using var writer = new SummaryWriter("runs/mnist");
/// writer.AddScalar("loss/train", loss, step);
/// writer.AddHistogram("fc1.weight", model.Fc1.Weight, step);
/// </code>
/// </example>
public sealed partial class SummaryWriter : IDisposable
{
    readonly EventFileWriter main;
    // AddScalars writes each series to its own run folder, as PyTorch does.
    readonly Dictionary<string, EventFileWriter> children = [];
    readonly string fileNameSuffix;
    readonly int maxQueue;
    readonly Timer flushTimer;
    int disposed;

    /// <summary>The folder the event files go to.</summary>
    public string LogDir { get; }

    /// <summary>The path of the main event file.</summary>
    public string FilePath => main.FilePath;

    /// <param name="logDir">
    /// The run folder; by default runs/&lt;date&gt;_&lt;time&gt;_&lt;hostname&gt;&lt;comment&gt;, as in PyTorch.
    /// </param>
    /// <param name="comment">Appended to the default folder name (ignored when <paramref name="logDir"/> is given).</param>
    /// <param name="maxQueue">Records held in memory before they are written to the file.</param>
    /// <param name="flushSeconds">How often pending records are written out, whatever their number.</param>
    /// <param name="fileNameSuffix">Appended to the event file's name.</param>
    public SummaryWriter(string? logDir = null, string comment = "", int maxQueue = 10, double flushSeconds = 120,
        string fileNameSuffix = "")
    {
        if (maxQueue < 1)
            throw new ArgumentOutOfRangeException(nameof(maxQueue), maxQueue, $"SummaryWriter: maxQueue must be at least 1, got {maxQueue}.");
        if (!(flushSeconds > 0))
            throw new ArgumentOutOfRangeException(nameof(flushSeconds), flushSeconds, $"SummaryWriter: flushSeconds must be positive, got {flushSeconds}.");
        LogDir = logDir ?? Path.Combine("runs", $"{DateTime.Now:MMMdd_HH-mm-ss}_{EventFileWriter.HostName()}{comment}");
        this.maxQueue = maxQueue;
        this.fileNameSuffix = fileNameSuffix;
        main = new EventFileWriter(LogDir, fileNameSuffix, maxQueue);
        var period = TimeSpan.FromSeconds(flushSeconds);
        flushTimer = new Timer(_ => FlushQuietly(), null, period, period);
        // A writer that is never disposed still gets its last records out when the process ends normally.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    void OnProcessExit(object? sender, EventArgs e) => FlushQuietly();

    /// <summary>Seconds since the Unix epoch, TensorBoard's wall time.</summary>
    internal static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;

    /// <summary>Logs one value of the series <paramref name="tag"/> at <paramref name="step"/>.</summary>
    public void AddScalar(string tag, double value, long step, double? wallTime = null)
        => Write(main, step, wallTime, new Summary.Types.Value { Tag = CheckTag(tag, nameof(AddScalar)), SimpleValue = (float)value });

    /// <summary>Logs the value of a one-element tensor (a loss, an accuracy).</summary>
    public void AddScalar(string tag, Tensor value, long step, double? wallTime = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.NumElements != 1)
            throw new ArgumentException($"SummaryWriter.AddScalar: the tensor for tag '{tag}' has shape [{string.Join(", ", value.Shape)}]; a scalar needs exactly one element.", nameof(value));
        using var noGrad = Autograd.NoGrad();
        using var asDouble = value.To(DType.Float64);
        AddScalar(tag, asDouble.Item<double>(), step, wallTime);
    }

    /// <summary>
    /// Logs several series in one chart: each <c>(name, value)</c> goes to the run folder
    /// LogDir/&lt;mainTag&gt;_&lt;name&gt; under the tag <paramref name="mainTag"/>, as in PyTorch.
    /// </summary>
    public void AddScalars(string mainTag, IReadOnlyDictionary<string, double> tagScalars, long step, double? wallTime = null)
    {
        ArgumentNullException.ThrowIfNull(tagScalars);
        CheckTag(mainTag, nameof(AddScalars));
        double time = wallTime ?? Now();
        foreach (var (name, value) in tagScalars)
        {
            var writer = Child($"{mainTag.Replace('/', '_')}_{name}");
            Write(writer, step, time, new Summary.Types.Value { Tag = mainTag, SimpleValue = (float)value });
        }
    }

    /// <summary>
    /// Logs the distribution of a tensor's values. <paramref name="bins"/>: null for TensorBoard's default
    /// exponential buckets, or a number of equal-width bins over [min, max].
    /// </summary>
    public void AddHistogram(string tag, Tensor values, long step, int? bins = null, double? wallTime = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        using var noGrad = Autograd.NoGrad();
        using var asDouble = values.To(DType.Float64);
        AddHistogram(tag, asDouble.ToArray<double>(), step, bins, wallTime);
    }

    /// <inheritdoc cref="AddHistogram(string, Tensor, long, int?, double?)"/>
    public void AddHistogram(string tag, ReadOnlySpan<float> values, long step, int? bins = null, double? wallTime = null)
    {
        var asDouble = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            asDouble[i] = values[i];
        AddHistogram(tag, (ReadOnlySpan<double>)asDouble, step, bins, wallTime);
    }

    /// <inheritdoc cref="AddHistogram(string, Tensor, long, int?, double?)"/>
    public void AddHistogram(string tag, ReadOnlySpan<double> values, long step, int? bins = null, double? wallTime = null)
    {
        CheckTag(tag, nameof(AddHistogram));
        var histogram = TensorBoardHistogram.Build(values, bins, tag);
        Write(main, step, wallTime, new Summary.Types.Value { Tag = tag, Histo = histogram });
    }

    /// <summary>Writes pending records of every event file to disk.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        FlushAll();
    }

    void FlushQuietly()
    {
        // A timer tick racing Dispose, or a full disk, must not crash the process from a pool thread;
        // the next explicit Flush or Dispose reports the error.
        try { FlushAll(); }
        catch (ObjectDisposedException) { }
        catch (IOException) { }
    }

    void FlushAll()
    {
        main.Flush();
        lock (children)
            foreach (var child in children.Values)
                child.Flush();
    }

    /// <summary>Writes everything pending and closes the files.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        flushTimer.Dispose();
        main.Dispose();
        lock (children)
            foreach (var child in children.Values)
                child.Dispose();
    }

    /// <summary>Same as <see cref="Dispose"/>, PyTorch's name.</summary>
    public void Close() => Dispose();

    EventFileWriter Child(string folder)
    {
        lock (children)
        {
            ObjectDisposedException.ThrowIf(disposed != 0, this);
            if (!children.TryGetValue(folder, out var writer))
                children[folder] = writer = new EventFileWriter(Path.Combine(LogDir, folder), fileNameSuffix, maxQueue);
            return writer;
        }
    }

    void Write(EventFileWriter file, long step, double? wallTime, Summary.Types.Value value)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        var summary = new Summary();
        summary.Value.Add(value);
        file.Write(new Event { WallTime = wallTime ?? Now(), Step = step, Summary = summary });
    }

    static string CheckTag(string tag, string method)
    {
        if (string.IsNullOrEmpty(tag))
            throw new ArgumentException($"SummaryWriter.{method}: the tag is empty; give the series a name such as \"loss/train\".", nameof(tag));
        return tag;
    }
}
