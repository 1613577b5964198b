#!/usr/bin/python3
"""PyTorch peer of the LstmGen bench.

Reads the weights and inputs that `LstmGen.Bench export-pytorch DIR` writes, builds the same
nn.Embedding / nn.LSTM / nn.Linear modules, checks that they reproduce the generated model's outputs,
then times inference W1-W4 (one thread, batch 1, inference_mode), W7 (W3's and W4's models at batch
1, 8, 32, 64, one thread), training W5/W6 (Adam, batch 32) and W8 (the Sentiment sample's model:
bidirectional LSTM, input dropout, packed sequences; at several batch sizes and thread counts).
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
    "w7_review": "W7 on W3's model (300 tokens)",
    "w7_char": "W7 on W4's model (100 characters)",
}
BATCHES = (1, 8, 32, 64)
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


def batches_inference(directory, rounds, target):
    """W7: B sequences of one length per call, [T, B] time-major, one thread; checked against the generated
    model's one-at-a-time outputs of the same sequences."""
    torch.set_num_threads(1)
    rows = []
    with torch.inference_mode():
        for name in ("w7_review", "w7_char"):
            model, data = load(directory, name)
            tokens = data["tokens"].long()  # [64, T], sequence-major
            expected = data["expected"].reshape(tokens.shape[0], -1)
            for batch in BATCHES:
                x = tokens[:batch].t().contiguous()  # [T, B]
                out, _ = model(x)
                if model.every_step:
                    out = out.transpose(0, 1)  # [T, B, O] -> [B, T, O], the generated model's order
                error = check(out, expected[:batch], f"{name} batch {batch}")
                seconds, n = measure(lambda: model(x), rounds, target)
                rows.append((name, batch, seconds, error))
    return rows


class SentimentNet(nn.Module):
    """samples/Sentiment's model: Embedding(5000, 32) -> dropout 0.3 -> bidirectional LSTM(64) on packed sequences
    -> cat(h_n[-2], h_n[-1]) -> Linear(128, 1); logits (the sigmoid is in the loss)."""

    def __init__(self, shape):
        super().__init__()
        self.embed = nn.Embedding(shape["vocabulary"], shape["embedding"])
        self.lstm = nn.LSTM(shape["embedding"], shape["hidden"], bidirectional=True)  # [T, B, features]
        self.head = nn.Linear(2 * shape["hidden"], shape["outputs"])
        self.dropout = nn.Dropout(shape["input_dropout"])

    def forward(self, padded, lengths, masks=None):
        x = self.embed(padded)
        x = x * masks if masks is not None else self.dropout(x)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        return self.head(torch.cat((h_n[-2], h_n[-1]), dim=1)).squeeze(1)


def pad(sequences):
    """[T, B] zero-padded token ids and the lengths."""
    lengths = torch.tensor([len(s) for s in sequences])
    padded = torch.zeros(int(lengths.max()), len(sequences), dtype=torch.long)
    for b, s in enumerate(sequences):
        padded[:len(s), b] = s
    return padded, lengths


def sentiment(directory, threads, batches, rounds):
    """W8: check the training forward and backward against the generated model's (same weights, same dropout masks),
    then time epochs over the exported reviews at each batch size and thread count (samples/s)."""
    weights, metadata = read_safetensors(os.path.join(directory, "w8.safetensors"))
    shape = json.loads(metadata["shape"])
    shape.setdefault("input_dropout", 0.3)
    data, _ = read_safetensors(os.path.join(directory, "w8.expected.safetensors"))
    tokens, lengths, labels = data["tokens"].long(), data["lengths"].tolist(), data["labels"].float()
    reviews, start = [], 0
    for n in lengths:
        reviews.append(tokens[start:start + n])
        start += n

    net = SentimentNet(shape)
    net.load_state_dict(weights, strict=False)  # the dropout module has no weights
    missing = set(net.state_dict()) - set(weights)
    if missing:
        raise SystemExit(f"W8: weights missing for {sorted(missing)}")
    net.train()
    check_count = data["check_logits"].numel()
    padded, check_lengths = pad(reviews[:check_count])
    masks = torch.zeros(padded.shape[0], check_count, shape["embedding"])
    row = 0
    for b, n in enumerate(check_lengths.tolist()):
        masks[:n, b] = data["check_masks"][row:row + n]
        row += n
    logits = net(padded, check_lengths, masks)
    errors = [check(logits.detach(), data["check_logits"], "W8 training logits")]
    loss = nn.BCEWithLogitsLoss()(logits, labels[:check_count])
    loss.backward()
    for name, parameter in net.named_parameters():
        errors.append(check(parameter.grad, data["grad." + name], f"W8 gradient of {name}"))

    results = []
    generator = torch.Generator().manual_seed(7)
    for count in threads:
        torch.set_num_threads(count)
        for batch in batches:
            net = SentimentNet(shape)
            net.load_state_dict(weights, strict=False)
            net.train()
            optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
            loss_fn = nn.BCEWithLogitsLoss()
            order = torch.randperm(len(reviews), generator=generator).tolist()
            prepared = []
            for begin in range(0, len(order), batch):
                chunk = order[begin:begin + batch]
                padded, chunk_lengths = pad([reviews[i] for i in chunk])
                prepared.append((padded, chunk_lengths, labels[chunk]))

            def epoch():
                for padded, chunk_lengths, target in prepared:
                    optimizer.zero_grad(set_to_none=True)
                    loss = loss_fn(net(padded, chunk_lengths), target)
                    loss.backward()
                    nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                    optimizer.step()

            seconds, _ = measure(epoch, rounds, 0)
            results.append((count, batch, seconds, len(reviews) / seconds))
    return max(errors), len(reviews), sum(lengths) / len(lengths), results


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
    parser.add_argument("--w8-threads", metavar="N,N", help="W8's thread counts (default: 1 and one per logical CPU)")
    parser.add_argument("--batches-only", action="store_true", help="W7 and W8 only (what bench/batches.sh needs)")
    parser.add_argument("--json", metavar="FILE", help="also write W7's and W8's results there (for bench/batch_summary.py)")
    args = parser.parse_args()
    rounds, target, train_rounds = (3, 0.05, 2) if args.quick else (9, 0.25, 5)

    default_threads = torch.get_num_threads()
    print(f"PyTorch {torch.__version__}, Python {sys.version.split()[0]}, default threads {default_threads}, "
          f"logical CPUs {os.cpu_count()}")

    if not args.batches_only:
        rows = inference(args.directory, rounds, target)
        print(f"BLAS: {blas_in_use()}")
        print()
        print("Inference, 1 thread, batch 1, inference_mode (median of rounds; agreement with the generated model)")
        print(f"| {'workload':<38} | {'median':>12} | {'calls/round':>11} | {'max error':>9} |")
        print(f"|{'-' * 40}|{'-' * 14}|{'-' * 13}|{'-' * 11}|")
        for name, seconds, n, error in rows:
            print(f"| {WORKLOADS[name]:<38} | {format_time(seconds):>12} | {n:>11} | {error:>9.1e} |")

    print()
    print("W7: B sequences per call, [T, B] time-major, 1 thread, inference_mode (median of rounds)")
    print(f"| {'workload':<34} | {'batch':>5} | {'call':>12} | {'sequences/s':>11} | {'max error':>9} |")
    print(f"|{'-' * 36}|{'-' * 7}|{'-' * 14}|{'-' * 13}|{'-' * 11}|")
    summary = {"torch": torch.__version__, "w7": {}, "w8": []}
    for name, batch, seconds, error in batches_inference(args.directory, rounds, target):
        summary["w7"][f"{name.split('_')[1]}/{batch}"] = seconds * 1e9
        print(f"| {WORKLOADS[name]:<34} | {batch:>5} | {format_time(seconds):>12} | {format_rate(batch / seconds):>11} | {error:>9.1e} |")

    threads = sorted({default_threads, 1, os.cpu_count() or 1})
    if not args.batches_only:
        print()
        print(f"Training, batch 32, Adam, one optimizer step per batch (median of {train_rounds} steps)")
        print(f"| {'workload':<40} | {'threads':>11} | {'step':>10} | {'throughput':>23} |")
        print(f"|{'-' * 42}|{'-' * 13}|{'-' * 12}|{'-' * 25}|")
        labels = {"W5": "W5 reviews (W3 model, T 300, BCE)", "W6": "W6 characters (W4 model, T 100, CE)"}
        for workload, count, seconds, rate, unit in training(args.directory, threads, train_rounds):
            shown = f"{count} (default)" if count == default_threads else str(count)
            print(f"| {labels[workload]:<40} | {shown:>11} | {format_time(seconds):>10} | {format_rate(rate):>10} {unit:<12} |")

    sentiment_batches = (32,) if args.quick else (32, 64, 128, 256)
    w8_threads = [int(n) for n in args.w8_threads.split(",")] if args.w8_threads else threads
    error, count, mean_length, rows = sentiment(args.directory, w8_threads, sentiment_batches, 1 if args.quick else 3)
    print()
    print(f"BLAS: {blas_in_use()}")
    print(f"W8: the Sentiment model (bidirectional LSTM(64), input dropout 0.3, packed sequences), Adam 2e-3, clipping 1;")
    print(f"one epoch over {count} reviews (mean {mean_length:.1f} words), median of epochs; training forward and gradients")
    print(f"checked against the generated model with its dropout masks: max error {error:.1e}")
    print(f"| {'threads':>11} | {'batch':>5} | {'epoch':>10} | {'samples/s':>10} |")
    print(f"|{'-' * 13}|{'-' * 7}|{'-' * 12}|{'-' * 12}|")
    for count, batch, seconds, rate in rows:
        shown = f"{count} (default)" if count == default_threads else str(count)
        print(f"| {shown:>11} | {batch:>5} | {format_time(seconds):>10} | {format_rate(rate):>10} |")
        summary["w8"].append({"threads": count, "batch": batch, "samples_per_second": rate})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)


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
