// The LSTMs: sizes are compile-time constants, so the sample declares a one-in/one-out model for the usual
// univariate one-step case and a wider one for covariates and multi-step horizons, which it pads exactly.
using System;
using System.Collections.Generic;
using LstmGen;
using LstmGen.TimeSeries;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

namespace Forecast;

/// <summary>One value in per step, 32 hidden units, the next value out after the window's last step.</summary>
[LstmModel(Inputs = 1, Hidden = 32, Outputs = 1)]
public partial class OneStepModel;

/// <summary>
/// Up to 8 input columns (the target and 7 covariates) and up to 64 forecast steps. Unused input columns are fed
/// zeros, so their weights never matter; unused head rows start at zero with zero targets, so their error and
/// gradient are exactly zero and they stay zero; sample weights of 64 / H make the loss the mean over the H real
/// outputs. Training it is the same as training a model declared with exactly those sizes.
/// </summary>
[LstmModel(Inputs = 8, Hidden = 32, Outputs = 64)]
public partial class MultiStepModel;

/// <summary>Training settings shared by the selection and the final fit.</summary>
internal sealed record TrainingSettings(int Epochs, double LearningRate, ulong Seed, int Patience);

/// <summary>An LSTM trained on the windows of one <see cref="PreparedSeries"/>, forecasting H steps from any origin.</summary>
internal sealed class ForecastNetwork
{
    private readonly ITrainableModel _model;
    private readonly IFloatSequenceModel _predictor;
    private readonly int _width, _horizon, _window, _inputs, _outputs;
    private readonly float[] _packed;

    private ForecastNetwork(ITrainableModel model, int width, int horizon, int window)
    {
        _model = model;
        _predictor = (IFloatSequenceModel)model;
        _width = width;
        _horizon = horizon;
        _window = window;
        _inputs = model.Shape.InputSize;
        _outputs = model.Shape.OutputSize;
        _packed = new float[window * width];
    }

    public const int MaxColumns = MultiStepModel.InputSize, MaxHorizon = MultiStepModel.OutputSize;

    /// <summary>Which declared model a run with <paramref name="columns"/> inputs and horizon <paramref name="horizon"/> uses.</summary>
    public static string ModelName(int columns, int horizon) => columns == 1 && horizon == 1 ? nameof(OneStepModel) : nameof(MultiStepModel);

    /// <summary>
    /// Trains on the windows with origins first … last (the last 15 % of them, in time order, only for early stopping);
    /// Adam, batch 16, gradient norm clipped at 1, forget-gate bias 1.
    /// </summary>
    public static ForecastNetwork Train(ForecastWindows windows, int first, int last, TrainingSettings settings, IProgress<TrainingProgress>? progress = null)
    {
        ITrainableModel model = windows.Width == 1 && windows.Horizon == 1 ? new OneStepModel() : new MultiStepModel();
        if (windows.Width > MaxColumns) throw new ArgumentException($"At most {MaxColumns - 1} covariates fit the declared model; got {windows.Width - 1}.", "covariates");
        if (windows.Horizon > MaxHorizon) throw new ArgumentException($"The declared model forecasts at most {MaxHorizon} steps; --horizon is {windows.Horizon}.", "horizon");
        var network = new ForecastNetwork(model, windows.Width, windows.Horizon, windows.Window);
        model.Initialize(settings.Seed, new ParameterInitOptions { ForgetGateBias = 1f });
        ModelShape shape = model.Shape;
        ParameterTensor headWeight = shape.GetTensor(ModelShape.HeadWeightName), headBias = shape.GetTensor(ModelShape.HeadBiasName);
        model.Parameters.Slice(headWeight.Offset + windows.Horizon * shape.HiddenStateSize, (shape.OutputSize - windows.Horizon) * shape.HiddenStateSize).Clear();
        model.Parameters.Slice(headBias.Offset + windows.Horizon, shape.OutputSize - windows.Horizon).Clear();
        model.ParametersChanged();

        int count = last - first + 1;
        int validation = Math.Max(1, count * 15 / 100);
        SequenceDataset fit = network.Dataset(windows, first, last - validation);
        SequenceDataset check = network.Dataset(windows, last - validation + 1, last);
        using var trainer = new Trainer(model, new TrainingOptions
        {
            Epochs = settings.Epochs,
            BatchSize = 16,
            Seed = settings.Seed,
            Threads = 1,
            Optimizer = new Adam(settings.LearningRate),
            ClipGradientNorm = 1,
            EarlyStoppingPatience = settings.Patience,
        });
        TrainingResult result = trainer.Fit(fit, check, progress);
        network.Epochs = result.CompletedEpochs;
        network.BestEpoch = result.BestEpoch;
        return network;
    }

    public int Epochs { get; private set; }
    public int BestEpoch { get; private set; }

    /// <summary>
    /// The H forecasts (model units) from the window of <paramref name="windows"/> ending at each of <paramref name="origins"/>:
    /// every window in one many-sequence call (<c>PredictBatch</c>), the windows laid back to back.
    /// </summary>
    public double[][] Forecast(ForecastWindows windows, IReadOnlyList<int> origins)
    {
        int perWindow = _window * _inputs;
        var inputs = new float[origins.Count * perWindow];
        var lengths = new int[origins.Count];
        for (int i = 0; i < origins.Count; i++)
        {
            CopyPadded(windows, origins[i], inputs.AsSpan(i * perWindow, perWindow));
            lengths[i] = _window;
        }
        var outputs = new float[_predictor.BatchOutputLength(lengths)]; // OutputSize values per window
        _predictor.PredictBatch(inputs, lengths, outputs);
        var forecasts = new double[origins.Count][];
        for (int i = 0; i < origins.Count; i++)
        {
            forecasts[i] = new double[_horizon];
            for (int k = 0; k < _horizon; k++) forecasts[i][k] = outputs[i * _outputs + k];
        }
        return forecasts;
    }

    private SequenceDataset Dataset(ForecastWindows windows, int first, int last)
    {
        if (_inputs == _width && _outputs == _horizon) return windows.ToDataset(first, last);
        var inputs = new List<float[]>();
        var targets = new List<float[]>();
        var weights = new List<float>();
        var target = new double[_horizon];
        for (int origin = first; origin <= last; origin++)
        {
            var input = new float[_window * _inputs];
            CopyPadded(windows, origin, input);
            inputs.Add(input);
            windows.CopyTargets(origin, target);
            var padded = new float[_outputs]; // outputs past H: target 0, matched exactly by their zero head rows
            for (int k = 0; k < _horizon; k++) padded[k] = (float)target[k];
            targets.Add(padded);
            weights.Add((float)_outputs / _horizon);
        }
        return SequenceDataset.FromFloats(inputs, _inputs, targets, HeadOn.LastStep, weights);
    }

    /// <summary>The window's W × width inputs, each step padded with zeros to the model's input width.</summary>
    private void CopyPadded(ForecastWindows windows, int origin, Span<float> destination)
    {
        if (_inputs == _width)
        {
            windows.CopyInputs(origin, destination);
            return;
        }
        Span<float> packed = _packed;
        windows.CopyInputs(origin, packed);
        destination.Clear();
        for (int t = 0; t < _window; t++) packed.Slice(t * _width, _width).CopyTo(destination.Slice(t * _inputs));
    }
}
