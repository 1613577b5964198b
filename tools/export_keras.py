#!/usr/bin/env python3
# Saves a Keras model's weights as safetensors under their Keras names, for LstmGen.IO.KerasWeights.
"""UNTESTED: Keras cannot be installed where LstmGen is developed; this is written against the public
Keras 3 and tf.keras (Keras 2) APIs. Needs only numpy besides Keras.

    from export_keras import export
    export(model, "model.safetensors")            # a built keras.Model

    python3 tools/export_keras.py model.keras model.safetensors

Names: each variable's path (Keras 3 ``variable.path``, e.g. ``lstm/lstm_cell/kernel``; tf.keras
``variable.name``, e.g. ``lstm/lstm_cell/kernel:0``), in ``model.weights`` order, which LstmGen reads as
the layer order. Refuses layers LstmGen does not compute: LSTM/GRU with an activation other than tanh,
a recurrent_activation other than sigmoid, use_bias=False, a GRU with reset_after=False, and a
Bidirectional whose merge_mode is not concat.
"""
import json
import os
import struct
import sys
import tempfile

import numpy as np


def _check(layer):
    layers = [layer]
    if type(layer).__name__ == "Bidirectional":
        if layer.merge_mode != "concat":
            raise ValueError(f"{layer.name}: merge_mode={layer.merge_mode!r}; LstmGen concatenates (merge_mode='concat')")
        layers = [layer.forward_layer, layer.backward_layer]
    for inner in layers:
        kind = type(inner).__name__
        if kind not in ("LSTM", "GRU"):
            continue
        config = inner.get_config()
        if config.get("activation") != "tanh" or config.get("recurrent_activation") != "sigmoid":
            raise ValueError(f"{inner.name}: activation={config.get('activation')!r}, recurrent_activation="
                             f"{config.get('recurrent_activation')!r}; LstmGen computes tanh and sigmoid")
        if not config.get("use_bias", True):
            raise ValueError(f"{inner.name}: use_bias=False; LstmGen's layers have biases")
        if kind == "GRU" and not config.get("reset_after", True):
            raise ValueError(f"{inner.name}: reset_after=False is a different function than PyTorch's and LstmGen's GRU")


def export(model, path):
    """Writes every weight of ``model`` to ``path`` (F32, atomically). Returns the names written."""
    for layer in model.layers:
        _check(layer)
    tensors = []
    for variable in model.weights:
        name = getattr(variable, "path", None) or variable.name
        value = variable.numpy() if hasattr(variable, "numpy") else np.asarray(variable)
        tensors.append((name, np.ascontiguousarray(value, dtype="<f4")))
    names = [n for n, _ in tensors]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate weight names: {sorted(n for n in set(names) if names.count(n) > 1)}")

    header, offset = {}, 0
    for name, array in tensors:
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")  # keeps model.weights order
    header_bytes += b" " * ((8 - (8 + len(header_bytes)) % 8) % 8)
    fd, temp = tempfile.mkstemp(prefix=".export_keras.", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(header_bytes)))
            f.write(header_bytes)
            for _, array in tensors:
                f.write(array.tobytes())
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp creates 0600
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return names


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: export_keras.py MODEL(.keras|.h5) OUTPUT.safetensors")
    import keras  # noqa: E402  (Keras 3, or tf.keras's keras package)

    for written in export(keras.models.load_model(sys.argv[1], compile=False), sys.argv[2]):
        print(written)
