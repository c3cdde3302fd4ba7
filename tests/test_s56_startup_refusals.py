"""A refusal said before any model or kernel is touched imports neither numba nor torch, in a Slurm job too, and the
thread counts a job's CPUs set still hold for numba and torch imported later.

Before: every verb imported numba (0.6 s) for its thread count (``jae._threads`` imported it at module level, and the
CLI asks it for every verb), in a Slurm job or under a CPU quota torch too (2-3 s), and a verb's workflow function
came with every verb's (``jae.workflows`` imported them all: anndata, numba, torch), so ``jae demo --n-cells 10`` or
``jae evaluate --no-report --umap-max-cells 50`` said their one line after 3-7 s. Now the counts read numba's
configured count without importing numba, the CLI lowers torch's and numba's counts as each is first imported, and
``jae.workflows``, ``jae.preprocess`` and ``jae.mapping`` import a name's module when the name is read."""

from __future__ import annotations

import pytest
from _imports import ENV, cli_runs, loaded  # tests/ is on sys.path

KERNELS = ("numba", "torch")
#: No thread settings of the test run's own: each case sets those it plays.
_BASE = {k: v for k, v in ENV.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                   "NUMBA_NUM_THREADS", "SLURM_JOB_ID", "SLURM_CPUS_PER_TASK")}


def _refusals(tmp_path) -> dict[tuple[str, ...], str]:
    """argv -> the words of its one-line refusal (tests elsewhere hold their full text)."""
    return {
        ("demo", "--out", str(tmp_path / "demo"), "--n-cells", "10"): "the demo needs at least 200 cells",
        ("evaluate", "--h5mu", str(tmp_path / "x.h5mu"), "--obsm", "X_jae", "--out", str(tmp_path / "ev"),
         "--no-report", "--umap-max-cells", "50"): "--umap-max-cells sizes the report's UMAPs",
    }


@pytest.mark.parametrize("job", [{}, {"SLURM_JOB_ID": "1", "SLURM_CPUS_PER_TASK": "1", "NUMBA_NUM_THREADS": "4"}],
                         ids=["alone", "slurm_job"])
def test_refusals_before_any_model_import_neither_numba_nor_torch(tmp_path, job):
    for argv, words in _refusals(tmp_path).items():  # each in its own interpreter: what it alone imports
        case = cli_runs([argv], heavy=KERNELS, env={**_BASE, **job})[" ".join(argv)]
        assert case["code"] == 1 and words in case["text"], (argv, case)
        assert case["heavy"] == [], (argv, case)  # was: ['numba', 'torch']
    assert list(tmp_path.iterdir()) == []


def test_a_job_s_thread_counts_hold_for_numba_and_torch_imported_after_the_cli_ran(tmp_path):
    """In a Slurm job of 1 CPU on a host showing 4 (OMP_NUM_THREADS=3, which torch reads at its import), torch,
    numba and the BLAS libraries run on 1 thread, as when the CLI imported them itself before the verb."""
    env = {**_BASE, "SLURM_JOB_ID": "7", "SLURM_CPUS_PER_TASK": "1", "NUMBA_NUM_THREADS": "4", "OMP_NUM_THREADS": "3"}
    out = loaded("""
import sys
from jae.cli import main
code = main(['demo', '--out', sys.argv[1], '--n-cells', '10', '-q'])
out = {'code': code, 'before': [m for m in ('numba', 'torch') if m in sys.modules]}
import numba, torch, threadpoolctl
out['counts'] = [torch.get_num_threads(), numba.get_num_threads(),
                 max(lib['num_threads'] for lib in threadpoolctl.threadpool_info())]
out['pool'] = numba.config.NUMBA_NUM_THREADS
""", str(tmp_path / "demo"), heavy=KERNELS, env=env)
    assert out["code"] == 1 and out["before"] == []  # was: both imported by the CLI before the refusal
    assert out["counts"] == [1, 1, 1]  # torch would run on OMP_NUM_THREADS's 3, numba on 4
    assert out["pool"] == 4  # numba's pool as configured: its count lowered, not its size


def test_the_thread_counts_read_numba_s_configured_count_without_importing_it():
    for value in (None, "3", "lots"):
        env = {**_BASE} if value is None else {**_BASE, "NUMBA_NUM_THREADS": value}
        out = loaded("""
import sys, warnings
from jae._threads import compute_threads, usable_cpus
out = {'cpus': usable_cpus(), 'threads': compute_threads(), 'numba_loaded': 'numba' in sys.modules}
with warnings.catch_warnings():
    warnings.simplefilter('ignore')  # numba's own warning about a value it cannot read
    import numba
out['numba'] = numba.config.NUMBA_NUM_THREADS
""", heavy=KERNELS, env=env)
        assert out["cpus"] == out["threads"] == out["numba"], (value, out)  # numba's count, read either way
        assert value != "3" or out["cpus"] == 3
        # a value numba cannot read: numba itself says what it makes of it (it warns); else numba waits for a kernel
        assert out["numba_loaded"] is (value == "lots"), (value, out)  # was: True (imported with jae._threads)


def test_lazy_packages_import_no_kernels_and_their_names_are_their_modules():
    out = loaded("""
import sys
import jae.workflows, jae.preprocess, jae.mapping
out = {'after_import': [m for m in ('numba', 'torch') if m in sys.modules]}
from jae.workflows import fit_files, embed_files, FilesResult, run_demo
from jae.preprocess import log_normalize, Preprocessor, preprocess, CellCycleScorer
from jae.mapping import map_query, query_batch_key, QueryAdapter
import jae.workflows.joint, jae.workflows.embed, jae.workflows._files, jae.workflows.demo
import jae.preprocess.normalize, jae.preprocess.pipeline, jae.preprocess.cell_cycle
import jae.mapping.train, jae.mapping.batches, jae.mapping.adapter
assert fit_files is jae.workflows.joint.fit_files and embed_files is jae.workflows.embed.embed_files
assert FilesResult is jae.workflows._files.FilesResult and run_demo is jae.workflows.demo.run_demo
assert log_normalize is jae.preprocess.normalize.log_normalize and preprocess is jae.preprocess.pipeline.preprocess
assert Preprocessor is jae.preprocess.pipeline.Preprocessor
assert CellCycleScorer is jae.preprocess.cell_cycle.CellCycleScorer
assert map_query is jae.mapping.train.map_query and query_batch_key is jae.mapping.batches.query_batch_key
assert QueryAdapter is jae.mapping.adapter.QueryAdapter
for package in (jae.workflows, jae.preprocess, jae.mapping):
    for name in package.__all__:
        assert name in dir(package) and getattr(package, name) is not None, name
out['all'] = [jae.workflows.__all__, jae.preprocess.__all__, jae.mapping.__all__]
""", heavy=KERNELS)
    assert out["after_import"] == []  # was: ['numba', 'torch']
    assert out["all"] == [  # as before, in their order
        ["FilesResult", "fit_files", "map_files", "embed_files", "predict_files", "evaluate_files", "DemoResult",
         "run_demo"],
        ["log_normalize", "Preprocessor", "preprocess", "SVDBasis", "fit_svd", "cell_cycle_genes", "score_cell_cycle",
         "CellCycleScorer"],
        ["QueryAdapter", "adapter_steps", "cell_batches", "check_seed_epochs", "finetune_count", "finetune_inputs",
         "held_out_scale_of", "map_query", "mappings_of", "query_batch_key"],
    ]


def test_the_cli_s_limits_stay_off_where_no_job_limits_the_cpus(tmp_path):
    """Outside a job (no Slurm variables, no CPU quota), the CLI changes no count and imports nothing."""
    out = loaded("""
import os, sys
import jae._threads
jae._threads.CGROUP_ROOT = sys.argv[2]  # no quota: the machine's own cgroup files are not the test's
from jae.cli import main
code = main(['demo', '--out', sys.argv[1], '--n-cells', '10', '-q'])
out = {'code': code, 'omp': os.environ.get('OMP_NUM_THREADS'), 'finders': [type(f).__name__ for f in sys.meta_path]}
""", str(tmp_path / "demo"), str(tmp_path / "no_cgroups"), heavy=KERNELS, env=_BASE)
    assert out["code"] == 1 and out["heavy"] == [] and out["omp"] is None
    assert "_WhenImported" not in out["finders"]


def test_a_look_that_imports_nothing_leaves_the_limit_for_the_import_itself():
    """``importlib.util.find_spec('torch')`` (anndata 0.10's ``anndata.experimental`` does it) took the hook that
    lowers torch's count at its import, and torch imported after it ran on OMP_NUM_THREADS's 3 (session 56's
    review); numba's the same."""
    env = {**_BASE, "SLURM_JOB_ID": "7", "SLURM_CPUS_PER_TASK": "1", "NUMBA_NUM_THREADS": "4", "OMP_NUM_THREADS": "3"}
    out = loaded("""
import importlib.util
from jae._threads import limit_process_threads
limit_process_threads()
assert importlib.util.find_spec('torch') is not None and importlib.util.find_spec('numba') is not None
import torch
torch_threads = torch.get_num_threads()  # before numba's import lowers it again
import numba
out = {'counts': [torch_threads, numba.get_num_threads()]}
""", heavy=KERNELS, env=env)
    assert out["counts"] == [1, 1]  # was [3, 4]


def test_an_error_lowering_the_count_leaves_the_module_imported(tmp_path):
    env = {**_BASE, "SLURM_JOB_ID": "7", "SLURM_CPUS_PER_TASK": "1", "OMP_NUM_THREADS": "3"}
    out = loaded("""
import logging, io
said = io.StringIO()
logging.basicConfig(stream=said, level=logging.WARNING)
import threadpoolctl
from jae._threads import limit_process_threads
limit_process_threads()
def broken():
    raise OSError('simulated')
threadpoolctl.threadpool_info = broken
import torch
out = {'torch': torch.__name__, 'said': said.getvalue()}
""", heavy=KERNELS, env=env)
    assert out["torch"] == "torch" and "could not lower torch's thread count" in out["said"], out
