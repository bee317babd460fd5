#!/usr/bin/env bash
# Set up a development environment in .venv (or $EBM_VENV): create it if missing, install
# torch (CPU wheel unless torch is already there; override with TORCH_SPEC), ebm-core
# (editable, with the test and docs extras) and ebm-cuda (rebuilt only when its sources change).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${EBM_VENV:-.venv}"
python="${PYTHON:-python3}"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
py="$venv/bin/python"
pip() { "$py" -m pip --disable-pip-version-check -q "$@"; }

if ! "$py" -c "import torch" 2>/dev/null; then
    echo "setup: installing ${TORCH_SPEC:-torch==2.13.0}"
    pip install "${TORCH_SPEC:-torch==2.13.0}"
fi
echo "setup: installing ebm-core (editable)"
pip install -e ".[test,docs]"

if [ -f ebm_cuda/pyproject.toml ]; then
    stamp="$venv/.ebm_cuda.sha256"
    digest=$(bash scripts/source_digest.sh ebm_cuda)  # its sources only, never its build/ output
    if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ] || ! "$py" -c "import ebm_cuda" 2>/dev/null; then
        echo "setup: building and installing ebm-cuda (compiles the kernels; CUDA too when nvcc is found)"
        pip install ./ebm_cuda
        echo "$digest" > "$stamp"
    fi
fi
echo "setup: ready ($venv)"
