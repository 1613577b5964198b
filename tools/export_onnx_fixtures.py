# Builds the ONNX fixtures of the ONNX weight loader: tiny PyTorch models exported with torch.onnx.export.
"""Writes tests/Fixtures/onnx/<case>.onnx, <case>.safetensors and <case>.io.safetensors.

For each case: the model exported by ``torch.onnx.export`` (default opset, constant folding on),
its PyTorch ``state_dict`` (module names ``embed``, ``lstm`` / ``gru``, ``head``: LstmGen's
canonical names) and ``input`` (F32 [T, in] or I32 [T] token ids, batch 1) with PyTorch's
``expected.output`` (F32: every step's rnn output [T, D*H] without a head, the head's logits
on the last step with one). Run with Debian's torch: ``/usr/bin/python3 tools/export_onnx_fixtures.py``
(deterministic: fixed seed, one thread). ``--verbose`` prints each exported graph.
"""
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_pytorch import export  # noqa: E402

OUT = os.path.join(os.path.dirname(HERE), "tests", "Fixtures", "onnx")
STEPS = 5


class Recurrent(nn.Module):
    """A bare nn.LSTM / nn.GRU (batch_first) returning its output sequence only."""

    def __init__(self, cell, inputs, hidden, layers, bidirectional):
        super().__init__()
        module = (nn.GRU if cell == "gru" else nn.LSTM)(inputs, hidden, num_layers=layers,
                                                         bidirectional=bidirectional, batch_first=True)
        setattr(self, cell, module)
        self.cell = cell

    def forward(self, x):
        return getattr(self, self.cell)(x)[0]


class TokenClassifier(nn.Module):
    """Embedding -> LSTM -> Linear on the last step."""

    def __init__(self, vocab, embed, hidden, outputs):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, outputs)

    def forward(self, tokens):
        return self.head(self.lstm(self.embed(tokens))[0][:, -1, :])


CASES = {
    # name: (model factory, input factory)
    "lstm1_i3_h7": (lambda: Recurrent("lstm", 3, 7, 1, False), lambda: torch.randn(1, STEPS, 3)),
    "lstm2_i3_h5": (lambda: Recurrent("lstm", 3, 5, 2, False), lambda: torch.randn(1, STEPS, 3)),
    "bilstm2_i3_h4": (lambda: Recurrent("lstm", 3, 4, 2, True), lambda: torch.randn(1, STEPS, 3)),
    "gru2_i3_h6": (lambda: Recurrent("gru", 3, 6, 2, False), lambda: torch.randn(1, STEPS, 3)),
    "bigru1_i3_h4": (lambda: Recurrent("gru", 3, 4, 1, True), lambda: torch.randn(1, STEPS, 3)),
    "emb11x4_lstm1_h6_head3": (lambda: TokenClassifier(11, 4, 6, 3), lambda: torch.randint(0, 11, (1, STEPS))),
}


def main():
    torch.manual_seed(20261123)
    torch.set_num_threads(1)
    verbose = "--verbose" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    os.makedirs(OUT, exist_ok=True)
    for name, (make_model, make_input) in CASES.items():
        model = make_model().eval()
        x = make_input()
        if only and name not in only:
            continue
        with torch.no_grad():
            expected = model(x)
        path = os.path.join(OUT, name)
        torch.onnx.export(model, (x,), path + ".onnx", input_names=["input"], output_names=["output"], verbose=verbose)
        export(model, path + ".safetensors")
        stored_input = x[0].to(torch.int32) if x.dtype == torch.int64 else x[0]
        export({"input": stored_input, "expected.output": expected[0]}, path + ".io.safetensors")
        print(name, "ok", flush=True)


if __name__ == "__main__":
    main()
