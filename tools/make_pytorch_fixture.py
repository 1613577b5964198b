# Builds the PyTorch test fixture for the weight loader: a model with renamed modules, exported by export_pytorch.py.
"""Writes tests/Fixtures/pytorch_renamed_modules.safetensors and its .io sibling.

The model is the toy token classifier of the golden files with PyTorch-user module names:
``embed_layer`` = nn.Embedding(27, 8), ``lstm_layer`` = nn.LSTM(8, 14, batch_first=True),
``linear_layer`` = nn.Linear(14, 3) on the last step, softmax output.

* ``pytorch_renamed_modules.safetensors``: exactly ``export(model, ...)``, the state_dict.
  LstmGen must load it with no options (modules recognised by suffix and shape).
* ``pytorch_renamed_modules.io.safetensors``: ``input`` (I32 [B, T] token ids) and what
  PyTorch computes from it: ``expected.logits`` [B, 3], ``expected.output`` (softmax) [B, 3],
  ``expected.rnn_output`` [B, T, 14], ``expected.h_n`` / ``expected.c_n`` [1, B, 14], each F32
  from the float32 model and ``<name>.f64`` from a float64 copy of the same weights.

Run with Debian's torch: ``/usr/bin/python3 tools/make_pytorch_fixture.py`` (deterministic: fixed
seed, one thread). It then reads both files back with tests/golden/tools/safetensors_io.py (numpy)
and checks every tensor bit for bit.
"""
import json
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_pytorch import export  # noqa: E402

ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "tests", "Fixtures")
SEED = 20240611
VOCAB, EMBED, HIDDEN, OUTPUTS, BATCH, STEPS = 27, 8, 14, 3, 2, 12


class TokenClassifier(nn.Module):
    """Embedding -> one LSTM layer -> linear head on the last step."""

    def __init__(self):
        super().__init__()
        self.embed_layer = nn.Embedding(VOCAB, EMBED)
        self.lstm_layer = nn.LSTM(EMBED, HIDDEN, batch_first=True)
        self.linear_layer = nn.Linear(HIDDEN, OUTPUTS)

    def forward(self, tokens):
        rnn_output, (h_n, c_n) = self.lstm_layer(self.embed_layer(tokens))
        logits = self.linear_layer(rnn_output[:, -1, :])
        return logits, rnn_output, h_n, c_n


def run(model, tokens):
    with torch.no_grad():
        logits, rnn_output, h_n, c_n = model(tokens)
    return {
        "expected.logits": logits,
        "expected.output": torch.softmax(logits, dim=-1),
        "expected.rnn_output": rnn_output,
        "expected.h_n": h_n,
        "expected.c_n": c_n,
    }


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    model = TokenClassifier().eval()
    tokens = torch.randint(0, VOCAB, (BATCH, STEPS))

    weights_path = os.path.join(FIXTURES, "pytorch_renamed_modules.safetensors")
    io_path = os.path.join(FIXTURES, "pytorch_renamed_modules.io.safetensors")
    os.makedirs(FIXTURES, exist_ok=True)
    config = {"vocab": VOCAB, "embed_dim": EMBED, "hidden": HIDDEN, "layers": 1, "head_out": OUTPUTS,
              "head_mode": "last", "act": "softmax", "T": STEPS, "B": BATCH, "batch_first": True, "seed": SEED}
    export(model, weights_path, metadata={"source": "tools/make_pytorch_fixture.py", "torch": torch.__version__})

    f32 = run(model, tokens)
    f64 = run(_double(model), tokens)
    io = {"input": tokens.to(torch.int32)}
    io.update(f32)
    io.update({name + ".f64": value for name, value in f64.items()})
    export(io, io_path, keep_float_types=True, metadata={
        "source": "tools/make_pytorch_fixture.py", "torch": torch.__version__, "config": json.dumps(config),
        "note": "input and outputs of the model in pytorch_renamed_modules.safetensors; *.f64 = float64 copy of the same weights",
    })

    verify(weights_path, model.state_dict(), expect_f32=True)
    verify(io_path, io, expect_f32=False)
    err = max(float((f32[k].double() - f64[k]).abs().max()) for k in f32)
    print(f"wrote {weights_path} and {io_path}; float32 vs float64 max abs difference {err:.2e}")


def _double(model):
    copy = TokenClassifier().double().eval()
    copy.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    return copy


def verify(path, tensors, expect_f32):
    """Reads the file back with the golden files' independent numpy reader and compares bit for bit."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "golden", "tools"))
    import numpy as np
    from safetensors_io import load

    loaded, _ = load(path)
    assert list(loaded) == list(tensors), (list(loaded), list(tensors))
    for name, value in tensors.items():
        want = value.detach().cpu()
        if expect_f32 and want.is_floating_point():
            want = want.float()
        got = loaded[name]
        assert list(got.shape) == list(want.shape), (name, got.shape, want.shape)
        assert np.array_equal(got, want.numpy()), name
        if expect_f32 and want.is_floating_point():
            assert got.dtype == np.float32, (name, got.dtype)


if __name__ == "__main__":
    main()
