"""NumPy peer: a hand-fused BPTT in float64 (PyTorch's layout, both biases).

The input projection X·W_ihᵀ for every t is one GEMM before the loop, and the weight gradients are
single GEMMs after it, so only the (B, G·H)×(G·H, H) recurrent products stay inside the time loops.
GRU is PyTorch's (reset-after): n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h' = (1-z)*n + z*h.
Usage: numpy_step.py <caseDir> [budgetMs] [minReps] [maxReps]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import args, load_case, max_rss_mb, report, time_steps  # noqa: E402

import numpy as np  # noqa: E402

d, budget, min_reps, max_reps = args()
c, sd, x, y = load_case(d)
cell, H, I, T, B = c["cell"], c["H"], c["I"], c["T"], c["B"]
Wih, Whh, bih, bhh = sd["rnn.weight_ih_l0"], sd["rnn.weight_hh_l0"], sd["rnn.bias_ih_l0"], sd["rnn.bias_hh_l0"]
Wy, by = sd["head.weight"], sd["head.bias"]
G = Whh.shape[0] // H
WhhT = np.ascontiguousarray(Whh.T)
X2 = x.reshape(T * B, I)


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def head(hT):
    yhat = hT @ Wy.T + by
    loss = np.mean((yhat - y) ** 2)
    dy = 2.0 * (yhat - y) / y.size
    return loss, dy.T @ hT, dy.sum(0), dy @ Wy


def finish(dGx, dGh, hs, dWy, dby):
    """Weight gradients as single GEMMs over all T·B rows."""
    dWih = dGx.reshape(T * B, G * H).T @ X2
    dWhh = dGh.reshape(T * B, G * H).T @ hs[:-1].reshape(T * B, H)
    dbih = dGx.reshape(T * B, G * H).sum(0)
    dbhh = dGh.reshape(T * B, G * H).sum(0)
    return [dWih, dWhh, dbih, dbhh, dWy, dby]


def step_rnn():
    hs = np.zeros((T + 1, B, H))
    pre = (X2 @ Wih.T + (bih + bhh)).reshape(T, B, H)
    for t in range(T):
        hs[t + 1] = np.tanh(pre[t] + hs[t] @ WhhT)
    loss, dWy, dby, dh = head(hs[T])
    dz = np.empty((T, B, H))
    for t in range(T - 1, -1, -1):
        dz[t] = dh * (1.0 - hs[t + 1] ** 2)
        dh = dz[t] @ Whh
    return loss, finish(dz, dz, hs, dWy, dby)


def step_lstm():
    hs = np.zeros((T + 1, B, H))
    cs = np.zeros((T + 1, B, H))
    gates = (X2 @ Wih.T + (bih + bhh)).reshape(T, B, 4 * H)
    for t in range(T):
        g = gates[t]
        g += hs[t] @ WhhT
        g[:, :2 * H] = sigmoid(g[:, :2 * H])
        g[:, 2 * H:3 * H] = np.tanh(g[:, 2 * H:3 * H])
        g[:, 3 * H:] = sigmoid(g[:, 3 * H:])
        cs[t + 1] = g[:, H:2 * H] * cs[t] + g[:, :H] * g[:, 2 * H:3 * H]
        hs[t + 1] = g[:, 3 * H:] * np.tanh(cs[t + 1])
    loss, dWy, dby, dh = head(hs[T])
    dG = np.empty((T, B, 4 * H))
    dc = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        g = gates[t]
        i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        tc = np.tanh(cs[t + 1])
        dc = dc + dh * o * (1.0 - tc * tc)
        d = dG[t]
        d[:, :H] = dc * gg * i * (1.0 - i)
        d[:, H:2 * H] = dc * cs[t] * f * (1.0 - f)
        d[:, 2 * H:3 * H] = dc * i * (1.0 - gg * gg)
        d[:, 3 * H:] = dh * tc * o * (1.0 - o)
        dc = dc * f
        dh = d @ Whh
    return loss, finish(dG, dG, hs, dWy, dby)


def step_gru():
    hs = np.zeros((T + 1, B, H))
    gx = (X2 @ Wih.T + bih).reshape(T, B, 3 * H)
    rz = np.empty((T, B, 2 * H))
    ns = np.empty((T, B, H))
    hn = np.empty((T, B, H))
    for t in range(T):
        gh = hs[t] @ WhhT + bhh
        rz[t] = sigmoid(gx[t, :, :2 * H] + gh[:, :2 * H])
        hn[t] = gh[:, 2 * H:]
        ns[t] = np.tanh(gx[t, :, 2 * H:] + rz[t, :, :H] * hn[t])
        z = rz[t, :, H:]
        hs[t + 1] = (1.0 - z) * ns[t] + z * hs[t]
    loss, dWy, dby, dh = head(hs[T])
    dGx = np.empty((T, B, 3 * H))
    dGh = np.empty((T, B, 3 * H))
    for t in range(T - 1, -1, -1):
        r, z, n = rz[t, :, :H], rz[t, :, H:], ns[t]
        dan = dh * (1.0 - z) * (1.0 - n * n)
        dar = dan * hn[t] * r * (1.0 - r)
        daz = dh * (hs[t] - n) * z * (1.0 - z)
        dGx[t, :, :H] = dar
        dGx[t, :, H:2 * H] = daz
        dGx[t, :, 2 * H:] = dan
        dGh[t, :, :2 * H] = dGx[t, :, :2 * H]
        dGh[t, :, 2 * H:] = dan * r
        dh = dh * z + dGh[t] @ Whh
    return loss, finish(dGx, dGh, hs, dWy, dby)


STEP = {"rnn": step_rnn, "lstm": step_lstm, "gru": step_gru}[cell]
last = {}
rss0 = max_rss_mb()


def step():
    last["r"] = STEP()


times, warm = time_steps(step, budget, min_reps, max_reps)
loss, grads = last["r"]
gn = float(np.sqrt(sum((g ** 2).sum() for g in grads)))
report("numpy", "float64", c, times, warm, loss, gn, rss0, {"numpy": np.__version__})
