#!/usr/bin/python3
"""The adding problem's LSTM exactly as the uRNN authors' code trains it, in PyTorch (float32): a check
on rnnlab's `reproduce adding`, which stays on the 1/6 plateau for 10,000 steps.

Run with Debian's python3 (torch 1.13):  /usr/bin/python3 tools/adding-authors-lstm.py [T] [H] [steps] [variant]
Prints one line per 250 steps: variant, T, step, mean training MSE of those 250 steps, seconds.

What "the authors' code" is (github.com/amarshah/complex_RNN: complex_RNN_adding.py, models.py's LSTM,
optimizations.py's rms_prop), followed line by line:
  - data: 100,000 fixed training sequences of (U[0,1], marker), one marker in each half, target their
    sum, walked through in batches of 20 (no reshuffle);
  - LSTM: every matrix Glorot-uniform U(±sqrt(6/(fan_in+fan_out))) from RandomState(1234), a peephole
    V_o from c<t> into the output gate, forget bias 1, the other biases 0, learnable h0 and c0, a linear
    readout of the last h, MSE;
  - RMSProp: r <- 0.9 r + 0.1 g², p <- p - lr·g/sqrt(r) with r starting at 1e-3 (not 0) and no epsilon,
    lr 1e-3; no gradient clipping (the script sets gradient_clipping but never applies it).
variant "authors" is that; a variant string containing "ptinit" (PyTorch's U(±1/sqrt(H)) init), "nopeep",
"fb0" (forget bias 0), "clip1" (global-norm clip at 1) or "ptrms" (PyTorch's RMSProp: r from 0, eps
1e-8) swaps in rnnlab's defaults one at a time.
"""
import sys, time
import numpy as np
import torch

torch.set_num_threads(1)
T = int(sys.argv[1]) if len(sys.argv) > 1 else 100
H = int(sys.argv[2]) if len(sys.argv) > 2 else 128
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 6000
variant = sys.argv[4] if len(sys.argv) > 4 else "authors"
np.random.seed(1)
torch.manual_seed(1)
rng = np.random.RandomState(1234)


def glorot(i, o):
    b = np.sqrt(6.0 / (i + o))
    return torch.tensor(rng.uniform(-b, b, (i, o)), dtype=torch.float32, requires_grad=True)


def pt(i, o):
    b = 1 / np.sqrt(H)
    return torch.tensor(rng.uniform(-b, b, (i, o)), dtype=torch.float32, requires_grad=True)


init = pt if "ptinit" in variant else glorot
I = 2
W = {g: init(I, H) for g in "ifco"}
U = {g: init(H, H) for g in "ifco"}
Vo = init(H, H)
b = {g: torch.zeros(H, requires_grad=True) for g in "ifco"}
with torch.no_grad():
    b["f"] += 0.0 if "fb0" in variant else 1.0
h0 = torch.zeros(1, H, requires_grad=True)
c0 = torch.zeros(1, H, requires_grad=True)
out = init(H, 1)
ob = torch.zeros(1, requires_grad=True)
peep = "nopeep" not in variant
params = list(W.values()) + list(U.values()) + ([Vo] if peep else []) + list(b.values()) + [h0, c0, out, ob]

ntr = 100000
x = np.zeros((T, ntr, 2), np.float32)
x[:, :, 0] = np.random.uniform(0, 1, (T, ntr))
inds = np.random.randint(T // 2, size=(ntr, 2))
inds[:, 1] += T // 2
x[inds[:, 0], np.arange(ntr), 1] = 1
x[inds[:, 1], np.arange(ntr), 1] = 1
y = (x[:, :, 0] * x[:, :, 1]).sum(0).reshape(ntr, 1)
x, y = torch.tensor(x), torch.tensor(y)

ptrms = "ptrms" in variant
acc = [torch.zeros_like(p) if ptrms else torch.full_like(p, 1e-3) for p in params]
B = 20
t0 = time.time()
hist = []
for it in range(steps):
    k = it % (ntr // B)
    xb, yb = x[:, k * B:(k + 1) * B], y[k * B:(k + 1) * B]
    h, c = h0.expand(B, H), c0.expand(B, H)
    for t in range(T):
        xt = xb[t]
        i = torch.sigmoid(xt @ W["i"] + h @ U["i"] + b["i"])
        cc = torch.tanh(xt @ W["c"] + h @ U["c"] + b["c"])
        f = torch.sigmoid(xt @ W["f"] + h @ U["f"] + b["f"])
        c = i * cc + f * c
        o = torch.sigmoid(xt @ W["o"] + h @ U["o"] + (c @ Vo if peep else 0) + b["o"])
        h = o * torch.tanh(c)
    loss = ((h @ out + ob - yb) ** 2).mean()
    gs = torch.autograd.grad(loss, params)
    if "clip1" in variant:
        n = torch.sqrt(sum((g ** 2).sum() for g in gs))
        s = min(1.0, 1 / (float(n) + 1e-6))
        gs = [g * s for g in gs]
    with torch.no_grad():
        for p, g, a in zip(params, gs, acc):
            a.mul_(0.9).add_(0.1 * g * g)
            p.sub_(1e-3 * g / (a.sqrt() + 1e-8) if ptrms else 1e-3 * g / a.sqrt())
    hist.append(float(loss))
    if (it + 1) % 250 == 0:
        print(variant, T, it + 1, round(float(np.mean(hist[-250:])), 4), round(time.time() - t0), flush=True)
