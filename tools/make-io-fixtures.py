#!/usr/bin/python3
"""Write core/test/fixtures/io/: .npy and .safetensors files plus the values they must parse to.

Run with Debian's interpreter, which has numpy 1.24 and torch 1.13:
    /usr/bin/python3 tools/make-io-fixtures.py

npy/*.npy          written by numpy itself (np.save, or numpy.lib.format.write_array for versions 2.0/3.0).
npy-expected.json  {file: {descr, shape, fortranOrder, version, values | error}}; values are the array in
                   logical C order as float64. JSON has no NaN/Infinity, so those are the strings
                   "NaN", "Infinity", "-Infinity"; -0.0 is written as -0.0 and parses back to -0.
npy-save/*.npy     np.save output for arrays that serializeNpy must reproduce byte for byte, with
npy-save.json      {file: {dtype, shape, values}} describing each.
safetensors/*.safetensors  written by write_safetensors() below, a small hand-written writer that follows
                   the safetensors spec, because the Python `safetensors` package is not installed here
                   (no Debian package exists). It mirrors the Rust crate's serialize(): tensors sorted by
                   descending dtype (the crate's Dtype enum order: ... F16 < BF16 < I32 < F32 < F64 < I64)
                   then by name, compact JSON (serde_json style, non-ASCII left unescaped), header padded
                   with spaces to a multiple of 8 bytes. F16/BF16 bit patterns come from torch.
safetensors-expected.json  {file: {metadata, tensors: {name: {dtype, shape, values}}}}.
"""
import io
import json
import math
import os
import struct

import numpy as np
import torch
from numpy.lib import format as npformat

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "core", "test", "fixtures", "io")


def jnum(x):
    """A float64 as JSON: NaN and the infinities as strings (JSON has no literal for them)."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def values_of(arr):
    """The array's values in logical C order, as JSON numbers (float64)."""
    flat = np.asarray(arr).reshape(-1, order="C")
    if flat.dtype.kind in "iub":
        return [int(v) for v in flat]
    return [jnum(v) for v in flat.astype(np.float64)]


def write_npy(dirname, name, arr, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, arr, allow_pickle=False)
    else:
        npformat.write_array(buf, arr, version=version, allow_pickle=False)
    with open(os.path.join(dirname, name), "wb") as f:
        f.write(buf.getvalue())
    return buf.getvalue()


def make_npy():
    d = os.path.join(ROOT, "npy")
    os.makedirs(d, exist_ok=True)
    expected = {}

    def add(name, arr, version=None, error=None):
        raw = write_npy(d, name, arr, version)
        ver = (raw[6], raw[7])
        entry = {
            "descr": npformat.dtype_to_descr(arr.dtype),
            "shape": list(arr.shape),
            "fortranOrder": bool(arr.flags.f_contiguous and not arr.flags.c_contiguous),
            "version": f"{ver[0]}.{ver[1]}",
        }
        if error is None:
            entry["values"] = values_of(arr)
        else:
            entry["error"] = error
        # numpy must read back what it wrote.
        back = np.load(io.BytesIO(raw), allow_pickle=False)
        assert back.dtype == arr.dtype and back.shape == arr.shape
        assert np.array_equal(back, arr, equal_nan=arr.dtype.kind == "f")
        expected[name] = entry

    f8 = np.array([0.0, -0.0, 1.0, -2.5, math.pi, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                   0.1, -1e-300], dtype="<f8")
    add("f8-1d.npy", f8)
    add("f8-special.npy", np.array([np.nan, np.inf, -np.inf, 1.0], dtype="<f8"))
    add("f4-2d.npy", np.array([[0.1, -0.2, 3.4028234663852886e38], [1.401298464324817e-45, 1e-20, -7.0]],
                              dtype="<f4"))
    # float16: zero, -0, 1, max (65504), min normal (2^-14), smallest subnormal (2^-24), a rounding case, inf.
    add("f2-1d.npy", np.array([0.0, -0.0, 1.0, 65504.0, 2.0 ** -14, 2.0 ** -24, 0.1, -np.inf, 3.140625],
                              dtype="<f2"))
    add("i8-1d.npy", np.array([0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 123456789012345], dtype="<i8"))
    add("i8-unsafe.npy", np.array([1, -(2 ** 53)], dtype="<i8"), error="-9007199254740992")
    add("i4-2d.npy", np.array([[0, -1, 2 ** 31 - 1], [-(2 ** 31), 7, 42]], dtype="<i4"))
    add("i2-1d.npy", np.array([0, -1, 32767, -32768], dtype="<i2"))
    add("i1-1d.npy", np.array([0, -1, 127, -128], dtype="|i1"))
    add("u8-1d.npy", np.array([0, 1, 2 ** 53 - 1], dtype="<u8"))
    add("u8-unsafe.npy", np.array([2 ** 64 - 1], dtype="<u8"), error="18446744073709551615")
    add("u4-1d.npy", np.array([0, 1, 2 ** 32 - 1], dtype="<u4"))
    add("u2-1d.npy", np.array([0, 1, 65535], dtype="<u2"))
    add("u1-1d.npy", np.array([0, 1, 255], dtype="|u1"))
    add("b1-1d.npy", np.array([True, False, True, True], dtype="|b1"))
    add("f8-0d.npy", np.array(3.5, dtype="<f8"))
    add("f8-3d.npy", (np.arange(24, dtype="<f8").reshape(2, 3, 4) - 11.5) / 4)
    add("f8-empty-0x3.npy", np.zeros((0, 3), dtype="<f8"))
    add("f8-fortran-2x3.npy", np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3) + 0.5))
    add("i4-fortran-2x3x4.npy", np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4) - 5))
    add("be-f8.npy", np.array([1.5, -0.1, 1e300], dtype=">f8"))
    add("be-f4.npy", np.array([[1.5, -0.1], [3e38, -0.0]], dtype=">f4"))
    add("be-i4.npy", np.array([1, -2, 2 ** 31 - 1], dtype=">i4"))
    add("be-i8.npy", np.array([1, -2, 2 ** 53 - 1], dtype=">i8"))
    add("v2-f8.npy", np.array([[1.0, 2.0], [3.0, 4.0]], dtype="<f8"), version=(2, 0))
    add("v3-i4.npy", np.array([5, -6, 7], dtype="<i4"), version=(3, 0))

    with open(os.path.join(ROOT, "npy-expected.json"), "w") as f:
        json.dump(expected, f, indent=1, allow_nan=False)
        f.write("\n")


def make_npy_save():
    d = os.path.join(ROOT, "npy-save")
    os.makedirs(d, exist_ok=True)
    spec = {}
    rng = np.random.RandomState(7)
    cases = [
        ("f8-0d.npy", np.array(-1.25, dtype="<f8")),
        ("f8-1d.npy", rng.randn(5).astype("<f8")),
        ("f8-2x3.npy", rng.randn(2, 3).astype("<f8")),
        ("f8-empty-0x3.npy", np.zeros((0, 3), dtype="<f8")),
        ("f8-empty-0.npy", np.zeros((0,), dtype="<f8")),
        # 11 axes push the header past one 64-byte block.
        ("f8-11d.npy", rng.randn(*([1] * 10 + [2])).astype("<f8")),
        # 14 axes make magic + length + header + newline exactly 128 bytes, so numpy pads a whole
        # extra 64-byte block (its padlen is 64 - (n % 64), never 0).
        ("f8-14d-full-pad.npy", np.arange(10, dtype="<f8").reshape((1,) * 13 + (10,))),
        ("f8-big-first-axis.npy", np.zeros((123456789012, 0), dtype="<f8")),
        ("f4-3x2.npy", rng.randn(3, 2).astype("<f4")),
        ("i8-4.npy", np.array([0, -1, 2 ** 53 - 1, -(2 ** 53) + 1], dtype="<i8")),
        ("i4-2x2.npy", np.array([[2 ** 31 - 1, -(2 ** 31)], [0, 3]], dtype="<i4")),
    ]
    for name, arr in cases:
        write_npy(d, name, arr)
        spec[name] = {"dtype": npformat.dtype_to_descr(arr.dtype), "shape": list(arr.shape),
                      "values": values_of(arr)}
    with open(os.path.join(ROOT, "npy-save.json"), "w") as f:
        json.dump(spec, f, indent=1, allow_nan=False)
        f.write("\n")


# The Rust crate's Dtype enum order (declaration order = Ord); serialize() sorts descending by it.
ST_DTYPE_RANK = {"BOOL": 0, "U8": 1, "I8": 2, "F8_E5M2": 3, "F8_E4M3": 4, "I16": 5, "U16": 6, "F16": 7,
                 "BF16": 8, "I32": 9, "U32": 10, "F32": 11, "F64": 12, "I64": 13, "U64": 14}
ST_FROM_TORCH = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                 torch.int64: "I64", torch.int32: "I32"}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """Spec-following writer: u64 LE header length, compact JSON header padded with spaces, data."""
    items = sorted(tensors.items(),
                   key=lambda kv: (-ST_DTYPE_RANK[ST_FROM_TORCH[kv[1].dtype]], kv[0].encode("utf-8")))
    header = {}
    if metadata is not None:
        header["__metadata__"] = dict(sorted(metadata.items()))
    chunks = []
    offset = 0
    for name, t in items:
        raw = tensor_bytes(t)
        header[name] = {"dtype": ST_FROM_TORCH[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    data = struct.pack("<Q", len(hb)) + hb + b"".join(chunks)
    with open(path, "wb") as f:
        f.write(data)


def make_safetensors():
    d = os.path.join(ROOT, "safetensors")
    os.makedirs(d, exist_ok=True)
    expected = {}

    def add(name, tensors, metadata=None):
        write_safetensors(os.path.join(d, name), tensors, metadata)
        expected[name] = {
            "metadata": metadata or {},
            "tensors": {k: {"dtype": ST_FROM_TORCH[t.dtype], "shape": list(t.shape),
                            "values": values_of(t.to(torch.float64).numpy()
                                                if t.dtype in (torch.float16, torch.bfloat16)
                                                else t.numpy())}
                        for k, t in tensors.items()},
        }

    torch.manual_seed(0)
    rnn = torch.nn.RNN(input_size=3, hidden_size=4, num_layers=1).double()
    head = torch.nn.Linear(4, 2).double()
    sd = {k: v.detach().clone() for k, v in rnn.state_dict().items()}
    sd.update({"head." + k: v.detach().clone() for k, v in head.state_dict().items()})
    add("rnn-f64.safetensors", sd, {"format": "pt"})
    add("rnn-f32.safetensors", {k: v.float() for k, v in sd.items()}, {"format": "pt"})
    add("mixed-dtypes.safetensors", {
        "a_f64": torch.tensor([[1.0, -0.0], [math.pi, 1e-300]], dtype=torch.float64),
        "b_f32": torch.tensor([0.1, -3.5], dtype=torch.float32),
        "c_f16": torch.tensor([0.1, 65504.0, 2.0 ** -24, -1.0], dtype=torch.float16),
        "d_bf16": torch.tensor([0.1, 3.0e38, -1.0, 2.0 ** -133], dtype=torch.bfloat16),
        "e_i64": torch.tensor([0, -1, 2 ** 53 - 1, -(2 ** 53 - 1)], dtype=torch.int64),
        "f_i32": torch.tensor([[2 ** 31 - 1], [-(2 ** 31)]], dtype=torch.int32),
        "g_scalar": torch.tensor(2.25, dtype=torch.float64),
        "h_empty": torch.zeros((0, 3), dtype=torch.float32),
    }, {"format": "pt", "note": "mixed dtypes, ünïcode"})
    add("no-metadata.safetensors", {"x": torch.arange(6, dtype=torch.float64).reshape(2, 3)})

    with open(os.path.join(ROOT, "safetensors-expected.json"), "w") as f:
        json.dump(expected, f, indent=1, allow_nan=False, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    make_npy()
    make_npy_save()
    make_safetensors()
    total = 0
    for dirpath, _, files in os.walk(ROOT):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    print(f"wrote {ROOT} ({total} bytes)")
