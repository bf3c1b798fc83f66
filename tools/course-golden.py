#!/usr/bin/python3
"""Course golden values: a NumPy re-implementation of the Coursera "Building your Recurrent Neural
Network - Step by Step" functions, run on the course's seeded test inputs.

Run with Debian's interpreter, which has numpy:  /usr/bin/python3 tools/course-golden.py

It prints the values DESIGN.md section 3 quotes and whether each matches to 1e-7, and writes
core/test/fixtures/course-golden.json with every drawn input and every output in course layout:
vectors and matrices are (n, m) (units x batch), sequences (n, m, T). Each array is stored as
{"shape": [...], "data": [...]} where data is the C-order (row-major) flattening, so element
[i][j][t] is data[(i * m + j) * T + t]. Floats are written by json.dumps (repr: exact round trip).

Draw orders (np.random.seed(1), then np.random.randn in this order, each array filled in C order):
  rnn_cell_forward:   xt (3,10), a_prev (5,10), Waa (5,5), Wax (5,3), Wya (2,5), ba (5,1), by (2,1)
  rnn_backward:       x (3,10,4), a0 (5,10), Wax (5,3), Waa (5,5), Wya (2,5), ba (5,1), by (2,1),
                      forward pass, then da (5,10,4)
  lstm_cell_backward: xt (3,10), a_prev (5,10), c_prev (5,10), Wf (5,8), bf (5,1), Wi, bi, Wo, bo,
                      Wc, bc, Wy (2,5), by (2,1), forward pass, then da_next (5,10), dc_next (5,10)
The LSTM acts on concat = [a_prev; xt] (a_prev rows first).
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "core", "test", "fixtures",
                   "course-golden.json")
TOL = 1e-7


def softmax(x):
    # The course's rnn_utils.softmax: one max over the whole array, sums over axis 0.
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def rnn_cell_forward(xt, a_prev, parameters):
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba)
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)


def rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    Wax, Waa = parameters["Wax"], parameters["Waa"]
    dtanh = (1 - a_next ** 2) * da_next
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, axis=1, keepdims=True)
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def rnn_backward(da, caches):
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        g = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dx[:, :, t] = g["dxt"]
        da_prevt = g["da_prev"]
        dWax += g["dWax"]
        dWaa += g["dWaa"]
        dba += g["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    Wf, bf = parameters["Wf"], parameters["bf"]
    Wi, bi = parameters["Wi"], parameters["bi"]
    Wc, bc = parameters["Wc"], parameters["bc"]
    Wo, bo = parameters["Wo"], parameters["bo"]
    Wy, by = parameters["Wy"], parameters["by"]
    n_x, m = xt.shape
    n_y, n_a = Wy.shape
    concat = np.zeros((n_a + n_x, m))
    concat[:n_a, :] = a_prev
    concat[n_a:, :] = xt
    ft = sigmoid(np.dot(Wf, concat) + bf)
    it = sigmoid(np.dot(Wi, concat) + bi)
    cct = np.tanh(np.dot(Wc, concat) + bc)
    c_next = ft * c_prev + it * cct
    ot = sigmoid(np.dot(Wo, concat) + bo)
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(np.dot(Wy, a_next) + by)
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_cell_backward(da_next, dc_next, cache, variant="correct"):
    """variant "correct": the exact derivative (what the course's expected output shows).
    variant "dc-without-da": a deliberately wrong version whose forget/update/candidate gate gradients
    use dc_next alone, ignoring the path through a_next = ot * tanh(c_next). It is printed only to show
    that the golden values tell the two apart; it is not a reconstruction of any published notebook."""
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_x, m = xt.shape
    n_a, m = a_next.shape
    tanh_c = np.tanh(c_next)
    # total gradient reaching c_next: through dc_next and through a_next = ot * tanh(c_next)
    if variant == "correct":
        dc = dc_next + ot * (1 - tanh_c ** 2) * da_next
    elif variant == "dc-without-da":
        dc = dc_next
    else:
        raise ValueError(variant)
    dot = da_next * tanh_c * ot * (1 - ot)
    dcct = dc * it * (1 - cct ** 2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)

    concat = np.concatenate((a_prev, xt), axis=0)
    dWf = np.dot(dft, concat.T)
    dWi = np.dot(dit, concat.T)
    dWc = np.dot(dcct, concat.T)
    dWo = np.dot(dot, concat.T)
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)

    Wf, Wi, Wc, Wo = parameters["Wf"], parameters["Wi"], parameters["Wc"], parameters["Wo"]
    da_prev = (np.dot(Wf[:, :n_a].T, dft) + np.dot(Wi[:, :n_a].T, dit)
               + np.dot(Wc[:, :n_a].T, dcct) + np.dot(Wo[:, :n_a].T, dot))
    dc_prev = dc * ft
    dxt = (np.dot(Wf[:, n_a:].T, dft) + np.dot(Wi[:, n_a:].T, dit)
           + np.dot(Wc[:, n_a:].T, dcct) + np.dot(Wo[:, n_a:].T, dot))
    return {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, "dWf": dWf, "dbf": dbf, "dWi": dWi,
            "dbi": dbi, "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel(order="C")]}


def case_rnn_cell_forward():
    np.random.seed(1)
    inputs = {"xt": np.random.randn(3, 10), "a_prev": np.random.randn(5, 10)}
    p = {}
    p["Waa"] = np.random.randn(5, 5)
    p["Wax"] = np.random.randn(5, 3)
    p["Wya"] = np.random.randn(2, 5)
    p["ba"] = np.random.randn(5, 1)
    p["by"] = np.random.randn(2, 1)
    a_next, yt_pred, _ = rnn_cell_forward(inputs["xt"], inputs["a_prev"], p)
    drawn = {**inputs, **p}
    order = ["xt", "a_prev", "Waa", "Wax", "Wya", "ba", "by"]
    return order, drawn, {"a_next": a_next, "yt_pred": yt_pred}


def case_rnn_backward():
    np.random.seed(1)
    drawn = {"x": np.random.randn(3, 10, 4), "a0": np.random.randn(5, 10)}
    p = {}
    p["Wax"] = np.random.randn(5, 3)
    p["Waa"] = np.random.randn(5, 5)
    p["Wya"] = np.random.randn(2, 5)
    p["ba"] = np.random.randn(5, 1)
    p["by"] = np.random.randn(2, 1)
    drawn.update(p)
    a, y_pred, caches = rnn_forward(drawn["x"], drawn["a0"], p)
    drawn["da"] = np.random.randn(5, 10, 4)
    g = rnn_backward(drawn["da"], caches)
    order = ["x", "a0", "Wax", "Waa", "Wya", "ba", "by", "da"]
    return order, drawn, {"a": a, "y_pred": y_pred, **g}


def case_lstm_cell_backward(variant="correct"):
    np.random.seed(1)
    drawn = {"xt": np.random.randn(3, 10), "a_prev": np.random.randn(5, 10),
             "c_prev": np.random.randn(5, 10)}
    p = {}
    p["Wf"] = np.random.randn(5, 5 + 3)
    p["bf"] = np.random.randn(5, 1)
    p["Wi"] = np.random.randn(5, 5 + 3)
    p["bi"] = np.random.randn(5, 1)
    p["Wo"] = np.random.randn(5, 5 + 3)
    p["bo"] = np.random.randn(5, 1)
    p["Wc"] = np.random.randn(5, 5 + 3)
    p["bc"] = np.random.randn(5, 1)
    p["Wy"] = np.random.randn(2, 5)
    p["by"] = np.random.randn(2, 1)
    drawn.update(p)
    a_next, c_next, yt, cache = lstm_cell_forward(drawn["xt"], drawn["a_prev"], drawn["c_prev"], p)
    drawn["da_next"] = np.random.randn(5, 10)
    drawn["dc_next"] = np.random.randn(5, 10)
    g = lstm_cell_backward(drawn["da_next"], drawn["dc_next"], cache, variant)
    order = ["xt", "a_prev", "c_prev", "Wf", "bf", "Wi", "bi", "Wo", "bo", "Wc", "bc", "Wy", "by",
             "da_next", "dc_next"]
    return order, drawn, {"a_next": a_next, "c_next": c_next, "yt_pred": yt, **g}


# DESIGN.md section 3
DESIGN = [
    ("rnn_cell_forward", "a_next[4]", lambda o: o["a_next"][4],
     [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201, 0.99980978, -0.18887155,
      0.99815551, 0.6531151, 0.82872037]),
    ("rnn_backward", "dx[1][2]", lambda o: o["dx"][1][2],
     [-2.07101689, -0.59255627, 0.02466855, 0.01483317]),
    ("rnn_backward", "dWax[3][1]", lambda o: o["dWax"][3][1], 11.2641045),
    ("rnn_backward", "dWaa[1][2]", lambda o: o["dWaa"][1][2], 2.30333313),
    ("rnn_backward", "dba[4]", lambda o: o["dba"][4], -0.74747722),
    ("lstm_cell_backward", "dxt[1][2]", lambda o: o["dxt"][1][2], 3.2305591151091875),
    ("lstm_cell_backward", "dWf[3][1]", lambda o: o["dWf"][3][1], -0.1479548381644968),
]


def main():
    cases = {
        "rnn_cell_forward": case_rnn_cell_forward(),
        "rnn_backward": case_rnn_backward(),
        "lstm_cell_backward": case_lstm_cell_backward("correct"),
    }
    buggy = case_lstm_cell_backward("dc-without-da")[2]

    all_ok = True
    print(f"{'function':<20} {'value':<12} {'ok':<4} {'max |diff|':<10} computed")
    for fn, name, get, want in DESIGN:
        got = np.asarray(get(cases[fn][2]), dtype=np.float64).ravel()
        want_a = np.asarray(want, dtype=np.float64).ravel()
        diff = float(np.max(np.abs(got - want_a)))
        ok = got.shape == want_a.shape and diff <= TOL
        all_ok &= ok
        shown = np.array2string(got, precision=10, separator=", ", max_line_width=200)
        print(f"{fn:<20} {name:<12} {'yes' if ok else 'NO':<4} {diff:<10.2e} {shown}")
    for name, get, want in [("dxt[1][2]", lambda o: o["dxt"][1][2], 3.2305591151091875),
                            ("dWf[3][1]", lambda o: o["dWf"][3][1], -0.1479548381644968)]:
        got = float(get(buggy))
        print(f"  (wrong variant dc-without-da: {name} = {got!r}, matches DESIGN: {abs(got - want) <= TOL})")
    # Further values the course's notebook prints, for reference (not in DESIGN.md).
    r, l = cases["rnn_backward"][2], cases["lstm_cell_backward"][2]
    print("  also: rnn_backward da0[2][3] =", repr(float(r["da0"][2][3])),
          "| lstm da_prev[2][3] =", repr(float(l["da_prev"][2][3])),
          "dc_prev[2][3] =", repr(float(l["dc_prev"][2][3])),
          "dbf[4] =", repr(float(l["dbf"][4][0])))
    print("all DESIGN.md golden values match:", all_ok)

    doc = {
        "about": "Course 'Building your RNN step by step' test cases, recomputed by tools/course-golden.py "
                 "with numpy " + np.__version__ + ". Arrays: {shape, data}, data = C-order flattening of the "
                 "course layout ((n, m) or (n, m, T)). 'drawOrder' lists the inputs in the order "
                 "np.random.seed(1); np.random.randn draws them.",
        "cases": {},
    }
    for fn, (order, drawn, outputs) in cases.items():
        doc["cases"][fn] = {
            "seed": 1,
            "drawOrder": order,
            "inputs": {k: arr(drawn[k]) for k in order},
            "outputs": {k: arr(v) for k, v in outputs.items()},
        }
    with open(OUT + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(OUT + ".tmp", OUT)
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
