#!/usr/bin/env bash
# Times the generated models (W1–W4) with one harness twice: under the JIT (`dotnet run -c Release`)
# and as a NativeAOT binary, then prints both side by side with the ratio and the binary's size.
#
#   bench/aot.sh [--quick]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
project="$here/LstmGen.Bench.Aot"
rid="$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')"
binary="$project/bin/Release/net10.0/$rid/publish/LstmGen.Bench.Aot"

echo "== publishing NativeAOT ($rid)"
dotnet publish "$project" -c Release -r "$rid" --nologo -v quiet
echo "== building for the JIT"
dotnet build "$project" -c Release --nologo -v quiet

echo "== JIT"
jit="$(dotnet run --project "$project" -c Release --no-build -- "$@")"
echo "$jit"
echo
echo "== NativeAOT"
aot="$("$binary" "$@")"
echo "$aot"
echo

size=$(stat -c %s "$binary")
echo "NativeAOT binary: $binary, $(awk -v b="$size" 'BEGIN { printf "%.2f MB (%d bytes)", b / 1e6, b }')"
echo
{ grep '^result' <<<"$jit"; grep '^result' <<<"$aot"; } | awk -F '\t' '
  function ns(v) { return v >= 1e6 ? sprintf("%.3f ms", v / 1e6) : v >= 1e3 ? sprintf("%.2f us", v / 1e3) : sprintf("%.1f ns", v) }
  $2 == "JIT" { order[++n] = $3; jit[$3] = $4; jitAlloc[$3] = $6 }
  $2 == "NativeAOT" { aot[$3] = $4; aotAlloc[$3] = $6 }
  END {
    print "| workload | JIT median | NativeAOT median | AOT / JIT | allocated/call JIT / AOT |"
    print "|---|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
      w = order[i]
      printf "| %s | %s | %s | %.2f | %s B / %s B |\n", w, ns(jit[w]), ns(aot[w]), aot[w] / jit[w], jitAlloc[w], aotAlloc[w]
    }
  }'
