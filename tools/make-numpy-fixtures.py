#!/usr/bin/python3
"""Write core/test/fixtures/numpy-random.json: reference streams from numpy's legacy RandomState.

Run with Debian's interpreter, which has numpy:  /usr/bin/python3 tools/make-numpy-fixtures.py

For each seed in SEEDS it records, each from a freshly seeded generator:
  randn          np.random.seed(s); np.random.randn(3000)            (legacy_gauss, polar Box-Muller)
  randomSample   np.random.seed(s); np.random.random_sample(50)      (legacy 53-bit double)
  raw32          np.random.RandomState(s)._bit_generator.random_raw(50)
                 MT19937's random_raw returns genrand_int32 (mt19937_next32) widened to uint64, i.e. the
                 raw tempered 32-bit stream. `tomaxint` is NOT the raw stream (it is next_uint64 >> 1).
                 This script cross-checks raw32 against a pure-Python MT19937 (twist + tempering) run
                 from the key words returned by get_state() right after seeding.
  stateAfter7Randn   get_state() after np.random.seed(s); np.random.randn(7): key (624 words), pos,
                 has_gauss, cached_gaussian (7 draws is odd, so has_gauss = 1).
  randint        {n: np.random.RandomState(s).randint(0, n, size=20)} for several n: numpy's legacy
                 randint uses masked rejection sampling on 32-bit draws when n - 1 <= 0xFFFFFFFF.
                 The script checks that the vectorised call equals 20 scalar calls, and equals a
                 pure-Python masked rejection over raw32.
Floats are written by json.dumps, whose repr round-trips doubles exactly.
"""
import json
import os

import numpy as np

SEEDS = [0, 1, 42, 4294967295]
N_RANDN = 3000
N_SAMPLE = 50
N_RAW = 50
N_INT = 20
INT_NS = [1, 2, 3, 7, 10, 100, 1000, 65537, 2**31 - 1, 2**31 + 1, 2**32 - 1, 2**32]

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "core", "test", "fixtures",
                   "numpy-random.json")


def py_mt_stream(key, pos, count):
    """Pure-Python genrand_int32 (mt19937.c) from a state (key, pos)."""
    mt = [int(k) for k in key]
    out = []
    for _ in range(count):
        if pos >= 624:
            for i in range(624):
                y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7FFFFFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            pos = 0
        y = mt[pos]
        pos += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        out.append(y)
    return out


def masked_randint(raw, n):
    """numpy's masked rejection (buffered_bounded_masked_uint32) over a raw 32-bit stream."""
    rng = n - 1
    if rng == 0:
        return [0] * N_INT, 0
    mask = rng
    for s in (1, 2, 4, 8, 16):
        mask |= mask >> s
    out, used = [], 0
    while len(out) < N_INT:
        v = raw[used] & mask
        used += 1
        if v <= rng:
            out.append(v)
    return out, used


def main():
    seeds = []
    for s in SEEDS:
        np.random.seed(s)
        randn = np.random.randn(N_RANDN)
        np.random.seed(s)
        sample = np.random.random_sample(N_SAMPLE)

        rs = np.random.RandomState(s)
        _, key0, pos0, _, _ = rs.get_state()
        assert pos0 == 624
        raw = [int(v) for v in rs._bit_generator.random_raw(N_RAW)]
        assert raw == py_mt_stream(key0, pos0, N_RAW), "random_raw is not the genrand_int32 stream"
        long_raw = py_mt_stream(key0, pos0, 4000)

        np.random.seed(s)
        np.random.randn(7)
        name, key, pos, has_gauss, gauss = np.random.get_state()
        assert name == "MT19937"

        randint = {}
        for n in INT_NS:
            vec = [int(v) for v in np.random.RandomState(s).randint(0, n, size=N_INT)]
            rs1 = np.random.RandomState(s)
            one = [int(rs1.randint(0, n)) for _ in range(N_INT)]
            assert vec == one, (s, n)
            sim, _ = masked_randint(long_raw, n)
            assert vec == sim, ("randint is not masked rejection", s, n)
            randint[str(n)] = vec

        seeds.append({
            "seed": s,
            "randn": [float(v) for v in randn],
            "randomSample": [float(v) for v in sample],
            "raw32": raw,
            "stateAfter7Randn": {
                "key": [int(v) for v in key],
                "pos": int(pos),
                "hasGauss": int(has_gauss),
                "gauss": float(gauss),
            },
            "randint": randint,
        })

    doc = {
        "generator": "numpy " + np.__version__ + " legacy RandomState (MT19937, legacy_gauss)",
        "script": "tools/make-numpy-fixtures.py",
        "seeds": seeds,
    }
    with open(OUT + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(OUT + ".tmp", OUT)
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
