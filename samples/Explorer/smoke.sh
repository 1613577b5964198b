#!/usr/bin/env bash
# Smoke test of samples/Explorer on a reduced budget (3,000 steps per task, 2 seeds): the tasks are learned
# (thresholds well under what seeds 1–8 reach at this budget), a counting neuron is found, the gates
# recomputed from the parameters match the model, and the HTML page renders in headless Chromium: the DOM
# holds every SVG, and a screenshot decoded with Python's standard library shows the heatmaps' colours.
# Chromium is installed with apt-get when it is missing (needs root; about 20 s).
# Last line: `explorer: passed` or `explorer: FAILED (reason)`.
#
#   bash samples/Explorer/smoke.sh        (from anywhere; about a minute after `dotnet build LstmGen.sln -c Release`)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fail() { echo "explorer: FAILED ($*)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

# 1. Run the sample. Use the Release build tools/test.sh made; build it if there is none (e.g. after a plain Debug build).
cd "$root" || fail "no repository root at $root"
build=(--no-build)
if [ ! -f "$here/bin/Release/net10.0/Explorer.dll" ]; then
  echo "=== no Release build of samples/Explorer: building it"
  build=()
fi
page="$work/explorer.html"
echo "=== dotnet run --project samples/Explorer -c Release -- --steps 3000 --seeds 2 --out $page"
if ! dotnet run --project samples/Explorer -c Release "${build[@]}" -- --steps 3000 --seeds 2 --out "$page" >"$work/run.txt" 2>&1; then
  tail -30 "$work/run.txt"
  fail "the sample exited with an error"
fi
cat "$work/run.txt"

# 2. Its numbers. One "result task=… key=value …" line per task, then "explorer … max_deviation=…".
value() { sed -n "s/^result task=$1 .*\b$2=\([^ ]*\).*/\1/p" "$work/run.txt"; }
# at_least TASK KEY MIN [abs]: the value must be a number ≥ MIN (its absolute value with "abs").
at_least() {
  local v; v="$(value "$1" "$2")"
  [ -n "$v" ] || fail "no $2 for task $1 in the output"
  awk -v v="$v" -v m="$3" -v a="${4:-}" 'BEGIN { if (a == "abs" && v < 0) v = -v; exit !(v + 0 >= m + 0) }' || fail "$1: $2 = $v, expected at least $3${4:+ in absolute value}"
}
at_least counting accuracy 0.9      # seeds 1–8 at this budget: 1.000
at_least counting reach 11          # it counts past the trained 10 (seeds 1–8: 17–50)
at_least counting r 0.95 abs        # the counting neuron follows the count (seeds 1–8: |r| 0.983–1.000)
at_least selective accuracy 0.95    # 1.000
at_least remember accuracy 0.95     # 1.000
at_least copy accuracy 0.85         # 0.944–0.987
deviation="$(sed -n 's/^explorer .*max_deviation=\([^ ]*\).*/\1/p' "$work/run.txt")"
[ -n "$deviation" ] || fail "no max_deviation in the output"
awk -v d="$deviation" 'BEGIN { exit !(d + 0 <= 1e-4) }' || fail "recomputed gates differ from the model by $deviation"
grep -q "seed_reaches=[0-9]*,[0-9]*" "$work/run.txt" || fail "the second seed's results are missing"

# 3. The page itself: 4 sections, 8 examples × 8 pictures + 4 length strips + the gradient definitions.
[ -s "$page" ] || fail "no page written at $page"
svgs=$(grep -o '<svg ' "$page" | wc -l)
[ "$svgs" -ge 60 ] || fail "the page has $svgs SVG pictures, expected at least 60"
for id in counting selective remember copy; do grep -q "<section id=\"$id\">" "$page" || fail "no section for $id on the page"; done
if grep -qE '(src|href)="(https?:)?//' "$page"; then fail "the page refers to an external resource"; fi

# 4. Chromium: install it when missing.
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "=== chromium is not installed: apt-get install chromium"
  t0=$(date +%s)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >"$work/apt.txt" 2>&1; then
    tail -15 "$work/apt.txt"
    fail "chromium is missing and apt-get could not install it (run as root, or install the Debian package chromium)"
  fi
  chromium=$(command -v chromium || true)
  [ -n "$chromium" ] || fail "apt-get installed chromium but there is no chromium command"
  echo "installed in $(( $(date +%s) - t0 )) s"
fi
"$chromium" --version 2>/dev/null | head -1

# Root needs --no-sandbox; a private profile keeps the runs apart; timeout guards against a hang.
browse() {
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$work/profile" --hide-scrollbars "$@" "file://$page"
}

# 5. The DOM Chromium built: it parsed the whole page (every SVG and the last section are there).
browse --dump-dom >"$work/dom.html" 2>"$work/chromium-dom.txt" || { tail -5 "$work/chromium-dom.txt"; fail "chromium --dump-dom failed"; }
dom_svgs=$(grep -o '<svg ' "$work/dom.html" | wc -l)
[ "$dom_svgs" -eq "$svgs" ] || fail "Chromium's DOM has $dom_svgs SVG elements, the file $svgs"
grep -q '<section id="copy">' "$work/dom.html" || fail "Chromium's DOM lacks the last section"

# 6. A screenshot of the top of the page (summary, counting heatmaps), checked for the heatmap colours.
browse --window-size=1500,2400 --screenshot="$work/shot.png" >"$work/chromium-shot.txt" 2>&1 || { tail -5 "$work/chromium-shot.txt"; fail "chromium --screenshot failed"; }
[ -s "$work/shot.png" ] || fail "chromium wrote no screenshot"
# The colour-scale ends the page draws (Svg.cs, ColourScale), each over thousands of pixels; a blank page with a line of
# text has about 200 colours, the explorer page about 3,500.
python3 "$root/samples/Shared/check_screenshot.py" "$work/shot.png" --min-colours 1000 --min-ink 0.08 \
  --expect "diverging red (-1)=#B2182B:2000" --expect "diverging blue (+1)=#2166AC:2000" --expect "gate dark green (1)=#00441B:2000" \
  || fail "the screenshot does not show the page's heatmaps"
if [ -n "${EXPLORER_KEEP:-}" ]; then cp "$page" "$work/shot.png" "$EXPLORER_KEEP"/ && echo "kept the page and screenshot in $EXPLORER_KEEP"; fi

echo "smoke run took $(( $(date +%s) - start )) s"
echo "explorer: passed"
