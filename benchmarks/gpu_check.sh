#!/usr/bin/env bash
# GPU check and figures, for a machine with an NVIDIA GPU and no package index (the project's lent device machine).
# Runs from the repository root with jae's source on PYTHONPATH (no install); missing scverse wheels, if any, are
# taken from .whl/ (python3 -m pip download ... -d .whl, see the device tool's README). Each step has its own time
# limit so that what ran comes back; results go to $OUT (default ./gpu_out).
#
#   bash benchmarks/gpu_check.sh   # tests on cuda (100 s), the CUDA-graph step (90 s), the scale benchmark's Multiome
#                                  # 70,000 shape (fit + embed 280 s, evaluate 100 s): about 11 minutes with the
#                                  # machine's start, inside a 15-minute device budget. Each step's limit: TEST_S,
#                                  # STEP_S (step cost and profile, gpu_step.py; 0 by default: recorded in gpu.md),
#                                  # GRAPH_S, SCALE_S, EVAL_S; 0 skips a step.
set -uo pipefail
OUT=${OUT:-$PWD/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
if [ -z "${NO_WHEELS:-}" ] && ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || exit 1
    export PYTHONPATH=/tmp/site:$PWD/src
else
    export PYTHONPATH=$PWD/src
fi
{
    date -u
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
    python3 -c "import sys, torch, jae; import pandas, anndata, numpy; print(sys.version.split()[0], 'numpy', numpy.__version__, 'pandas', pandas.__version__, 'anndata', anndata.__version__, 'torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-', 'jae', jae.__file__)"
    nproc
} 2>&1 | tee "$OUT/env.txt"
python3 -c "import jae, anndata, mudata, scanpy" || exit 1  # a missing wheel: stop before any timed work

# 1. the tests that train, save/load and check seeds, with device='auto' resolving to the GPU (TEST_S=0: skipped)
[ "${TEST_S:-100}" = 0 ] || timeout "${TEST_S:-100}" python3 -m pytest -q -x -p no:cacheprovider tests/test_jae.py tests/test_predict.py \
    2>&1 | tail -30 | tee "$OUT/tests.txt"

# 2. one pretraining step's cost on the GPU and on this machine's CPU, and a profile of 50 steps (STEP_S=0: skipped)
[ "${STEP_S:-0}" = 0 ] || timeout "${STEP_S:-0}" python3 benchmarks/gpu_step.py --cells 20000 --epochs 3 2>&1 \
    | grep -v "^\s*$\|USDT\|profiler_st" | tail -40 | tee "$OUT/step.txt"

# 3. the same step captured in a CUDA graph against eager (GRAPH_S=0: skipped)
[ "${GRAPH_S:-90}" = 0 ] || timeout "${GRAPH_S:-90}" python3 benchmarks/gpu_graph_step.py --steps 2000 --batch 32 64 128 \
    2>&1 | tail -20 | tee "$OUT/graph.txt"

# 4. the scale benchmark's Multiome 70,000 shape through the CLI, on the GPU: fit and embed, then evaluate (a second
# call, so that a time limit in evaluate keeps the first figures)
scale() {
    timeout "$1" python3 benchmarks/scale.py --sizes "${SIZE:-70000}" --kind "${KIND:-multiome}" --threads "${THREADS:-8}" \
        --data-dir /tmp/jae_scale --label-suffix " (${LABEL:-H200 GPU})" --stages "${@:2}" 2>&1 | grep -E "^\[scale\]|Error|rror:|Traceback" | tail -25
}
{ scale "${SCALE_S:-280}" fit embed; scale "${EVAL_S:-100}" evaluate; } | tee "$OUT/scale.txt"
cp benchmarks/results/scale_cli.json "$OUT/" 2>/dev/null
for f in /tmp/jae_scale/run_*/{fit,evaluate}.log; do  # 8 files in all come back (the tool's limit)
 [ -f "$f" ] && tail -c 15000 "$f" > "$OUT/$(basename "$(dirname "$f")")_$(basename "$f")"; done
ls "$OUT" | head -8
