namespace Ember.Bench.Harness;

/// <summary>
/// The 1-minute load average, printed with the results: on a small machine, other busy processes
/// preempt worker threads and inflate multi-threaded times far beyond normal noise.
/// </summary>
public static class MachineLoad
{
    public static string Describe()
    {
        const string path = "/proc/loadavg";
        if (!File.Exists(path)) return "load average unknown";
        string[] fields = File.ReadAllText(path).Split(' ');
        return $"load average {fields[0]} on {Environment.ProcessorCount} CPUs";
    }
}
