using System.Numerics;
using System.Runtime.InteropServices;

namespace AlHpc.Training;

/// <summary>Thrown when a matrix that must be symmetric positive definite cannot be factorized, even with jitter.</summary>
internal sealed class CholeskyException(string message) : InvalidOperationException(message);

/// <summary>
/// Cholesky factorization A = L L^T of a dense symmetric positive-definite n x n matrix stored row-major
/// (only the lower triangle, j &lt;= i, is read), done in place: on return the lower triangle holds L and
/// the strict upper triangle is left untouched. Written for the Levenberg-Marquardt normal matrices of the
/// trainer (n up to a few hundred); no allocation.
/// </summary>
internal static class Cholesky
{
    /// <summary>
    /// Factorizes in place. Returns false (matrix partly overwritten) when a pivot is not positive and
    /// finite, i.e. the matrix is not (numerically) positive definite.
    /// </summary>
    public static bool TryFactor(Span<double> a, int n)
    {
        if (a.Length < n * n) throw new ArgumentException("matrix span shorter than n*n", nameof(a));
        for (int i = 0; i < n; i++)
        {
            var rowI = a.Slice(i * n, i + 1);
            for (int j = 0; j <= i; j++)
            {
                var rowJ = a.Slice(j * n, j);
                double s = rowI[j] - Dot(rowI[..j], rowJ);
                if (j < i)
                {
                    rowI[j] = s / a[j * n + j];
                }
                else
                {
                    if (!(s > 0) || !double.IsFinite(s)) return false;
                    rowI[i] = Math.Sqrt(s);
                }
            }
        }
        return true;
    }

    /// <summary>Factorizes in place or throws <see cref="CholeskyException"/> naming the failing pivot.</summary>
    public static void Factor(Span<double> a, int n)
    {
        if (!TryFactor(a, n))
            throw new CholeskyException($"Cholesky factorization failed: the {n}x{n} matrix is not symmetric positive definite");
    }

    /// <summary>
    /// Factorizes <paramref name="a"/> (lower triangle of an SPD matrix), keeping a copy of its lower
    /// triangle in <paramref name="backup"/> (n*n). If the plain factorization fails, retries with a
    /// growing diagonal jitter: tau = 1e-12 * (mean |diagonal| or 1), multiplied by 100 per attempt (at most 1e-4 relative by default), up to
    /// <paramref name="maxAttempts"/> attempts. Returns the jitter added (0 when none was needed).
    /// Throws <see cref="CholeskyException"/> when every attempt fails (e.g. NaN entries or a strongly
    /// indefinite matrix).
    /// </summary>
    public static double FactorWithJitter(Span<double> a, int n, Span<double> backup, int maxAttempts = 5)
    {
        if (backup.Length < n * n) throw new ArgumentException("backup span shorter than n*n", nameof(backup));
        for (int i = 0; i < n; i++) a.Slice(i * n, i + 1).CopyTo(backup.Slice(i * n, i + 1));
        if (TryFactor(a, n)) return 0.0;
        double diag = 0;
        for (int i = 0; i < n; i++) diag += Math.Abs(backup[i * n + i]);
        diag = n > 0 && diag > 0 && double.IsFinite(diag) ? diag / n : 1.0;
        double tau = 1e-12 * diag;
        for (int attempt = 0; attempt < maxAttempts; attempt++, tau *= 100)
        {
            for (int i = 0; i < n; i++)
            {
                backup.Slice(i * n, i + 1).CopyTo(a.Slice(i * n, i + 1));
                a[i * n + i] += tau;
            }
            if (TryFactor(a, n)) return tau;
        }
        throw new CholeskyException(
            $"Cholesky factorization failed: the {n}x{n} matrix is not positive definite even with a diagonal jitter of {tau / 100:G3} " +
            "(non-finite entries, or an indefinite matrix)");
    }

    /// <summary>Solves L L^T x = b in place (b becomes x), L from <see cref="Factor"/>.</summary>
    public static void Solve(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        // forward: L y = b
        for (int i = 0; i < n; i++)
        {
            double s = b[i] - Dot(l.Slice(i * n, i), b[..i]);
            b[i] = s / l[i * n + i];
        }
        // backward: L^T x = y (column access of L)
        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
            b[i] = s / l[i * n + i];
        }
    }

    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length, i = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated && n >= 2 * Vector<double>.Count)
        {
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b[..n]);
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            int k = 0;
            for (; k + 1 < va.Length; k += 2)
            {
                acc0 += va[k] * vb[k];
                acc1 += va[k + 1] * vb[k + 1];
            }
            if (k < va.Length) acc0 += va[k] * vb[k];
            s = Vector.Sum(acc0 + acc1);
            i = va.Length * Vector<double>.Count;
        }
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }
}
