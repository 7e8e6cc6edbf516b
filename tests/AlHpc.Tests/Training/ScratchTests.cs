using AlHpc.Training;
using Xunit.Abstractions;
namespace AlHpc.Tests.Training;
public class ScratchTests(ITestOutputHelper o)
{
    [Fact]
    public void Scratch()
    {
        var set = TrainerTestData.Make(426, seed: 11, features: 26, minAtoms: 25, maxAtoms: 25);
        foreach (var (b, t) in new[] { (32, 1), (32, 2), (0, 1), (0, 2), (32,1) })
        {
            var r = LmTrainer.Train(set, new TrainerOptions { Epochs = 20, BatchSize = b, Seed = 5, Threads = t });
            var c = r.Curve;
            o.WriteLine($"b={b} t={t}: {(c[^1].Seconds - c[1].Seconds) / (c.Count - 2) * 1000:F2} ms/epoch; hold {r.BestHoldoutMae:F3} acc {c.Sum(x=>x.Accepted)} rej {c.Sum(x=>x.Rejected)}");
        }
    }
}
