namespace Ember.NN.Losses;

// The elementwise losses, each with the derivatives PyTorch's backward kernels use (so the values
// at the kinks agree with PyTorch's, not only the values elsewhere).

/// <summary>(x − y)².</summary>
internal readonly struct MseFn : IPointwiseLoss
{
    public double Value(double x, double y, double a) => (x - y) * (x - y);
    public double DInput(double x, double y, double a) => 2 * (x - y);
    public double DTarget(double x, double y, double a) => -2 * (x - y);
}

/// <summary>|x − y|, with gradient sign(x − y) (0 where they are equal).</summary>
internal readonly struct L1Fn : IPointwiseLoss
{
    public double Value(double x, double y, double a) => Math.Abs(x - y);
    public double DInput(double x, double y, double a) => Math.Sign(x - y);
    public double DTarget(double x, double y, double a) => -Math.Sign(x - y);
}

/// <summary>0.5·d²/β below β, |d| − 0.5·β above; β = 0 is L1 (with PyTorch's gradient −1 at d = 0, for the input and the target alike).</summary>
internal readonly struct SmoothL1Fn(double beta) : IPointwiseLoss
{
    public double Value(double x, double y, double a)
    {
        double z = Math.Abs(x - y);
        return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
    }

    public double DInput(double x, double y, double a)
    {
        double d = x - y;
        return d <= -beta ? -1 : d >= beta ? 1 : d / beta;
    }

    public double DTarget(double x, double y, double a) => DInput(y, x, a); // PyTorch's backward with the roles swapped
}

/// <summary>0.5·d² below δ, δ·(|d| − 0.5·δ) above.</summary>
internal readonly struct HuberFn(double delta) : IPointwiseLoss
{
    public double Value(double x, double y, double a)
    {
        double z = Math.Abs(x - y);
        return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
    }

    public double DInput(double x, double y, double a)
    {
        double d = x - y;
        return d <= -delta ? -delta : d >= delta ? delta : d;
    }

    public double DTarget(double x, double y, double a) => DInput(y, x, a); // PyTorch's backward with the roles swapped
}

/// <summary>
/// −(y·log p + (1 − y)·log(1 − p)) with each log clamped at −100 (so p ∈ {0, 1} stays finite);
/// the input gradient divides by max(p(1 − p), ε), the target gradient is −logit(p), as PyTorch's.
/// </summary>
internal readonly struct BceFn : IPointwiseLoss
{
    const double Epsilon = 1e-12f; // PyTorch's EPSILON is the float 1e-12, 9.9999999600e-13

    public double Value(double p, double y, double a)
        => -(y * Math.Max(Math.Log(p), -100) + (1 - y) * Math.Max(BceWithLogitsFn.Log1p(-p), -100));
    public double DInput(double p, double y, double a) => (p - y) / Math.Max((1 - p) * p, Epsilon);
    public double DTarget(double p, double y, double a) => Math.Log(1 - p) - Math.Log(p);
}

/// <summary>
/// (1 − y)·x + (1 + (a − 1)·y)·softplus(−x), a = pos_weight, with softplus(z) = max(z, 0) + log1p(exp(−|z|)):
/// finite for any finite logit, and exactly σ(x) − y at a = 1.
/// </summary>
internal readonly struct BceWithLogitsFn : IPointwiseLoss
{
    internal static double Softplus(double z) => Math.Max(z, 0) + Log1p(Math.Exp(-Math.Abs(z)));

    /// <summary>log(1 + u) without losing u when it is tiny (Goldberg's correction).</summary>
    internal static double Log1p(double u)
    {
        double v = 1 + u;
        return v == 1 ? u : Math.Log(v) * u / (v - 1);
    }

    internal static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    public double Value(double x, double y, double a) => (1 - y) * x + (1 + (a - 1) * y) * Softplus(-x);
    public double DInput(double x, double y, double a) => (1 + (a - 1) * y) * Sigmoid(x) - a * y;
    public double DTarget(double x, double y, double a) => a * Softplus(-x) - Softplus(x);
}

/// <summary>
/// y·(log y − x) (0 where y = 0), or with log targets exp(y)·(y − x). The target gradient at y = 0 is
/// NaN, as PyTorch's (the derivative of y·log y there is undefined).
/// </summary>
internal readonly struct KlDivFn(bool logTarget) : IPointwiseLoss
{
    public double Value(double x, double y, double a)
        => logTarget ? Math.Exp(y) * (y - x) : (y == 0 ? 0 : y * Math.Log(y)) - y * x;
    public double DInput(double x, double y, double a) => logTarget ? -Math.Exp(y) : -y;
    public double DTarget(double x, double y, double a)
        => logTarget ? Math.Exp(y) * (y - x + 1) : (y == 0 ? double.NaN : Math.Log(y) + 1 - x);
}
