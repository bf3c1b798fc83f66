#!/usr/bin/python3
"""Writes the PyTorch reference fixtures in core/test/fixtures/torch/.

Run with Debian's Python (it has python3-torch and python3-numpy):

    npm run fixtures:torch        # = /usr/bin/python3 tools/make-torch-fixtures.py

Each case gets a folder core/test/fixtures/torch/<case>/ holding
  model.safetensors  state_dict of Net (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0,
                     rnn.bias_hh_l0, head.weight, head.bias); F64, or F32 for the *-f32 case
  x.npy              (T, B, I) float64, time-major
  h0.npy             (B, H) float64
  c0.npy             (B, H) float64, LSTM only
  y.npy              mse/bce: float64 (B, O) [last] or (T, B, O) [every]
                     ce: int64 class indices (B,) [last] or (T, B) [every]
  expected.json      loss value, gradients, dx, dh0 (dc0), hidden states, h_n (c_n)

PyTorch's fused gate orders: LSTM rows [i|f|g|o], GRU rows [r|z|n] (reset-after variant).

The output is deterministic: same torch/numpy versions -> same bytes (fixed seed per case,
one thread, float64, no timestamps). The safetensors writer is hand-written (Debian 12 ships no
python3-safetensors); it follows the format spec and is checked by a reader below.
"""
import json
import os
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "core" / "test" / "fixtures" / "torch"

OUTPUT_FOR_LOSS = {"mse": "identity", "bce": "sigmoid", "ce": "softmax"}

# name, cell, activation (rnn), loss, on, reduction, T, B, I, H, O, weights dtype
CASES = [
    ("rnn-tanh-mse-last-mean", "rnn", "tanh", "mse", "last", "mean", 5, 3, 3, 4, 2, "F64"),
    ("rnn-tanh-mse-every-mean", "rnn", "tanh", "mse", "every", "mean", 4, 2, 2, 3, 1, "F64"),
    ("rnn-relu-mse-every-sum", "rnn", "relu", "mse", "every", "sum", 6, 3, 4, 5, 2, "F64"),
    ("lstm-mse-last-mean", "lstm", None, "mse", "last", "mean", 5, 2, 3, 4, 1, "F64"),
    ("lstm-ce-every-mean", "lstm", None, "ce", "every", "mean", 4, 3, 2, 3, 3, "F64"),
    ("lstm-bce-every-sum", "lstm", None, "bce", "every", "sum", 7, 1, 4, 5, 2, "F64"),
    ("gru-mse-last-mean", "gru", None, "mse", "last", "mean", 3, 2, 4, 3, 2, "F64"),
    ("gru-ce-every-mean", "gru", None, "ce", "every", "mean", 6, 2, 3, 4, 3, "F64"),
    ("gru-mse-every-sum", "gru", None, "mse", "every", "sum", 5, 3, 2, 5, 1, "F64"),
    ("rnn-tanh-ce-last-mean-f32", "rnn", "tanh", "ce", "last", "mean", 7, 3, 3, 4, 3, "F32"),
    ("lstm-mse-every-mean-long", "lstm", None, "mse", "every", "mean", 60, 2, 3, 8, 2, "F64"),
]
SEED0 = 20240

# ---------------------------------------------------------------------------------------------
# safetensors, hand-written (https://github.com/huggingface/safetensors, "Format"):
#   8 bytes: N, unsigned little-endian 64-bit, the header size
#   N bytes: UTF-8 JSON {name: {"dtype": "F64", "shape": [...], "data_offsets": [begin, end]}},
#            compact, tensors sorted by name, padded with spaces (0x20) to a multiple of 8
#   rest:    the tensors' raw little-endian bytes, row-major, in the same (sorted) order;
#            data_offsets are relative to the start of this byte buffer
# (All tensors in a file share one dtype, so name order equals the official library's order,
# which sorts by alignment, then by name.)

ST_DTYPES = {"F64": "<f8", "F32": "<f4", "I64": "<i8"}


def safetensors_bytes(tensors, dtype):
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name].detach().cpu().numpy().astype(ST_DTYPES[dtype]))
        raw = arr.tobytes(order="C")
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)
    return struct.pack("<Q", len(hbytes)) + hbytes + b"".join(chunks)


def safetensors_read(buf):
    """Strict reader, used only to check the writer."""
    (n,) = struct.unpack("<Q", buf[:8])
    assert n % 8 == 0 and 8 + n <= len(buf)
    header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    data = buf[8 + n :]
    out = {}
    end_max = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        dt = np.dtype(ST_DTYPES[info["dtype"]])
        assert e - b == dt.itemsize * int(np.prod(info["shape"], dtype=np.int64))
        out[name] = np.frombuffer(data[b:e], dtype=dt).reshape(info["shape"])
        end_max = max(end_max, e)
    assert end_max == len(data)
    return out


# ---------------------------------------------------------------------------------------------


class Net(nn.Module):
    def __init__(self, cell, activation, I, H, O):
        super().__init__()
        if cell == "rnn":
            self.rnn = nn.RNN(I, H, num_layers=1, nonlinearity=activation, bias=True, batch_first=False)
        elif cell == "gru":
            self.rnn = nn.GRU(I, H, num_layers=1, bias=True, batch_first=False)
        else:
            self.rnn = nn.LSTM(I, H, num_layers=1, bias=True, batch_first=False)
        self.head = nn.Linear(H, O)

    def forward(self, x, hx):
        out, state = self.rnn(x, hx)
        return out, state, self.head(out)


def loss_of(logits, y, loss, on, reduction, O):
    if on == "last":
        logits = logits[-1]
    if loss == "mse":
        return F.mse_loss(logits, y, reduction=reduction)
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(logits, y, reduction=reduction)
    return F.cross_entropy(logits.reshape(-1, O), y.reshape(-1), reduction=reduction)


def manual_forward(cell, activation, sd, x, h0, c0):
    """The cells written out from the documented gate orders; must equal torch's modules."""
    Wih, Whh = sd["rnn.weight_ih_l0"], sd["rnn.weight_hh_l0"]
    bih, bhh = sd["rnn.bias_ih_l0"], sd["rnn.bias_hh_l0"]
    H = Whh.shape[1]
    h, c = h0, c0
    hs = []
    for t in range(x.shape[0]):
        gi = x[t] @ Wih.T + bih
        gh = h @ Whh.T + bhh
        if cell == "rnn":
            h = torch.tanh(gi + gh) if activation == "tanh" else torch.relu(gi + gh)
        elif cell == "lstm":  # rows [i|f|g|o]
            g = gi + gh
            i, f, gg, o = (g[:, k * H : (k + 1) * H] for k in range(4))
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
            h = torch.sigmoid(o) * torch.tanh(c)
        else:  # rows [r|z|n], reset-after
            r = torch.sigmoid(gi[:, :H] + gh[:, :H])
            z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
            n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
            h = (1 - z) * n + z * h
        hs.append(h)
    return torch.stack(hs), h, c


def nested(t):
    return t.detach().cpu().tolist()


def json_text(obj):
    """One top-level key per line, values compact; floats as repr (round-trips exactly)."""
    lines = [f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'), allow_nan=False)}" for k, v in obj.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_atomic(path, data):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def npy_bytes(arr):
    import io

    b = io.BytesIO()
    np.save(b, arr, allow_pickle=False)
    return b.getvalue()


def make_case(idx, spec):
    name, cell, activation, loss, on, reduction, T, B, I, H, O, wdtype = spec
    seed = SEED0 + idx
    torch.manual_seed(seed)

    net = Net(cell, activation, I, H, O)  # the modules' default init, in float64
    with torch.no_grad():
        for k, p in net.named_parameters():
            if "bias" in k:
                p.add_(0.3 * torch.randn_like(p))
        if wdtype == "F32":  # round to float32; the expectation is computed from the rounded values
            for p in net.parameters():
                p.copy_(p.to(torch.float32).to(torch.float64))

    x = torch.randn(T, B, I)
    h0 = 0.5 * torch.randn(B, H)
    c0 = 0.5 * torch.randn(B, H) if cell == "lstm" else None
    ysh = (B,) if on == "last" else (T, B)
    if loss == "mse":
        y = torch.randn(*ysh, O)
    elif loss == "bce":
        y = torch.rand(*ysh, O)
    else:
        y = torch.randint(0, O, ysh, dtype=torch.int64)

    # --- the reference: module forward, loss.backward()
    xg = x.clone().requires_grad_(True)
    h0g = h0.clone().requires_grad_(True)
    c0g = c0.clone().requires_grad_(True) if c0 is not None else None
    hx = (h0g.unsqueeze(0), c0g.unsqueeze(0)) if cell == "lstm" else h0g.unsqueeze(0)
    net.zero_grad(set_to_none=True)
    out, state, logits = net(xg, hx)
    L = loss_of(logits, y, loss, on, reduction, O)
    L.backward()
    sd = {k: v.detach().clone() for k, v in net.state_dict().items()}
    grads = {k: p.grad.detach().clone() for k, p in net.named_parameters()}
    assert list(sd) == list(grads), (list(sd), list(grads))
    h_n = state[0][0] if cell == "lstm" else state[0]
    c_n = state[1][0] if cell == "lstm" else None

    # --- sanity 1: the documented gate orders reproduce the module's forward pass
    with torch.no_grad():
        mo, mh, mc = manual_forward(cell, activation, sd, x, h0, c0)
    assert torch.allclose(mo, out.detach(), rtol=0, atol=1e-13), name
    assert torch.allclose(mh, h_n.detach(), rtol=0, atol=1e-13), name
    if cell == "lstm":
        assert torch.allclose(mc, c_n.detach(), rtol=0, atol=1e-13), name

    # --- sanity 2: gradcheck (float64 central differences) on the same function, written with
    # the kernels the modules call (torch._VF.rnn_tanh/rnn_relu/gru/lstm; functional_call does not
    # reach an RNN's _flat_weights in torch 1.13, which would make the check vacuous), and the
    # gradients of that function and of manual_forward (elementary ops) equal the ones written
    keys = list(sd)
    rnn_keys = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"]
    vf = {"lstm": torch._VF.lstm, "gru": torch._VF.gru, "rnn": torch._VF.rnn_tanh if activation == "tanh" else torch._VF.rnn_relu}[cell]

    def fn(manual, x_, h0_, *rest):
        c0_, ps = (rest[0], rest[1:]) if cell == "lstm" else (None, rest)
        p = dict(zip(keys, ps))
        if manual:
            out_ = manual_forward(cell, activation, p, x_, h0_, c0_)[0]
        else:
            hx_ = (h0_.unsqueeze(0), c0_.unsqueeze(0)) if cell == "lstm" else h0_.unsqueeze(0)
            out_ = vf(x_, hx_, [p[k] for k in rnn_keys], True, 1, 0.0, False, False, False)[0]
        lg = F.linear(out_, p["head.weight"], p["head.bias"])
        return loss_of(lg, y, loss, on, reduction, O)

    inputs = [x.clone(), h0.clone()] + ([c0.clone()] if c0 is not None else []) + [sd[k].clone() for k in keys]
    inputs = tuple(t.requires_grad_(True) for t in inputs)
    ref = [xg.grad, h0g.grad] + ([c0g.grad] if c0 is not None else []) + [grads[k] for k in keys]
    assert torch.autograd.gradcheck(lambda *a: fn(False, *a), inputs, eps=1e-6, atol=1e-8, rtol=1e-6), name
    for manual, tol in ((False, 1e-14), (True, 1e-12)):
        fl = fn(manual, *inputs)
        fg = torch.autograd.grad(fl, inputs)  # allow_unused=False: every input reaches the loss
        assert abs(fl.item() - L.item()) <= tol * max(1.0, abs(L.item())), (name, manual)
        for a, b in zip(fg, ref):
            assert torch.allclose(a, b, rtol=tol, atol=tol), (name, manual, (a - b).abs().max().item())
            assert a.abs().max().item() > 0, (name, "zero gradient")

    # --- write
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    st = safetensors_bytes(sd, wdtype)
    back = safetensors_read(st)
    assert list(back) == sorted(sd)
    for k in sd:
        assert np.array_equal(back[k].astype(np.float64), sd[k].numpy()), (name, k)
    write_atomic(d / "model.safetensors", st)
    write_atomic(d / "x.npy", npy_bytes(x.numpy().astype("<f8")))
    write_atomic(d / "h0.npy", npy_bytes(h0.numpy().astype("<f8")))
    if c0 is not None:
        write_atomic(d / "c0.npy", npy_bytes(c0.numpy().astype("<f8")))
    write_atomic(d / "y.npy", npy_bytes(y.numpy().astype("<i8" if loss == "ce" else "<f8")))

    exp = {"case": name, "seed": seed, "weights_dtype": wdtype, "cell": cell}
    if cell == "rnn":
        exp["activation"] = activation
    if cell == "gru":
        exp["gru_variant"] = "reset-after"
    exp.update(
        {
            "output": OUTPUT_FOR_LOSS[loss],
            "loss": loss,
            "on": on,
            "reduction": reduction,
            "T": T,
            "B": B,
            "I": I,
            "H": H,
            "O": O,
            "loss_value": L.item(),
            "grads": {k: nested(grads[k]) for k in keys},
            "dx": nested(xg.grad),
            "dh0": nested(h0g.grad),
        }
    )
    if cell == "lstm":
        exp["dc0"] = nested(c0g.grad)
    exp["outputs"] = nested(out)
    exp["h_n"] = nested(h_n)
    if cell == "lstm":
        exp["c_n"] = nested(c_n)
    text = json_text(exp)
    assert json.loads(text) == exp
    write_atomic(d / "expected.json", text.encode("utf-8"))
    return name


README = """# PyTorch reference fixtures

Generated by `tools/make-torch-fixtures.py`; do not edit by hand. Regenerate with `npm run fixtures:torch`
(runs Debian's `/usr/bin/python3`). The output is byte-for-byte deterministic for a given torch/numpy.

Generated with Python {py}, torch {torch}, numpy {np} (float64, one thread, a fixed seed per case).

Each folder is one case: `model.safetensors` (the `state_dict` of `rnn` = nn.RNN/GRU/LSTM with one layer,
`batch_first=False`, `bias=True`, plus `head` = nn.Linear(H, O); F64, or F32 in `*-f32`), `x.npy` (T, B, I),
`h0.npy` (B, H), `c0.npy` (B, H, LSTM only), `y.npy` (targets; int64 class indices for ce), and
`expected.json` (loss, gradients of every state_dict key, dx, dh0, dc0, hidden states `outputs` (T, B, H),
h_n, c_n). The loss: `logits = head(rnn(x, h0)[0])`, the last step or every step, then mse / bce-with-logits /
cross-entropy with the stated reduction. For the F32 case the expectation is computed in float64 from the
float32-rounded weights, so it is exact for the stored values.

PyTorch gate orders (rows of `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`):
- LSTM: `[i|f|g|o]` (input/update, forget, candidate, output)
- GRU:  `[r|z|n]` (reset, update z = 1 - Γu, candidate), the reset-after variant:
  `n = tanh(W_in x + b_in + r*(W_hn h + b_hn))`, `h = (1-z)*n + z*h`

Cases: {cases}
"""


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    names = [make_case(i, spec) for i, spec in enumerate(CASES)]
    for p in OUT.iterdir():  # drop folders of cases that no longer exist
        if p.is_dir() and p.name not in names:
            shutil.rmtree(p)
    text = README.format(
        py=".".join(map(str, sys.version_info[:3])),
        torch=torch.__version__,
        np=np.__version__,
        cases=", ".join(f"`{n}`" for n in names),
    )
    write_atomic(OUT / "README.md", text.encode("utf-8"))
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    assert total < 300 * 1024, f"fixtures are {total} bytes, over 300 KB"
    print(f"wrote {len(names)} cases to {OUT.relative_to(ROOT)} ({total} bytes)")


if __name__ == "__main__":
    main()
