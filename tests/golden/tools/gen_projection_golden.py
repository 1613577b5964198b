#!/usr/bin/env python3
"""Golden cases for LSTMs with a projection (PyTorch nn.LSTM(proj_size=...)), in the format of gen_golden.py.

Writes ../../golden-projection/<case>.safetensors: the same tensors and metadata as the cases of gen_golden.py
(README section 2), plus lstm.weight_hr_l{k} [P, H] and grad.lstm.weight_hr_l{k}; h0, h_n, grad.h0 and the
rnn output are P wide per slot, c0, c_n and grad.c0 H wide. The config JSON has one more key, "proj_size".
Run with Debian's python3-torch: /usr/bin/python3 tests/golden/tools/gen_projection_golden.py
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_golden as g  # noqa: E402  (run, f32, GATES, LOSS_TEXT, FORMAT)
import safetensors_io as st  # noqa: E402

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "golden-projection")


class ProjectedNet(g.Net):
    """g.Net with its LSTM replaced by one with proj_size, and the head reading P (not H) values."""

    def __init__(self, c):
        super().__init__(c)
        d = 2 if c["bidirectional"] else 1
        self.lstm = torch.nn.LSTM(c["input_size"], c["hidden"], num_layers=c["layers"], proj_size=c["proj_size"],
                                  bidirectional=c["bidirectional"], batch_first=True)
        if c["head_out"]:
            self.head = torch.nn.Linear(d * c["proj_size"], c["head_out"])


def case(name, proj_size, **kw):
    c = g.case(name, **kw)
    c["proj_size"] = proj_size
    return c


CASES = [
    case("lstmp1_i3_h7_p4_t15_b4_state", 4, input_size=3, hidden=7, T=15, B=4, state=True,
         note="one projected layer, no head: rnn_output and h are 4 wide, c 7"),
    case("lstmp2_i3_h9_p5_t12_b2_state", 5, input_size=3, hidden=9, layers=2, T=12, B=2, state=True,
         note="two projected layers: layer 1 reads layer 0's projected h"),
    case("lstmp1_i1_h32_p8_t15_b4_head1_state", 8, input_size=1, hidden=32, T=15, B=4, head_out=1, state=True,
         note="regression head on the projected h of the last step"),
    case("emb27x8_lstmp1_h14_p6_t20_b4_head3_softmax_ce", 6, vocab=27, input_size=8, hidden=14, T=20, B=4,
         head_out=3, act="softmax", loss="ce"),
    case("emb65x32_lstmp2_h32_p12_t15_b2_headall65_ce", 12, vocab=65, input_size=32, hidden=32, layers=2, T=15,
         B=2, head_out=65, head_mode="all", loss="ce", note="char-LM style, logits at every step"),
    case("bilstmp1_i3_h7_p3_t15_b4_state", 3, input_size=3, hidden=7, bidirectional=True, T=15, B=4, state=True,
         note="bidirectional, projected: output = concat(fwd, bwd) of P each"),
    case("bilstmp2_i4_h10_p4_t12_b2_state", 4, input_size=4, hidden=10, layers=2, bidirectional=True, T=12, B=2,
         state=True, note="two bidirectional projected layers: layer 1 reads layer 0's [fwd, bwd] projected h"),
]


def make(c, idx):
    seed = 5000 + idx
    torch.manual_seed(seed)
    model = ProjectedNet(c)  # PyTorch default init, float32
    B, T, H, P = c["B"], c["T"], c["hidden"], c["proj_size"]
    D = 2 if c["bidirectional"] else 1
    L = c["layers"] * D
    t = {}
    if c["vocab"]:
        t["input"] = torch.randint(0, c["vocab"], (B, T), dtype=torch.int32)
    else:
        t["input"] = g.f32(torch.randn(B, T, c["input_size"]))
    if c["state"]:
        t["h0"] = g.f32(torch.randn(L, B, P) * 0.5)
        t["c0"] = g.f32(torch.randn(L, B, H) * 0.5)
    if c["loss"] == "mse":
        shape = ((B, c["head_out"]) if c["head_mode"] == "last" else (B, T, c["head_out"])) if c["head_out"] else (B, T, D * P)
        t["target"] = g.f32(torch.randn(shape) * 0.5)
    elif c["loss"] == "ce":
        t["target"] = torch.randint(0, c["head_out"], (B,) if c["head_mode"] == "last" else (B, T), dtype=torch.int32)
    r64 = g.run(model, c, t, torch.float64)
    r32 = g.run(model, c, t, torch.float32)
    err = {}
    for k, v in r64.items():
        d = (r32[k].double() - v).abs()
        scale = v.abs().max().item()
        err[k] = dict(max_abs=d.max().item(), max_ref=scale, max_rel_to_maxref=(d.max().item() / scale) if scale > 0 else 0.0)
    tensors = {n: p.detach().numpy().astype(np.float32) for n, p in model.state_dict().items()}
    for k, v in t.items():
        tensors[k] = v.numpy()
    for k, v in r64.items():
        tensors[k] = v.numpy().astype(np.float32)
        tensors[k + ".f64"] = v.numpy().astype(np.float64)
    cfg = {k: c[k] for k in ("arch", "input_size", "hidden", "layers", "bidirectional", "vocab", "head_out",
                             "head_mode", "act", "T", "B", "state", "loss", "weight_scale", "input_scale", "proj_size")}
    cfg.update(seed=seed, batch_first=True, gate_order=g.GATES["lstm"], embed_dim=c["input_size"] if c["vocab"] else 0,
               state_shape="h: [num_layers*num_directions, B, proj_size], c: [num_layers*num_directions, B, H]",
               loss_formula=g.LOSS_TEXT[c["loss"]])
    meta = {
        "format": g.FORMAT,
        "case": c["name"],
        "config": json.dumps(cfg, sort_keys=True),
        "note": c["note"],
        "reference": f"PyTorch {torch.__version__} float64 forward/backward of float32 weights/inputs (nn.LSTM proj_size)",
        "torch_f32_err": json.dumps(err, sort_keys=True),
    }
    path = os.path.join(OUT, c["name"] + ".safetensors")
    st.save(path, tensors, meta)
    st.roundtrip_check(path)
    fwd = max(v["max_abs"] for k, v in err.items() if k.startswith("expected."))
    grd = max(v["max_abs"] for k, v in err.items() if k.startswith("grad."))
    print(f"{c['name']:50s} {os.path.getsize(path) / 1024:7.1f} KiB  f32 err: fwd {fwd:.2e}  grad {grd:.2e}")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for i, c in enumerate(CASES):
        make(c, i)
