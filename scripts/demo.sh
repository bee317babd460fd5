#!/usr/bin/env bash
# The main job: set up .venv (scripts/setup.sh), then train an energy on the built-in
# eight_gaussians data set (`ebm train` with its defaults: an MLP residual over a Gaussian mixture
# fitted to the data, trained by importance-sampled maximum likelihood; about a minute on 2 CPU
# cores) and write checkpoint, metrics and plots.
# Extra arguments go to `ebm train`, e.g. `bash scripts/demo.sh --dataset two_moons --out runs/moons`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
venv="${EBM_VENV:-.venv}"
args=("$@")
case " ${args[*]-} " in
    *" --out "*) ;;
    *" --resume "*) args+=(--out runs/demo) ;;
    *) args+=(--out runs/demo --overwrite) ;;
esac
exec "$venv/bin/ebm" train "${args[@]}"
