using System.Net;
using Ember.Training.TensorBoard.Protos;
using Google.Protobuf;

namespace Ember.Training.TensorBoard;

/// <summary>
/// One events.out.tfevents.* file: framed Event records, buffered in memory and appended to the file
/// whole, so a crash loses at most the records still in the buffer and never leaves half a record.
/// Thread-safe.
/// </summary>
internal sealed class EventFileWriter : IDisposable
{
    readonly object gate = new();
    readonly FileStream file;
    readonly MemoryStream buffer = new();
    readonly int maxQueue;
    int queued;
    bool disposed;

    public string FilePath { get; }

    public EventFileWriter(string directory, string fileNameSuffix, int maxQueue)
    {
        Directory.CreateDirectory(directory);
        this.maxQueue = maxQueue;
        long seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string stem = Path.Combine(directory, $"events.out.tfevents.{seconds}.{HostName()}{fileNameSuffix}");
        // Two writers started in the same second in one folder must not overwrite each other's file.
        string path = stem;
        for (int n = 1; ; n++)
        {
            try
            {
                file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
                break;
            }
            catch (IOException) when (File.Exists(path) && n < 1000)
            {
                path = $"{stem}.{n}";
            }
        }
        FilePath = path;
        Write(new Event { WallTime = SummaryWriter.Now(), FileVersion = "brain.Event:2" });
        Flush();
    }

    internal static string HostName()
    {
        try { return Dns.GetHostName(); }
        catch (Exception) { return Environment.MachineName; }
    }

    /// <summary>Queues one record; flushes when maxQueue records are waiting.</summary>
    public void Write(Event e)
    {
        byte[] data = e.ToByteArray();
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            TfRecord.Write(buffer, data);
            if (++queued >= maxQueue)
                FlushLocked();
        }
    }

    public void Flush()
    {
        lock (gate)
        {
            if (!disposed)
                FlushLocked();
        }
    }

    void FlushLocked()
    {
        if (buffer.Length > 0)
        {
            file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            buffer.SetLength(0);
        }
        file.Flush();
        queued = 0;
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
                return;
            FlushLocked();
            disposed = true;
            file.Dispose();
        }
    }
}
