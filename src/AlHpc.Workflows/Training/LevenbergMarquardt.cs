using System.Numerics;
using System.Runtime.InteropServices;

namespace AlHpc.Training;

/// <summary>Which normal equations a Levenberg-Marquardt step solves.</summary>
public enum LmForm
{
    /// <summary>The cheaper of the two for the current number of rows m and weights p (see <see cref="LevenbergMarquardt.ChooseForm"/>).</summary>
    Auto,
    /// <summary>(J J^T + mu I) a = e, dw = -J^T a: an m x m system (cheap when m &lt; p, e.g. 32 rows vs 391 weights).</summary>
    BatchSpace,
    /// <summary>(J^T J + mu I) dw = -J^T e: a p x p system (cheap when m &gt; p).</summary>
    WeightSpace,
}

/// <summary>
/// The linear algebra of one damped Gauss-Newton (Levenberg) step for residuals e (m) with Jacobian
/// J = de/dw (m x p, row-major): the step dw minimizes |e + J dw|^2 + mu |dw|^2, i.e.
/// dw = -(J^T J + mu I)^-1 J^T e = -J^T (J J^T + mu I)^-1 e (the two forms are algebraically equal).
/// Usage: <see cref="Prepare"/> once per Jacobian (forms the normal matrix and right-hand side), then
/// <see cref="Solve"/> for each trial damping mu (only a Cholesky factorization and two triangular solves
/// per trial). All buffers are allocated once for the largest m and p; nothing is allocated per step.
/// Results do not depend on the thread count (every matrix entry is one dot product on one thread).
/// </summary>
internal sealed class LevenbergMarquardt
{
    private readonly int _maxRows;
    private readonly int _p;
    private readonly double[] _jt;       // p x m transpose of J (weight-space form)
    private readonly double[] _rhs;      // n
    private readonly ParallelOptions _parallel;
    private double[] _j = [];
    private int _m;
    private int _n;
    private LmForm _form;
    // cached delegate for the parallel normal-matrix job (no per-call closure)
    private readonly Action<int> _normalRowJob;

    /// <param name="maxRows">Most residual rows a Jacobian will have.</param>
    /// <param name="parameterCount">Number of weights p.</param>
    /// <param name="threads">Threads for forming J^T J / J J^T (0 = all cores).</param>
    public LevenbergMarquardt(int maxRows, int parameterCount, int threads = 0)
    {
        if (maxRows < 1 || parameterCount < 1) throw new ArgumentException("need at least one row and one parameter");
        _maxRows = maxRows;
        _p = parameterCount;
        _jt = new double[(long)parameterCount * maxRows > int.MaxValue ? throw new ArgumentException("Jacobian too large") : parameterCount * maxRows];
        _rhs = new double[Math.Max(maxRows, parameterCount)];
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        _normalRowJob = NormalRow;
        _rhsSolve = new double[maxRows];
        // sized for the automatic form's largest system; a forced costlier form grows them once
        EnsureN(Math.Min(maxRows, parameterCount));
    }

    // n x n buffers (n = m or p): normal matrix (lower triangle), its factor, the jitter backup
    private double[] _normalBuf = [];
    private double[] _factorBuf = [];
    private double[] _backupBuf = [];
    private readonly double[] _rhsSolve;

    private void EnsureN(int n)
    {
        if (_normalBuf.Length >= n * n) return;
        _normalBuf = new double[n * n];
        _factorBuf = new double[n * n];
        _backupBuf = new double[n * n];
    }

    public int ParameterCount => _p;

    /// <summary>Size of the linear system of the last <see cref="Prepare"/> (m or p).</summary>
    public int SystemSize => _n;

    /// <summary>Form used by the last <see cref="Prepare"/>.</summary>
    public LmForm Form => _form;

    /// <summary>
    /// The cheaper form for m rows and p weights, by flop count: batch space costs m^2 p (J J^T) + m^3/3
    /// (Cholesky), weight space m p^2 (J^T J) + p^3/3.
    /// </summary>
    public static LmForm ChooseForm(int m, int p)
    {
        double batch = (double)m * m * p + (double)m * m * m / 3;
        double weight = (double)m * p * p + (double)p * p * p / 3;
        return batch <= weight ? LmForm.BatchSpace : LmForm.WeightSpace;
    }

    /// <summary>
    /// Forms the normal matrix and right-hand side for Jacobian <paramref name="jacobian"/> (m x p,
    /// row-major, kept by reference until the next Prepare) and residuals <paramref name="residuals"/> (m).
    /// </summary>
    public void Prepare(double[] jacobian, int m, ReadOnlySpan<double> residuals, LmForm form = LmForm.Auto)
    {
        if (m < 1 || m > _maxRows) throw new ArgumentOutOfRangeException(nameof(m), $"rows must be 1..{_maxRows}");
        if (jacobian.Length < m * _p) throw new ArgumentException("Jacobian shorter than m*p", nameof(jacobian));
        _j = jacobian;
        _m = m;
        _form = form == LmForm.Auto ? ChooseForm(m, _p) : form;
        _n = _form == LmForm.BatchSpace ? m : _p;
        EnsureN(_n);
        if (_form == LmForm.BatchSpace)
        {
            residuals[..m].CopyTo(_rhs);
            RunRows(m);
        }
        else
        {
            // transpose J into Jt (p x m) so that both J^T J and J^T e are contiguous dot products
            for (int s = 0; s < m; s++)
            {
                var row = jacobian.AsSpan(s * _p, _p);
                for (int k = 0; k < _p; k++) _jt[k * m + s] = row[k];
            }
            for (int k = 0; k < _p; k++) _rhs[k] = Cholesky.Dot(_jt.AsSpan(k * m, m), residuals[..m]);
            RunRows(_p);
        }
    }

    private void RunRows(int n)
    {
        // serial for small systems: the work of a 32x32 J J^T is far below the cost of a parallel dispatch
        long work = _form == LmForm.BatchSpace ? (long)n * n * _p : (long)n * n * _m;
        if (_parallel.MaxDegreeOfParallelism == 1 || work < 2_000_000)
            for (int i = 0; i < n; i++) NormalRow(i);
        else
            Parallel.For(0, n, _parallel, _normalRowJob);
    }

    // lower-triangle row i of the normal matrix
    private void NormalRow(int i)
    {
        int n = _n;
        var dst = _normalBuf.AsSpan(i * n, i + 1);
        if (_form == LmForm.BatchSpace)
        {
            var ri = _j.AsSpan(i * _p, _p);
            for (int t = 0; t <= i; t++) dst[t] = Cholesky.Dot(ri, _j.AsSpan(t * _p, _p));
        }
        else
        {
            int m = _m;
            var ci = _jt.AsSpan(i * m, m);
            for (int t = 0; t <= i; t++) dst[t] = Cholesky.Dot(ci, _jt.AsSpan(t * m, m));
        }
    }

    /// <summary>
    /// The step dw (p values) for damping <paramref name="mu"/> &gt;= 0, from the last <see cref="Prepare"/>.
    /// Returns the diagonal jitter the Cholesky fallback had to add (0 normally). Throws
    /// <see cref="CholeskyException"/> when even the jitter fails (e.g. non-finite Jacobian).
    /// </summary>
    public double Solve(double mu, Span<double> dw)
    {
        if (_n == 0) throw new InvalidOperationException("Prepare must be called before Solve");
        if (dw.Length < _p) throw new ArgumentException("step span shorter than p", nameof(dw));
        int n = _n;
        var f = _factorBuf.AsSpan(0, n * n);
        for (int i = 0; i < n; i++)
        {
            _normalBuf.AsSpan(i * n, i + 1).CopyTo(f.Slice(i * n, i + 1));
            f[i * n + i] += mu;
        }
        double jitter = Cholesky.FactorWithJitter(f, n, _backupBuf);
        if (_form == LmForm.BatchSpace)
        {
            // a = (J J^T + mu I)^-1 e ; dw = -J^T a
            var sol = _rhsSolve.AsSpan(0, n);
            _rhs.AsSpan(0, n).CopyTo(sol);
            Cholesky.Solve(f, n, sol);
            dw[.._p].Clear();
            for (int s = 0; s < _m; s++) Axpy(-sol[s], _j.AsSpan(s * _p, _p), dw[.._p]);
        }
        else
        {
            _rhs.AsSpan(0, _p).CopyTo(dw);
            Cholesky.Solve(f, _p, dw[.._p]);
            for (int k = 0; k < _p; k++) dw[k] = -dw[k];
        }
        return jitter;
    }

    private static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
            var vy = MemoryMarshal.Cast<double, Vector<double>>(y[..n]);
            var va = new Vector<double>(a);
            for (int k = 0; k < vx.Length; k++) vy[k] += va * vx[k];
            i = vx.Length * Vector<double>.Count;
        }
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>
    /// Reference implementation (plain loops, Gaussian elimination with partial pivoting on the
    /// weight-space system) of the same step: dw = -(J^T J + mu I)^-1 J^T e. For tests.
    /// </summary>
    public static double[] ReferenceStep(double[] jacobian, int m, int p, double[] residuals, double mu)
    {
        var a = new double[p, p + 1];
        for (int i = 0; i < p; i++)
        {
            for (int k = 0; k < p; k++)
            {
                double s = 0;
                for (int r = 0; r < m; r++) s += jacobian[r * p + i] * jacobian[r * p + k];
                a[i, k] = s + (i == k ? mu : 0);
            }
            double g = 0;
            for (int r = 0; r < m; r++) g += jacobian[r * p + i] * residuals[r];
            a[i, p] = -g;
        }
        for (int c = 0; c < p; c++)
        {
            int piv = c;
            for (int r = c + 1; r < p; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[piv, c])) piv = r;
            for (int k = 0; k <= p; k++) (a[c, k], a[piv, k]) = (a[piv, k], a[c, k]);
            for (int r = 0; r < p; r++)
            {
                if (r == c) continue;
                double f = a[r, c] / a[c, c];
                for (int k = c; k <= p; k++) a[r, k] -= f * a[c, k];
            }
        }
        var x = new double[p];
        for (int i = 0; i < p; i++) x[i] = a[i, p] / a[i, i];
        return x;
    }
}
