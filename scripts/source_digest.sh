#!/usr/bin/env bash
# Print one SHA-256 digest of the source files under the given paths (relative to the
# repository root), e.g. `bash scripts/source_digest.sh ebm_cuda`. scripts/setup.sh stamps the
# installed ebm-cuda with it and rebuilds only when it changes.
#
# Sources are the files git would commit: tracked files (with their working-tree content,
# edits included) and untracked files that are not ignored. Build output (build/, which every
# configure rewrites), caches and other ignored files never count. Outside a git checkout
# (an unpacked sdist or archive) every file counts except build/, dist/, __pycache__/ and
# *.egg-info/ folders.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -ge 1 ] || { echo "usage: $0 PATH..." >&2; exit 2; }

list_sources() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z --cached --others --exclude-standard -- "$@"
    else
        find "$@" \( -name build -o -name dist -o -name __pycache__ -o -name '*.egg-info' \) -prune \
            -o -type f -print0
    fi
}

# Each entry is "digest  path", so renaming a file changes the result too; a tracked file
# deleted in the working tree is skipped.
list_sources "$@" | LC_ALL=C sort -z | while IFS= read -r -d '' file; do
    [ -f "$file" ] && sha256sum -- "$file"
done | sha256sum | cut -d' ' -f1
