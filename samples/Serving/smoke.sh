#!/usr/bin/env bash
# Smoke test of samples/Serving on a short budget (about a minute): starts the server on a free loopback port with a
# model trained at startup for one epoch, drives it with the sample's own load client (fixed request counts, a time
# cap, loopback only) at 1, 8 and 64 concurrent clients, and checks that every batched answer equals the
# single-request one bit for bit, with no errors, and that concurrent requests really were gathered into batches;
# every prefix scored in one call ends at the whole review's score; and the page renders in headless Chromium with
# its chart (DOM and a screenshot checked by samples/Shared/check_screenshot.py). Chromium is installed with apt-get
# when it is missing (as root). Last line: `serving: passed` or `serving: FAILED (reason)`.
#
#   bash samples/Serving/smoke.sh        (from anywhere, after `dotnet build LstmGen.sln -c Release`)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fail() { echo "serving: FAILED ($*)"; exit 1; }
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
start=$(date +%s)

cd "$root" || fail "no repository root at $root"
dll="$here/bin/Release/net10.0/Serving.dll"
if [ ! -f "$dll" ]; then
  echo "=== no Release build of samples/Serving: building it"
  dotnet build "$here/Serving.csproj" -c Release -v quiet >"$work/build.txt" 2>&1 || { tail -20 "$work/build.txt"; fail "build failed"; }
fi

# 1. The server: a model trained at startup (1 epoch), a free port on 127.0.0.1.
echo "=== dotnet Serving.dll --epochs 1 --urls http://127.0.0.1:0"
dotnet "$dll" --epochs 1 --urls http://127.0.0.1:0 >"$work/server.txt" 2>&1 &
server=$!
url=""
for _ in $(seq 1 300); do
  url=$(sed -n 's/^Serving on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/server.txt")
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.txt"; fail "the server exited before listening"; }
  sleep 1
done
cat "$work/server.txt"
[ -n "$url" ] || fail "the server did not start listening within 300 s"
auc=$(sed -n 's/.*ROC AUC \([0-9.]*\) .*/\1/p' "$work/server.txt" | head -1)
awk -v a="$auc" 'BEGIN { exit !(a >= 0.70) }' || fail "validation ROC AUC '$auc' after one epoch, expected at least 0.70"

# 2. The load: every answer must equal the single-request answer; 64 clients must be served in real batches.
echo "=== load: 1, 8 and 64 clients"
dotnet "$dll" load --url "$url" --clients 1,8,64 --requests 500 --seconds 30 --texts 200 >"$work/load.txt" 2>&1
rc=$?
cat "$work/load.txt"
[ $rc -eq 0 ] || fail "the load client exited with $rc (errors or mismatches)"
for clients in 1 8 64; do
  line=$(grep "^load clients=$clients " "$work/load.txt")
  [[ "$line" =~ requests=([0-9]+)\ errors=0\ mismatches=0\ throughput=([0-9]+)\ p50_ms=([0-9.]+)\ p99_ms=([0-9.]+)\ mean_batch=([0-9.]+) ]] \
    || fail "no clean result line for $clients clients: '$line'"
  [ "${BASH_REMATCH[1]}" -ge 100 ] || fail "only ${BASH_REMATCH[1]} requests at $clients clients in the time allowed"
  [ "$clients" = 64 ] && { awk -v b="${BASH_REMATCH[5]}" 'BEGIN { exit !(b >= 4) }' || fail "64 clients were served in batches of ${BASH_REMATCH[5]} on average; expected at least 4"; }
done
tail -1 "$work/load.txt" | grep -qE "^requests=[0-9]+ errors=0 mismatches=0$" || fail "the load client's last line is not requests=… errors=0 mismatches=0"

# 3. Every prefix in one call: the last prefix is the whole review, so its score is the single-request score.
example="I wish I could say the movie was great but I can't"
body=$(python3 -c 'import json,sys; print(json.dumps({"text": sys.argv[1]}))' "$example")
curl -sf -X POST -H 'Content-Type: application/json' -d "$body" "$url/api/prefixes" >"$work/prefixes.json" || fail "/api/prefixes failed"
curl -sf -X POST -H 'Content-Type: application/json' -d "$body" "$url/api/score/single" >"$work/single.json" || fail "/api/score/single failed"
python3 - "$work/prefixes.json" "$work/single.json" <<'PY' || fail "the word-by-word scores do not end at the review's own score"
import json, sys
prefixes, single = (json.load(open(p)) for p in sys.argv[1:3])
words, p = prefixes["words"], prefixes["probabilities"]
assert words == "i wish i could say the movie was great but i can't".split(), words
assert len(p) == len(words) and all(0 <= v <= 1 for v in p), p
assert p[-1] == single["probability"], (p[-1], single["probability"])
print("word by word:", " ".join(f"{w} {v:.3f}" for w, v in zip(words, p)))
PY

# 4. The page, in Chromium: the example's chart (a point per word) and a screenshot with the chart's colours.
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "=== chromium is not installed: apt-get install chromium"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >"$work/apt.txt" 2>&1 \
    || { tail -15 "$work/apt.txt"; fail "chromium is missing and apt-get could not install it (run as root, or install the Debian package chromium)"; }
  chromium=$(command -v chromium || true)
  [ -n "$chromium" ] || fail "apt-get installed chromium but there is no chromium command"
fi
page="$url/?text=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$example")"
browse() {
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$work/profile" --hide-scrollbars "$@" "$page"
}
browse --dump-dom >"$work/dom.html" 2>"$work/chromium-dom.txt" || { tail -5 "$work/chromium-dom.txt"; fail "chromium --dump-dom failed"; }
grep -q "I wish I could say the movie was great but I can" "$work/dom.html" || fail "the page does not hold the example review"
circles=$(grep -o '<circle ' "$work/dom.html" | wc -l)
[ "$circles" -eq 12 ] || fail "the chart has $circles points, expected 12 (one per word)"
browse --window-size=1100,1000 --screenshot="$work/shot.png" >"$work/chromium-shot.txt" 2>&1 || { tail -5 "$work/chromium-shot.txt"; fail "chromium --screenshot failed"; }
# ServingPage.cs: the green band above ½, the red band below, the line; a blank or error page has none of them.
python3 "$root/samples/Shared/check_screenshot.py" "$work/shot.png" --min-colours 300 --min-ink 0.05 \
  --expect "green band=#E3F1DF:30000" --expect "red band=#FBE3E0:30000" --expect "line=#1F4E9C:1500" \
  || fail "the screenshot does not show the chart"
if [ -n "${SERVING_KEEP:-}" ]; then cp "$work/shot.png" "$work/dom.html" "$SERVING_KEEP"/ && echo "kept the screenshot and the DOM in $SERVING_KEEP"; fi

echo "smoke run took $(( $(date +%s) - start )) s"
echo "serving: passed"
