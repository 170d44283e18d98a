using Ember.Bench.Harness;

namespace Ember.Bench.Report;

/// <summary>
/// The human-readable table, printed a row at a time as cases finish. Times are median ms per step
/// with the p10–p90 spread; throughput is GB/s for memory-bound ops and GFLOPS for matmul.
/// </summary>
public sealed class ResultTable(TextWriter output)
{
    const string RowFormat = "{0,-16} {1,-14} {2,-25} {3,3} {4,29} {5,29} {6,6} {7,14} {8,14} {9,7}";

    public void WriteHeader(string peerName) =>
        output.WriteLine(RowFormat, "workload", "case", "shape", "thr", "ember ms [p10-p90]",
            $"{peerName} ms [p10-p90]", "ratio", "ember tput", "peer tput", "max err");

    public void WriteRow(CaseResult r)
    {
        output.WriteLine(RowFormat, r.Workload, r.Case, Trim(r.Shape, 25), r.Threads, Time(r.Ember), Time(r.Peer),
            r.Ratio is { } ratio ? ratio.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "-",
            Throughput(r.Work, r.Ember), Throughput(r.Work, r.Peer),
            r.MaxErr is { } e ? e.ToString("0.0e0", System.Globalization.CultureInfo.InvariantCulture) : "-");
        if (r.Epoch is { } epoch) output.WriteLine(EpochLine(epoch, r));
        if (r.EmberNote is { } en) output.WriteLine($"    ember: {en}");
        if (r.PeerNote is { } pn) output.WriteLine($"    {r.PeerName}: {pn}");
        output.Flush();
    }

    /// <summary>"    epoch of 60,000 images = 938 steps of 64: ember 41.2 s, torchsharp 30.5 s (compute only)".</summary>
    static string EpochLine(EpochSize epoch, CaseResult r)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string Side(Summary? s) => s is { } t ? $"{Format.Sig(epoch.Seconds(t.Median))} s" : "-";
        return string.Create(inv, $"    epoch of {epoch.Images:N0} images = {epoch.Steps:N0} steps of {epoch.BatchSize}: ember {Side(r.Ember)}, {r.PeerName} {Side(r.Peer)} (compute only)");
    }

    static string Time(Summary? s) =>
        s is { } t ? $"{Format.Sig(t.Median)} [{Format.Sig(t.P10)}-{Format.Sig(t.P90)}]" : "-";

    static string Throughput(Work? work, Summary? s) =>
        work is { } w && s is { } t ? $"{Format.Sig(w.PerSecondG(t.Median))} {w.UnitName}" : "-";

    static string Trim(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";
}
