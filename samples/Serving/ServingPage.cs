// The one page the server serves: a review box, example reviews, and P(five stars) after every word drawn as an SVG
// chart on the server (so the page needs no script to show it; a few lines of script redraw it while you type).
using System;
using System.Globalization;
using System.Net;
using System.Text;

namespace Serving;

public static class ServingPage
{
    // Colours the screenshot check looks for (samples/Shared/check_screenshot.py in smoke.sh).
    private const string PositiveBand = "#e3f1df", NegativeBand = "#fbe3e0", Line = "#1f4e9c", PositivePoint = "#2e7d32", NegativePoint = "#c62828";

    /// <summary>The whole page for <paramref name="text"/>, with its word-by-word chart.</summary>
    public static string Render(string text, WordByWord scores, string[] examples, string modelSummary, string batching)
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>LstmGen sentiment, word by word</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
            textarea { width: 100%; height: 5em; font-size: 16px; }
            button { font-size: 16px; padding: 4px 16px; }
            .examples a { display: inline-block; margin: 2px 8px 2px 0; }
            .score { font-size: 28px; margin: 12px 0 4px; }
            .note { color: #666; font-size: 13px; }
            table { border-collapse: collapse; font-size: 14px; } td, th { padding: 2px 10px; text-align: right; } td:first-child, th:first-child { text-align: left; }
            </style></head><body>
            <h1>How sure is the model, word by word?</h1>
            <form method="get" action="/">
            """);
        html.Append("<textarea name=\"text\" id=\"text\">").Append(WebUtility.HtmlEncode(text)).Append("</textarea>\n");
        html.Append("<p><button type=\"submit\">Score</button></p></form>\n<p class=\"examples\">Examples: ");
        foreach (string example in examples)
            html.Append("<a href=\"/?text=").Append(Uri.EscapeDataString(example)).Append("\">").Append(WebUtility.HtmlEncode(example)).Append("</a>");
        html.Append("</p>\n<div id=\"result\">").Append(Result(scores)).Append("</div>\n");
        html.Append("<p class=\"note\">").Append(WebUtility.HtmlEncode(modelSummary)).Append("<br>").Append(WebUtility.HtmlEncode(batching)).Append("</p>\n");
        // Redraw while typing: the server renders the same fragment (GET /result?text=…).
        html.Append("""
            <script>
            const box = document.getElementById('text'), result = document.getElementById('result');
            let timer;
            box.addEventListener('input', () => {
              clearTimeout(timer);
              timer = setTimeout(async () => {
                const response = await fetch('/result?text=' + encodeURIComponent(box.value));
                if (response.ok) result.innerHTML = await response.text();
              }, 250);
            });
            </script>
            </body></html>
            """);
        return html.ToString();
    }

    /// <summary>The final score, the chart and the table of words (what the page shows under the box).</summary>
    public static string Result(WordByWord scores)
    {
        if (scores.Words.Length == 0) return "<p class=\"score\">Type a review: no words yet.</p>";
        var html = new StringBuilder();
        float final = scores.Probabilities[^1];
        html.Append(Invariant($"<p class=\"score\">P(five stars) = <b>{final:F3}</b> after {scores.Words.Length} word{(scores.Words.Length == 1 ? "" : "s")}</p>\n"));
        html.Append(Chart(scores));
        html.Append("<table><tr><th>word</th><th>P(five stars) after it</th><th>change</th></tr>\n");
        for (int i = 0; i < scores.Words.Length; i++)
        {
            float p = scores.Probabilities[i], change = i == 0 ? p - 0.5f : p - scores.Probabilities[i - 1];
            string colour = change >= 0 ? PositivePoint : NegativePoint;
            html.Append(Invariant($"<tr><td>{WebUtility.HtmlEncode(scores.Words[i])}</td><td>{p:F3}</td><td style=\"color:{colour}\">{change:+0.000;−0.000;0.000}</td></tr>\n"));
        }
        html.Append("</table>\n");
        return html.ToString();
    }

    /// <summary>
    /// P(five stars) after each word as a line over the words: green above ½, red below, each point coloured by its side,
    /// the words along the bottom; hover a point for its value.
    /// </summary>
    public static string Chart(WordByWord scores)
    {
        const int width = 960, height = 370, left = 56, right = 16, top = 16, plotHeight = 280;
        int n = scores.Words.Length;
        double step = n > 1 ? (double)(width - left - right) / (n - 1) : 0;
        double X(int i) => n > 1 ? left + i * step : left + (width - left - right) / 2.0;
        double Y(double p) => top + (1 - p) * plotHeight;
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"P(five stars) after each word\">\n"));
        svg.Append(Invariant($"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{plotHeight / 2}\" fill=\"{PositiveBand}\"/>\n"));
        svg.Append(Invariant($"<rect x=\"{left}\" y=\"{top + plotHeight / 2}\" width=\"{width - left - right}\" height=\"{plotHeight / 2}\" fill=\"{NegativeBand}\"/>\n"));
        foreach (double tick in new[] { 0, 0.25, 0.5, 0.75, 1 })
        {
            svg.Append(Invariant($"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{Y(tick):F1}\" y2=\"{Y(tick):F1}\" stroke=\"#999\" stroke-width=\"1\"{(tick == 0.5 ? " stroke-dasharray=\"6 4\"" : "")}/>\n"));
            svg.Append(Invariant($"<text x=\"{left - 8}\" y=\"{Y(tick) + 4:F1}\" font-size=\"12\" text-anchor=\"end\">{tick:0.##}</text>\n"));
        }
        svg.Append(Invariant($"<text x=\"14\" y=\"{top + plotHeight / 2}\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 14 {top + plotHeight / 2})\">P(five stars)</text>\n"));
        var points = new StringBuilder();
        for (int i = 0; i < n; i++) points.Append(Invariant($"{X(i):F1},{Y(scores.Probabilities[i]):F1} "));
        svg.Append(Invariant($"<polyline points=\"{points.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{Line}\" stroke-width=\"4\" stroke-linejoin=\"round\"/>\n"));
        for (int i = 0; i < n; i++)
        {
            float p = scores.Probabilities[i];
            string word = WebUtility.HtmlEncode(scores.Words[i]);
            svg.Append(Invariant($"<circle cx=\"{X(i):F1}\" cy=\"{Y(p):F1}\" r=\"7\" fill=\"{(p >= 0.5f ? PositivePoint : NegativePoint)}\"><title>{word}: {p:F3}</title></circle>\n"));
            // Words along the bottom, slanted; with many words only every k-th is written.
            int every = Math.Max(1, (int)Math.Ceiling(n / 60.0));
            if (i % every == 0)
                svg.Append(Invariant($"<text x=\"{X(i):F1}\" y=\"{top + plotHeight + 14}\" font-size=\"13\" text-anchor=\"end\" transform=\"rotate(-45 {X(i):F1} {top + plotHeight + 14})\">{word}</text>\n"));
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
