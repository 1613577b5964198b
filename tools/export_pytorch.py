# Saves a PyTorch model's weights as a safetensors file that LstmGen loads, using only torch and the standard library.
"""Export a PyTorch model or state_dict to safetensors for LstmGen.

Library use::

    from export_pytorch import export
    export(model, "model.safetensors")                       # an nn.Module ...
    export(model.state_dict(), "model.safetensors",          # ... or a state_dict
           metadata={"note": "trained 10 epochs"})

Command line (the input is anything torch.load returns: a state_dict, a whole pickled
module, or a checkpoint dict holding "state_dict" / "model_state_dict" / "model")::

    python3 export_pytorch.py checkpoint.pt model.safetensors [--meta key=value ...]

Tensor names stay exactly the state_dict keys (e.g. ``lstm_layer.weight_ih_l0``); LstmGen
recognises renamed modules by their suffixes. Float tensors (F16, BF16, F32, F64) are written
as F32; integer and bool tensors keep their type. The file is written to a temporary file in
the same folder and renamed into place, so an interrupted export never leaves a partial file.
"""
import argparse
import ctypes
import json
import os
import struct
import sys
import tempfile

import torch

# torch dtype -> (safetensors dtype, bytes per element)
_DTYPES = {
    torch.float64: ("F64", 8),
    torch.float32: ("F32", 4),
    torch.float16: ("F16", 2),
    torch.bfloat16: ("BF16", 2),
    torch.int64: ("I64", 8),
    torch.int32: ("I32", 4),
    torch.int16: ("I16", 2),
    torch.int8: ("I8", 1),
    torch.uint8: ("U8", 1),
    torch.bool: ("BOOL", 1),
}

_FLOAT_TYPES = (torch.float64, torch.float32, torch.float16, torch.bfloat16)


def _state_dict(model_or_state_dict):
    """The name -> tensor mapping of a module, a state_dict or a training checkpoint."""
    if isinstance(model_or_state_dict, torch.nn.Module):
        return model_or_state_dict.state_dict()
    if not isinstance(model_or_state_dict, dict):
        raise TypeError(f"expected an nn.Module or a dict of tensors, got {type(model_or_state_dict).__name__}")
    for key in ("state_dict", "model_state_dict", "model"):
        inner = model_or_state_dict.get(key)
        if isinstance(inner, torch.nn.Module):
            return inner.state_dict()
        if isinstance(inner, dict) and inner and all(torch.is_tensor(v) for v in inner.values()):
            return inner
    return model_or_state_dict


def _tensor_bytes(tensor):
    """Raw little-endian C-order bytes of a contiguous CPU tensor (ctypes copy: no numpy needed)."""
    nbytes = tensor.numel() * tensor.element_size()
    if nbytes == 0:
        return b""
    return ctypes.string_at(tensor.data_ptr(), nbytes)


def export(model_or_state_dict, path, metadata=None, keep_float_types=False):
    """Write the tensors of ``model_or_state_dict`` to ``path`` as safetensors.

    ``metadata``: optional dict stored under ``__metadata__``; values that are not strings are
    stored as their JSON text. ``keep_float_types``: keep F16/BF16/F64 instead of converting every
    float tensor to F32 (LstmGen converts on load either way). Returns the list of tensor names.
    """
    if sys.byteorder != "little":
        raise RuntimeError("export_pytorch writes the host's bytes; it needs a little-endian machine")
    state = _state_dict(model_or_state_dict)

    entries = []  # (name, dtype code, element size, shape, bytes)
    for name, value in state.items():
        if not isinstance(name, str):
            raise TypeError(f"tensor names must be strings, found {name!r}")
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved by the format and cannot name a tensor")
        if not torch.is_tensor(value):
            raise TypeError(f"{name}: expected a tensor, found {type(value).__name__}")
        tensor = value.detach().to("cpu")
        if tensor.dtype in _FLOAT_TYPES and not keep_float_types:
            tensor = tensor.to(torch.float32)
        if tensor.dtype not in _DTYPES:
            raise TypeError(f"{name}: dtype {tensor.dtype} has no safetensors equivalent here")
        tensor = tensor.contiguous()
        code, size = _DTYPES[tensor.dtype]
        entries.append((name, code, size, list(tensor.shape), _tensor_bytes(tensor)))

    # Data buffer: wider types first (stable), so every tensor is naturally aligned.
    order = sorted(range(len(entries)), key=lambda i: -entries[i][2])
    begins, offset = {}, 0
    for i in order:
        begins[i] = offset
        offset += len(entries[i][4])

    header = {}
    if metadata:
        header["__metadata__"] = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in metadata.items()}
    for i, (name, code, _, shape, data) in enumerate(entries):
        header[name] = {"dtype": code, "shape": shape, "data_offsets": [begins[i], begins[i] + len(data)]}
    header_bytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    header_bytes += b" " * ((8 - (8 + len(header_bytes)) % 8) % 8)

    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(header_bytes)))
            f.write(header_bytes)
            for i in order:
                f.write(entries[i][4])
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual permissions
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return [e[0] for e in entries]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _main(argv=None):
    parser = argparse.ArgumentParser(description="Export a PyTorch state_dict / model / checkpoint to safetensors for LstmGen.")
    parser.add_argument("input", help="file written by torch.save (state_dict, module or checkpoint dict)")
    parser.add_argument("output", help="safetensors file to write")
    parser.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE", help="metadata entry (repeatable)")
    parser.add_argument("--keep-float-types", action="store_true", help="keep F16/BF16/F64 instead of writing F32")
    args = parser.parse_args(argv)

    metadata = {}
    for item in args.meta:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--meta expects KEY=VALUE, found {item!r}")
        metadata[key] = value
    # weights_only is safer where available (torch >= 1.13); a pickled whole module needs the full loader.
    try:
        loaded = torch.load(args.input, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - older torch, or a pickled module
        loaded = torch.load(args.input, map_location="cpu")
    names = export(loaded, args.output, metadata or None, keep_float_types=args.keep_float_types)
    state = _state_dict(loaded)
    for name in names:
        t = state[name]
        print(f"{name:40s} {str(t.dtype).replace('torch.', ''):10s} {list(t.shape)}")
    print(f"wrote {len(names)} tensors to {args.output}" + ("" if args.keep_float_types else " (float tensors as F32)"))


if __name__ == "__main__":
    _main()
