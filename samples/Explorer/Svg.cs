// The pictures on the explorer page, as inline SVG: heatmaps of a trace (rows = neurons, columns =
// characters) with their colour legend, a line chart of one neuron, and a strip of right/wrong per length.
// Every heatmap and chart of one example shares the same column geometry, so they line up.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text;

namespace Explorer;

/// <summary>
/// A colour scale: values from <see cref="Min"/> to <see cref="Max"/> mapped through evenly spaced colour stops.
/// <see cref="Id"/> names its legend gradient, defined once per page by <see cref="Svg.GradientDefinitions"/>.
/// </summary>
public sealed record ColourScale(string Id, double Min, double Max, string[] Stops)
{
    private static readonly string[] DivergingStops = { "#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac" };
    private static readonly string[] GateStops = { "#f7fcf5", "#c7e9c0", "#74c476", "#238b45", "#00441b" };

    /// <summary>Red (negative) – white (0) – blue (positive), as in the post's pictures; symmetric around 0.</summary>
    public static ColourScale Diverging(double limit) => new("scale-diverging", -limit, limit, DivergingStops);

    /// <summary>White (0) to dark green (1), for the gates, which are between 0 and 1.</summary>
    public static ColourScale Gate { get; } = new("scale-gate", 0, 1, GateStops);

    /// <summary>Every distinct scale, for the page's gradient definitions.</summary>
    public static IReadOnlyList<ColourScale> Kinds { get; } = new[] { Diverging(1), Gate };

    /// <summary>The colour of <paramref name="value"/> as #rrggbb (values outside the range take the end colours).</summary>
    public string Colour(double value)
    {
        double u = Math.Clamp((value - Min) / (Max - Min), 0, 1) * (Stops.Length - 1);
        int k = Math.Min((int)u, Stops.Length - 2);
        double w = u - k;
        (int r0, int g0, int b0) = Rgb(Stops[k]);
        (int r1, int g1, int b1) = Rgb(Stops[k + 1]);
        return string.Create(CultureInfo.InvariantCulture,
            $"#{(int)Math.Round(r0 + (r1 - r0) * w):x2}{(int)Math.Round(g0 + (g1 - g0) * w):x2}{(int)Math.Round(b0 + (b1 - b0) * w):x2}");
    }

    private static (int R, int G, int B) Rgb(string hex) =>
        (Convert.ToInt32(hex.Substring(1, 2), 16), Convert.ToInt32(hex.Substring(3, 2), 16), Convert.ToInt32(hex.Substring(5, 2), 16));
}

public static class Svg
{
    /// <summary>Width and height of one heatmap cell, in pixels.</summary>
    public const int CellWidth = 16, CellHeight = 14;

    /// <summary>Room left of the columns (neuron labels) and right of them (legend).</summary>
    public const int LeftMargin = 46, RightMargin = 64;

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
    private static string Text(string s) => WebUtility.HtmlEncode(s);

    /// <summary>Where column <paramref name="t"/>'s centre is.</summary>
    private static double ColumnCentre(int t) => LeftMargin + (t + 0.5) * CellWidth;

    /// <summary>
    /// One heatmap: <paramref name="values"/>[neuron, step] coloured by <paramref name="scale"/>, the characters over
    /// the columns, a line after the prompt, the <paramref name="highlight"/> neuron outlined, and a legend.
    /// Each cell has a tooltip with its exact value.
    /// </summary>
    public static string Heatmap(string title, string symbol, double[,] values, string characters, int promptLength, int highlight, ColourScale scale)
    {
        int neurons = values.GetLength(0), steps = values.GetLength(1);
        const int top = 40;
        // Wide enough for the title too (about 7 px per character at 12 px).
        int width = Math.Max(LeftMargin + steps * CellWidth + RightMargin, LeftMargin + 7 * title.Length), height = top + neurons * CellHeight + 8;
        var svg = new StringBuilder();
        Open(svg, width, height, $"{title}: {neurons} neurons over {steps} characters");
        svg.Append(Invariant($"<text x=\"{LeftMargin}\" y=\"13\" class=\"title\">{Text(title)}</text>\n"));
        ColumnLabels(svg, characters, top - 6);

        for (int j = 0; j < neurons; j++)
        {
            int y = top + j * CellHeight;
            string label = j == highlight ? $"▶ {j}" : j.ToString(CultureInfo.InvariantCulture);
            svg.Append(Invariant($"<text x=\"{LeftMargin - 5}\" y=\"{y + CellHeight - 3}\" class=\"{(j == highlight ? "neuron picked" : "neuron")}\">{label}</text>\n"));
            for (int t = 0; t < steps; t++)
            {
                double v = values[j, t];
                svg.Append(Invariant(
                    $"<rect x=\"{LeftMargin + t * CellWidth}\" y=\"{y}\" width=\"{CellWidth}\" height=\"{CellHeight}\" fill=\"{scale.Colour(v)}\"><title>neuron {j}, after '{characters[t]}' (character {t + 1}): {symbol} = {v:0.000}</title></rect>"));
            }
            svg.Append('\n');
        }
        // The boundary between prompt and answer.
        double xs = LeftMargin + promptLength * CellWidth;
        svg.Append(Invariant($"<line x1=\"{F(xs)}\" y1=\"{top - 2}\" x2=\"{F(xs)}\" y2=\"{top + neurons * CellHeight + 2}\" class=\"separator\"/>\n"));
        if (highlight >= 0)
            svg.Append(Invariant($"<rect x=\"{LeftMargin - 1}\" y=\"{top + highlight * CellHeight - 1}\" width=\"{steps * CellWidth + 2}\" height=\"{CellHeight + 2}\" class=\"picked\"/>\n"));
        Legend(svg, scale, LeftMargin + steps * CellWidth + 14, top, neurons * CellHeight, symbol);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>
    /// The picked neuron over the example: its c and h, and the tracked quantity mapped onto c's axis by the
    /// least-squares line of the neuron (c ≈ a·signal + b, fitted over all the steps it was picked on, not
    /// this example's), so how well they agree here is visible, not assumed.
    /// </summary>
    public static string NeuronChart(CellTrace trace, PickedNeuron picked, double[] signal, string signalName, int promptLength)
    {
        int steps = trace.Steps, neuron = picked.Neuron;
        const int top = 24, plot = 150, bottom = 34;
        var c = new double[steps];
        var h = new double[steps];
        for (int t = 0; t < steps; t++) { c[t] = trace.Cell[neuron, t]; h[t] = trace.Hidden[neuron, t]; }
        (double a, double b) = (picked.Slope, picked.Intercept);
        string title = Invariant($"Neuron {neuron} over the sequence (line: c ≈ {a:0.###}·x {(b < 0 ? "−" : "+")} {Math.Abs(b):0.###})");
        int width = Math.Max(LeftMargin + steps * CellWidth + RightMargin, LeftMargin + 7 * title.Length), height = top + plot + bottom;
        var fitted = new double[steps];
        for (int t = 0; t < steps; t++) fitted[t] = a * signal[t] + b;

        double lo = Math.Min(0, Math.Min(Min(c), Math.Min(Min(h), Min(fitted)))), hi = Math.Max(0, Math.Max(Max(c), Math.Max(Max(h), Max(fitted))));
        double pad = Math.Max(0.05, (hi - lo) * 0.08);
        lo -= pad; hi += pad;
        double Y(double v) => top + (hi - v) / (hi - lo) * plot;

        var svg = new StringBuilder();
        Open(svg, width, height, $"neuron {neuron} over the sequence");
        svg.Append(Invariant($"<text x=\"{LeftMargin}\" y=\"14\" class=\"title\">{Text(title)}</text>\n"));
        // Axis: a grid line at each "nice" value in range, and zero drawn darker.
        double stepSize = NiceStep((hi - lo) / 5);
        for (double v = Math.Ceiling(lo / stepSize) * stepSize; v <= hi; v += stepSize)
        {
            double y = Y(v);
            svg.Append(Invariant($"<line x1=\"{LeftMargin}\" y1=\"{F(y)}\" x2=\"{LeftMargin + steps * CellWidth}\" y2=\"{F(y)}\" class=\"{(Math.Abs(v) < stepSize / 2 ? "zero" : "grid")}\"/>"));
            svg.Append(Invariant($"<text x=\"{LeftMargin - 5}\" y=\"{F(y + 4)}\" class=\"axis\">{(Math.Abs(v) < stepSize / 2 ? 0 : v):0.##}</text>\n"));
        }
        double xs = LeftMargin + promptLength * CellWidth;
        svg.Append(Invariant($"<line x1=\"{F(xs)}\" y1=\"{top}\" x2=\"{F(xs)}\" y2=\"{top + plot}\" class=\"separator\"/>\n"));
        Polyline(svg, fitted, Y, "line-fit");
        Polyline(svg, h, Y, "line-h");
        Polyline(svg, c, Y, "line-c");
        for (int t = 0; t < steps; t++)
            svg.Append(Invariant($"<circle cx=\"{F(ColumnCentre(t))}\" cy=\"{F(Y(c[t]))}\" r=\"2.5\" class=\"dot-c\"><title>after '{trace.Characters[t]}': c = {c[t]:0.000}, h = {h[t]:0.000}, {Text(signalName)} = {signal[t]:0.##}</title></circle>"));
        svg.Append('\n');
        ColumnLabels(svg, trace.Characters, top + plot + 16);
        // Key, right of the plot.
        int kx = LeftMargin + steps * CellWidth + 10;
        svg.Append(Invariant($"<line x1=\"{kx}\" y1=\"{top + 8}\" x2=\"{kx + 18}\" y2=\"{top + 8}\" class=\"line-c\"/><text x=\"{kx + 22}\" y=\"{top + 12}\" class=\"key\">c</text>"));
        svg.Append(Invariant($"<line x1=\"{kx}\" y1=\"{top + 26}\" x2=\"{kx + 18}\" y2=\"{top + 26}\" class=\"line-h\"/><text x=\"{kx + 22}\" y=\"{top + 30}\" class=\"key\">h</text>"));
        svg.Append(Invariant($"<line x1=\"{kx}\" y1=\"{top + 44}\" x2=\"{kx + 18}\" y2=\"{top + 44}\" class=\"line-fit\"/><text x=\"{kx + 22}\" y=\"{top + 48}\" class=\"key\">line</text>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>
    /// The characters read and, under them, the model's most likely next character after each (shown from the
    /// last prompt character on, where the task decides it): green where it is the right one, red where not.
    /// </summary>
    public static string Sequence(CellTrace trace, Example example)
    {
        int steps = trace.Steps;
        int width = LeftMargin + steps * CellWidth + RightMargin;
        string expected = example.Prompt + example.Answer + Alphabet.End;
        var svg = new StringBuilder();
        Open(svg, width, 44, "the characters read and the model's next-character predictions");
        svg.Append(Invariant($"<text x=\"{LeftMargin - 5}\" y=\"15\" class=\"axis\">read</text><text x=\"{LeftMargin - 5}\" y=\"36\" class=\"axis\">next</text>\n"));
        for (int t = 0; t < steps; t++)
        {
            svg.Append(Invariant($"<text x=\"{F(ColumnCentre(t))}\" y=\"15\" class=\"char\">{trace.Characters[t]}</text>"));
            if (t < example.Prompt.Length - 1) continue;
            bool right = t + 1 < expected.Length && trace.Predicted[t] == expected[t + 1];
            svg.Append(Invariant($"<rect x=\"{LeftMargin + t * CellWidth + 1}\" y=\"22\" width=\"{CellWidth - 2}\" height=\"18\" rx=\"3\" class=\"{(right ? "right" : "wrong")}\"/><text x=\"{F(ColumnCentre(t))}\" y=\"36\" class=\"char\">{trace.Predicted[t]}</text>"));
        }
        svg.Append("\n</svg>\n");
        return svg.ToString();
    }

    /// <summary>One square per tested length past the trained ones: green when every example of that length was answered exactly.</summary>
    public static string LengthStrip(IReadOnlyList<LengthResult> results)
    {
        const int size = 11, left = 4;
        // Lengths that skip (10, 20, 50, 100, …) each get a label, so they need room for one.
        bool sparse = false;
        for (int k = 1; k < results.Count; k++) sparse |= results[k].N != results[k - 1].N + 1;
        int gap = sparse ? 17 : 2;
        int width = left + results.Count * (size + gap) + 40;
        var svg = new StringBuilder();
        Open(svg, width, size + 20, "right or wrong at each length past the trained ones");
        for (int k = 0; k < results.Count; k++)
        {
            LengthResult r = results[k];
            int x = left + k * (size + gap);
            svg.Append(Invariant($"<rect x=\"{x}\" y=\"2\" width=\"{size}\" height=\"{size}\" class=\"{(r.AllRight ? "ok" : "bad")}\"><title>n = {r.N}: {r.Right} of {r.Total} right</title></rect>"));
            if (results.Count <= 12 || k == 0 || r.N % 10 == 0 || r.N != results[k - 1].N + 1)
                svg.Append(Invariant($"<text x=\"{F(x + size / 2.0)}\" y=\"{size + 16}\" class=\"tick\">{r.N}</text>"));
        }
        svg.Append("\n</svg>\n");
        return svg.ToString();
    }

    private static void Open(StringBuilder svg, int width, int height, string label) =>
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{Text(label)}\">\n"));

    private static void ColumnLabels(StringBuilder svg, string characters, int y)
    {
        for (int t = 0; t < characters.Length; t++)
            svg.Append(Invariant($"<text x=\"{F(ColumnCentre(t))}\" y=\"{y}\" class=\"char\">{characters[t]}</text>"));
        svg.Append('\n');
    }

    /// <summary>
    /// A zero-size SVG holding one vertical gradient per colour scale (bottom = minimum), which every legend on
    /// the page refers to by id.
    /// </summary>
    public static string GradientDefinitions()
    {
        var svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>\n");
        foreach (ColourScale scale in ColourScale.Kinds)
        {
            svg.Append(Invariant($"<linearGradient id=\"{scale.Id}\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"));
            for (int k = 0; k < scale.Stops.Length; k++)
                svg.Append(Invariant($"<stop offset=\"{F((double)k / (scale.Stops.Length - 1))}\" stop-color=\"{scale.Stops[k]}\"/>"));
            svg.Append("</linearGradient>\n");
        }
        return svg.Append("</defs></svg>\n").ToString();
    }

    /// <summary>A vertical colour bar with the scale's ends and middle labelled.</summary>
    private static void Legend(StringBuilder svg, ColourScale scale, int x, int y, int height, string symbol)
    {
        svg.Append(Invariant($"<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"{height}\" fill=\"url(#{scale.Id})\" class=\"legend\"/>"));
        double mid = (scale.Min + scale.Max) / 2;
        svg.Append(Invariant($"<text x=\"{x + 16}\" y=\"{y + 8}\" class=\"key\">{scale.Max:0.##}</text>"));
        svg.Append(Invariant($"<text x=\"{x + 16}\" y=\"{F(y + height / 2.0 + 4)}\" class=\"key\">{mid:0.##}</text>"));
        svg.Append(Invariant($"<text x=\"{x + 16}\" y=\"{y + height}\" class=\"key\">{scale.Min:0.##}</text>"));
        svg.Append(Invariant($"<text x=\"{x + 6}\" y=\"{y - 8}\" class=\"key middle\">{Text(symbol)}</text>\n"));
    }

    private static void Polyline(StringBuilder svg, double[] values, Func<double, double> y, string style)
    {
        svg.Append(Invariant($"<polyline class=\"{style}\" points=\""));
        for (int t = 0; t < values.Length; t++) svg.Append(Invariant($"{F(ColumnCentre(t))},{F(y(values[t]))} "));
        svg.Append("\"/>\n");
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 }) if (m * power >= rough) return m * power;
        return 10 * power;
    }

    private static double Min(double[] v) { double m = double.PositiveInfinity; foreach (double x in v) m = Math.Min(m, x); return m; }
    private static double Max(double[] v) { double m = double.NegativeInfinity; foreach (double x in v) m = Math.Max(m, x); return m; }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
