# Checks export_pytorch.py against an independent reader: dtypes, scalars, empty and non-contiguous tensors, layout.
"""Run: /usr/bin/python3 -m unittest discover -s tools -p 'test_export_pytorch.py'  (needs torch; numpy for the reader)."""
import json
import os
import struct
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "golden", "tools"))
from export_pytorch import export  # noqa: E402


def read_header(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    return n, json.loads(raw[8:8 + n].decode("utf-8")), raw[8 + n:]


class ExportTests(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()
        self.path = os.path.join(self.folder, "t.safetensors")

    def test_floats_become_f32_and_other_types_stay(self):
        import numpy as np
        from safetensors_io import load
        base = torch.arange(12, dtype=torch.float64).reshape(3, 4) / 7
        tensors = {
            "f64": base,
            "f16": base.half(),
            "bf16": base.bfloat16(),
            "transposed": base.float().t(),          # not contiguous
            "scalar": torch.tensor(1.5),
            "empty": torch.zeros(0, 3),
            "i64": torch.tensor([-1, 2**40]),
            "i32": torch.tensor([3, 1, 4], dtype=torch.int32),
            "flag": torch.tensor([True, False]),
        }
        export(tensors, self.path, metadata={"k": "v", "n": 3})
        n, header, _ = read_header(self.path)
        self.assertEqual((8 + n) % 8, 0)
        self.assertEqual(header["__metadata__"], {"k": "v", "n": "3"})
        loaded, _ = load(self.path)      # also checks contiguity and sizes
        for name in ("f64", "f16", "bf16", "transposed", "scalar", "empty"):
            self.assertEqual(header[name]["dtype"], "F32", name)
            self.assertTrue(np.array_equal(loaded[name], tensors[name].float().numpy()), name)
        self.assertEqual(header["scalar"]["shape"], [])
        self.assertEqual(header["i64"]["dtype"], "I64")
        self.assertEqual(loaded["i64"].tolist(), [-1, 2**40])
        self.assertEqual(header["i32"]["dtype"], "I32")
        self.assertEqual(header["flag"]["dtype"], "BOOL")
        self.assertEqual(list(header)[1:], list(tensors))   # header keeps state_dict order after metadata

    def test_keep_float_types(self):
        tensors = {"h": torch.tensor([1.0, -2.0]).half(), "b": torch.tensor([1.0, -0.5]).bfloat16()}
        export(tensors, self.path, keep_float_types=True)
        _, header, data = read_header(self.path)
        self.assertEqual(header["h"]["dtype"], "F16")
        self.assertEqual(header["b"]["dtype"], "BF16")
        b0, b1 = header["b"]["data_offsets"]
        self.assertEqual(data[b0:b1], bytes([0x80, 0x3F, 0x00, 0xBF]))

    def test_module_and_checkpoint_dicts(self):
        model = torch.nn.Sequential(torch.nn.Linear(2, 3))
        names = export(model, self.path)
        self.assertEqual(names, ["0.weight", "0.bias"])
        names = export({"model_state_dict": model.state_dict(), "epoch": 4}, self.path)
        self.assertEqual(names, ["0.weight", "0.bias"])

    def test_failure_leaves_old_file(self):
        export({"a": torch.ones(2)}, self.path)
        with open(self.path, "rb") as f:
            before = f.read()
        with self.assertRaises(TypeError):
            export({"a": torch.ones(2), "bad": "not a tensor"}, self.path)
        with open(self.path, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(os.listdir(self.folder), ["t.safetensors"])


if __name__ == "__main__":
    unittest.main()
