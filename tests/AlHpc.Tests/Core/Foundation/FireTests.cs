using AlHpc.IO;
using AlHpc.Optimization;
using AlHpc.Potentials;

namespace AlHpc.Tests.Foundation;

public class FireTests
{
    [Fact]
    public void DimerRelaxesToTheKnownMinimum()
    {
        // method.md (independent implementation): r = 2.70874 A, E = -0.245155 eV
        var x = new double[] { 0, 0, 0, 3.2, 0.1, -0.2 };
        var res = new Fire { ForceTolerance = 1e-9 }.Minimize(TersoffPotential.MlBop.CreateEvaluator(), x);
        Assert.True(res.Converged);
        double r = Math.Sqrt((x[3] - x[0]) * (x[3] - x[0]) + (x[4] - x[1]) * (x[4] - x[1]) + (x[5] - x[2]) * (x[5] - x[2]));
        Assert.Equal(2.70874, r, 5e-6);
        Assert.Equal(-0.245155, res.Energy, 5e-7);
    }

    [Fact]
    public void TrimerRelaxesToTheOpenChain()
    {
        // method.md: lowest trimer is an open chain at 118.10 deg, E = -0.490291 eV
        var x = new double[] { 0, 0, 0, 2.7, 0, 0, -1.2, 2.4, 0.1 };
        var res = new Fire { ForceTolerance = 1e-8 }.Minimize(TersoffPotential.MlBop.CreateEvaluator(), x);
        Assert.True(res.Converged);
        Assert.Equal(-0.490291, res.Energy, 5e-7);
        double ax = x[3] - x[0], ay = x[4] - x[1], az = x[5] - x[2], bx = x[6] - x[0], by = x[7] - x[1], bz = x[8] - x[2];
        double angle = Math.Acos((ax * bx + ay * by + az * bz) / Math.Sqrt((ax * ax + ay * ay + az * az) * (bx * bx + by * by + bz * bz))) * 180 / Math.PI;
        Assert.Equal(118.10, angle, 0.01);
    }

    [Fact]
    public void PerturbedSeedClusterRelaxesBelowTolerance()
    {
        var seed = Xsf.Read(TestPaths.RepoData("struct_min_25.xsf"));
        var x = (double[])seed.Positions.Clone();
        var rng = new Random(42);
        for (int i = 0; i < x.Length; i++) x[i] += 0.15 * (rng.NextDouble() - 0.5);
        var ev = TersoffPotential.MlBop.CreateEvaluator();
        double ePerturbed = ev.Compute(x, default, default);
        int calls = 0;
        var res = new Fire { ForceTolerance = 1e-4 }.Minimize(ev, x, (_, _, _) => calls++);
        Assert.True(res.Converged, $"not converged after {res.Steps} steps, max force {res.MaxForce}");
        Assert.True(res.Energy < ePerturbed - 0.01);
        var f = new double[x.Length];
        double e = ev.Compute(x, f, default);
        Assert.Equal(res.Energy, e);
        Assert.True(Fire.MaxForce(f) < 1e-4);
        Assert.Equal(res.Steps + 1, calls);
        // back in the seed's basin: the same minimum as relaxing the unperturbed seed (which is only
        // "reasonably minimized": max force 0.056 eV/A, relaxed about 7 meV lower)
        var y = (double[])seed.Positions.Clone();
        var resSeed = new Fire { ForceTolerance = 1e-4 }.Minimize(ev, y);
        Assert.True(resSeed.Converged && resSeed.Energy < -8.2503244532);
        Assert.Equal(resSeed.Energy, res.Energy, 1e-6);
    }

    [Fact]
    public void StopsAtMaxSteps()
    {
        var x = new double[] { 0, 0, 0, 3.2, 0, 0, 1, 2.5, 0 };
        var res = new Fire { ForceTolerance = 1e-12, MaxSteps = 3 }.Minimize(TersoffPotential.MlBop.CreateEvaluator(), x);
        Assert.False(res.Converged);
        Assert.Equal(3, res.Steps);
    }
}
