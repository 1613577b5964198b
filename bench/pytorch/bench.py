#!/usr/bin/python3
"""PyTorch peer of the LstmGen bench (TorchSharp does not load on this machine).

Reads the weights and inputs that `LstmGen.Bench export-pytorch DIR` writes, builds the same
nn.Embedding / nn.LSTM / nn.Linear modules, checks that they reproduce the generated model's outputs,
then times inference W1-W4 (one thread, batch 1, inference_mode) and training W5/W6 (Adam, batch 32).
Uses only the standard library and torch: run it with Debian's /usr/bin/python3 (python3-torch).

    bench/pytorch/run.sh [--system-blas] [--quick]   # export with the C# bench, then run this script
    /usr/bin/python3 bench/pytorch/bench.py DIR [--quick]
"""
import argparse
import json
import os
import statistics
import struct
import sys
import time

import torch
from torch import nn

WORKLOADS = {
    "w1": "W1 streaming step (1 -> 32 -> 1)",
    "w2": "W2 tiny sequence (20 tokens)",
    "w3": "W3 review (300 tokens)",
    "w4": "W4 characters (100 tokens, 2 x 256)",
}
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}


def read_safetensors(path):
    """Returns ({name: tensor}, metadata) of a safetensors file: 8-byte header size, JSON header, data."""
    with open(path, "rb") as f:
        data = f.read()
    (header_size,) = struct.unpack("<Q", data[:8])
    if 8 + header_size > len(data):
        raise ValueError(f"{path}: header size {header_size} exceeds the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + header_size])
    metadata = header.pop("__metadata__", {})
    base = 8 + header_size
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: {name}: unsupported dtype {info['dtype']}")
        raw = bytearray(data[base + begin:base + end])
        tensors[name] = torch.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).clone()
    return tensors, metadata


class LstmModel(nn.Module):
    """The module an LstmGen model mirrors; its state_dict names are the ones the C# bench writes."""

    def __init__(self, shape):
        super().__init__()
        self.tokens = shape["vocabulary"] > 0
        if self.tokens:
            self.embed = nn.Embedding(shape["vocabulary"], shape["embedding"])
        inputs = shape["embedding"] if self.tokens else shape["inputs"]
        self.lstm = nn.LSTM(inputs, shape["hidden"], num_layers=shape["layers"])  # [T, B, features]
        self.head = nn.Linear(shape["hidden"], shape["outputs"])
        self.kind = shape["head"]
        self.every_step = shape["head_on"] == "EveryStep"

    def logits(self, x, state=None):
        if self.tokens:
            x = self.embed(x)
        y, state = self.lstm(x, state)
        return self.head(y if self.every_step else y[-1]), state

    def forward(self, x, state=None):
        z, state = self.logits(x, state)
        if self.kind == "Sigmoid":
            z = torch.sigmoid(z)
        elif self.kind == "Softmax":
            z = torch.softmax(z, dim=-1)
        return z, state


def load(directory, name):
    weights, metadata = read_safetensors(os.path.join(directory, name + ".safetensors"))
    model = LstmModel(json.loads(metadata["shape"]))
    model.load_state_dict(weights, strict=True)
    model.eval()
    inputs, _ = read_safetensors(os.path.join(directory, name + ".expected.safetensors"))
    return model, inputs


def check(actual, expected, what):
    """Max-normalised agreement to 1e-4, as the C# bench's Same.Check."""
    actual, expected = actual.reshape(-1).double(), expected.reshape(-1).double()
    if actual.numel() != expected.numel():
        raise SystemExit(f"{what}: {actual.numel()} outputs, expected {expected.numel()}")
    scale = max(1e-3, expected.abs().max().item())
    error = (actual - expected).abs().max().item() / scale
    if error > 1e-4:
        raise SystemExit(f"{what}: PyTorch and the generated model disagree (error {error:.2e})")
    return error


def measure(call, rounds, target_seconds):
    """Median seconds per call over `rounds` rounds of n calls, n chosen so a round takes ~target_seconds."""
    call()
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    n = max(1, int(target_seconds / once))
    for _ in range(n):  # warm-up
        call()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            call()
        times.append((time.perf_counter() - start) / n)
    return statistics.median(times), n


def inference(directory, rounds, target):
    torch.set_num_threads(1)
    rows = []
    with torch.inference_mode():
        model, data = load(directory, "w1")
        sequence = data["inputs"].reshape(-1, 1, 1)  # [T, B=1, 1]
        state = None
        for t in range(sequence.shape[0]):  # step by step, the state carried as in the benchmark
            out, state = model(sequence[t:t + 1], state)
        error = check(out, data["expected"], "W1")
        x = torch.full((1, 1, 1), 0.25)
        hc = [state]

        def step():
            y, hc[0] = model(x, hc[0])
            return y

        seconds, n = measure(step, rounds, target)
        rows.append(("w1", seconds, n, error))

        for name in ("w2", "w3", "w4"):
            model, data = load(directory, name)
            tokens = data["tokens"].long().reshape(-1, 1)  # [T, B=1]
            out, _ = model(tokens)
            error = check(out, data["expected"], name.upper())
            seconds, n = measure(lambda: model(tokens), rounds, target)
            rows.append((name, seconds, n, error))
    return rows


def train_step_factory(model, inputs, targets, loss_fn):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits, _ = model.logits(inputs)
        loss = loss_fn(logits, targets)
        loss.backward()
        optimizer.step()
        return loss

    return step


def training(directory, threads, rounds):
    """W5 and W6: seconds per optimizer step (batch 32) at each thread count."""
    generator = torch.Generator().manual_seed(7)
    batch = 32
    results = []
    for count in threads:
        torch.set_num_threads(count)
        model, _ = load(directory, "w3")
        model.train()
        reviews = torch.randint(0, model.embed.num_embeddings, (300, batch), generator=generator)
        labels = (torch.arange(batch) % 2).float().reshape(batch, 1)
        step = train_step_factory(model, reviews, labels, nn.BCEWithLogitsLoss())
        seconds, _ = measure(step, rounds, 0)
        results.append(("W5", count, seconds, batch / seconds, "samples/s"))

        model, _ = load(directory, "w4")
        model.train()
        text = torch.randint(0, 65, (101, batch), generator=generator)
        inputs, targets = text[:-1], text[1:]  # truncated BPTT window: 100 characters, next-character targets
        cross_entropy = nn.CrossEntropyLoss()
        step = train_step_factory(model, inputs, targets, lambda z, y: cross_entropy(z.reshape(-1, 65), y.reshape(-1)))
        seconds, _ = measure(step, rounds, 0)
        results.append(("W6", count, seconds, batch * 100 / seconds, "characters/s"))
    return results


def blas_in_use():
    """The BLAS shared library this process mapped (Debian's torch uses the libblas.so.3 alternative)."""
    try:
        with open("/proc/self/maps") as maps:
            names = {line.split()[-1] for line in maps if "blas" in line.lower()}
        return ", ".join(sorted(os.path.realpath(n) for n in names)) or "none mapped"
    except OSError:
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="what `LstmGen.Bench export-pytorch DIR` wrote")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (a smoke test)")
    args = parser.parse_args()
    rounds, target, train_rounds = (3, 0.05, 2) if args.quick else (9, 0.25, 5)

    default_threads = torch.get_num_threads()
    print(f"PyTorch {torch.__version__}, Python {sys.version.split()[0]}, default threads {default_threads}, "
          f"logical CPUs {os.cpu_count()}")

    rows = inference(args.directory, rounds, target)
    print(f"BLAS: {blas_in_use()}")
    print()
    print("Inference, 1 thread, batch 1, inference_mode (median of rounds; agreement with the generated model)")
    print(f"| {'workload':<38} | {'median':>12} | {'calls/round':>11} | {'max error':>9} |")
    print(f"|{'-' * 40}|{'-' * 14}|{'-' * 13}|{'-' * 11}|")
    for name, seconds, n, error in rows:
        print(f"| {WORKLOADS[name]:<38} | {format_time(seconds):>12} | {n:>11} | {error:>9.1e} |")

    threads = sorted({default_threads, 1, os.cpu_count() or 1})
    print()
    print(f"Training, batch 32, Adam, one optimizer step per batch (median of {train_rounds} steps)")
    print(f"| {'workload':<40} | {'threads':>11} | {'step':>10} | {'throughput':>23} |")
    print(f"|{'-' * 42}|{'-' * 13}|{'-' * 12}|{'-' * 25}|")
    labels = {"W5": "W5 reviews (W3 model, T 300, BCE)", "W6": "W6 characters (W4 model, T 100, CE)"}
    for workload, count, seconds, rate, unit in training(args.directory, threads, train_rounds):
        shown = f"{count} (default)" if count == default_threads else str(count)
        print(f"| {labels[workload]:<40} | {shown:>11} | {format_time(seconds):>10} | {format_rate(rate):>10} {unit:<12} |")


def format_rate(rate):
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.3g}"


def format_time(seconds):
    if seconds >= 1e-1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.2f} us"


if __name__ == "__main__":
    main()
