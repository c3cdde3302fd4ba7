#!/usr/bin/env bash
# Install jae into the current Python environment on a fresh machine.
# A machine without torch gets the CPU build of PyTorch 2.13.0 first, so that no requirement pulls a CUDA build:
# on Linux PyPI's torch wheel is the CUDA build (it requires the nvidia-* CUDA libraries, gigabytes), so torch
# comes from PyTorch's CPU index (as pytorch.org says: where ==2.13.0 finds 2.13.0+cpu); on macOS and Windows
# PyPI's torch is the CPU build. A machine that already has torch (e.g. a CUDA build for its GPU) keeps its own.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
TORCH=2.13.0
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
    if [ "$(uname -s)" = Linux ]; then
        "$PY" -m pip install --quiet "torch==$TORCH" --index-url https://download.pytorch.org/whl/cpu
    else
        "$PY" -m pip install --quiet "torch==$TORCH"
    fi
fi
"$PY" -m pip install --quiet -e ".[dev]"
"$PY" -c "import jae, torch; print(f'jae {jae.__version__} installed (torch {torch.__version__})')"
