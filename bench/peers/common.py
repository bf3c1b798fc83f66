"""Shared helpers of the Python peers: case loading, timing, memory, and which BLAS is loaded."""
import json
import os
import resource
import sys
import time

import numpy as np

KEYS = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight", "head.bias"]


def load_case(d):
    c = json.load(open(os.path.join(d, "case.json")))
    sd = {k: np.load(os.path.join(d, k + ".npy")) for k in KEYS}
    x = np.load(os.path.join(d, "x.npy"))
    y = np.load(os.path.join(d, "y.npy"))
    return c, sd, x, y


def loaded_blas():
    """The BLAS/LAPACK shared objects mapped into this process (proof of which one runs)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            base = os.path.basename(p)
            if ("blas" in base or "lapack" in base) and ".so" in base:
                libs.add(p)
    return sorted(libs)


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def time_steps(f, budget_ms, min_reps, max_reps):
    # warm-up: until 500 ms have passed (at least one call, at most 10), as bench/cases.ts timeSteps
    t = time.perf_counter()
    i = 0
    while i < 10 and (i == 0 or (time.perf_counter() - t) < 0.5):
        f()
        i += 1
    warm = (time.perf_counter() - t) * 1e3
    times, cpu = [], []
    start = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or (time.perf_counter() - start) * 1e3 < budget_ms):
        c = time.process_time()
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1e3)
        cpu.append((time.process_time() - c) * 1e3)
    return (times, cpu), warm


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def report(peer, dtype, c, times_cpu, warm, loss, grad_norm, rss0, extra=None):
    """One JSON line. time_steps's (wall, cpu) times in ms: CPU time is this process's user + system."""
    times, cpu = times_cpu
    out = {"peer": peer, "dtype": dtype, "case": "%s-%s" % (c["name"], c["cell"]), "median": median(times), "min": min(times),
           "cpuMedian": median(cpu),
           "reps": len(times), "warmupMs": warm, "loss": float(loss), "gradNorm": float(grad_norm),
           "peakRssGrowthMB": max_rss_mb() - rss0, "blas": loaded_blas()}
    if extra:
        out.update(extra)
    sys.stdout.write(json.dumps(out) + "\n")


def args():
    a = sys.argv[1:]
    return a[0], float(a[1]) if len(a) > 1 else 3000.0, int(a[2]) if len(a) > 2 else 3, int(a[3]) if len(a) > 3 else 30
