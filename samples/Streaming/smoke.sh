#!/usr/bin/env bash
# Publishes samples/Streaming with NativeAOT, runs the published binary over 100,000 samples and checks
# what it printed: it ran as NativeAOT, allocated nothing while streaming, removed most of the noise,
# and reported sane latencies and binary size. Last line: `streaming: passed` or `streaming: FAILED (...)`.
#
#   samples/Streaming/smoke.sh        (from anywhere; about a minute, most of it the publish)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fail() { echo "streaming: FAILED ($*)"; exit 1; }

rid="$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')"
[ -n "$rid" ] || fail "could not read the RID from dotnet --info"
binary="$here/bin/Release/net10.0/$rid/publish/Streaming"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT

# The publish options the csproj leaves to the machine: the CPU to compile for (this one: the smoke runs the binary
# where it was built) and, where clang is missing, gcc as the C toolchain that links the binary.
# Not -p:PublishAot here: it is in the csproj (on the command line it would reach the netstandard2.0 generator).
aot=(-p:IlcInstructionSet=native)
command -v clang >/dev/null || aot+=(-p:CppCompilerAndLinker=gcc)
echo "=== publishing samples/Streaming with NativeAOT ($rid, ${aot[*]})"
if ! dotnet publish "$here/Streaming.csproj" -c Release -r "$rid" "${aot[@]}" --nologo -v quiet >"$log/publish.txt" 2>&1; then
  tail -30 "$log/publish.txt"
  fail "dotnet publish failed"
fi
[ -x "$binary" ] || fail "no binary at $binary"

# The command line works in the binary too: --help to stdout with exit 0, an unknown flag exits non-zero.
"$binary" --help >"$log/help.txt" 2>&1 || fail "--help exited with an error"
grep -q -- "--steps" "$log/help.txt" && grep -q "train" "$log/help.txt" || fail "--help does not list --steps and the train command"
if "$binary" --no-such-flag >/dev/null 2>&1; then fail "an unknown flag did not fail"; fi

echo "=== running $binary"
if ! "$binary" --steps 100000 >"$log/run.txt" 2>&1; then
  cat "$log/run.txt"
  fail "the binary exited with an error"
fi
cat "$log/run.txt"

# The last line is key=value pairs; pull out one value.
last="$(tail -n 1 "$log/run.txt")"
value() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$last"; }
mode="$(value mode)" steps="$(value steps)" p50="$(value p50_ns)" p99="$(value p99_ns)" allocated="$(value allocated_bytes)"
rmse="$(value rmse)" noisy="$(value noisy_rmse)" size="$(value binary_bytes)"
for v in mode steps p50 p99 allocated rmse noisy size; do [ -n "${!v}" ] || fail "no $v in the last line: $last"; done

[ "$mode" = NativeAOT ] || fail "ran as $mode, not NativeAOT"
[ "$steps" = 100000 ] || fail "streamed $steps steps, not 100000"
[ "$allocated" = 0 ] || fail "$allocated bytes allocated while streaming, expected 0"
awk -v r="$rmse" -v n="$noisy" 'BEGIN { exit !(n > 0.25 && r < 0.5 * n) }' || fail "model RMSE $rmse is not under half the noisy input's $noisy"
# Generous bounds: the machine is shared, so only nonsense should fail.
awk -v a="$p50" -v b="$p99" 'BEGIN { exit !(a > 0 && a <= b && b < 100000) }' || fail "latencies p50 $p50 ns, p99 $p99 ns out of range"
[ "$size" = "$(stat -c %s "$binary")" ] || fail "reported size $size is not the binary's $(stat -c %s "$binary") bytes"
awk -v s="$size" 'BEGIN { exit !(s > 500000 && s < 50000000) }' || fail "binary size $size bytes out of range"

echo "streaming: passed"
