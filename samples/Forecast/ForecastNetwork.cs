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
    private readonly float[] _input, _output, _packed;

    private ForecastNetwork(ITrainableModel model, int width, int horizon, int window)
    {
        _model = model;
        _predictor = (IFloatSequenceModel)model;
        _width = width;
        _horizon = horizon;
        _window = window;
        _inputs = model.Shape.InputSize;
        _outputs = model.Shape.OutputSize;
        _input = new float[window * _inputs];
        _output = new float[_outputs];
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
        ParameterInit.Initialize(model.Shape, model.Parameters, settings.Seed, new ParameterInitOptions { ForgetGateBias = 1f });
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

    /// <summary>The H forecasts (model units) from the window of <paramref name="windows"/> ending at <paramref name="origin"/>.</summary>
    public double[] Forecast(ForecastWindows windows, int origin)
    {
        CopyPadded(windows, origin, _input);
        _predictor.Predict(_input, _output);
        var forecast = new double[_horizon];
        for (int k = 0; k < _horizon; k++) forecast[k] = _output[k];
        return forecast;
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
    private void CopyPadded(ForecastWindows windows, int origin, float[] destination)
    {
        if (_inputs == _width)
        {
            windows.CopyInputs(origin, destination);
            return;
        }
        Span<float> packed = _packed;
        windows.CopyInputs(origin, packed);
        Array.Clear(destination);
        for (int t = 0; t < _window; t++) packed.Slice(t * _width, _width).CopyTo(destination.AsSpan(t * _inputs));
    }
}
