#!/usr/bin/env python3
"""W7-W9 side by side: each implementation's time, the generated model's fraction of the floor and its ratio to the
best peer, from one sitting's results (what bench/batches.sh collects).

    python3 bench/batch_summary.py FLOORS.json RESULTS_DIR [PYTORCH.json]

FLOORS.json is `LstmGen.Bench floors --json FILE`; RESULTS_DIR holds BenchmarkDotNet's CSV reports
(LstmGen.Bench.ReviewBatch-report.csv, ...CharBatch..., ...SentimentTraining..., ...StreamBatchStep...);
PYTORCH.json is `bench/pytorch/bench.py DIR --json FILE`. Medians throughout. Standard library only.
"""
import csv
import json
import os
import sys

UNITS = {"ns": 1.0, "us": 1e3, "\u03bcs": 1e3, "\u00b5s": 1e3, "ms": 1e6, "s": 1e9}


def nanoseconds(text):
    value, unit = text.replace(",", "").split()
    return float(value) * UNITS[unit]


def report(directory, name):
    """{(method, params...): median ns} from one BenchmarkDotNet CSV report, or {} when it is missing."""
    path = os.path.join(directory, f"LstmGen.Bench.{name}-report.csv")
    if not os.path.exists(path):
        return {}
    rows = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("Median", "NA") in ("NA", ""):
                continue
            key = (row["Method"], row.get("Batch") or row.get("Threads") or "")
            rows[key] = nanoseconds(row["Median"])
    return rows


def time(ns):
    if ns is None:
        return "—"
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        floors = json.load(f)
    results = sys.argv[2]
    pytorch = {}
    if len(sys.argv) == 4 and os.path.exists(sys.argv[3]):
        with open(sys.argv[3], encoding="utf-8") as f:
            pytorch = json.load(f)

    print(f"Floors measured at {floors['width']} ({floors['instruction_sets']}): {floors['multiply_adds_per_ns']:.1f} "
          f"multiply-adds/ns, L2 {floors['l2_bytes_per_ns']:.0f} GB/s, L3 {floors['l3_bytes_per_ns']:.0f} GB/s, "
          f"clock {floors['gigahertz']:.2f} GHz")
    print()
    print("W7, one thread, time per call of B sequences (median); fraction of the floor = floor / generated; "
          "vs best peer = best peer's time / generated's (> 1: the generated model is faster)")
    print()
    print("| workload | B | Generated | ONNX Runtime | TorchSharp | PyTorch | generated seq/s | floor | of the floor | vs best peer |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, label in (("ReviewBatch", "review"), ("CharBatch", "char")):
        rows = report(results, name)
        for batch in (1, 8, 32, 64):
            b = str(batch)
            generated = rows.get(("Generated", b))
            peers = {"ONNX Runtime": rows.get(("OnnxRuntime", b)), "TorchSharp": rows.get(("TorchSharp", b)),
                     "PyTorch": pytorch.get("w7", {}).get(f"{label}/{batch}")}
            floor = floors["w7_call_ns"][f"{label}/{batch}"]
            known = [v for v in peers.values() if v is not None]
            best = min(known) if known else None
            workload = "W3 (300 tokens)" if label == "review" else "W4 (100 characters)"
            print(f"| {workload} | {batch} | {time(generated)} | {time(peers['ONNX Runtime'])} | {time(peers['TorchSharp'])} | "
                  f"{time(peers['PyTorch'])} | {batch * 1e9 / generated:,.0f} | {time(floor)} | "
                  f"{floor / generated:.0%} | {best / generated:.2f}× |" if generated else
                  f"| {workload} | {batch} | — | {time(peers['ONNX Runtime'])} | {time(peers['TorchSharp'])} | {time(peers['PyTorch'])} | — | {time(floor)} | — | — |")

    print()
    rows = report(results, "SentimentTraining")
    floor = floors.get("w8_samples_per_second")
    print(f"W8, samples/s (BenchmarkDotNet: ns per review, median; PyTorch: its best batch and thread count); "
          f"the two-core multiply-add floor: {floor:,.0f} samples/s" if floor else "W8, samples/s")
    print()
    print("| implementation | threads | samples/s | of the floor |")
    print("|---|---:|---:|---:|")
    best_peer = None
    for (method, threads), ns in sorted(rows.items()):
        rate = 1e9 / ns
        if method != "Generated":
            best_peer = max(best_peer or 0, rate)
        print(f"| {method} | {threads} | {rate:,.0f} | {rate / floor:.0%} |" if floor else f"| {method} | {threads} | {rate:,.0f} | — |")
    if pytorch.get("w8"):
        top = max(pytorch["w8"], key=lambda r: r["samples_per_second"])
        best_peer = max(best_peer or 0, top["samples_per_second"])
        print(f"| PyTorch {pytorch.get('torch', '')}, batch {top['batch']} | {top['threads']} | {top['samples_per_second']:,.0f} | "
              f"{top['samples_per_second'] / floor:.0%} |" if floor else "")
    generated = rows.get(("Generated", "2"))
    if generated and best_peer:
        print(f"\nGenerated (2 threads) vs the best peer: {1e9 / generated / best_peer:.2f}×")

    print()
    rows = report(results, "StreamBatchStep")
    generated, onnx = rows.get(("Generated", "")), rows.get(("OnnxRuntime", ""))
    print(f"W9, 1,024 streams one step each, one thread (median per call); floor {time(floors['w9_ns'])} "
          f"(multiply-adds alone {time(floors['w9_multiply_add_ns'])})")
    print()
    print("| implementation | per call | per stream-step | of the floor |")
    print("|---|---:|---:|---:|")
    for method, ns in (("Generated (StepBatch)", generated), ("ONNX Runtime, batch 1,024", onnx)):
        if ns:
            print(f"| {method} | {time(ns)} | {time(ns / 1024)} | {floors['w9_ns'] / ns:.0%} |")
    if generated and onnx:
        print(f"\nGenerated vs ONNX Runtime: {onnx / generated:.2f}×")


if __name__ == "__main__":
    main()
