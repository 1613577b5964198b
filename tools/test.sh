#!/usr/bin/env bash
# Runs every test once, then the numeric tests again on each narrower SIMD path (AVX2, SSE without
# FMA, scalar) and once with the 512-bit kernels forced (LSTMGEN_VECTOR_WIDTH=512: in software where the machine has no
# AVX-512), then every sample's smoke check on a short budget, and ends with one line "N passed, N failed" summed over all runs.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=0

numeric='FullyQualifiedName~LstmGen.Tests.Golden|FullyQualifiedName~LstmGen.Tests.Reference|FullyQualifiedName~LstmGen.Tests.Numeric|FullyQualifiedName~LstmGen.Tests.Training|FullyQualifiedName~LstmGen.Tests.Formats'
# The 512-bit kernels forced: the tests that run generated kernels against PyTorch and the reference (golden cases, and
# the numeric tests of every model form, the batch calls against the one-sequence ones), kept small because Vector512 runs in software on machines without AVX-512.
forced512='FullyQualifiedName~LstmGen.Tests.Golden.GoldenTests|FullyQualifiedName~LstmGen.Tests.Numeric.GeneratedModelTests|FullyQualifiedName~LstmGen.Tests.Numeric.BatchInferenceTests|FullyQualifiedName~LstmGen.Tests.Numeric.SimdPathTests'
passed=0 failed=0 skipped=0
log=$(mktemp -d)

if ! dotnet build LstmGen.sln -c Release 2>&1 | tee "$log/build.txt" | grep -E "error|Warn|Elapsed"; then :; fi
if ! grep -q "Build succeeded" "$log/build.txt"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# run LABEL FILTER [ENV=VALUE ...]
run() {
  local label=$1 filter=$2
  shift 2
  echo "=== $label"
  env "$@" dotnet test tests/LstmGen.Tests.csproj -c Release --no-build ${filter:+--filter "$filter"} >"$log/$label.txt" 2>&1
  grep -E "\[FAIL\]|Failed |Error Message|^   [A-Z]" "$log/$label.txt" | head -60
  local summary
  summary=$(grep -oE "Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+" "$log/$label.txt" | tail -1)
  if [ -z "$summary" ]; then
    echo "$label: no test summary (the test run crashed?)"; tail -30 "$log/$label.txt"
    failed=$((failed + 1)); return
  fi
  local f p s
  read -r f p s < <(echo "$summary" | grep -oE "[0-9]+" | tr '\n' ' ')
  echo "$label: $p passed, $f failed, $s skipped"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

# The Sentiment sample on a short budget: it must learn (ROC AUC well above chance), save, reload and score a file
# with --model/--test (one PredictBatch call on every core). Counted as one test.
sample() {
  echo "=== sample: Sentiment (3 epochs)"
  local out="$log/sentiment.safetensors" ok=1
  if ! dotnet run --project samples/Sentiment -c Release --no-build -- --epochs 3 --out "$out" >"$log/sample.txt" 2>&1; then ok=0; fi
  if ! dotnet run --project samples/Sentiment -c Release --no-build -- --model "$out" --test samples/Sentiment/data/fine_foods_train.csv >>"$log/sample.txt" 2>&1; then ok=0; fi
  local auc
  auc=$(grep -oE "^Validation: accuracy [0-9.]+, ROC AUC [0-9.]+" "$log/sample.txt" | grep -oE "[0-9.]+$")
  grep -E "^Validation|^accuracy=" "$log/sample.txt"
  if [ "$ok" -eq 1 ] && [ -n "$auc" ] && awk -v a="$auc" 'BEGIN { exit !(a >= 0.70) }' && tail -1 "$log/sample.txt" | grep -qE "^accuracy=0\.[0-9]+ auc=0\.[0-9]+ scored_per_second=[0-9]+$"; then
    echo "sample: passed"; passed=$((passed + 1))
  else
    echo "sample: FAILED (validation AUC '${auc}' must be ≥ 0.70, and --model/--test must end with accuracy=… auc=… scored_per_second=…)"; tail -20 "$log/sample.txt"; failed=$((failed + 1))
  fi
}

# Digits on a shorter budget: held-out accuracy must stay high (the full run reaches 0.99).
digits() {
  echo "=== sample: Digits (15 epochs)"
  local accuracy
  if dotnet run --project samples/Digits -c Release --no-build -- --epochs 15 >"$log/digits.txt" 2>&1; then
    accuracy=$(grep -oE "^accuracy=[0-9.]+" "$log/digits.txt" | grep -oE "[0-9.]+$")
  fi
  grep -E "^accuracy=" "$log/digits.txt"
  if [ -n "$accuracy" ] && awk -v a="$accuracy" 'BEGIN { exit !(a >= 0.95) }'; then
    echo "digits: passed"; passed=$((passed + 1))
  else
    echo "digits: FAILED (held-out accuracy '${accuracy}' must be ≥ 0.95)"; tail -20 "$log/digits.txt"; failed=$((failed + 1))
  fi
}

# Forecast on the bundled sunspots (a few seconds): the model selection, the test table and the final line
# rmse=… naive_rmse=… seasonal_naive_rmse=… ar_rmse=…; the LSTM must beat persistence and seasonal naive and come
# within 10 % of AR (the full run beats it), and the PNG chart must be written.
forecast() {
  echo "=== sample: Forecast"
  local line
  if dotnet run --project samples/Forecast -c Release --no-build -- --out "$log/forecast.png" >"$log/forecast.txt" 2>&1; then
    line=$(tail -1 "$log/forecast.txt" | grep -E "^rmse=[0-9.]+ naive_rmse=[0-9.]+ seasonal_naive_rmse=[0-9.]+ ar_rmse=[0-9.]+$")
  fi
  echo "$line"
  if [ -n "$line" ] && grep -q "^Chosen: " "$log/forecast.txt" && [ "$(head -c 4 "$log/forecast.png" 2>/dev/null | tail -c 3)" = "PNG" ] \
     && echo "$line" | awk -F'[= ]' '{ exit !($2 < $4 && $2 < $6 && $2 < 1.1 * $8) }'; then
    echo "forecast: passed"; passed=$((passed + 1))
  else
    echo "forecast: FAILED (rmse must be below naive_rmse and seasonal_naive_rmse and within 10 % of ar_rmse, after a model selection, with a PNG chart)"; tail -20 "$log/forecast.txt"; failed=$((failed + 1))
  fi
}

# Every sample's command line: --help prints the usage to stdout and exits 0; an unknown flag exits non-zero with a
# message on stderr. Counted as one test.
cli() {
  echo "=== samples: --help and a bad flag"
  local bad=""
  for name in Sentiment Digits Forecast NextWord CharModel Explorer Seq2Seq Streaming Serving; do
    local dll="samples/$name/bin/Release/net10.0/$name.dll"
    if ! dotnet "$dll" --help >"$log/help.txt" 2>"$log/help-err.txt" || ! grep -q "^Usage:" "$log/help.txt" || [ -s "$log/help-err.txt" ]; then
      bad="$bad $name(--help)"
    fi
    if dotnet "$dll" --no-such-flag >/dev/null 2>"$log/bad-flag.txt" || ! grep -q "no-such-flag" "$log/bad-flag.txt"; then
      bad="$bad $name(bad flag)"
    fi
  done
  if [ -z "$bad" ]; then
    echo "cli: passed"; passed=$((passed + 1))
  else
    echo "cli: FAILED:$bad"; failed=$((failed + 1))
  fi
}

# A sample with its own smoke script (its last line says passed or FAILED); counted as one test.
smoke() {
  local name=$1 script=$2
  echo "=== sample: $name"
  bash "$script" >"$log/$name.txt" 2>&1
  tail -3 "$log/$name.txt"
  if tail -n 1 "$log/$name.txt" | grep -q ": passed$"; then
    passed=$((passed + 1))
  else
    tail -30 "$log/$name.txt"; failed=$((failed + 1))
  fi
}

run default ""
run avx2 "$numeric" DOTNET_EnableAVX512=0
run sse-no-fma "$numeric" DOTNET_EnableAVX2=0
run scalar "$numeric" DOTNET_EnableHWIntrinsic=0
run forced-512 "$forced512" LSTMGEN_VECTOR_WIDTH=512
sample
digits
forecast
cli
smoke streaming samples/Streaming/smoke.sh
smoke charmodel samples/CharModel/smoke.sh
smoke nextword samples/NextWord/smoke.sh
smoke explorer samples/Explorer/smoke.sh
smoke seq2seq samples/Seq2Seq/smoke.sh
smoke serving samples/Serving/smoke.sh
smoke package tools/package-test.sh

rm -rf "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
