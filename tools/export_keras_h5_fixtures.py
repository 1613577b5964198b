#!/usr/bin/python3
"""Writes the Keras-layer fixtures (tests/Fixtures/keras/tfjs_*.safetensors, made by export_tfjs_keras_fixtures.mjs
with TensorFlow.js' Keras layers) as the files Keras itself writes, so the HDF5 loader is checked against outputs
computed by Keras-layer code:

  <case>.keras          Keras 3: a zip with metadata.json, config.json (the Sequential model's config) and
                        model.weights.h5 (variables at layers/<snake_case class>[_n]/[cell|forward_layer/cell|…]/vars/<i>)
  <case>.h5             Keras 2 (tf.keras model.save): root attribute model_config, group model_weights with
                        attribute layer_names, each layer group with weight_names ('lstm/lstm_cell/kernel:0', …)
  <case>.weights.h5     (two cases) Keras 3 model.save_weights: the .keras archive's model.weights.h5 alone, no config
  <case>_weights.h5     (two cases) Keras 2 model.save_weights: layer_names at the root, no config

plus gru3_resetafter_i2 in all four forms: a Keras GRU with reset_after=True (Keras' default, which tfjs lacks), its
outputs computed here in float64 from Keras' GRU equations (z, r, h gate columns; h' = z·h + (1 − z)·h̃ with
h̃ = tanh(x·W_h + b_h + r·(h·U_h + b'_h))).

Needs only Debian's python3-h5py (and numpy): /usr/bin/python3 tools/export_keras_h5_fixtures.py
The outputs are the tfjs fixtures' own (<case>.io.safetensors); nothing here recomputes them except for the GRU case.
"""
import io
import json
import os
import struct
import sys
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "Fixtures", "keras")


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():  # header order is the file's order (json keeps insertion order)
        start, end = info["data_offsets"]
        dtype = {"F32": np.float32, "I32": np.int32}[info["dtype"]]
        tensors[name] = np.frombuffer(data[base + start:base + end], dtype=dtype).reshape(info["shape"])
    return tensors, meta


def write_safetensors(path, tensors, meta):
    header = {"__metadata__": meta}
    offset, blobs = 0, []
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array).tobytes()
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int32): "I32"}[array.dtype]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text.encode() + b"".join(blobs))


# ---- the model as Keras layers -------------------------------------------------------------------------

def layers_of(case, weights):
    """[(class_name, keras_name, config, [(weight_leaf_path, array)], inner_class)] in model order."""
    names = list(weights)
    cell = case["cell"].upper()
    layers = []
    if case.get("vocab"):
        layers.append(("Embedding", "embedding", {"input_dim": case["vocab"], "output_dim": case["embedding"]},
                       [("embeddings", weights["embedding/embeddings"])], None))
    prefixes = []
    for n in names:
        if n.endswith("/recurrent_kernel"):
            p = n[: -len("/recurrent_kernel")]
            if p not in prefixes:
                prefixes.append(p)
    recurrent = {"units": case["hidden"], "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
                 "go_backwards": False, "stateful": False, "unroll": False}
    if cell == "GRU":
        recurrent["reset_after"] = case.get("reset_after", False)
    for k in range(case["layers"]):
        sequences = k < case["layers"] - 1 or bool(case.get("everyStep"))
        rec = dict(recurrent, return_sequences=sequences)
        if case.get("bidirectional"):
            fwd = [p for p in prefixes if "/forward_" in p][k]
            bwd = [p for p in prefixes if "/backward_" in p][k]
            leaf = lambda p: [(x, weights[p + "/" + x]) for x in ("kernel", "recurrent_kernel", "bias")]
            layers.append(("Bidirectional", "bidirectional" + (f"_{k}" if k else ""),
                           {"merge_mode": "concat", "layer": {"class_name": cell, "config": dict(rec, name=cell.lower() + (f"_{k}" if k else ""))}},
                           [("forward", leaf(fwd)), ("backward", leaf(bwd))], cell))
        else:
            p = prefixes[k]
            layers.append((cell, cell.lower() + (f"_{k}" if k else ""), rec,
                           [(x, weights[p + "/" + x]) for x in ("kernel", "recurrent_kernel", "bias")], None))
    if case.get("outputs"):
        layers.append(("Dense", "dense", {"units": case["outputs"], "activation": case.get("activation", "linear"), "use_bias": True},
                       [("kernel", weights["dense/kernel"]), ("bias", weights["dense/bias"])], None))
    return layers


def input_shape(case):
    return [None, case["steps"]] if case.get("vocab") else [None, case["steps"], case["inputs"]]


def keras3_config(case, layers):
    def layer_config(cls, name, cfg):
        config = {"name": name, "trainable": True, "dtype": "float32"}
        config.update({k: v for k, v in cfg.items() if k != "layer"})
        if cls == "Bidirectional":
            inner = cfg["layer"]
            config["layer"] = {"module": "keras.layers", "class_name": inner["class_name"],
                               "config": dict(inner["config"], trainable=True, dtype="float32"), "registered_name": None}
        return {"module": "keras.layers", "class_name": cls, "config": config, "registered_name": None}

    items = [{"module": "keras.layers", "class_name": "InputLayer",
              "config": {"batch_shape": input_shape(case), "dtype": "int32" if case.get("vocab") else "float32",
                         "sparse": False, "name": "input_layer"}, "registered_name": None}]
    items += [layer_config(cls, name, cfg) for cls, name, cfg, _, _ in layers]
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "sequential", "trainable": True, "dtype": "float32", "layers": items},
            "registered_name": None, "build_config": {"input_shape": input_shape(case)}}


def keras2_config(case, layers):
    items = [{"class_name": "InputLayer", "config": {"batch_input_shape": input_shape(case),
              "dtype": "int32" if case.get("vocab") else "float32", "sparse": False, "ragged": False, "name": "input_1"}}]
    for cls, name, cfg, _, _ in layers:
        config = {"name": name, "trainable": True, "dtype": "float32"}
        config.update({k: v for k, v in cfg.items() if k != "layer"})
        if cls == "Bidirectional":
            config["layer"] = {"class_name": cfg["layer"]["class_name"], "config": dict(cfg["layer"]["config"], trainable=True, dtype="float32")}
        items.append({"class_name": cls, "config": config})
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": items}}


def write_keras3_weights(h5, layers):
    """Keras 3 saving_lib layout: layers/<snake_case class>[_n]/…/vars/<i>, empty vars groups where Keras makes them."""
    h5.create_group("vars")
    used = {}
    for cls, _, _, variables, inner in layers:
        snake = cls.lower()
        if snake in used:
            used[snake] += 1
            snake = f"{snake}_{used[snake]}"
        else:
            used[snake] = 0
        base = h5.create_group("layers/" + snake)
        base.create_group("vars")
        if cls in ("LSTM", "GRU"):
            cell = base.create_group("cell/vars")
            for i, (_, array) in enumerate(variables):
                cell.create_dataset(str(i), data=array)
        elif cls == "Bidirectional":
            for direction, leaves in variables:
                sub = base.create_group(direction + "_layer")
                sub.create_group("vars")
                cell = sub.create_group("cell/vars")
                for i, (_, array) in enumerate(leaves):
                    cell.create_dataset(str(i), data=array)
        else:
            v = base["vars"]
            for i, (_, array) in enumerate(variables):
                v.create_dataset(str(i), data=array)


def write_keras2_weights(group, layers):
    """tf.keras layout: attribute layer_names; per layer, attribute weight_names and datasets at those paths."""
    group.attrs["layer_names"] = np.array([name.encode() for _, name, _, _, _ in layers])
    group.attrs["backend"] = "tensorflow"
    group.attrs["keras_version"] = "2.13.1"
    for cls, name, _, variables, inner in layers:
        g = group.create_group(name)
        entries = []
        if cls in ("LSTM", "GRU"):
            entries = [(f"{name}/{cls.lower()}_cell/{leaf}:0", a) for leaf, a in variables]
        elif cls == "Bidirectional":
            suffix = name[len("bidirectional"):]  # '' or '_1': the wrapped layers are lstm / lstm_1
            for direction, leaves in variables:
                entries += [(f"{name}/{direction}_{inner.lower()}{suffix}/{inner.lower()}_cell/{leaf}:0", a) for leaf, a in leaves]
        else:
            entries = [(f"{name}/{leaf}:0", a) for leaf, a in variables]
        g.attrs["weight_names"] = np.array([n.encode() for n, _ in entries])
        for n, a in entries:
            g.create_dataset(n, data=a)


def write_all(name, case, weights, meta, both_weight_files):
    layers = layers_of(case, weights)
    # Keras 3 .keras archive.
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_keras3_weights(h5, layers)
    with zipfile.ZipFile(os.path.join(OUT, name + ".keras"), "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-01-01@00:00:00"}))
        z.writestr("config.json", json.dumps(keras3_config(case, layers)))
        z.writestr("model.weights.h5", buffer.getvalue())
    # Keras 2 whole-model .h5.
    with h5py.File(os.path.join(OUT, name + ".h5"), "w") as h5:
        h5.attrs["keras_version"] = "2.13.1"
        h5.attrs["backend"] = "tensorflow"
        h5.attrs["model_config"] = json.dumps(keras2_config(case, layers))
        write_keras2_weights(h5.create_group("model_weights"), layers)
    if both_weight_files:
        with open(os.path.join(OUT, name + ".weights.h5"), "wb") as f:
            f.write(buffer.getvalue())
        with h5py.File(os.path.join(OUT, name + "_weights.h5"), "w") as h5:
            write_keras2_weights(h5, layers)
    print(name, [f"{cls} {n}" for cls, n, _, _, _ in layers])


def keras_gru_forward(x, kernel, recurrent, bias, h0):
    """Keras GRU, reset_after=True: gate columns z, r, h; bias rows input, recurrent. x [T, in] → h per step."""
    units = recurrent.shape[0]
    h = h0.astype(np.float64)
    outs = []
    for t in range(x.shape[0]):
        xi = x[t] @ kernel + bias[0]
        hr = h @ recurrent + bias[1]
        z = 1 / (1 + np.exp(-(xi[:units] + hr[:units])))
        r = 1 / (1 + np.exp(-(xi[units:2 * units] + hr[units:2 * units])))
        hh = np.tanh(xi[2 * units:] + r * hr[2 * units:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs)


def gru_case():
    rng = np.random.default_rng(7)
    case = {"name": "gru3_resetafter_i2", "cell": "gru", "inputs": 2, "hidden": 3, "layers": 1, "reset_after": True,
            "outputs": 2, "activation": "linear", "steps": 6, "batch": 2}
    k = rng.uniform(-0.6, 0.6, (2, 9)).astype(np.float32)
    u = rng.uniform(-0.6, 0.6, (3, 9)).astype(np.float32)
    b = rng.uniform(-0.3, 0.3, (2, 9)).astype(np.float32)
    dk = rng.uniform(-0.8, 0.8, (3, 2)).astype(np.float32)
    db = rng.uniform(-0.2, 0.2, (2,)).astype(np.float32)
    weights = {"gru/kernel": k, "gru/recurrent_kernel": u, "gru/bias": b, "dense/kernel": dk, "dense/bias": db}
    x = rng.uniform(-1, 1, (2, 6, 2)).astype(np.float32)
    y = np.stack([keras_gru_forward(x[i].astype(np.float64), k.astype(np.float64), u.astype(np.float64), b.astype(np.float64), np.zeros(3))[-1]
                  @ dk.astype(np.float64) + db for i in range(2)]).astype(np.float32)
    meta = {"format": "lstmgen-keras-fixture-v1", "case": case["name"],
            "producer": "tools/export_keras_h5_fixtures.py (numpy float64, Keras GRU equations, reset_after=True)",
            "config": json.dumps(case)}
    write_safetensors(os.path.join(OUT, case["name"] + ".io.safetensors"), {"input": x, "output": y}, meta)
    return case, weights, meta


def main():
    cases = ["tfjs_emb7x3_lstm5_dense2", "tfjs_i3_lstm6x2_seq_dense4_softmax", "tfjs_i2_bilstm4_dense1_sigmoid",
             "tfjs_i3_bilstm3x2_seq", "tfjs_i2_gru3_resetbefore"]
    for name in cases:
        weights, meta = read_safetensors(os.path.join(OUT, name + ".safetensors"))
        case = json.loads(meta["config"])
        write_all(name, case, weights, meta, both_weight_files=name in ("tfjs_i3_lstm6x2_seq_dense4_softmax", "tfjs_i2_bilstm4_dense1_sigmoid"))
    case, weights, meta = gru_case()
    write_all(case["name"], case, weights, meta, both_weight_files=True)


if __name__ == "__main__":
    sys.exit(main())
