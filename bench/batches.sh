#!/usr/bin/env bash
# The many-sequence workloads (W7-W9) in one command: the floors of this machine, the BenchmarkDotNet classes with
# every peer that loads (TorchSharp through bench/torchsharp/run.sh unless --no-torchsharp), PyTorch (when Debian's
# python3-torch is installed), then one summary with each workload's fraction of the floor and ratio to the best peer.
#
#   bench/batches.sh [--no-torchsharp] [--no-pytorch] [--dry] [--w8-threads=N,N]
#
# --dry: BenchmarkDotNet's dry job and PyTorch --quick (a smoke test); --w8-threads: PyTorch W8's thread counts
# (default 1 and one per logical CPU; libtorch's spinning threads collapse on a machine that other jobs load).
#
# Everything lands in bench/.batches/<date-time>/: uptime before and after, floors.json, the BenchmarkDotNet CSV
# reports, pytorch.json, the raw logs and summary.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
torchsharp=1
pytorch=1
job=()
quick=()
w8=()
for arg in "$@"; do
  case "$arg" in
    --no-torchsharp) torchsharp=0 ;;
    --no-pytorch) pytorch=0 ;;
    --dry) job=(--job dry); quick=(--quick) ;;
    --w8-threads=*) w8=(--w8-threads "${arg#--w8-threads=}") ;;
    *) echo "usage: bench/batches.sh [--no-torchsharp] [--no-pytorch] [--dry] [--w8-threads=N,N]" >&2; exit 2 ;;
  esac
done
out="$here/.batches/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
bench="$here/LstmGen.Bench"
filter=(--filter '*ReviewBatch*' '*CharBatch*' '*StreamBatchStep*' '*SentimentTraining*')

{ date -u; uptime; } > "$out/uptime-before.txt"
cat "$out/uptime-before.txt"

(cd "$bench" && dotnet run -c Release -- floors --json "$out/floors.json") | tee "$out/floors.txt"

rm -rf "$bench/BenchmarkDotNet.Artifacts/results"
if [[ $torchsharp == 1 ]]; then
  "$here/torchsharp/run.sh" "${filter[@]}" ${job[@]+"${job[@]}"} | tee "$out/benchmarkdotnet.txt"
else
  (cd "$bench" && dotnet run -c Release -- "${filter[@]}" ${job[@]+"${job[@]}"}) | tee "$out/benchmarkdotnet.txt"
fi
cp "$bench"/BenchmarkDotNet.Artifacts/results/*.csv "$out/"

if [[ $pytorch == 1 ]] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
  "$here/pytorch/run.sh" ${quick[@]+"${quick[@]}"} --batches-only ${w8[@]+"${w8[@]}"} --json "$out/pytorch.json" | tee "$out/pytorch.txt"
elif [[ $pytorch == 1 ]]; then
  echo "bench/batches.sh: /usr/bin/python3 cannot import torch; PyTorch left out (apt-get install python3-torch)." | tee "$out/pytorch.txt"
fi

{ date -u; uptime; } > "$out/uptime-after.txt"
python3 "$here/batch_summary.py" "$out/floors.json" "$out" "$out/pytorch.json" | tee "$out/summary.md"
echo "load before: $(cat "$out/uptime-before.txt" | tail -1)"
echo "load after:  $(cat "$out/uptime-after.txt" | tail -1)"
echo "bench/batches.sh: results in $out"
