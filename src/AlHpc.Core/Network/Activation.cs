using System.Numerics;
using System.Runtime.CompilerServices;

namespace AlHpc.Network;

/// <summary>aenet's activation functions (names as in aenet's network files).</summary>
public enum Activation
{
    /// <summary>y = x</summary>
    Linear,
    /// <summary>y = tanh(x)</summary>
    Tanh,
    /// <summary>y = 1 / (1 + exp(-x))</summary>
    Sigmoid,
    /// <summary>aenet "mtanh": y = 1.7159 tanh(2x/3)</summary>
    MTanh,
    /// <summary>aenet "twist": y = 1.7159 tanh(2x/3) + 0.1 x</summary>
    Twist,
}

public static class ActivationFunctions
{
    public static string ToAenetName(this Activation a) => a switch
    {
        Activation.Linear => "linear",
        Activation.Tanh => "tanh",
        Activation.Sigmoid => "sigmoid",
        Activation.MTanh => "mtanh",
        Activation.Twist => "twist",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    public static bool TryParse(string name, out Activation a)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "linear": a = Activation.Linear; return true;
            case "tanh": a = Activation.Tanh; return true;
            case "sigmoid": a = Activation.Sigmoid; return true;
            case "mtanh": a = Activation.MTanh; return true;
            case "twist": a = Activation.Twist; return true;
            default: a = default; return false;
        }
    }

    /// <summary>Value y = f(x) and derivative dy/dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Evaluate(Activation a, double x, out double dydx)
    {
        switch (a)
        {
            case Activation.Linear:
                dydx = 1.0; return x;
            case Activation.Tanh:
            {
                double t = Math.Tanh(x);
                dydx = 1.0 - t * t; return t;
            }
            case Activation.Sigmoid:
            {
                double s = 1.0 / (1.0 + Math.Exp(-x));
                dydx = s * (1.0 - s); return s;
            }
            case Activation.MTanh:
            {
                double t = Math.Tanh(2.0 / 3.0 * x);
                dydx = 1.7159 * (2.0 / 3.0) * (1.0 - t * t); return 1.7159 * t;
            }
            case Activation.Twist:
            {
                double t = Math.Tanh(2.0 / 3.0 * x);
                dydx = 1.7159 * (2.0 / 3.0) * (1.0 - t * t) + 0.1; return 1.7159 * t + 0.1 * x;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(a));
        }
    }

    /// <summary>
    /// Value y = f(x), first derivative dy/dx and second derivative d2y/dx2 (for force training: the
    /// weight derivatives of network input gradients). With t = tanh: tanh'' = -2 t (1 - t^2); sigmoid
    /// s'' = s' (1 - 2 s); mtanh and twist (t = tanh(2x/3)): -1.7159 (8/9) t (1 - t^2); linear 0.
    /// Value and first derivative are the same arithmetic as <see cref="Evaluate(Activation, double, out double)"/>.
    /// </summary>
    public static double Evaluate(Activation a, double x, out double dydx, out double d2ydx2)
    {
        switch (a)
        {
            case Activation.Linear:
                dydx = 1.0; d2ydx2 = 0.0; return x;
            case Activation.Tanh:
            {
                double t = Math.Tanh(x);
                dydx = 1.0 - t * t; d2ydx2 = -2.0 * t * dydx; return t;
            }
            case Activation.Sigmoid:
            {
                double s = 1.0 / (1.0 + Math.Exp(-x));
                dydx = s * (1.0 - s); d2ydx2 = dydx * (1.0 - 2.0 * s); return s;
            }
            case Activation.MTanh:
            {
                double t = Math.Tanh(2.0 / 3.0 * x);
                dydx = 1.7159 * (2.0 / 3.0) * (1.0 - t * t);
                d2ydx2 = -1.7159 * (8.0 / 9.0) * t * (1.0 - t * t);
                return 1.7159 * t;
            }
            case Activation.Twist:
            {
                double t = Math.Tanh(2.0 / 3.0 * x);
                dydx = 1.7159 * (2.0 / 3.0) * (1.0 - t * t) + 0.1;
                d2ydx2 = -1.7159 * (8.0 / 9.0) * t * (1.0 - t * t);
                return 1.7159 * t + 0.1 * x;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(a));
        }
    }

    private static readonly Vector<double> Two3 = new(2.0 / 3.0);
    private static readonly Vector<double> LeCun = new(1.7159);
    private static readonly Vector<double> LeCunD = new(1.7159 * 2.0 / 3.0);
    private static readonly Vector<double> Tenth = new(0.1);

    /// <summary>Value and derivative of <see cref="Vector{T}.Count"/> lanes at once (the same formulas as the scalar overload; used by
    /// <see cref="NetworkEvaluator"/> and the trainer's batch evaluator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Evaluate(Activation a, Vector<double> x, out Vector<double> dydx)
    {
        switch (a)
        {
            case Activation.Linear:
                dydx = Vector<double>.One; return x;
            case Activation.Tanh:
            {
                var t = Tanh(x);
                dydx = Vector<double>.One - t * t; return t;
            }
            case Activation.Sigmoid:
            {
                var sg = Vector<double>.One / (Vector<double>.One + Vector.Exp(-x));
                dydx = sg * (Vector<double>.One - sg); return sg;
            }
            case Activation.MTanh:
            {
                var t = Tanh(x * Two3);
                dydx = LeCunD * (Vector<double>.One - t * t); return LeCun * t;
            }
            case Activation.Twist:
            {
                var t = Tanh(x * Two3);
                dydx = LeCunD * (Vector<double>.One - t * t) + Tenth; return LeCun * t + Tenth * x;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(a));
        }
    }

    /// <summary>tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): absolute error ~1e-16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<double> Tanh(Vector<double> x)
    {
        var ax = Vector.Abs(x);
        var e = Vector.Exp(ax * new Vector<double>(-2.0));
        var t = (Vector<double>.One - e) / (Vector<double>.One + e);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<double>.Zero), -t, t);
    }
}
