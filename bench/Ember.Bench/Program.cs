using Ember.Bench.Harness;
using Ember.Bench.Peers;
using Ember.Bench.Report;
using Ember.Bench.Workloads;

// Runs each workload on Ember and on TorchSharp-cpu in this process, interleaved, and prints a table
// followed by one JSON line per (workload, case, threads).
if (args.Length > 0 && args[0] == "--steady-memory")
    return Ember.Bench.SteadyMemory.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : Environment.ProcessorCount);

var options = ArgParser.Parse(args, out string? error);
if (options is null)
{
    if (error is { Length: > 0 }) Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine(ArgParser.Usage);
    return error is { Length: > 0 } ? 2 : 0;
}

var workloads = WorkloadRegistry.Resolve(options.Workloads, out string? unknown);
if (workloads is null)
{
    Console.Error.WriteLine($"error: unknown workload '{unknown}'; known: {string.Join(", ", WorkloadRegistry.All.Select(w => w.Name))}, all");
    return 2;
}

if (options.PeakMemory is not null) return Ember.Bench.PeakMemory.Run(options);

bool Keep(BenchCase c) => options.Cases.Count == 0 || options.Cases.Contains(c.Name);

if (options.List)
{
    foreach (var w in workloads)
        Console.WriteLine($"{w.Name}: {string.Join(", ", w.Cases().Select(c => c.Name))}");
    return 0;
}

string peerInfo = TorchSharpPeer.LoadError ?? TorchSharpPeer.Version;
Console.WriteLine($"Ember.Bench: .NET {Environment.Version}, peer: {peerInfo}");
Console.WriteLine($"iters {options.Iters}, warm-up ≥ {options.Warmup} steps and until JIT is quiet for {options.WarmupJitQuietMs} ms, sample ≥ {options.SampleMs} ms, block {options.Block} samples up to {options.BlockMs} ms; {MachineLoad.Describe()}");
Console.WriteLine();

var table = new ResultTable(Console.Out);
table.WriteHeader(TorchSharpPeer.Name);
var runner = new CaseRunner(options);
var results = new List<CaseResult>();
foreach (int threads in options.Threads)
{
    Ember.Threading.SetNumThreads(threads);
    TorchSharpPeer.SetThreads(threads);
    foreach (var workload in workloads)
    {
        foreach (var c in workload.Cases().Where(Keep))
        {
            var result = runner.Run(workload.Name, c, threads);
            table.WriteRow(result);
            results.Add(result);
        }
    }
}

Console.WriteLine($"done; {MachineLoad.Describe()}");
Console.WriteLine();
var lines = results.Select(JsonLine.Of).ToList();
lines.ForEach(Console.WriteLine);
if (options.JsonPath is { } path) File.AppendAllLines(path, lines);
return 0;
