#!/usr/bin/python3
"""Reference outputs for the .nam loader, computed in float64 with numpy from the LSTM equations (independently of
LstmGen): h and c start from the initial state stored in the file, the head reads h of the top layer every sample.

  tests/Fixtures/nam/lstm.nam                the Neural Amp Modeler's own example LSTM (NeuralAmpModelerCore,
                                             example_models/lstm.nam, MIT licence: LICENSE.NeuralAmpModelerCore.txt)
  tests/Fixtures/nam/lstm2_h4_synthetic.nam  written here: 2 layers of 4 units, seeded random weights and initial
                                             states, in the layout NeuralAmpModelerCore's NAM/lstm.cpp reads
  <name>.io.safetensors                      input [T] (a seeded signal) and output [T]

Run: /usr/bin/python3 tools/make_nam_reference.py   (needs only numpy)
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Fixtures", "nam")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def run(nam, x):
    cfg = nam["config"]
    inputs, hidden, layers = cfg.get("input_size", 1), cfg["hidden_size"], cfg["num_layers"]
    outputs = cfg.get("out_channels", 1)
    w = np.array(nam["weights"], dtype=np.float64)
    at = 0
    cells = []
    for k in range(layers):
        n_in = inputs if k == 0 else hidden
        m = w[at:at + 4 * hidden * (n_in + hidden)].reshape(4 * hidden, n_in + hidden); at += m.size
        b = w[at:at + 4 * hidden]; at += 4 * hidden
        h0 = w[at:at + hidden]; at += hidden
        c0 = w[at:at + hidden]; at += hidden
        cells.append([m, b, h0.copy(), c0.copy()])
    head_w = w[at:at + outputs * hidden].reshape(outputs, hidden); at += outputs * hidden
    head_b = w[at:at + outputs]; at += outputs
    assert at == len(w)
    y = []
    for t in range(len(x)):
        v = np.array([x[t]], dtype=np.float64)
        for cell in cells:
            m, b, h, c = cell
            z = m @ np.concatenate([v, h]) + b
            i, f, g, o = sigmoid(z[:hidden]), sigmoid(z[hidden:2 * hidden]), np.tanh(z[2 * hidden:3 * hidden]), sigmoid(z[3 * hidden:])
            c = f * c + i * g
            h = o * np.tanh(c)
            cell[2], cell[3] = h, c
            v = h
        y.append((head_w @ v + head_b)[0])
    return np.array(y)


def write_io(path, x, y, meta):
    tensors = {"input": x.astype(np.float32), "output": y.astype(np.float32)}
    header = {"__metadata__": meta}
    offset, blobs = 0, []
    for name, a in tensors.items():
        blob = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text.encode() + b"".join(blobs))


def synthetic():
    rng = np.random.default_rng(11)
    hidden, layers = 4, 2
    weights = []
    for k in range(layers):
        n_in = 1 if k == 0 else hidden
        weights += list(rng.uniform(-0.7, 0.7, 4 * hidden * (n_in + hidden)))
        weights += list(rng.uniform(-0.3, 0.3, 4 * hidden))
        weights += list(rng.uniform(-0.5, 0.5, hidden))  # initial h
        weights += list(rng.uniform(-1.0, 1.0, hidden))  # initial c
    weights += list(rng.uniform(-0.8, 0.8, hidden)) + [0.05]
    nam = {"version": "0.5.4", "metadata": {"name": "LstmGen synthetic 2-layer LSTM"}, "architecture": "LSTM",
           "config": {"input_size": 1, "hidden_size": hidden, "num_layers": layers},
           "weights": [float(np.float32(v)) for v in weights], "sample_rate": 48000}
    with open(os.path.join(OUT, "lstm2_h4_synthetic.nam"), "w") as f:
        json.dump(nam, f)


def main():
    synthetic()
    for name in ("lstm", "lstm2_h4_synthetic"):
        with open(os.path.join(OUT, name + ".nam")) as f:
            nam = json.load(f)
        rng = np.random.default_rng(3)
        t = np.arange(600)
        x = (0.6 * np.sin(2 * np.pi * t / 37.0) + 0.2 * rng.standard_normal(600)).astype(np.float32)
        y = run(nam, x.astype(np.float64))
        write_io(os.path.join(OUT, name + ".io.safetensors"), x, y,
                 {"producer": "tools/make_nam_reference.py (numpy float64 LSTM from the file's initial state)", "case": name})
        print(name, "outputs", y[:4], "…")


if __name__ == "__main__":
    main()
