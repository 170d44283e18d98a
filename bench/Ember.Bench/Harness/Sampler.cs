using System.Diagnostics;
using System.Runtime;

namespace Ember.Bench.Harness;

/// <summary>
/// Times one side. A sample runs the step <see cref="StepsPerSample"/> times back to back and records
/// the mean, so that sub-microsecond ops are not lost in timer resolution and call overhead.
/// </summary>
public sealed class Sampler(ISide side, string label)
{
    readonly List<double> msPerStep = [];

    public string Label { get; } = label;

    public int StepsPerSample { get; private set; } = 1;

    /// <summary>How long one sample was estimated to take at calibration.</summary>
    public double SampleMsEstimate { get; private set; }

    public IReadOnlyList<double> Samples => msPerStep;

    /// <summary>
    /// Runs at least <paramref name="steps"/> warm-up steps, and keeps going until no method has been
    /// JIT-compiled for <paramref name="jitQuietMs"/> (at most <paramref name="maxMs"/>): tiered JIT only
    /// starts promoting hot code once new compilations pause, so a fixed count can leave a side
    /// timed in unoptimised code. Then picks how many steps make one sample last about
    /// <paramref name="sampleMs"/>.
    /// </summary>
    public void WarmUpAndCalibrate(int steps, double jitQuietMs, double maxMs, double sampleMs)
    {
        var total = Stopwatch.StartNew();
        long jitCount = JitInfo.GetCompiledMethodCount();
        double lastJitMs = 0, fastest = double.MaxValue;
        for (int i = 0; i < steps || total.Elapsed.TotalMilliseconds - lastJitMs < jitQuietMs; i++)
        {
            fastest = Math.Min(fastest, TimeSteps(1));
            long now = JitInfo.GetCompiledMethodCount();
            if (now != jitCount) { jitCount = now; lastJitMs = total.Elapsed.TotalMilliseconds; }
            if (total.Elapsed.TotalMilliseconds > maxMs) break;
        }

        // Batch-time the fastest estimate again: one step may be shorter than the timer's overhead.
        int batch = 1;
        double perStep = fastest;
        while (perStep * batch < sampleMs / 4 && batch < 1 << 20)
        {
            batch *= 2;
            perStep = TimeSteps(batch) / batch;
        }
        StepsPerSample = Math.Max(1, (int)Math.Ceiling(sampleMs / Math.Max(perStep, 1e-6)));
        SampleMsEstimate = perStep * StepsPerSample;
    }

    /// <summary>Takes <paramref name="count"/> timed samples.</summary>
    public void Take(int count)
    {
        for (int i = 0; i < count; i++)
            msPerStep.Add(TimeSteps(StepsPerSample) / StepsPerSample);
    }

    double TimeSteps(int steps)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++) side.Step();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
