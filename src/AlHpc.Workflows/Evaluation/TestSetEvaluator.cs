using System.Diagnostics;
using System.Globalization;
using AlHpc.Potentials;
using AlHpc.Structures;

namespace AlHpc.Evaluation;

/// <summary>Options of <see cref="TestSetEvaluator.Evaluate"/>.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Folder for metrics.csv, by-size.csv, metrics.json and the figures; null: write nothing.</summary>
    public string? OutDir { get; init; }
    /// <summary>Draws the PNG figures into OutDir (AlHpc.Reporting.EvaluationFigures); null: no figures.</summary>
    public IEvaluationFigures? Figures { get; init; }
    /// <summary>Size ranges reported (default: the paper's 1-20, 21-50, 51+).</summary>
    public IReadOnlyList<SizeRange> Ranges { get; init; } = SizeRange.Paper;
    /// <summary>Compute and score forces (when the test set has reference forces).</summary>
    public bool Forces { get; init; } = true;
    /// <summary>Worker threads (-1: all cores).</summary>
    public int MaxThreads { get; init; } = -1;

    /// <summary>
    /// Computes the predictions instead of the CPU <see cref="BatchPredictor"/> when set (e.g. the OpenCL kernels
    /// chosen by --device: IComputeBackend.CreateEvaluator). Must evaluate the same potential.
    /// </summary>
    public IBatchEnergyEvaluator? Evaluator { get; init; }
    /// <summary>(clusters done, total) during the evaluation.</summary>
    public Action<long, long>? Progress { get; init; }
    /// <summary>Name of the reference in axis labels.</summary>
    public string ReferenceName { get; init; } = "ML-BOP";
    /// <summary>Extra key/values written into metrics.json's "context" (model file, test set file...).</summary>
    public IReadOnlyDictionary<string, string>? Context { get; init; }
}

/// <summary>Draws an evaluation's figures (implemented in the reporting layer).</summary>
public interface IEvaluationFigures
{
    /// <summary>Writes the figures into <paramref name="dir"/>; returns the files written.</summary>
    IReadOnlyList<string> Write(string dir, ClusterBatch reference, BatchPrediction prediction, EvaluationMetrics metrics, string modelName, string referenceName);
}

/// <summary>Result of one test-set evaluation.</summary>
public sealed record EvaluationResult(EvaluationMetrics Metrics, BatchPrediction Prediction, double PredictSeconds, double TotalSeconds, IReadOnlyList<string> FilesWritten);

/// <summary>
/// Scores a potential on a labelled test set: predicts energies (and forces) of every cluster over all
/// cores (<see cref="BatchPredictor"/>), computes <see cref="EvaluationMetrics"/>, and optionally writes
/// metrics.csv, by-size.csv, metrics.json and the paper's figures into a folder.
/// </summary>
public static class TestSetEvaluator
{
    public const string MetricsCsv = "metrics.csv";
    public const string BySizeCsv = "by-size.csv";
    public const string MetricsJson = "metrics.json";

    private static BatchPrediction PredictWith(IBatchEnergyEvaluator ev, ClusterBatch set, bool forces, Action<long, long>? progress)
    {
        var e = new double[set.ClusterCount];
        var f = forces ? new double[set.Positions.Length] : null;
        ev.Evaluate(set, e, f, progress);
        return new BatchPrediction(e, f);
    }

    public static EvaluationResult Evaluate(IPotential potential, ClusterBatch testSet, EvaluationOptions? options = null)
    {
        options ??= new EvaluationOptions();
        var total = Stopwatch.StartNew();
        for (int c = 0; c < testSet.ClusterCount; c++)
            if (double.IsNaN(testSet.Energies[c])) throw new ArgumentException($"test-set cluster {c} has no reference energy");
        bool forces = options.Forces && testSet.Forces != null;
        var sw = Stopwatch.StartNew();
        var pred = options.Evaluator is { } ev
            ? PredictWith(ev, testSet, forces, options.Progress)
            : BatchPredictor.Predict(potential, testSet, forces, options.Progress, options.MaxThreads);
        double predictSeconds = sw.Elapsed.TotalSeconds;
        var metrics = EvaluationMetrics.Compute(testSet, pred.Energies, pred.Forces, options.Ranges);
        var files = new List<string>();
        if (options.OutDir is { } dir)
        {
            Directory.CreateDirectory(dir);
            var ctx = new Dictionary<string, string>
            {
                ["model"] = potential.Name,
                ["clusters"] = testSet.ClusterCount.ToString(CultureInfo.InvariantCulture),
                ["molecules"] = testSet.AtomCount.ToString(CultureInfo.InvariantCulture),
                ["predict_seconds"] = predictSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                ["threads"] = (options.MaxThreads > 0 ? options.MaxThreads : Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                ["program"] = TestSets.TestSetMetadata.DefaultProgram,
            };
            if (options.Context != null) foreach (var kv in options.Context) ctx[kv.Key] = kv.Value;
            string csv = Path.Combine(dir, MetricsCsv), bySize = Path.Combine(dir, BySizeCsv), json = Path.Combine(dir, MetricsJson);
            MetricsReport.WriteCsv(csv, metrics);
            MetricsReport.WriteBySizeCsv(bySize, metrics);
            MetricsReport.WriteJson(json, metrics, ctx);
            files.AddRange([csv, bySize, json]);
            if (options.Figures != null)
                files.AddRange(options.Figures.Write(dir, testSet, pred, metrics, potential.Name, options.ReferenceName));
        }
        return new EvaluationResult(metrics, pred, predictSeconds, total.Elapsed.TotalSeconds, files);
    }
}
