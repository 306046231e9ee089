#!/usr/bin/env bash
# The one prepared check for a machine with an NVIDIA GPU (issue 16), run from anywhere:
#
#     bash benchmarks/gpu_check.sh
#
# 1. prints nvidia-smi (and stops if there is no GPU);
# 2. installs the gpu extra (`pip install -e ".[gpu]"`: CuPy for CUDA 12) unless CuPy is already
#    importable and sees the GPU (an image that ships CuPy for its own CUDA, e.g. cupy-cuda13x,
#    keeps it: a second CuPy would clash, and such machines often have no network);
# 3. runs the GPU tests: python -m pytest -q -m gpu tests/test_gpu.py   (limit 4 minutes)
# 4. runs the benchmark: python benchmarks/bench_gpu.py                 (limit 4 minutes)
# 5. copies benchmarks/results/gpu.md and gpu.json, and the logs, to "$OUT" if it is set.
#
# Expected time on an H100: under 10 s for the checks, 1-2 minutes for the tests (CuPy compiles
# each kernel on first use, then caches it), about a minute for the benchmark; 5 minutes at
# most on a cold machine, never over 9 (each step has its time limit). The exit status is 0 only
# if the tests and the benchmark both pass (the benchmark fails when a row fails or the
# implementations disagree after one step); the results are written and copied either way.
set -u -o pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"   # this checkout's code, installed or not
PY=${PYTHON:-python3}
LOGS=$(mktemp -d)
start=$SECONDS
step() { echo; echo "== $* ($((SECONDS - start)) s)"; }

step "nvidia-smi"
if ! nvidia-smi 2>&1 | tee "$LOGS/nvidia-smi.txt"; then
    echo "gpu_check.sh: nvidia-smi failed: no NVIDIA GPU or driver here" >&2
    exit 2
fi
$PY -c 'import sys, numpy; print("python", sys.version.split()[0], "numpy", numpy.__version__)'
$PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
         "available", torch.cuda.is_available())' || echo "PyTorch: not importable"

step "the gpu extra (CuPy)"
has_cupy() { $PY -c 'import cupy; assert cupy.cuda.runtime.getDeviceCount() > 0' 2>/dev/null; }
if has_cupy; then
    echo "CuPy is there: $($PY -c 'import cupy; print(cupy.__version__)'); not reinstalled"
else
    timeout 240 $PY -m pip install -q -e ".[gpu]" || echo "pip install -e .[gpu] failed"
fi
$PY -c 'import autograd_lite as ag; print("ag.cuda.is_available():", ag.cuda.is_available())'

step "GPU tests: pytest -m gpu tests/test_gpu.py"
timeout 240 $PY -m pytest -q -p no:cacheprovider -m gpu tests/test_gpu.py 2>&1 \
    | tee "$LOGS/test_gpu.log"
tests_rc=${PIPESTATUS[0]}

step "benchmark: benchmarks/bench_gpu.py"
timeout 240 $PY benchmarks/bench_gpu.py 2>&1 | tee "$LOGS/bench_gpu.log"
bench_rc=${PIPESTATUS[0]}

step "done: tests exit $tests_rc, benchmark exit $bench_rc"
if [ -n "${OUT:-}" ]; then
    mkdir -p "$OUT"
    cp "$LOGS"/* "$OUT"/
    # this run's results only (not ones an earlier run left in the checkout)
    fresh=$(find benchmarks/results -maxdepth 1 -name 'gpu.*' -newer "$LOGS/nvidia-smi.txt")
    if [ -n "$fresh" ]; then cp $fresh "$OUT"/; else echo "this run wrote no results/gpu.*"; fi
    echo "copied to $OUT: $(ls "$OUT" | tr '\n' ' ')"
fi
[ "$tests_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
