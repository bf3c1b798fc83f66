#!/usr/bin/python3
"""Writes core/test/fixtures/optim/*.json: PyTorch 1.13's optimizers and gradient clipping, in float64.

Run with Debian's python3 (torch 1.13, numpy 1.24):  /usr/bin/python3 tools/make-optim-fixtures.py

Optimizer fixtures (one file per case): two nn.Parameters of shapes (3, 4) and (5,), flattened into one
vector in that order (row-major), as rnnlab's flat parameter layout holds them; six steps with gradients
drawn from torch.manual_seed(0) in float64 (scaled per step, so AMSGrad's running max matters, with one
exact zero); the parameters after every step; torch's state buffers after the last step. The (3, 4)
parameter starts at 0.1·randn and the (5,) one at zero, so the updates are not lost in the rounding of
large parameters. `spec` is the equivalent rnnlab OptimizerSpec.

Clip fixtures (clip.json): gradient sets for the same two shapes, torch.nn.utils.clip_grad_norm_'s
returned total norm and clipped gradients, plus `exactNorm` (math.hypot, which neither overflows nor
underflows) and the gradients clipped with that exact norm, for the sets where torch's norm overflows
(1e200 -> inf) or underflows (1e-200 -> 0). Non-finite numbers are written as the strings "NaN",
"Infinity" and "-Infinity", since JSON has no literal for them.

ATEN_CPU_CAPABILITY=default is set before torch is imported, so the elementwise kernels run without
AVX2/FMA: every multiply and add rounds separately, as in JavaScript, and the bytes do not depend on the
machine. (Under AVX2, torch fuses `a + alpha*b` into one FMA, which moves some results by an ulp.)
"""
import os

os.environ["ATEN_CPU_CAPABILITY"] = "default"

import json  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "core" / "test" / "fixtures" / "optim"
SHAPES = [(3, 4), (5,)]
STEPS = 6
GRAD_SCALES = [1.0, 0.1, 2.0, 0.01, 1.0, 0.5]

# name -> (torch class, torch kwargs, rnnlab OptimizerSpec)
CASES = {
    "sgd": (torch.optim.SGD, dict(lr=0.1), dict(kind="sgd", lr=0.1)),
    "sgd-weight-decay": (torch.optim.SGD, dict(lr=0.05, weight_decay=0.1), dict(kind="sgd", lr=0.05, weightDecay=0.1)),
    "momentum": (torch.optim.SGD, dict(lr=0.1, momentum=0.9), dict(kind="momentum", lr=0.1)),
    "sgd-momentum-dampening-wd": (
        torch.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01),
        dict(kind="sgd", lr=0.05, momentum=0.8, dampening=0.3, weightDecay=0.01)),
    "sgd-nesterov": (
        torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05),
        dict(kind="sgd", lr=0.1, momentum=0.9, nesterov=True, weightDecay=0.05)),
    "adam-defaults": (torch.optim.Adam, dict(), dict(kind="adam")),
    "adam-weight-decay": (torch.optim.Adam, dict(lr=0.01, weight_decay=0.1), dict(kind="adam", lr=0.01, weightDecay=0.1)),
    "adam-amsgrad": (
        torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), amsgrad=True),
        dict(kind="adam", lr=0.01, betas=[0.8, 0.99], amsgrad=True)),
    "adamw-defaults": (torch.optim.AdamW, dict(lr=0.01), dict(kind="adamw", lr=0.01)),
    "adamw-amsgrad": (
        torch.optim.AdamW, dict(lr=0.02, weight_decay=0.1, amsgrad=True, eps=1e-6),
        dict(kind="adamw", lr=0.02, weightDecay=0.1, amsgrad=True, eps=1e-6)),
    "rmsprop-defaults": (torch.optim.RMSprop, dict(), dict(kind="rmsprop")),
    "rmsprop-centered": (torch.optim.RMSprop, dict(lr=0.01, centered=True), dict(kind="rmsprop", lr=0.01, centered=True)),
    "rmsprop-momentum-wd": (
        torch.optim.RMSprop, dict(lr=0.005, alpha=0.9, momentum=0.9, weight_decay=0.1),
        dict(kind="rmsprop", lr=0.005, alpha=0.9, momentum=0.9, weightDecay=0.1)),
    "rmsprop-centered-momentum": (
        torch.optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5, eps=1e-6),
        dict(kind="rmsprop", lr=0.01, centered=True, momentum=0.5, eps=1e-6)),
    "adagrad-defaults": (torch.optim.Adagrad, dict(), dict(kind="adagrad")),
    "adagrad-lr-decay": (
        torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.1, eps=1e-8),
        dict(kind="adagrad", lr=0.1, lrDecay=0.05, weightDecay=0.1, initialAccumulatorValue=0.1, eps=1e-8)),
}

# torch's per-parameter state keys -> rnnlab's OptimizerState buffer names
STATE_NAMES = {"momentum_buffer": "momentumBuffer", "exp_avg": "expAvg", "exp_avg_sq": "expAvgSq",
               "max_exp_avg_sq": "maxExpAvgSq", "square_avg": "squareAvg", "grad_avg": "gradAvg", "sum": "sum"}


def flat(tensors):
    return [float(v) for t in tensors for v in t.detach().reshape(-1).tolist()]


def enc(v):
    """A float as JSON: finite numbers as numbers (repr round-trips), the rest as strings."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def dump(path, obj):
    """One top-level key per line, values compact; deterministic bytes."""
    lines = [f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'), allow_nan=False)}" for k, v in obj.items()]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def inputs():
    torch.manual_seed(0)
    params0 = [torch.randn(s, dtype=torch.float64) * 0.1 for s in SHAPES]
    params0[1].zero_()  # the first update lands on exact zeros, so its every bit shows in `params`
    grads = [[torch.randn(s, dtype=torch.float64) * GRAD_SCALES[k] for s in SHAPES] for k in range(STEPS)]
    grads[2][1][3] = 0.0  # an exact zero gradient entry
    return params0, grads


def optimizer_case(name, cls, kwargs, spec):
    params0, grads = inputs()
    ps = [torch.nn.Parameter(p.clone()) for p in params0]
    opt = cls(ps, **kwargs)
    after = []
    for k in range(STEPS):
        for p, g in zip(ps, grads[k]):
            p.grad = g.clone()
        opt.step()
        after.append(flat(ps))
    state = {STATE_NAMES[k]: flat([opt.state[p][k] for p in ps])
             for k in opt.state[ps[0]] if k in STATE_NAMES and opt.state[ps[0]][k] is not None}
    dump(OUT / f"{name}.json", {
        "torch": torch.__version__,
        "torchCall": f"torch.optim.{cls.__name__}(params, **{json.dumps(kwargs, sort_keys=True)})",
        "spec": spec,
        "shapes": [list(s) for s in SHAPES],
        "params0": flat(params0),
        "grads": [flat(g) for g in grads],
        "params": after,
        "state": {"step": STEPS, "buffers": state},
    })


def clip_sets():
    torch.manual_seed(1)
    base = [torch.randn(s, dtype=torch.float64) for s in SHAPES]
    n = math.hypot(*flat(base))
    sets = [
        ("below", [g * (0.5 / n) for g in base], 1.0),
        ("above", [g * (30.0 / n) for g in base], 1.0),
    ]
    tn = float(torch.norm(torch.stack([torch.norm(g, 2) for g in base]), 2))
    sets.append(("just-below-within-1e-6", [g.clone() for g in base], tn + 4e-7))
    sets.append(("equal", [g.clone() for g in base], tn))
    huge = [g.clone() for g in base]
    huge[0][1, 2] = 1e200
    huge[1][4] = 1e-200
    sets.append(("huge-and-tiny", huge, 5.0))
    sets.append(("all-tiny", [g * 1e-200 for g in base], 1.0))
    sets.append(("all-zero", [torch.zeros(s, dtype=torch.float64) for s in SHAPES], 1.0))
    nan = [g.clone() for g in base]
    nan[1][2] = float("nan")
    sets.append(("nan", nan, 1.0))
    inf = [g.clone() for g in base]
    inf[0][0, 3] = float("inf")
    sets.append(("inf", inf, 1.0))
    return sets


def clip_fixture():
    cases = []
    for name, gs, max_norm in clip_sets():
        ps = [torch.nn.Parameter(torch.zeros_like(g)) for g in gs]
        for p, g in zip(ps, gs):
            p.grad = g.clone()
        total = float(torch.nn.utils.clip_grad_norm_(ps, max_norm))
        vals = flat(gs)
        finite = all(math.isfinite(v) for v in vals)
        exact = math.hypot(*[math.hypot(*flat([g])) for g in gs]) if finite else total
        coef = min(max_norm / (exact + 1e-6), 1.0)
        cases.append({
            "name": name,
            "maxNorm": max_norm,
            "grads": [enc(v) for v in vals],
            "norm": enc(total),
            "clipped": [enc(v) for v in flat([p.grad for p in ps])],
            "exactNorm": enc(exact),
            "exactClipped": [enc(v * coef) for v in vals],
        })
    dump(OUT / "clip.json", {
        "torch": torch.__version__,
        "torchCall": "torch.nn.utils.clip_grad_norm_(params, maxNorm)  # norm_type=2",
        "shapes": [list(s) for s in SHAPES],
        "cases": cases,
    })


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (cls, kwargs, spec) in CASES.items():
        optimizer_case(name, cls, kwargs, spec)
    clip_fixture()
    total = sum(p.stat().st_size for p in OUT.glob("*.json"))
    print(f"wrote {len(CASES) + 1} files, {total} bytes, to {OUT}")


if __name__ == "__main__":
    main()
