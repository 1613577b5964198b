// Emits a model's weights: the parameter block in PyTorch layout with its named views, the offsets of each layer,
// the repacking into the layout the kernels read, and loading, saving and initialisation.
using LstmGen.Generator.Model;
using static LstmGen.Generator.SourceWriter;

namespace LstmGen.Generator.Emitters;

/// <summary>Writes the weight members of the model class.</summary>
internal sealed class WeightsEmitter(SourceWriter w, Geometry g)
{
    private readonly ModelSpec _spec = g.Spec;

    private int Gates => _spec.GatesPerUnit * _spec.Hidden;

    public void Emit()
    {
        w.Line("/// <inheritdoc/>");
        w.Line("public global::LstmGen.ModelShape Shape => s_shape;");
        w.Line();
        w.Line("/// <summary>All parameters in PyTorch state_dict order and layout; call <see cref=\"ParametersChanged\"/> after writing to them.</summary>");
        w.Line($"public {Code.Span} Parameters => _parameters;");
        w.Line();
        EmitViews();
        if (_spec.Bidirectional) EmitBidirectionalOffsets();
        else EmitOffsets();
        EmitRepack();
        EmitLoadAndSave();
    }

    /// <summary>The named views of the parameter block (PyTorch's tensors).</summary>
    private void EmitViews()
    {
        string blocks = _spec.IsGru ? "r, z, n" : "i, f, g, o", module = _spec.IsGru ? "gru" : "lstm";
        bool bi = _spec.Bidirectional;
        string dp = bi ? ", int direction = 0" : "", da = bi ? ", direction" : "";
        string dirDoc = bi ? " (direction 0 forward, 1 reverse: PyTorch's <c>_reverse</c> tensors)" : "";
        int gates = Gates, recurrent = _spec.Recurrent, peepholes = _spec.Peephole ? 3 * _spec.Hidden : 0, projection = _spec.Projection * _spec.Hidden;
        if (_spec.IsTokenModel)
        {
            w.Line($"/// <summary>PyTorch <c>embed.weight</c> [{N(_spec.Vocabulary)}, {N(_spec.Embedding)}]: row t is the embedding of token t.</summary>");
            w.Line($"public {Code.Span} EmbeddingWeight => new(_parameters, 0, {N(_spec.Vocabulary * _spec.Embedding)});");
            w.Line();
        }
        View($"{module}.weight_ih_l{{layer}}", $"[{N(gates)}, inputs]: input weights, row blocks {blocks} of {N(_spec.Hidden)} rows{dirDoc}", $"WeightIh(int layer{dp})",
            $"LayerOffset(layer{da}), {N(gates)} * LayerInputSize(layer)");
        View($"{module}.weight_hh_l{{layer}}", $"[{N(gates)}, {N(recurrent)}]: recurrent weights, row blocks {blocks}{(_spec.HasProjection ? "; they read the projected h" : "")}", $"WeightHh(int layer{dp})",
            $"LayerOffset(layer{da}) + {N(gates)} * LayerInputSize(layer), {N(gates * recurrent)}");
        View($"{module}.bias_ih_l{{layer}}", $"[{N(gates)}]", $"BiasIh(int layer{dp})", $"LayerOffset(layer{da}) + {N(gates)} * (LayerInputSize(layer) + {N(recurrent)}), {N(gates)}");
        View($"{module}.bias_hh_l{{layer}}", $"[{N(gates)}]", $"BiasHh(int layer{dp})", $"LayerOffset(layer{da}) + {N(gates)} * (LayerInputSize(layer) + {N(recurrent + 1)}), {N(gates)}");
        if (_spec.HasProjection)
            View("lstm.weight_hr_l{layer}", $"[{N(_spec.Projection)}, {N(_spec.Hidden)}]: the projection, h = W_hr·(o ⊙ tanh(c)) (no bias){dirDoc}", $"WeightHr(int layer{dp})",
                $"LayerOffset(layer{da}) + {N(gates)} * (LayerInputSize(layer) + {N(recurrent + 2)}), {N(projection)}");
        if (_spec.Peephole)
        {
            w.Line($"/// <summary>LstmGen's <c>lstm.weight_ch_l{{layer}}</c> [{N(peepholes)}]: peephole weights, row blocks p_i, p_f, p_o of {N(_spec.Hidden)} (i, f read p ⊙ c_(t−1), o reads p ⊙ c_t){dirDoc}.</summary>");
            w.Line($"public {Code.Span} PeepholeWeight(int layer{dp}) => new(_parameters, LayerOffset(layer{da}) + {N(gates)} * (LayerInputSize(layer) + {N(recurrent + 2)}){(_spec.HasProjection ? " + " + N(projection) : "")}, {N(peepholes)});");
            w.Line();
        }
        if (_spec.Head != HeadKind.None)
        {
            w.Line($"/// <summary>PyTorch <c>head.weight</c> [{N(_spec.Outputs)}, {N(g.TopWidth)}]{(bi ? ": columns 0 … H−1 read the forward h, H … 2H−1 the reverse h" : "")}.</summary>");
            w.Line($"public {Code.Span} HeadWeight => new(_parameters, {N(g.HeadWeightOffset)}, {N(_spec.Outputs * g.TopWidth)});");
            w.Line();
            w.Line($"/// <summary>PyTorch <c>head.bias</c> [{N(_spec.Outputs)}].</summary>");
            w.Line($"public {Code.Span} HeadBias => new(_parameters, {N(g.HeadBiasOffset)}, {N(_spec.Outputs)});");
            w.Line();
        }
    }

    private void View(string tensor, string shape, string signature, string slice)
    {
        w.Line($"/// <summary>PyTorch <c>{tensor}</c> {shape}.</summary>");
        w.Line($"public {Code.Span} {signature} => new(_parameters, {slice});");
        w.Line();
    }

    private void EmitOffsets()
    {
        int layer1 = _spec.Layers > 1 ? g.LayerParameterOffsets[1] : 0;
        using (w.Block("private static int LayerOffset(int layer)"))
        {
            w.Line($"if ((uint)layer >= LayerCount) throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, \"The model has layers 0 to {N(_spec.Layers - 1)}.\");");
            w.Line(_spec.Layers == 1 ? $"return {N(g.LayerParameterOffsets[0])};" : $"return layer == 0 ? {N(g.LayerParameterOffsets[0])} : {N(layer1)} + (layer - 1) * {N(g.LayerParameters(1))};");
        }
        w.Line();
        w.Line($"private static int LayerInputSize(int layer) => layer == 0 ? {N(_spec.InputSize)} : {N(_spec.Recurrent)};");
        w.Line();
        w.Line($"private static int PackedLayerOffset(int layer) => layer == 0 ? 0 : {N(_spec.Layers > 1 ? g.LayerPackedOffsets[1] : 0)} + (layer - 1) * {N(g.UpperLayerStride)};");
        w.Line();
    }

    /// <summary>Slots layer·2 + direction: the two of layer 0 read the input, the others 2·R values from the layer below.</summary>
    private void EmitBidirectionalOffsets()
    {
        int layer1 = _spec.Layers > 1 ? g.LayerParameterOffsets[2] : 0;
        int packedFirst = g.GateBlock(_spec.InputSize) + g.ProjectionBlock, packedUpper = g.GateBlock(_spec.LayerInputSize(1)) + g.ProjectionBlock;
        int packed2 = _spec.Layers > 1 ? g.LayerPackedOffsets[2] : 0;
        using (w.Block("private static int LayerOffset(int layer, int direction)"))
        {
            w.Line($"if ((uint)layer >= LayerCount) throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, \"The model has layers 0 to {N(_spec.Layers - 1)}.\");");
            w.Line("if ((uint)direction >= DirectionCount) throw new global::System.ArgumentOutOfRangeException(nameof(direction), direction, \"Directions are 0 (forward) and 1 (reverse).\");");
            w.Line("int slot = layer * 2 + direction;");
            w.Line($"return slot < 2 ? {N(g.LayerParameterOffsets[0])} + slot * {N(g.LayerParameters(0))} : {N(layer1)} + (slot - 2) * {N(g.LayerParameters(1))};");
        }
        w.Line();
        w.Line($"private static int LayerInputSize(int layer) => layer == 0 ? {N(_spec.InputSize)} : {N(2 * _spec.Recurrent)};");
        w.Line();
        w.Line($"private static int PackedLayerOffset(int layer, int direction) => layer == 0 ? direction * {N(packedFirst)} : {N(packed2)} + ((layer - 1) * 2 + direction) * {N(packedUpper)};");
        w.Line();
    }

    /// <summary><c>ParametersChanged</c> and <c>RepackParameters</c>: the packed weights (and head rows, bfloat16 copy, input table) rebuilt from the parameters.</summary>
    private void EmitRepack()
    {
        bool bi = _spec.Bidirectional;
        string da = bi ? ", direction" : "", hw = ApiText.HWidth(_spec);
        w.Line("/// <summary>Rebuilds the packed weights the kernels read from <see cref=\"Parameters\"/>; call it after changing them in place.</summary>");
        using (w.Block("public void ParametersChanged()"))
        {
            w.Line("_guard.BeginWrite(); // inference calls overlapping the repacking throw instead of reading half-packed weights");
            w.Line("try { RepackParameters(); }");
            w.Line("finally { _guard.EndWrite(); }");
        }
        w.Line();
        using (w.Block("private void RepackParameters()"))
        {
            w.Line($"{Code.Span} packed = _packed.Span;");
            w.Line("for (int layer = 0; layer < LayerCount; layer++)");
            using (w.Open())
            {
                w.Line("int inputs = LayerInputSize(layer);");
                string recurrentArgument = _spec.HasProjection ? "HiddenSize, ProjectionSize" : "HiddenSize";
                string at = $"PackedLayerOffset(layer{da})";
                using (bi ? w.Block("for (int direction = 0; direction < DirectionCount; direction++)") : null)
                {
                    w.Line($"{Code.Support}GateLayout.{(_spec.IsGru ? "PackGruLayer" : "PackLayer")}(WeightIh(layer{da}), WeightHh(layer{da}), BiasIh(layer{da}), BiasHh(layer{da}), inputs, {recurrentArgument}, packed.Slice({at}, (1 + inputs + {hw}) * {N(g.Row)}));");
                    if (_spec.Peephole)
                        w.Line($"{Code.Support}GateLayout.PackPeepholes(PeepholeWeight(layer{da}), HiddenSize, packed.Slice({at} + (1 + inputs + {hw}) * {N(g.Row)}, {N(g.Row)})); // the peephole row, after W_hh");
                    if (_spec.HasProjection)
                        w.Line($"{Code.Support}GateLayout.PackProjection(WeightHr(layer{da}), HiddenSize, ProjectionSize, packed.Slice({at} + ({N(_spec.ExtraRows)} + inputs + ProjectionSize) * {N(g.Row)}, {N(g.ProjectionBlock)})); // W_hr, after the gate rows");
                }
            }
            if (_spec.Head != HeadKind.None)
                w.Line($"{Code.Support}GateLayout.PackHead(HeadWeight, HeadBias, {(bi ? "2 * " + hw : hw)}, OutputSize, packed.Slice({N(g.HeadPackedOffset)}, {N(g.PackedLength - g.HeadPackedOffset)}));");
            if (g.DotHead)
                w.Line($"{Code.Support}GateLayout.PackHeadRows(HeadWeight, HeadBias, {hw}, OutputSize, _headRows.Span);");
            if (_spec.BFloat16Inference)
                w.Line($"{Code.Support}BFloat16.Convert(packed, _packedBFloat16.Span);");
            if (g.HasInputTable)
                w.Line($"{Code.Support}GateLayout.BuildInputTable(packed, EmbeddingWeight, VocabularySize, EmbeddingSize, HiddenSize, _inputTable.Span);");
            if (FeatureSupport.HasLanes(_spec)) w.Line("_parametersVersion++; // the lane training path rebuilds its transposed weights");
        }
        w.Line();
    }

    /// <summary>CreateState, Load (path, stream, bytes), Save, Initialize, Summary: writes of the weights repack them as one change the guard watches.</summary>
    private void EmitLoadAndSave()
    {
        w.Line("/// <inheritdoc/>");
        w.Line($"public {Code.State} CreateState() => {Code.Support}StateMarshal.Create({ApiText.Slots(_spec)}, {ApiText.StateSizes(_spec)});");
        w.Line();
        foreach (string source in new[] { "string path", "global::System.IO.Stream stream", "global::System.ReadOnlyMemory<byte> bytes" })
        {
            string name = source.Substring(source.LastIndexOf(' ') + 1);
            w.Line("/// <inheritdoc/>");
            using (w.Block($"public void Load({source}, global::LstmGen.IO.WeightLoadOptions? options = null)"))
            {
                w.Line("_guard.BeginWrite();");
                w.Line($"try {{ global::LstmGen.IO.ModelWeights.Load({name}, s_shape, _parameters, options); RepackParameters(); }}");
                w.Line("finally { _guard.EndWrite(); }");
            }
            w.Line();
        }
        w.Line("/// <inheritdoc/>");
        w.Line("public void Save(string path) => global::LstmGen.IO.ModelWeights.Save(path, s_shape, _parameters);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public void Save(global::System.IO.Stream stream) => global::LstmGen.IO.ModelWeights.Save(stream, s_shape, _parameters);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        using (w.Block("public void Initialize(ulong seed = 0, global::LstmGen.Training.ParameterInitOptions? options = null)"))
        {
            w.Line("_guard.BeginWrite();");
            w.Line("try { global::LstmGen.Training.ParameterInit.Initialize(s_shape, _parameters, seed, options); RepackParameters(); }");
            w.Line("finally { _guard.EndWrite(); }");
        }
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public string Summary() => s_shape.Summary();");
        w.Line();
        w.Line("global::LstmGen.CompilerServices.ModelGuard global::LstmGen.CompilerServices.IGuardedModel.Guard => _guard;");
        w.Line();
    }
}
