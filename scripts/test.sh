#!/usr/bin/env bash
# The test command: set up .venv (scripts/setup.sh), then run the whole test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/core -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${EBM_VENV:-.venv}/bin/python" -m pytest "$@"
