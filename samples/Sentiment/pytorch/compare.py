#!/usr/bin/python3
"""Trains the Sentiment sample's model in PyTorch on exactly the sample's split, for comparison.

Reads train.tsv / validation.tsv written by
    dotnet run --project samples/Sentiment -c Release -- --export-split DIR
(one review per line: label, tab, word ids; ids < 5000, 0 = padding, 1 = unknown; reviews already
truncated to their last 200 words, not padded). Trains nn.Embedding(5000, 32) -> nn.LSTM(32, 64)
[--bidirectional: bidirectional=True, the head reading cat(h_n[-2], h_n[-1])] -> nn.Linear -> sigmoid,
with the sample's schedule: Adam (lr 2e-3), batch 32, gradient norm clipped at 1, at most 12 epochs,
early stopping on validation ROC AUC with patience 3, best weights restored. Sequences are packed
(pack_padded_sequence), so every review is read at its own length, as the sample does.
Prints the best epoch's validation accuracy and ROC AUC.
"""
import argparse
import os
import random

import torch
import torch.nn as nn


def read(path):
    labels, sequences = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            label, ids = line.rstrip("\n").split("\t")
            labels.append(float(label))
            sequences.append([int(i) for i in ids.split()] if ids else [1])
    return sequences, labels


def roc_auc(scores, labels):
    # Mann-Whitney U with average ranks for ties.
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(1 for y in labels if y == 1)
    negatives = len(labels) - positives
    rank_sum = sum(r for r, y in zip(ranks, labels) if y == 1)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


class Net(nn.Module):
    def __init__(self, bidirectional):
        super().__init__()
        self.embed = nn.Embedding(5000, 32)
        self.lstm = nn.LSTM(32, 64, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(128 if bidirectional else 64, 1)
        self.bidirectional = bidirectional

    def forward(self, batch, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(batch), lengths, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        final = torch.cat((h_n[-2], h_n[-1]), dim=1) if self.bidirectional else h_n[-1]
        return self.head(final).squeeze(1)


def batches(sequences, labels, size, shuffle):
    index = list(range(len(sequences)))
    if shuffle:
        random.shuffle(index)
    for start in range(0, len(index), size):
        chunk = index[start:start + size]
        lengths = torch.tensor([len(sequences[i]) for i in chunk])
        padded = torch.zeros(len(chunk), int(lengths.max()), dtype=torch.long)
        for row, i in enumerate(chunk):
            padded[row, :len(sequences[i])] = torch.tensor(sequences[i])
        yield padded, lengths, torch.tensor([labels[i] for i in chunk])


def evaluate(net, sequences, labels):
    net.eval()
    scores = []
    with torch.no_grad():
        for batch, lengths, _ in batches(sequences, labels, 256, shuffle=False):
            scores.extend(torch.sigmoid(net(batch, lengths)).tolist())
    accuracy = sum(1 for s, y in zip(scores, labels) if (s >= 0.5) == (y == 1)) / len(labels)
    return accuracy, roc_auc(scores, labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("split", help="folder with train.tsv and validation.tsv")
    parser.add_argument("--bidirectional", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(2)
    train_x, train_y = read(os.path.join(args.split, "train.tsv"))
    valid_x, valid_y = read(os.path.join(args.split, "validation.tsv"))
    net = Net(args.bidirectional)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    best, best_state, waited = None, None, 0
    for epoch in range(1, 13):
        net.train()
        for batch, lengths, target in batches(train_x, train_y, 32, shuffle=True):
            optimizer.zero_grad()
            loss = loss_fn(net(batch, lengths), target)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
        accuracy, auc = evaluate(net, valid_x, valid_y)
        print(f"epoch {epoch}: validation accuracy {accuracy:.3f}, ROC AUC {auc:.3f}", flush=True)
        if best is None or auc > best[1]:
            best, best_state, waited = (accuracy, auc, epoch), {k: v.clone() for k, v in net.state_dict().items()}, 0
        else:
            waited += 1
            if waited >= 3:
                break
    net.load_state_dict(best_state)
    kind = "bidirectional LSTM(64), final states" if args.bidirectional else "LSTM(64), last step"
    print(f"PyTorch {torch.__version__} {kind}, seed {args.seed}: best epoch {best[2]}, "
          f"validation accuracy {best[0]:.3f}, ROC AUC {best[1]:.3f} ({len(valid_y)} reviews)")


if __name__ == "__main__":
    main()
