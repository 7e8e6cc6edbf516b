using AlHpc.Training;

namespace AlHpc.Tests.Training;

public class CholeskyTests
{
    [Fact]
    public void FactorMatchesKnownFactor()
    {
        // classic example: A = L L^T with L = [[2,0,0],[6,1,0],[-8,5,3]]
        double[] a = [4, 12, -16, 12, 37, -43, -16, -43, 98];
        Cholesky.Factor(a, 3);
        double[] l = [2, 0, 0, 6, 1, 0, -8, 5, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j <= i; j++)
                Assert.Equal(l[i * 3 + j], a[i * 3 + j], 12);
        double[] b = [1, 2, 3];
        Cholesky.Solve(a, 3, b);
        // A x = [1,2,3] solved exactly (rational solution computed by hand: x = [28.58333.., -7.6666.., 1.3333..])
        Assert.Equal(28.0 + 7.0 / 12.0, b[0], 10);
        Assert.Equal(-23.0 / 3.0, b[1], 10);
        Assert.Equal(4.0 / 3.0, b[2], 10);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(120)]
    public void SolvesRandomSpdSystems(int n)
    {
        var rng = new Random(n);
        var bm = new double[n * n];
        for (int i = 0; i < bm.Length; i++) bm[i] = rng.NextDouble() - 0.5;
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = i == j ? 0.1 : 0;
                for (int k = 0; k < n; k++) s += bm[i * n + k] * bm[j * n + k];
                a[i * n + j] = s;
            }
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = rng.NextDouble() * 2 - 1;
        var b = new double[n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) b[i] += a[i * n + j] * x[j];
        var f = (double[])a.Clone();
        Cholesky.Factor(f, n);
        Cholesky.Solve(f, n, b);
        for (int i = 0; i < n; i++) Assert.Equal(x[i], b[i], 8);
    }

    [Fact]
    public void NonSpdInputFailsClearly()
    {
        double[] indefinite = [1, 2, 2, 1];
        Assert.False(Cholesky.TryFactor((double[])indefinite.Clone(), 2));
        var ex = Assert.Throws<CholeskyException>(() => Cholesky.Factor((double[])indefinite.Clone(), 2));
        Assert.Contains("not symmetric positive definite", ex.Message);
        // strongly indefinite: the jitter fallback gives up with a clear message
        var ex2 = Assert.Throws<CholeskyException>(() => Cholesky.FactorWithJitter((double[])indefinite.Clone(), 2, new double[4]));
        Assert.Contains("jitter", ex2.Message);
        double[] nan = [1, double.NaN, double.NaN, 1];
        Assert.Throws<CholeskyException>(() => Cholesky.FactorWithJitter(nan, 2, new double[4]));
    }

    [Fact]
    public void JitterRescuesSemidefiniteMatrix()
    {
        // rank-1 3x3: v v^T is positive semidefinite, singular
        double[] v = [1, 2, 3];
        var a = new double[9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) a[i * 3 + j] = v[i] * v[j];
        Assert.False(Cholesky.TryFactor((double[])a.Clone(), 3));
        double jitter = Cholesky.FactorWithJitter(a, 3, new double[9]);
        Assert.True(jitter > 0 && jitter < 1e-3, $"jitter {jitter}");
    }
}

public class LevenbergMarquardtTests
{
    private static double[] RandomMatrix(int m, int p, int seed)
    {
        var rng = new Random(seed);
        var a = new double[m * p];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextDouble() * 2 - 1;
        return a;
    }

    [Fact]
    public void WeightSpaceSolvesOverdeterminedLeastSquaresInOneStep()
    {
        int m = 40, p = 6;
        var a = RandomMatrix(m, p, 1);
        var rng = new Random(2);
        var b = Enumerable.Range(0, m).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        // residual e(w) = A w - b, J = A; start at w = 0 so e = -b
        var e = b.Select(v => -v).ToArray();
        var lm = new LevenbergMarquardt(m, p, threads: 1);
        lm.Prepare(a, m, e, LmForm.Auto);
        Assert.Equal(LmForm.WeightSpace, lm.Form);
        var w = new double[p];
        lm.Solve(1e-13, w);
        // the least-squares optimum satisfies A^T (A w - b) = 0
        for (int k = 0; k < p; k++)
        {
            double g = 0;
            for (int r = 0; r < m; r++)
            {
                double res = -b[r];
                for (int j = 0; j < p; j++) res += a[r * p + j] * w[j];
                g += a[r * p + k] * res;
            }
            Assert.True(Math.Abs(g) < 1e-9, $"gradient component {k} = {g}");
        }
    }

    [Fact]
    public void BatchSpaceSolvesUnderdeterminedProblemExactlyWithMinimumNorm()
    {
        int m = 5, p = 30;
        var a = RandomMatrix(m, p, 3);
        double[] b = [0.3, -1.2, 2.0, 0.7, -0.4];
        var e = b.Select(v => -v).ToArray();
        var lm = new LevenbergMarquardt(m, p, threads: 1);
        lm.Prepare(a, m, e, LmForm.Auto);
        Assert.Equal(LmForm.BatchSpace, lm.Form);
        var w = new double[p];
        lm.Solve(1e-13, w);
        for (int r = 0; r < m; r++)
        {
            double res = -b[r];
            for (int j = 0; j < p; j++) res += a[r * p + j] * w[j];
            Assert.True(Math.Abs(res) < 1e-9, $"row {r} residual {res}");
        }
        // minimum norm: w lies in the row space of A, i.e. w = A^T c; check that the projection residual vanishes
        var aat = new double[m * m];
        for (int i = 0; i < m; i++) for (int j = 0; j < m; j++) for (int k = 0; k < p; k++) aat[i * m + j] += a[i * p + k] * a[j * p + k];
        var c = new double[m];
        for (int i = 0; i < m; i++) for (int k = 0; k < p; k++) c[i] += a[i * p + k] * w[k];
        Cholesky.Factor(aat, m);
        Cholesky.Solve(aat, m, c);
        for (int k = 0; k < p; k++)
        {
            double proj = 0;
            for (int i = 0; i < m; i++) proj += a[i * p + k] * c[i];
            Assert.Equal(w[k], proj, 9);
        }
    }

    [Theory]
    [InlineData(8, 20, 0.3)]
    [InlineData(25, 11, 0.05)]
    [InlineData(64, 64, 2.0)]
    public void BothFormsEqualTheReferenceStep(int m, int p, double mu)
    {
        var j = RandomMatrix(m, p, m * 100 + p);
        var rng = new Random(5);
        var e = Enumerable.Range(0, m).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var reference = LevenbergMarquardt.ReferenceStep(j, m, p, e, mu);
        foreach (var form in new[] { LmForm.BatchSpace, LmForm.WeightSpace })
            foreach (int threads in new[] { 1, 2 })
            {
                var lm = new LevenbergMarquardt(m, p, threads);
                lm.Prepare(j, m, e, form);
                var dw = new double[p];
                lm.Solve(mu, dw);
                for (int k = 0; k < p; k++) Assert.Equal(reference[k], dw[k], 10);
            }
    }

    [Fact]
    public void ChoosesTheCheaperForm()
    {
        Assert.Equal(LmForm.BatchSpace, LevenbergMarquardt.ChooseForm(32, 391));
        Assert.Equal(LmForm.WeightSpace, LevenbergMarquardt.ChooseForm(426, 391));
        Assert.Equal(LmForm.BatchSpace, LevenbergMarquardt.ChooseForm(1, 391));
    }
}
