// The linear baseline of a windowed forecast: least squares with an intercept on exactly the inputs the
// network sees (the target's last W values, and covariates if any), one regression per horizon step.
using System;

namespace LstmGen.TimeSeries;

/// <summary>
/// A least-squares linear forecaster with an intercept: forecast[k] = c_k + Σ_j a_kj · input_j over a window's
/// W × Width inputs, fitted separately for each of the H steps (direct multi-step). With one input column (the
/// target's history) and H = 1 it is an AR(W) model fitted by ordinary least squares; with covariate columns it is
/// an ARX model.
/// </summary>
/// <remarks>
/// The normal equations are solved on centred inputs (the intercept then follows from the means) by Gaussian
/// elimination with partial pivoting in double precision. A ridge penalty <c>ridge · Σ a²</c> (never on the
/// intercept) is optional; a tiny one (1e-12 of the mean input variance) is always added so that a constant input
/// column gets a 0 coefficient instead of a singular system.
/// </remarks>
public sealed class LinearAutoregression
{
    private readonly double[] _coefficients; // H rows of (inputs weights, then intercept)

    private LinearAutoregression(int inputs, int horizon, double[] coefficients)
    {
        Inputs = inputs;
        Horizon = horizon;
        _coefficients = coefficients;
    }

    /// <summary>Inputs per forecast (W × Width).</summary>
    public int Inputs { get; }

    /// <summary>Forecast steps (H).</summary>
    public int Horizon { get; }

    /// <summary>The weights of horizon step <paramref name="step"/> (0-based), in the order of <see cref="ForecastWindows.CopyInputs(int, Span{double})"/>.</summary>
    public ReadOnlySpan<double> Weights(int step) => _coefficients.AsSpan(CheckStep(step) * (Inputs + 1), Inputs);

    /// <summary>The intercept of horizon step <paramref name="step"/> (0-based).</summary>
    public double Intercept(int step) => _coefficients[CheckStep(step) * (Inputs + 1) + Inputs];

    /// <summary>Fits one regression per horizon step on the windows with origins <paramref name="firstOrigin"/> … <paramref name="lastOrigin"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An origin is out of range, the range is empty, or <paramref name="ridge"/> is negative or not finite.</exception>
    public static LinearAutoregression Fit(ForecastWindows windows, int firstOrigin, int lastOrigin, double ridge = 0)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (!(ridge >= 0) || !double.IsFinite(ridge)) throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "ridge must be finite and not negative.");
        if (firstOrigin < windows.FirstOrigin || firstOrigin > windows.LastTargetOrigin)
            throw new ArgumentOutOfRangeException(nameof(firstOrigin), firstOrigin, $"Expected an origin in {windows.FirstOrigin} … {windows.LastTargetOrigin}; got {firstOrigin}.");
        if (lastOrigin < firstOrigin || lastOrigin > windows.LastTargetOrigin)
            throw new ArgumentOutOfRangeException(nameof(lastOrigin), lastOrigin, $"Expected an origin in {firstOrigin} … {windows.LastTargetOrigin}; got {lastOrigin}.");
        int p = windows.Window * windows.Width, h = windows.Horizon, rows = lastOrigin - firstOrigin + 1;
        var x = new double[p];
        var y = new double[h];

        // Means, then the centred cross-products X'X (p × p) and X'Y (p × H).
        var meanX = new double[p];
        var meanY = new double[h];
        for (int origin = firstOrigin; origin <= lastOrigin; origin++)
        {
            windows.CopyInputs(origin, x);
            windows.CopyTargets(origin, y);
            for (int j = 0; j < p; j++) meanX[j] += x[j];
            for (int k = 0; k < h; k++) meanY[k] += y[k];
        }
        for (int j = 0; j < p; j++) meanX[j] /= rows;
        for (int k = 0; k < h; k++) meanY[k] /= rows;
        var xtx = new double[p, p];
        var xty = new double[p, h];
        for (int origin = firstOrigin; origin <= lastOrigin; origin++)
        {
            windows.CopyInputs(origin, x);
            windows.CopyTargets(origin, y);
            for (int j = 0; j < p; j++) x[j] -= meanX[j];
            for (int a = 0; a < p; a++)
            {
                for (int b = a; b < p; b++) xtx[a, b] += x[a] * x[b];
                for (int k = 0; k < h; k++) xty[a, k] += x[a] * (y[k] - meanY[k]);
            }
        }
        double trace = 0;
        for (int a = 0; a < p; a++)
        {
            for (int b = 0; b < a; b++) xtx[a, b] = xtx[b, a];
            trace += xtx[a, a];
        }
        double jitter = 1e-12 * Math.Max(trace / p, 1e-300);
        for (int a = 0; a < p; a++) xtx[a, a] += ridge * rows + jitter;

        double[,] weights = Solve(xtx, xty);
        var coefficients = new double[h * (p + 1)];
        for (int k = 0; k < h; k++)
        {
            double intercept = meanY[k];
            for (int j = 0; j < p; j++)
            {
                coefficients[k * (p + 1) + j] = weights[j, k];
                intercept -= weights[j, k] * meanX[j];
            }
            coefficients[k * (p + 1) + p] = intercept;
        }
        return new LinearAutoregression(p, h, coefficients);
    }

    /// <summary>
    /// An AR(<paramref name="order"/>) model with an intercept fitted by least squares on every window of
    /// <paramref name="series"/>: x[t + 1] = c + a_1 · x[t − order + 1] + … + a_order · x[t] (weights oldest first).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="order"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The series has a non-finite value or is too short for <paramref name="order"/> + 2 windows.</exception>
    public static LinearAutoregression Fit(ReadOnlySpan<double> series, int order)
    {
        SeriesChecks.RequirePositive(order, nameof(order));
        if (series.Length < 2 * order + 2)
            throw new ArgumentException($"AR({order}) needs at least {2 * order + 2} values to fit {order + 1} coefficients; got {series.Length}.", nameof(series));
        double[] values = series.ToArray();
        var windows = new ForecastWindows(new[] { values }, values, order, 1);
        return Fit(windows, windows.FirstOrigin, windows.LastTargetOrigin);
    }

    /// <summary>The H forecasts from one window's inputs (W × Width values, as <see cref="ForecastWindows.CopyInputs(int, Span{double})"/> writes them).</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Predict(ReadOnlySpan<double> inputs, Span<double> forecast)
    {
        if (inputs.Length != Inputs) throw new ArgumentException($"Expected {Inputs} inputs (window × columns); got {inputs.Length}.", nameof(inputs));
        if (forecast.Length != Horizon) throw new ArgumentException($"Expected room for {Horizon} forecasts; got {forecast.Length}.", nameof(forecast));
        for (int k = 0; k < Horizon; k++)
        {
            ReadOnlySpan<double> row = _coefficients.AsSpan(k * (Inputs + 1), Inputs + 1);
            double sum = row[Inputs];
            for (int j = 0; j < Inputs; j++) sum += row[j] * inputs[j];
            forecast[k] = sum;
        }
    }

    /// <summary>The H forecasts from the window of <paramref name="windows"/> ending at <paramref name="origin"/>.</summary>
    /// <exception cref="ArgumentException">The windows have another window × width than the fitted model.</exception>
    public double[] Predict(ForecastWindows windows, int origin)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Window * windows.Width != Inputs || windows.Horizon != Horizon)
            throw new ArgumentException($"The model was fitted on {Inputs} inputs and {Horizon} steps; these windows have {windows.Window * windows.Width} and {windows.Horizon}.", nameof(windows));
        var inputs = new double[Inputs];
        windows.CopyInputs(origin, inputs);
        var forecast = new double[Horizon];
        Predict(inputs, forecast);
        return forecast;
    }

    private int CheckStep(int step)
    {
        if ((uint)step >= (uint)Horizon) throw new ArgumentOutOfRangeException(nameof(step), step, $"Expected a step in 0 … {Horizon - 1}; got {step}.");
        return step;
    }

    /// <summary>Solves A·W = B (A p × p symmetric, B p × h) by Gaussian elimination with partial pivoting.</summary>
    private static double[,] Solve(double[,] a, double[,] b)
    {
        int p = a.GetLength(0), h = b.GetLength(1);
        for (int col = 0; col < p; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < p; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            if (pivot != col)
            {
                for (int c = 0; c < p; c++) (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
                for (int k = 0; k < h; k++) (b[col, k], b[pivot, k]) = (b[pivot, k], b[col, k]);
            }
            double diagonal = a[col, col];
            if (diagonal == 0) continue; // an all-zero column (constant input): its weight stays 0
            for (int r = col + 1; r < p; r++)
            {
                double f = a[r, col] / diagonal;
                if (f == 0) continue;
                for (int c = col; c < p; c++) a[r, c] -= f * a[col, c];
                for (int k = 0; k < h; k++) b[r, k] -= f * b[col, k];
            }
        }
        var w = new double[p, h];
        for (int k = 0; k < h; k++)
        {
            for (int r = p - 1; r >= 0; r--)
            {
                if (a[r, r] == 0) continue;
                double s = b[r, k];
                for (int c = r + 1; c < p; c++) s -= a[r, c] * w[c, k];
                w[r, k] = s / a[r, r];
            }
        }
        return w;
    }
}
