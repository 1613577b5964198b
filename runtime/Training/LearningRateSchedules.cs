// Learning-rate schedules (constant, step decay, cosine annealing, linear warm-up) as closed forms of
// the step and epoch counters, so a resumed run recomputes its rate from a checkpoint's counters alone.
using System;
using System.Globalization;

namespace LstmGen.Training;

/// <summary>
/// A learning rate as a function of training progress. The trainer sets
/// <c>optimizer.LearningRate = schedule.RateAt(step, epoch)</c> before every optimizer step. A
/// schedule keeps no state: the rate depends only on the two counters, like PyTorch's
/// <c>_get_closed_form_lr</c>.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>The rate for the next optimizer step.</summary>
    /// <param name="step">Optimizer steps already taken in the whole run (0 for the first step).</param>
    /// <param name="epoch">The current epoch, from 0 (the number of completed epochs).</param>
    double RateAt(long step, int epoch);
}

/// <summary>Which counter a schedule follows.</summary>
public enum ScheduleClock
{
    /// <summary>Completed epochs: the rate changes between epochs (PyTorch's usual <c>scheduler.step()</c> once per epoch).</summary>
    Epochs = 0,

    /// <summary>Optimizer steps taken: the rate changes every step (<c>scheduler.step()</c> after each <c>optimizer.step()</c>).</summary>
    Steps = 1,
}

/// <summary>The same rate at every step and epoch.</summary>
public sealed class Constant : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is negative or not finite.</exception>
    public Constant(double rate) => Rate = ScheduleCheck.Rate(rate, nameof(rate));

    /// <summary>The rate.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public double RateAt(long step, int epoch) => Rate;
}

/// <summary>
/// <c>torch.optim.lr_scheduler.StepLR</c>: <c>baseRate · factor^⌊t / period⌋</c>, where t counts
/// epochs (default) or optimizer steps, per <see cref="Clock"/>.
/// </summary>
public sealed class StepDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule (<paramref name="period"/> is PyTorch's <c>step_size</c>, <paramref name="factor"/> its <c>gamma</c>; the base rate is the optimizer's initial <c>lr</c> there).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate or the factor is negative or not finite, or <paramref name="period"/> is not positive.</exception>
    public StepDecay(double baseRate, int period, double factor = 0.1, ScheduleClock clock = ScheduleClock.Epochs)
    {
        BaseRate = ScheduleCheck.Rate(baseRate, nameof(baseRate));
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, $"The period must be positive, found {period}.");
        Period = period;
        Factor = ScheduleCheck.Rate(factor, nameof(factor));
        Clock = ScheduleCheck.Defined(clock);
    }

    /// <summary>The rate before the first decay.</summary>
    public double BaseRate { get; }

    /// <summary>Epochs (or steps) between decays (PyTorch's <c>step_size</c>).</summary>
    public int Period { get; }

    /// <summary>The factor applied at each decay (PyTorch's <c>gamma</c>).</summary>
    public double Factor { get; }

    /// <summary>The counter t follows.</summary>
    public ScheduleClock Clock { get; }

    /// <inheritdoc/>
    public double RateAt(long step, int epoch)
    {
        long t = ScheduleCheck.Counter(Clock, step, epoch);
        return BaseRate * Math.Pow(Factor, t / Period);
    }
}

/// <summary>
/// <c>torch.optim.lr_scheduler.CosineAnnealingLR</c>'s closed form:
/// <c>minRate + (baseRate − minRate)·(1 + cos(π·t / period)) / 2</c>, where t counts epochs (default)
/// or optimizer steps, per <see cref="Clock"/>. It reaches <c>minRate</c> at t = period and, as
/// PyTorch's, is periodic beyond (rising back to the base rate at 2·period); pick period ≥ the run's length.
/// </summary>
public sealed class CosineAnnealing : ILearningRateSchedule
{
    /// <summary>Creates the schedule (<paramref name="period"/> is PyTorch's <c>T_max</c>, <paramref name="minRate"/> its <c>eta_min</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is negative or not finite, or <paramref name="period"/> is not positive.</exception>
    public CosineAnnealing(double baseRate, long period, double minRate = 0, ScheduleClock clock = ScheduleClock.Epochs)
    {
        BaseRate = ScheduleCheck.Rate(baseRate, nameof(baseRate));
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, $"The period must be positive, found {period}.");
        Period = period;
        MinRate = ScheduleCheck.Rate(minRate, nameof(minRate));
        Clock = ScheduleCheck.Defined(clock);
    }

    /// <summary>The rate at t = 0.</summary>
    public double BaseRate { get; }

    /// <summary>Epochs (or steps) of the half cosine (PyTorch's <c>T_max</c>).</summary>
    public long Period { get; }

    /// <summary>The rate at t = period (PyTorch's <c>eta_min</c>).</summary>
    public double MinRate { get; }

    /// <summary>The counter t follows.</summary>
    public ScheduleClock Clock { get; }

    /// <inheritdoc/>
    public double RateAt(long step, int epoch)
    {
        long t = ScheduleCheck.Counter(Clock, step, epoch);
        // The same operation order as PyTorch: math.pi * last_epoch / T_max.
        return MinRate + (BaseRate - MinRate) * (1 + Math.Cos(Math.PI * t / Period)) / 2;
    }
}

/// <summary>
/// A linear warm-up in front of another schedule, counted in optimizer steps (always): step s
/// (from 0) gets <c>inner(s, epoch) · min(1, (s + 1) / warmupSteps)</c>, so the first step uses
/// 1/warmupSteps of the rate (never 0) and step <c>warmupSteps − 1</c> onwards the full rate. The
/// inner schedule is not shifted: it sees the same counters, and its own clock decides what it follows.
/// </summary>
public sealed class LinearWarmup : ILearningRateSchedule
{
    /// <summary>Creates the schedule; 0 warm-up steps is the inner schedule unchanged.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmupSteps"/> is negative.</exception>
    public LinearWarmup(ILearningRateSchedule inner, long warmupSteps)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"warmupSteps must be at least 0, found {warmupSteps}.");
        Inner = inner;
        WarmupSteps = warmupSteps;
    }

    /// <summary>The schedule being warmed up.</summary>
    public ILearningRateSchedule Inner { get; }

    /// <summary>Optimizer steps of the ramp.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc/>
    public double RateAt(long step, int epoch)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "Counters start at 0.");
        double rate = Inner.RateAt(step, epoch);
        return step + 1 >= WarmupSteps ? rate : rate * (step + 1) / WarmupSteps;
    }
}

/// <summary>Argument checks shared by the schedules.</summary>
file static class ScheduleCheck
{
    public static double Rate(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and at least 0, found {value.ToString("R", CultureInfo.InvariantCulture)}.");
        return value;
    }

    public static ScheduleClock Defined(ScheduleClock clock) =>
        Enum.IsDefined(clock) ? clock : throw new ArgumentOutOfRangeException(nameof(clock), clock, "Unknown ScheduleClock.");

    public static long Counter(ScheduleClock clock, long step, int epoch)
    {
        long t = clock == ScheduleClock.Steps ? step : epoch;
        if (t < 0) throw new ArgumentOutOfRangeException(clock == ScheduleClock.Steps ? nameof(step) : nameof(epoch), t, "Counters start at 0.");
        return t;
    }
}
