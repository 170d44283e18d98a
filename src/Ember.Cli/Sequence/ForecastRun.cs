using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ember.Cli.Runs;
using Ember.Data;
using Ember.Data.Synthetic;
using Ember.NN;
using Ember.Optim;
using F = Ember.NN.Functional;

namespace Ember.Cli.Sequence;

/// <summary>The options of `ember rnn forecast`.</summary>
internal sealed record ForecastSettings(int Epochs, int Hidden, int Window, int Length, double LearningRate, int BatchSize, ulong Seed, int? Threads, string Out, bool Quiet);

/// <summary>
/// `ember rnn forecast`: an LSTM learns one-step-ahead forecasts of a generated series with two seasons, a trend and
/// noise (<see cref="SeasonalSeries"/>), on windows of the first 80%, and is scored on the last 20% against the
/// last-value and seasonal-naive forecasts.
/// </summary>
internal sealed class ForecastRun(ForecastSettings s, TextWriter output)
{
    public const string Format = "ember-rnn-forecast";
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public int Run()
    {
        var clock = Stopwatch.StartNew();
        Validate();
        RnnRunFolder.ApplyThreads(s.Threads);
        var options = new SeasonalSeriesOptions();
        int season = (int)options.SeasonPeriods[0];
        if (s.Window < season) throw new ArgumentException($"--window must be at least the main season ({season} steps) so the seasonal-naive baseline can be scored, got {s.Window}.");
        var series = SeasonalSeries.Generate(s.Length, new Generator(s.Seed), options);
        var (train, test) = ForecastWindows.Split(series, s.Window, 0.8);
        RnnRunFolder.Prepare(s.Out, Format, new JsonObject
        {
            ["epochs"] = s.Epochs, ["hidden"] = s.Hidden, ["window"] = s.Window, ["length"] = s.Length, ["lr"] = s.LearningRate,
            ["batch_size"] = s.BatchSize, ["seed"] = s.Seed, ["periods"] = new JsonArray([.. options.SeasonPeriods.Select(p => (JsonNode)p)]),
            ["amplitudes"] = new JsonArray([.. options.SeasonAmplitudes.Select(a => (JsonNode)a)]), ["trend"] = options.Trend, ["noise_std"] = options.NoiseStd,
        });

        var model = new LstmForecaster(s.Hidden, 1, new Generator(unchecked(s.Seed + 1)));
        var optimizer = new Adam(model.Parameters(), s.LearningRate);
        int stepsPerEpoch = (train.Count + s.BatchSize - 1) / s.BatchSize;
        var schedule = new CosineAnnealingLR(optimizer, s.Epochs * stepsPerEpoch);
        var shuffle = new Generator(unchecked(s.Seed + 2));
        if (!s.Quiet)
            output.WriteLine(string.Create(Inv, $"Series: {s.Length} steps (seasons {string.Join(" and ", options.SeasonPeriods)}, trend {options.Trend}/step, noise σ {options.NoiseStd}); {train.Count} training and {test.Count} test windows of {s.Window}. Model: LSTM({s.Hidden}) → Linear ({model.ParameterCount:N0} parameters), {s.Epochs} epochs of {stepsPerEpoch} steps, Adam lr {s.LearningRate} on a cosine."));

        var csv = new List<string> { "epoch,loss,test_mse,seconds" };
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var order = RnnRunFolder.Shuffle(train.Count, shuffle);
            double lossSum = 0;
            model.Train();
            for (int start = 0; start < order.Length; start += s.BatchSize)
            {
                using var batch = Collate.Default(order[start..Math.Min(order.Length, start + s.BatchSize)].Select(train.Get).ToArray());
                using var prediction = model.Forward(batch.Input);
                using var loss = F.MseLoss(prediction, batch.Target);
                loss.Backward();
                GradClipping.ClipGradNorm(model.Parameters(), 1.0);
                optimizer.Step();
                optimizer.ZeroGrad();
                schedule.Step();
                lossSum += loss.Item<float>() * (double)batch.Size;
            }
            double mse = Score(model, test).Mse;
            csv.Add(string.Create(Inv, $"{epoch},{lossSum / train.Count:R},{mse:R},{epochClock.Elapsed.TotalSeconds:R}"));
            if (!s.Quiet)
                output.WriteLine(string.Create(Inv, $"epoch {epoch + 1,3}/{s.Epochs}  loss {lossSum / train.Count:F5}  test MSE {mse:F5}  ({epochClock.Elapsed.TotalSeconds:F1} s)"));
        }

        var (testMse, testMae) = Score(model, test);
        var last = ForecastBaselines.Score(test, ForecastBaselines.LastValue);
        var seasonal = ForecastBaselines.Score(test, (x, t) => ForecastBaselines.SeasonalNaive(x, t, season));
        model.Save(Path.Combine(s.Out, RnnRunFolder.Model));
        File.WriteAllLines(Path.Combine(s.Out, RnnRunFolder.Metrics), csv);
        var summary = new JsonObject
        {
            ["test_mse"] = testMse,
            ["test_mae"] = testMae,
            ["baselines"] = new JsonObject
            {
                ["last_value"] = new JsonObject { ["mse"] = last.Mse, ["mae"] = last.Mae },
                ["seasonal_naive"] = new JsonObject { ["period"] = season, ["mse"] = seasonal.Mse, ["mae"] = seasonal.Mae },
            },
            ["noise_variance"] = options.NoiseStd * options.NoiseStd,
            ["test_windows"] = test.Count,
            ["train_windows"] = train.Count,
            ["parameters"] = model.ParameterCount,
            ["epochs"] = s.Epochs,
            ["seed"] = s.Seed,
            ["threads"] = Threading.NumThreads,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        };
        RunArtifacts.SaveSummary(summary, Path.Combine(s.Out, RnnRunFolder.Summary));
        output.WriteLine(string.Create(Inv, $"Test MSE {testMse:F4}, MAE {testMae:F4} on {test.Count} windows; last value: MSE {last.Mse:F4}, MAE {last.Mae:F4}; seasonal naive ({season}): MSE {seasonal.Mse:F4}, MAE {seasonal.Mae:F4}; noise alone: MSE {options.NoiseStd * options.NoiseStd:F4}. Results in {s.Out}"));
        return 0;
    }

    /// <summary>MSE and MAE of the model's forecasts in the series' own units.</summary>
    static (double Mse, double Mae) Score(LstmForecaster model, ForecastWindows windows)
    {
        model.Eval();
        using var _ = Autograd.NoGrad();
        double se = 0, ae = 0;
        const int batchSize = 256;
        for (int start = 0; start < windows.Count; start += batchSize)
        {
            var indices = Enumerable.Range(start, Math.Min(batchSize, windows.Count - start)).ToArray();
            using var batch = Collate.Default(indices.Select(windows.Get).ToArray());
            using var prediction = model.Forward(batch.Input);
            var p = prediction.ToArray<float>();
            for (int i = 0; i < indices.Length; i++)
            {
                double e = p[i] + windows.Offset(indices[i]) - windows.Next(indices[i]);
                se += e * e;
                ae += Math.Abs(e);
            }
        }
        model.Train();
        return (se / windows.Count, ae / windows.Count);
    }

    void Validate()
    {
        if (s.Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {s.Epochs}.");
        if (s.Hidden < 1) throw new ArgumentException($"--hidden must be at least 1, got {s.Hidden}.");
        if (s.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {s.BatchSize}.");
        if (!(s.LearningRate > 0 && double.IsFinite(s.LearningRate))) throw new ArgumentException($"--lr must be a positive number, got {s.LearningRate}.");
        if (s.Length < 5 * (s.Window + 1)) throw new ArgumentException($"--length {s.Length} is too short for windows of {s.Window}; give at least {5 * (s.Window + 1)}.");
        if (s.Out.Length == 0) throw new ArgumentException("--out must name a folder.");
    }
}
