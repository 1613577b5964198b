#!/usr/bin/env bash
# Smoke test of samples/CharModel on a fixed budget of optimizer steps (so the result does not depend on the machine's
# speed or load; about a minute on 2 idle cores): it learns (validation bpc well below the uniform and
# unigram baselines, scored on every core by model.Evaluate), prints generated text, writes a checkpoint, resumes from
# it, and --eval with the saved model ends with bits_per_char=… ngram_bits_per_char=… (a Kneser-Ney character n-gram
# fitted on the training text).
# Run from the repository root after `dotnet build LstmGen.sln -c Release`.
set -u
run() { dotnet run --project samples/CharModel -c Release --no-build -- "$@"; }
# run_to LOG ARGS…: runs the sample into LOG and prints LOG; a non-zero exit fails the test.
run_to() { local log=$1; shift; run "$@" >"$log" 2>&1; local rc=$?; cat "$log"; [ $rc -eq 0 ] || fail "run $* exited with $rc"; }
fail() { echo "charmodel: FAILED ($1)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ckpt="$work/char.checkpoint.safetensors"

# 1. Train from scratch: 100 steps (the README's run is at 3.46 bpc after 96).
run_to "$work/train.log" --steps 100 --report 8 --out "$ckpt" --generate 120
bpc=$(sed -n 's/^validation_bits_per_char=\([0-9.]*\) ngram_bits_per_char=[0-9.]*$/\1/p' "$work/train.log" | tail -1)
unigram=$(sed -n 's/.*unigram \([0-9.]*\) bpc.*/\1/p' "$work/train.log" | head -1)
[ -n "$bpc" ] && [ -n "$unigram" ] || fail "no validation bpc or unigram baseline in the output"
awk -v b="$bpc" -v u="$unigram" 'BEGIN { exit !(b < u - 0.3 && b < log(97)/log(2) - 1) }' || fail "validation bpc $bpc not clearly below unigram $unigram / uniform 6.600"
[ -s "$ckpt" ] || fail "no checkpoint written"
grep -q '^  | Elizabeth ' "$work/train.log" || fail "no generated sample during training"

# 2. Resume from the checkpoint for 10 more steps.
steps1=$(sed -n 's/^step *\([0-9]*\) .*/\1/p' "$work/train.log" | tail -1)
run_to "$work/resume.log" --steps 110 --report 600 --out "$ckpt"
grep -q "^Resuming from .* (step $steps1)" "$work/resume.log" || fail "the second run did not resume from step $steps1"
steps2=$(sed -n 's/^step *\([0-9]*\) .*/\1/p' "$work/resume.log" | tail -1)
[ "$steps1" = 100 ] && [ "$steps2" = 110 ] || fail "the runs ended at steps $steps1 and $steps2, not 100 and 110"

# 3. Generate and evaluate with the saved model (no training); the eval text has characters outside the set.
{ head -c 6000 samples/CharModel/data/persuasion.txt; printf '\nCafé naïve — “quoted”\n'; } >"$work/eval.txt"
run_to "$work/eval.log" --model "$ckpt" --generate 200 --temperature 0.8 --eval "$work/eval.txt"
grep -q '([1-9][0-9]* unknown)' "$work/eval.log" || fail "unknown characters were not counted"
[ "$(grep -c . <(sed -n '/^--- 200 characters/,/^---$/p' "$work/eval.log"))" -ge 3 ] || fail "no generated text"
last=$(tail -1 "$work/eval.log")
[[ "$last" =~ ^bits_per_char=([0-9]+\.[0-9]{3})\ ngram_bits_per_char=([0-9]+\.[0-9]{3})$ ]] || fail "--eval did not end with bits_per_char=x.xxx ngram_bits_per_char=y.yyy (got '$last')"
ebpc=${BASH_REMATCH[1]} ngram=${BASH_REMATCH[2]}
awk -v b="$ebpc" -v u="$unigram" 'BEGIN { exit !(b < u) }' || fail "--eval bpc $ebpc not below unigram $unigram"
# The n-gram fitted on the training text must itself be far better than the unigram on this Austen text.
awk -v g="$ngram" -v u="$unigram" 'BEGIN { exit !(g < u - 1) }' || fail "n-gram bpc $ngram not clearly below unigram $unigram"

echo "charmodel: passed"
