#!/usr/bin/env bash
# Smoke test of samples/NextWord on a fixed, small budget (120 optimizer steps, about a third of an epoch, so the
# result does not depend on the machine's speed): on held-out text the LSTM must beat the Kneser-Ney bigram level
# fitted on the same words (it has learned to use more than the previous word) and halve the unigram perplexity;
# the saved model then suggests next words and --eval on another text ends with perplexity=… ngram_perplexity=….
# (The full default run, 4.5 minutes, is compared with the trigram in README.md.)
# Run from the repository root after `dotnet build LstmGen.sln -c Release`.
set -u
run() { dotnet run --project samples/NextWord -c Release --no-build -- "$@"; }
run_to() { local log=$1; shift; run "$@" >"$log" 2>&1; local rc=$?; cat "$log"; [ $rc -eq 0 ] || fail "run $* exited with $rc"; }
fail() { echo "nextword: FAILED ($1)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=samples/NextWord/data
head -c 120000 "$data/persuasion.txt" >"$work/held-out.txt"                       # never trained on
tail -c 60000 "$data/persuasion.txt" >"$work/other.txt"

# 1. Train a fixed number of steps; the last line scores the held-out text.
run_to "$work/train.log" --steps 120 --report 100000 --model "$work/nw.safetensors" --held-out "$work/held-out.txt" --generate 20
last=$(tail -1 "$work/train.log")
[[ "$last" =~ ^perplexity=([0-9.]+)\ ngram_perplexity=([0-9.]+)$ ]] || fail "training did not end with perplexity=… ngram_perplexity=… (got '$last')"
lstm=${BASH_REMATCH[1]}
baselines=$(grep '^baselines on it:' "$work/train.log" | tail -1)
[[ "$baselines" =~ unigram\ ([0-9.]+),\ bigram\ ([0-9.]+) ]] || fail "no unigram/bigram baselines printed"
unigram=${BASH_REMATCH[1]} bigram=${BASH_REMATCH[2]}
awk -v p="$lstm" -v b="$bigram" -v u="$unigram" 'BEGIN { exit !(p < b && p < u / 2) }' || fail "held-out perplexity $lstm not below the bigram's $bigram and half the unigram's $unigram"
[ -s "$work/nw.safetensors" ] && [ -s "$work/nw.safetensors.vocab.txt" ] || fail "model or vocabulary not saved"

# 2. The saved model: suggestions and --eval on another text.
run_to "$work/eval.log" --model "$work/nw.safetensors" --suggest "she could not" --top 3 --eval "$work/other.txt"
grep -qE '^  LSTM: +[^ ]+ [0-9]+ %' "$work/eval.log" || fail "no suggestions printed"
[[ "$(tail -1 "$work/eval.log")" =~ ^perplexity=[0-9]+\.[0-9]{2}\ ngram_perplexity=[0-9]+\.[0-9]{2}$ ]] || fail "--eval did not end with perplexity=… ngram_perplexity=…"

echo "nextword: passed"
