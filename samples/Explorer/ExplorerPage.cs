// The HTML page: one self-contained file (inline SVG and CSS, no script, nothing fetched) with a summary of
// every task and, per task, its results and the inside of its model over one or two example sequences.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;

namespace Explorer;

public static class ExplorerPage
{
    private const string Style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #fff; margin: 24px auto; max-width: 1560px; padding: 0 20px; }
        h1 { font-size: 26px; margin-bottom: 4px; }
        h2 { font-size: 20px; border-top: 1px solid #ccc; padding-top: 18px; margin-top: 36px; }
        h3 { font-size: 15px; margin: 22px 0 6px; }
        code { font: 13px ui-monospace, "DejaVu Sans Mono", monospace; background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
        table.summary { border-collapse: collapse; margin: 12px 0; }
        table.summary th, table.summary td { padding: 5px 12px; border-bottom: 1px solid #e3e3e3; text-align: left; vertical-align: top; }
        table.summary th { background: #f5f5f5; }
        table.summary td:nth-child(-n+4), table.summary td:nth-child(6) { white-space: nowrap; }
        table.effects td { text-align: right; font-variant-numeric: tabular-nums; }
        .note { color: #555; max-width: 980px; }
        .picked-box { border-left: 4px solid #222; background: #f6f6f6; padding: 6px 12px; margin: 10px 0; max-width: 980px; }
        .stack svg { display: block; margin: 4px 0; }
        .caption { color: #555; margin: 6px 0 0; font-size: 13px; }
        .maps { display: flex; flex-wrap: wrap; gap: 6px 28px; align-items: flex-start; }
        .ok-mark { color: #1a7f37; font-weight: 600; } .bad-mark { color: #c62828; font-weight: 600; }
        svg text { font: 11px ui-monospace, "DejaVu Sans Mono", monospace; fill: #333; }
        svg .title { font: 600 12px system-ui, sans-serif; fill: #222; }
        svg .char { text-anchor: middle; font-size: 12px; }
        svg .neuron, svg .axis { text-anchor: end; fill: #666; }
        svg .neuron.picked { fill: #000; font-weight: 700; }
        svg rect.picked { fill: none; stroke: #000; stroke-width: 2; }
        svg .separator { stroke: #333; stroke-width: 1.5; stroke-dasharray: 3 2; }
        svg .grid { stroke: #e6e6e6; } svg .zero { stroke: #999; }
        svg .line-c { fill: none; stroke: #2166ac; stroke-width: 2.2; }
        svg .line-h { fill: none; stroke: #b2182b; stroke-width: 1.6; stroke-dasharray: 5 3; }
        svg .line-fit { fill: none; stroke: #999; stroke-width: 5; stroke-opacity: 0.45; }
        svg .dot-c { fill: #2166ac; }
        svg .right { fill: #cdebc5; } svg .wrong { fill: #f5b3b3; }
        svg .ok { fill: #3a9a3a; } svg .bad { fill: #d64040; }
        svg .key { font-size: 11px; } svg .middle { text-anchor: middle; } svg .tick { text-anchor: middle; font-size: 10px; fill: #555; }
        svg .legend { stroke: #aaa; stroke-width: 0.5; }
        """;

    /// <summary>Writes the page to <paramref name="path"/> (through a temporary file in the same folder, so a reader never sees half a page).</summary>
    public static void Write(string path, IReadOnlyList<TaskOutcome> outcomes, ulong seed, double totalSeconds)
    {
        string html = Build(outcomes, seed, totalSeconds);
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null) Directory.CreateDirectory(folder);
        string temporary = full + ".tmp";
        File.WriteAllText(temporary, html, new UTF8Encoding(false));
        File.Move(temporary, full, overwrite: true);
    }

    public static string Build(IReadOnlyList<TaskOutcome> outcomes, ulong seed, double totalSeconds)
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Exploring LSTMs with LstmGen</title>\n");
        page.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        page.Append(Svg.GradientDefinitions());
        page.Append("<h1>Exploring LSTMs with LstmGen</h1>\n");
        page.Append(Invariant($"<p class=\"note\">The tasks of Edwin Chen's <i>Exploring LSTMs</i>, each learned by a small generated LSTM (characters in, the next character out at every step), seed {seed}, {totalSeconds:F0} s in all. "));
        page.Append("An answer counts only if it is exactly right: the model reads the prompt, then writes its most likely next character, reads it back, and so on until it writes the end marker <code>.</code>.</p>\n");

        bool spread = outcomes.Count > 0 && outcomes[0].OtherSeeds.Count > 0;
        page.Append("<table class=\"summary\">\n<tr><th>task</th><th>model</th><th>training</th><th>exact on the trained lengths</th><th>right up to</th><th>tracking neuron</th>");
        if (spread) page.Append(Invariant($"<th>right up to, over {outcomes[0].OtherSeeds.Count + 1} seeds</th>"));
        page.Append("</tr>\n");
        foreach (TaskOutcome o in outcomes)
        {
            page.Append(Invariant($"<tr><td><a href=\"#{o.Task.Name}\">{Text(o.Task.Title)}</a></td><td>{o.Shape.HiddenSize} units</td>"));
            page.Append(Invariant($"<td>{o.Training.Steps:N0} steps, {o.Training.Seconds:F1} s</td><td>{Accuracy(o.Score)}</td><td>{Reach(o)}</td>"));
            page.Append(Invariant($"<td>neuron {o.Picked.Neuron}, r = {o.Picked.CellCorrelation:0.000}</td>"));
            if (spread) page.Append(Invariant($"<td>{Spread(o)}</td>"));
            page.Append("</tr>\n");
        }
        page.Append("</table>\n");

        double deviation = 0;
        foreach (TaskOutcome o in outcomes) deviation = Math.Max(deviation, o.MaxDeviation);
        page.Append(Invariant($"<p class=\"note\">Heatmaps: one row per neuron, one column per character read; a cell shows the value just after that character. h, the candidate g and c are red below zero and blue above (c on its own range, in the legend); the gates i, f, o run from white (0, closed) to dark green (1, open). The dashed line marks the end of the prompt. Hover a cell for its value. "));
        page.Append(Invariant($"The gates are not part of the public API: they are recomputed from the model's parameters, and the recomputed h and c were checked against the model's own state after every step (largest difference {deviation:0.0e+0}, limit {CellTrace.Tolerance:0e+0}).</p>\n"));

        foreach (TaskOutcome o in outcomes) Section(page, o);
        page.Append("</body>\n</html>\n");
        return page.ToString();
    }

    private static void Section(StringBuilder page, TaskOutcome o)
    {
        ExplorerTask task = o.Task;
        page.Append(Invariant($"<section id=\"{task.Name}\">\n<h2>{Text(task.Title)}</h2>\n<p>{Text(task.Description)}</p>\n"));
        page.Append(Invariant($"<p class=\"note\">Model: <code>{Text(o.Shape.ToString())}</code>. Trained for {o.Training.Steps:N0} Adam steps of {TaskTrainer.BatchSize} random sequences of the trained lengths ({o.Training.Seconds:F1} s); final loss {o.Training.FinalLoss:0.0000}.</p>\n"));
        page.Append(Invariant($"<p><b>Exactly right on the trained lengths (n = {task.MinTrained}–{task.MaxTrained} {Text(task.LengthMeaning)}): {Accuracy(o.Score)}.</b> "));
        if (o.Score.Beyond.Count > 0)
        {
            page.Append(Invariant($"Past them, every length is right up to <b>n = {o.Score.Reach}</b>"));
            LengthResult? firstWrong = null;
            foreach (var r in o.Score.Beyond) if (!r.AllRight) { firstWrong = r; break; }
            if (firstWrong?.FirstWrong is { } wrong)
                page.Append(Invariant($"; the first miss is at n = {firstWrong.N}: after <code>{Text(Abbreviate(wrong.Example.Prompt))}</code> it wrote <code>{Text(Abbreviate(wrong.Written))}</code> instead of <code>{Text(Abbreviate(wrong.Example.Answer))}</code>"));
            else page.Append(Invariant($" (the longest tested, n = {o.Score.Beyond[^1].N})"));
            page.Append('.');
            var partly = o.Score.Beyond.Where(r => !r.AllRight && r.Total > 1).Take(4).ToList();
            if (partly.Count > 0)
                page.Append(" Sequences still right at the first wrong lengths: ").Append(string.Join(", ",
                    partly.Select(r => Invariant($"n = {r.N}: {r.Right:N0} of {r.Total:N0}")))).Append('.');
            page.Append("</p>\n<p class=\"note\">Each length past the trained ones (green: every test sequence of that length exactly right; hover for the count):</p>\n");
            page.Append(Svg.LengthStrip(o.Score.Beyond));
        }
        else page.Append("</p>\n");
        if (o.OtherSeeds.Count > 0)
        {
            int right = o.OtherSeeds.Count(r => r.Accuracy == 1) + (o.Score.TrainedAccuracy == 1 ? 1 : 0);
            page.Append(Invariant($"<p class=\"note\">The same task learned from {o.OtherSeeds.Count + 1} seeds ({SeedRange(o)}), each tested on the same sequences: {right} of {o.OtherSeeds.Count + 1} models exactly right on all trained lengths"));
            page.Append(o.Score.Beyond.Count > 0 ? Invariant($"; right up to n = {Spread(o)}.</p>\n") : ".</p>\n");
        }

        PickedNeuron p = o.Picked;
        page.Append(Invariant($"<div class=\"picked-box\">Picked automatically: <b>neuron {p.Neuron}</b>, whose cell state c follows <i>{Text(task.SignalMeaning)}</i> most closely of all {o.Shape.HiddenSize} neurons: correlation <b>r = {p.CellCorrelation:0.000}</b> (its h: r = {p.HiddenCorrelation:0.000}) over {p.Steps:N0} steps of right answers at the trained lengths. It is outlined (▶) in every heatmap below.</div>\n"));

        page.Append(Invariant($"<p class=\"note\">What reading each character does to neuron {p.Neuron}, averaged over the same steps: the change of its cell state, Δc = c<sub>t</sub> − c<sub>t−1</sub>, and its gates.</p>\n"));
        page.Append("<table class=\"summary effects\">\n<tr><th>character read</th><th>times</th><th>mean Δc</th><th>input gate i</th><th>forget gate f</th><th>candidate g</th><th>output gate o</th></tr>\n");
        foreach (CharacterEffect e in p.Effects)
            page.Append(Invariant($"<tr><td><code>{e.Character}</code></td><td>{e.Count:N0}</td><td>{e.CellChange:+0.000;−0.000;0.000}</td><td>{e.Input:0.000}</td><td>{e.Forget:0.000}</td><td>{e.Candidate:+0.000;−0.000;0.000}</td><td>{e.Output:0.000}</td></tr>\n"));
        page.Append("</table>\n");

        int index = 1;
        foreach (ExampleView view in o.Examples)
        {
            string mark = view.Right ? "<span class=\"ok-mark\">✓ right</span>" : "<span class=\"bad-mark\">✗ wrong</span>";
            page.Append(Invariant($"<h3>Example {index++}: prompt <code>{Text(view.Example.Prompt)}</code>, the model wrote <code>{Text(view.Written)}{Alphabet.End}</code> {mark}</h3>\n"));
            Example(page, o, view);
        }
        page.Append("</section>\n");
    }

    private static void Example(StringBuilder page, TaskOutcome o, ExampleView view)
    {
        CellTrace trace = view.Trace;
        int promptLength = view.Example.Prompt.Length, picked = o.Picked.Neuron;
        page.Append("<div class=\"stack\">\n").Append(Svg.Sequence(trace, view.Example));
        page.Append(Invariant($"<p class=\"caption\">Neuron {picked}: its cell state c (blue), its hidden state h (red, dashed), and x = <i>{Text(o.Task.SignalMeaning)}</i> drawn through the straight line that best maps x to this neuron's c over all the sequences it was picked on (grey).</p>\n"));
        page.Append(Svg.NeuronChart(trace, o.Picked, view.Signal, o.Task.SignalMeaning, promptLength)).Append("</div>\n");
        double cellLimit = NiceCeiling(MaxAbs(trace.Cell));
        page.Append("<div class=\"maps\">\n");
        page.Append(Svg.Heatmap("h — hidden state (the layer's output)", "h", trace.Hidden, trace.Characters, promptLength, picked, ColourScale.Diverging(1)));
        page.Append(Svg.Heatmap("c — cell state (the memory)", "c", trace.Cell, trace.Characters, promptLength, picked, ColourScale.Diverging(cellLimit)));
        page.Append(Svg.Heatmap("i — input gate (how much of g is written)", "i", trace.InputGate, trace.Characters, promptLength, picked, ColourScale.Gate));
        page.Append(Svg.Heatmap("f — forget gate (how much of c is kept)", "f", trace.ForgetGate, trace.Characters, promptLength, picked, ColourScale.Gate));
        page.Append(Svg.Heatmap("g — candidate (what would be written)", "g", trace.CandidateGate, trace.Characters, promptLength, picked, ColourScale.Diverging(1)));
        page.Append(Svg.Heatmap("o — output gate (how much of tanh c is shown)", "o", trace.OutputGate, trace.Characters, promptLength, picked, ColourScale.Gate));
        page.Append("</div>\n");
    }

    private static string Accuracy(TaskScore score)
    {
        int right = 0, total = 0;
        foreach (var r in score.Trained) { right += r.Right; total += r.Total; }
        return Invariant($"{right:N0} of {total:N0} ({100.0 * right / total:0.0} %)");
    }

    /// <summary>"30, 52, 51, 14, 33 (median 33)": the reach of every seed's model, the page's own first.</summary>
    private static string Spread(TaskOutcome o)
    {
        var reaches = new List<int> { o.Score.Reach };
        foreach (SeedResult r in o.OtherSeeds) reaches.Add(r.Reach);
        return Invariant($"{string.Join(", ", reaches)} (median {Program.Median(reaches)})");
    }

    private static string SeedRange(TaskOutcome o) => Invariant($"{o.OtherSeeds[0].Seed - 1}–{o.OtherSeeds[^1].Seed}");

    private static string Reach(TaskOutcome o) => o.Score.Beyond.Count == 0
        ? "—"
        : Invariant($"n = {o.Score.Reach} (trained to {o.Task.MaxTrained}, tested to {o.Score.Beyond[^1].N})");

    /// <summary>Long runs of one letter as "aaa…a (27)"; empty as "(nothing)".</summary>
    internal static string Abbreviate(string s)
    {
        if (s.Length == 0) return "(nothing)";
        if (s.Length <= 16) return s;
        return Invariant($"{s[..6]}…{s[^4..]} ({s.Length} characters)");
    }

    private static double MaxAbs(double[,] values)
    {
        double m = 0;
        foreach (double v in values) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>The smallest of 1, 1.5, 2, 3, 5, 7.5, 10, … (× powers of ten) that is at least <paramref name="v"/> (and at least 1).</summary>
    private static double NiceCeiling(double v)
    {
        if (v <= 1) return 1;
        double power = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0 }) if (m * power >= v) return m * power;
        return 10 * power;
    }

    private static string Text(string s) => WebUtility.HtmlEncode(s);
    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
