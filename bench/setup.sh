#!/usr/bin/env bash
# Installs the benchmark's peers: PyTorch and NumPy from Debian (with OpenBLAS, selected at run time
# through LD_LIBRARY_PATH by bench.ts) and TF.js with its WebAssembly backend from npm (devDependencies).
# Idempotent: installs only what is missing. Run as root (apt-get), from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(python3-torch python3-numpy libopenblas0-pthread)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
if ! node -e 'require.resolve("@tensorflow/tfjs-backend-wasm/package.json"); require.resolve("@tensorflow/tfjs/package.json")' 2>/dev/null; then
  npm install --no-audit --no-fund
fi
# The python3 on PATH may be another build without torch: the bench uses /usr/bin/python3.
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)'
node -e 'console.log("tfjs", require("@tensorflow/tfjs/package.json").version, "tfjs-backend-wasm", require("@tensorflow/tfjs-backend-wasm/package.json").version)'
