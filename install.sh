#!/usr/bin/env bash
# Install jae into the current Python environment on a fresh machine.
# A CPU machine gets the pinned CPU build of PyTorch first (torch==2.13.0), so that no unpinned
# requirement can pull a multi-gigabyte CUDA build; a machine that already has torch keeps its own.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
    "$PY" -m pip install --quiet "torch==2.13.0"
fi
"$PY" -m pip install --quiet -e ".[dev]"
"$PY" -c "import jae, torch; print(f'jae {jae.__version__} installed (torch {torch.__version__})')"
