"""Shared fixtures: where the real data lives, and seeded synthetic data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    return Path(os.environ.get("JAE_DATA_DIR", REPO.parent / "shared" / "data"))


#: The thread variables a benchmark's main() sets for its run (benchmarks/metrics_scale.py, metrics_speed.py).
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")

# Threads that wait for work sleep instead of spinning (OpenMP's passive wait policy, unless set otherwise): torch's
# OpenMP threads spun between its many small operations, so on a busy machine (CI's 2 cores, a second job beside the
# suite) a spinning thread held the core its partner needed. test_mapping's 2-thread map_query took 34-73 s with
# another process on one of the 2 cores, 1.1-1.2 s with passive threads (same results); the suite's 1-thread runs
# have no threads to wait. Set before torch or anything else loads OpenMP (it reads it then); subprocesses inherit it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# The suite runs on one thread unless OMP_NUM_THREADS says otherwise, as it is run locally (OMP_NUM_THREADS=1):
# its models are so small that torch's and BLAS's threads wait on each other more than they work (on 2 cores, the
# README's `python3 -m pytest -q` took 747 s against ~570 s with OMP_NUM_THREADS=1). Tests of thread counts set theirs
# (test_mapping's several-thread map_query, test_predict's BLAS-thread SVD, test_global_state, torchrun's processes).
if "OMP_NUM_THREADS" not in os.environ:
    os.environ["OMP_NUM_THREADS"] = "1"  # torch, not imported yet, and subprocesses read it; so does jae's numba count
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # numpy's BLAS, which pytest's plugins loaded before this file, has read it already

#: Memory one test process is given when the suite picks how many to run (each holds torch, the CLI tests' forking
#: server and its module's fixtures: about 1 GB, more in the scale tests).
WORKER_BYTES = 3 << 30
#: The most test processes the suite starts by itself: its ~780 files give each of 8 enough work, and every process
#: pays its own imports and module fixtures.
MAX_WORKERS = 8


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's: unknown to pytest where xdist is missing
def pytest_xdist_auto_num_workers(config):
    """How many processes pyproject's ``-n auto`` starts: one per CPU this job may use (jae's own rule, which reads a
    Slurm step's or a container's limit where xdist's default counts every core of the host), at most one per
    :data:`WORKER_BYTES` of the memory available now and :data:`MAX_WORKERS`; 0 (every test in this process) where
    that leaves one. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` set, xdist's own reading of it decides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    from jae._threads import usable_cpus
    from jae.io.plan import available_memory  # a container's or job's limit too

    available = available_memory()
    workers = min(usable_cpus(), MAX_WORKERS, MAX_WORKERS if available is None else max(1, available // WORKER_BYTES))
    return workers if workers > 1 else 0


def pytest_addoption(parser, pluginmanager):
    """Where pytest-xdist is missing (jae installed without its dev extra, or ``-p no:xdist``), pyproject's
    ``-n auto --dist loadfile`` still parse, as options that do nothing: every test runs in this process."""
    if not pluginmanager.has_plugin("xdist"):
        group = parser.getgroup("jae", "without pytest-xdist")
        # _addoption, as xdist itself adds -n: pytest keeps lowercase short options for its plugins
        group._addoption("-n", "--numprocesses", dest="numprocesses", default=None, help="ignored: no pytest-xdist")
        group.addoption("--dist", dest="dist", default="no", help="ignored: no pytest-xdist")


def pytest_report_header(config):
    if not config.pluginmanager.has_plugin("xdist"):
        return "pytest-xdist is not in use (not installed: pip install -e '.[dev]'; or -p no:xdist): every test " \
               "runs in this process"
    return None


from mudata._core.config import OPTIONS as _MUDATA_OPTIONS  # noqa: E402

_MUDATA_DEFAULTS = dict(_MUDATA_OPTIONS)  # before any test module is imported


def pytest_collection_finish(session):
    """MuData's options as they were before the test modules were collected: a module that calls
    ``md.set_options(pull_on_update=False)`` when imported changed every later MuData's obs in the whole run (session
    48: 9 tests of other modules failed), which :func:`_keep_process_settings`, restoring what each test found,
    cannot undo."""
    _MUDATA_OPTIONS.clear()
    _MUDATA_OPTIONS.update(_MUDATA_DEFAULTS)


@pytest.fixture(scope="module", autouse=True)
def _module_keeps_the_jae_level():
    """The 'jae' logger's level as the module found it, after its last test: a module fixture that runs the CLI
    (``main([..., '-q'])``, test_s32_cli_flags' ``query``) set it to WARNING before any test's own fixture could note
    it, and every later module's INFO records were dropped (session 48: a test counting them at the root saw none)."""
    import logging

    level = logging.getLogger("jae").level
    yield
    logging.getLogger("jae").setLevel(level)


def _lazy_packages():
    """The imported packages of jae whose names are imported when first read (jae._lazy)."""
    return [(name, module) for name, module in list(sys.modules.items())
            if (name == "jae" or name.startswith("jae.")) and isinstance(getattr(module, "_NAMES", None), dict)
            and callable(vars(module).get("__getattr__"))]


@pytest.fixture(autouse=True)
def _keep_process_settings():
    """Every test leaves the 'jae' logger's level, torch's thread count and the thread variables of the environment
    as it found them: a CLI or benchmark main() sets them for its run; a level left at INFO added other tests' log
    records to the ones they count, and a NUMBA_NUM_THREADS left set changed the thread count of later subprocesses.
    MuData's options too: one left at pull_on_update=False kept modality columns out of every later MuData's obs.
    And no name of a lazy package bound during the test: one first read while a test patched its submodule kept the
    patched function for every later test of the worker (tests/test_s33_metrics_args.py's, alone, failed so)."""
    import logging

    import torch

    from mudata._core.config import OPTIONS as mudata_options

    level, threads = logging.getLogger("jae").level, torch.get_num_threads()
    variables = {k: os.environ.get(k) for k in _THREAD_VARIABLES}
    mudata_before = dict(mudata_options)
    lazy_before = {name: {a: v for a, v in vars(module).items() if a in module._NAMES} for name, module in
                   _lazy_packages()}
    yield
    for name, module in _lazy_packages():  # the names a package imports when read (jae._lazy) as they were: one
        # first read during the test is read again later, so a function the test patched in its submodule
        # (monkeypatch) is not kept in the package
        bound = lazy_before.get(name, {})
        for attribute in [a for a in vars(module) if a in module._NAMES]:
            if attribute in bound:
                setattr(module, attribute, bound[attribute])
            else:
                delattr(module, attribute)
    mudata_options.clear()  # a test's md.set_options(pull_on_update=False) changed every later MuData's obs
    mudata_options.update(mudata_before)
    logging.getLogger("jae").setLevel(level)
    torch.set_num_threads(threads)
    for key, value in variables.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def lowest_priority() -> None:
    """``preexec_fn`` of a process a module starts early (its ``start_early``): the lowest priority, so that it takes
    the CPU time the tests leave idle rather than theirs (scheduling alone: the same command, environment and
    results)."""
    if hasattr(os, "nice"):
        os.nice(19)


def gex_with_cycle(n: int = 240, seed: int = 0):
    """Seeded log-normalised GEX whose S-phase genes follow a random phase per cell: ``(X, gene_names, batch)``, ``X``
    ``(n, n_genes)`` float32 of the human S and G2/M genes and 300 others, two batches of ``n // 2`` cells (the
    cc_cons tests of test_metrics and test_metrics_diagnostics)."""
    import numpy as np

    from jae.preprocess import cell_cycle_genes

    rng = np.random.default_rng(seed)
    s_genes, g2m_genes = cell_cycle_genes("human")
    names = np.array(s_genes + g2m_genes + [f"G{i}" for i in range(300)])
    phase = rng.random(n)
    X = rng.poisson(0.5, (n, len(names))).astype(np.float64)
    X[:, : len(s_genes)] += rng.poisson(3 * phase[:, None], (n, len(s_genes)))
    return np.log1p(X).astype(np.float32), names, np.repeat(["b1", "b2"], n // 2)


def cite_query_reference():
    """A small CITE-seq reference fitted on two of three batches and the third as its query (batch 's1d3', never
    fitted): ``(model, query)``, the query a MuData of 'rna' and 'prot' (the map_query message tests of session 55)."""
    from jae import JAE, JAEConfig, simulate

    m = simulate(400, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=3, seed=3)
    ref = m[(m.obs["batch"] != "s1d3").to_numpy()].copy()
    query = m[(m.obs["batch"] == "s1d3").to_numpy()].copy()
    return JAE(JAEConfig(max_epochs=3, n_svd=8), seed=0, device="cpu").fit(ref, progress_bar=False), query


def knn_overlap(a, b, k: int = 15) -> float:
    """Mean share of each row's ``k`` nearest rows in ``a`` that are also among its ``k`` nearest in ``b`` (the
    agreement of two embeddings of the same cells)."""
    import numpy as np
    from sklearn.neighbors import NearestNeighbors

    ia = NearestNeighbors(n_neighbors=k + 1).fit(a).kneighbors(a, return_distance=False)[:, 1:]
    ib = NearestNeighbors(n_neighbors=k + 1).fit(b).kneighbors(b, return_distance=False)[:, 1:]
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(ia, ib)]))


def moved_peaks(names, by: int = 7) -> list[str]:
    """Peak names ``chrN-s-e`` moved by ``by`` bases and written ``chrN:s-e``, as Cell Ranger ARC writes them: a
    per-sample peak call of the same sites, which jae matches by no name."""
    return [f"{c}:{int(s) + by}-{int(e) + by}" for c, s, e in (str(n).split("-") for n in names)]


def peaks_moved(mdata, by: int = 7):
    """A copy of Multiome ``mdata`` (its obs too) with its ATAC peaks moved (:func:`moved_peaks`)."""
    import mudata as md

    atac = mdata["atac"].copy()
    atac.var_names = moved_peaks(atac.var_names, by)
    moved = md.MuData({"rna": mdata["rna"].copy(), "atac": atac})
    moved.obs = mdata.obs.copy()
    return moved


def write_10x(path, X, names, feature_types, barcodes=None, *, ids=None):
    """A Cell Ranger >= 3 ``filtered_feature_bc_matrix.h5`` of cells x features ``X`` at ``path`` (stored features x
    cells CSC, int32 counts, byte strings, as Cell Ranger writes it); ``barcodes`` default ``AAACCTGAGC000000-1``, ...,
    ``ids`` (the gene IDs) ``ID0``, ... Returns ``path``."""
    import h5py
    import numpy as np
    import scipy.sparse as sp

    csc = sp.csc_matrix(np.asarray(X).T.astype(np.int32))
    if barcodes is None:
        barcodes = [f"AAACCTGAGC{i:06d}-1" for i in range(csc.shape[1])]
    with h5py.File(path, "w") as f:
        g = f.create_group("matrix")
        g["data"], g["indices"], g["indptr"] = csc.data, csc.indices.astype(np.int64), csc.indptr.astype(np.int64)
        g["shape"] = np.array(csc.shape, dtype=np.int32)
        g["barcodes"] = np.array(barcodes, dtype="S")
        feats = g.create_group("features")
        feats["id"] = np.array([f"ID{i}" for i in range(len(names))] if ids is None else ids, dtype="S")
        feats["name"] = np.array(names, dtype="S")
        feats["feature_type"] = np.array(feature_types, dtype="S")
        feats["genome"] = np.array(["GRCh38"] * len(names), dtype="S")
        feats["_all_tag_keys"] = np.array([b"genome"])
    return path


class Processes:
    """Processes started side by side, by name (``Popen`` with text pipes for stdout and stderr), in the background
    at the lowest priority when ``background``; ``close()`` ends those still running."""

    def __init__(self, commands: dict, *, background: bool = False) -> None:
        import subprocess

        self.procs = {
            name: subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=lowest_priority if background else None, **kwargs)
            for name, (argv, kwargs) in commands.items()
        }

    def __getitem__(self, name):
        return self.procs[name]

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


@pytest.fixture(scope="session", autouse=True)
def _early_starts(request, tmp_path_factory):
    """Background work of a module, started when the session starts: a test module that defines
    ``start_early(tmp_path_factory)`` and ``EARLY_FIXTURE`` (test_distributed's torchrun launch, for its fixture
    ``two_processes``) gets it called once here when a test that uses that fixture is among those that run; the fixture
    takes what it started (an object with ``close()``) when its tests come.
    The suite runs on one thread, so the launch's processes use the other core meanwhile. Whatever is still running at
    the end of the session is ended. Only for modules that come after test_distributed: a lowest-priority process a
    test reads in the suite's first minutes waits behind the torchrun launch (test_cli's python -m jae took 26 s,
    test_api_exports' interpreter 42 s, against ~4 s in their own tests)."""
    started, modules = [], {}
    for item in request.session.items:
        module = getattr(item, "module", None)
        if callable(getattr(module, "start_early", None)) and module.EARLY_FIXTURE in item.fixturenames:
            modules.setdefault(module.__name__, module)
    for module in modules.values():
        started.append(module.start_early(tmp_path_factory))
    yield
    for launch in started:
        launch.close()  # ends it if its module never waited for it


@pytest.fixture()
def mudata_without_pulls():
    """MuData 0.4's behaviour (no modality columns pulled into ``.obs``) for one test's MuData objects, the options
    as they were afterwards: set when a module is imported, it changed every later test's MuData obs (session 48)."""
    import mudata as md

    previous = md.set_options(pull_on_update=False).opts
    yield
    md.set_options(**previous)


@pytest.fixture()
def scratch(tmp_path, monkeypatch):
    """An empty temporary folder of the test's own as the process's ``TMPDIR`` (``tempfile.gettempdir()``): where
    jae writes temporary files (several Cell Ranger samples combined on disk), for tests of what is left there."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Root of the real datasets (``../shared/data`` or ``$JAE_DATA_DIR``).

    Tests using it skip when the data is absent, unless ``JAE_REQUIRE_DATA=1`` (set by ``.ci/run``), which makes
    the absence a failure.
    """
    path = _data_dir()
    if not (path / "neurips2021_starter").is_dir():
        msg = f"real data not found at {path}; set JAE_DATA_DIR"
        if os.environ.get("JAE_REQUIRE_DATA") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="module")
def query_mdata():
    """Simulated Multiome (400 cells, 4 types, 3 batches) whose last batch is an unlabelled query.

    ``obs['ct_ref']`` holds the cell type on the two reference batches and NaN on the query batch. One copy per
    test module (tests may write ``.obsm``).
    """
    from jae.datasets import simulate

    m = simulate(400, kind="multiome", n_genes=300, n_peaks=500, n_cell_types=4, n_batches=3, seed=1)
    query = (m.obs["batch"] == sorted(m.obs["batch"].unique())[-1]).to_numpy()
    m.obs["ct_ref"] = m.obs["cell_type"].astype(object).where(~query)
    return m


@pytest.fixture(scope="session")
def small_cite_model(tmp_path_factory) -> Path:
    """The folder of a JAE fitted on 300 simulated CITE-seq cells (200 genes, 15 proteins, 3 types, 2 batches; 2
    epochs, 10 SVD components): the reference of the tests of query files. Fitted once; each module takes its own copy
    (:func:`own_cite_model`), so no module sees another's changes."""
    from jae import JAE, JAEConfig
    from jae.datasets import simulate

    ref = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    folder = tmp_path_factory.mktemp("small_cite_model") / "model"
    JAE(JAEConfig(max_epochs=2, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False).save(folder)
    return folder


@pytest.fixture(scope="session")
def own_cite_model(small_cite_model, tmp_path_factory):
    """``own_cite_model(name)`` -> ``(folder, model)``: a module's own copy of :func:`small_cite_model`, at ``model``
    in a fresh folder named after ``name`` (which holds the module's other files), loaded on the CPU."""
    import shutil

    from jae import JAE

    def copy(name: str):
        folder = tmp_path_factory.mktemp(name)
        shutil.copytree(small_cite_model, folder / "model")
        return folder, JAE.load(folder / "model", device="cpu")

    return copy


@pytest.fixture(scope="session")
def _default_fit():
    """``jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0))``, fitted once for the session
    (on a copy of the cells), and the cells as simulate made them: see :func:`default_fit`."""
    import jae

    mdata = jae.simulate(n_cells=300, seed=0)
    return jae.JAE(jae.JAEConfig(max_epochs=1)).fit(mdata.copy(), progress_bar=False), mdata


@pytest.fixture(scope="session")
def default_fit(_default_fit):
    """``default_fit()`` -> ``(model, mdata)``: a copy of its own (``copy.deepcopy``, ``MuData.copy``) of the model
    ``jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0))`` and of those 300 cells, so that a
    test module needs no fit of its own (~1.4 s each) and no module sees another's changes. The fit is seeded (the
    model's default seed 0): a copy embeds bit for bit as a fit of its own."""
    import copy

    def own():
        model, mdata = _default_fit
        return copy.deepcopy(model), mdata.copy()

    return own


@pytest.fixture(scope="session")
def _new_cells_fit():
    """A CITE-seq model fitted on a seeded 70% of 500 simulated cells (3 epochs), and all 500: the other 30% are new
    cells to it (it keeps its fitted cells' fingerprints): see :func:`new_cells_fit`."""
    import numpy as np

    import jae

    cells = jae.simulate(500, kind="cite", n_genes=200, n_proteins=15, n_cell_types=4, n_batches=2, seed=3)
    fit = np.random.default_rng(0).random(cells.n_obs) < 0.7
    model = jae.JAE(jae.JAEConfig(max_epochs=3), seed=0, device="cpu").fit(
        cells[fit].copy(), cell_type_key="cell_type", batch_key="batch", progress_bar=False)
    return model, cells


@pytest.fixture(scope="session")
def new_cells_fit(_new_cells_fit):
    """``new_cells_fit()`` -> ``(model, cells)``: copies of their own of :func:`_new_cells_fit`'s model and cells (the
    session 44 consistency modules share one fit, as :func:`default_fit`'s users do)."""
    import copy

    def own():
        model, cells = _new_cells_fit
        return copy.deepcopy(model), cells.copy()

    return own


@pytest.fixture(scope="session")
def _hashtag_fit():
    """A CITE-seq model (1 epoch, 10 SVD components) fitted on 200 simulated cells, those cells (``cite``), and a MuData
    of them with a hashtag modality that also holds 12 droplets of its own (``EMPTY0`` ...; obs ``batch`` and
    ``cell_type`` global, NaN for the droplets): see :func:`hashtag_fit`."""
    import anndata as ad
    import mudata as md
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    import jae

    cite = jae.simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=4)
    rng = np.random.default_rng(0)
    cells = cite.obs_names.append(pd.Index([f"EMPTY{i}" for i in range(12)]))
    hto = ad.AnnData(X=sp.csr_matrix(rng.poisson(3, (len(cells), 4)).astype(np.float32)),
                     obs=pd.DataFrame(index=cells), var=pd.DataFrame(index=[f"HTO{i}" for i in range(4)]))
    data = md.MuData({"rna": cite["rna"].copy(), "prot": cite["prot"].copy(), "hto": hto})
    for c in ("batch", "cell_type"):
        data.obs[c] = cite.obs[c].reindex(data.obs_names).to_numpy()
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(cite, progress_bar=False)
    return model, data, cite


@pytest.fixture(scope="session")
def hashtag_fit(_hashtag_fit):
    """``hashtag_fit()`` -> ``(model, data, cite)``: copies of their own of :func:`_hashtag_fit`'s (the session 43 and
    45 modules on cells only a hashtag modality holds share one fit)."""
    import copy

    def own():
        model, data, cite = _hashtag_fit
        return copy.deepcopy(model), data.copy(), cite.copy()

    return own


def int_batch_cells(n: int, seed: int):
    """``n`` simulated CITE-seq cells (200 genes, 10 proteins, 3 types, 2 batches) whose obs ``batch`` holds the
    integers 0 and 1 and no modality has a batch column of its own (a model fitted on them names its batches '0', '1';
    the session 38 float-batch modules)."""
    from jae.datasets import simulate

    m = simulate(n, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=seed)
    m.obs["batch"] = m.obs["batch"].cat.codes.astype(int).to_numpy()
    for mod in m.mod.values():
        if "batch" in mod.obs:
            del mod.obs["batch"]
    return m


@pytest.fixture(scope="session")
def _int_batch_fit():
    """A decoder_batch model (1 epoch, 8 SVD components) fitted on :func:`int_batch_cells` ``(200, seed=1)``: see
    :func:`int_batch_fit`."""
    from jae import JAE, JAEConfig

    return JAE(JAEConfig(max_epochs=1, n_svd=8, decoder_batch=True), seed=0, device="cpu").fit(
        int_batch_cells(200, seed=1), progress_bar=False)


@pytest.fixture(scope="session")
def int_batch_fit(_int_batch_fit):
    """``int_batch_fit()`` -> a copy of its own of :func:`_int_batch_fit`'s model (the session 38 float-batch modules,
    map_query / finetune and impute, share one fit)."""
    import copy

    return lambda: copy.deepcopy(_int_batch_fit)


@pytest.fixture
def no_user() -> str:
    """A path's first part written as ``~name`` where no user ``name`` exists (``Path.expanduser`` raises on it; jae
    keeps it as written, as a shell does); skipped where there are no user accounts to look up."""
    pwd = pytest.importorskip("pwd")
    name = "~jae_no_such_user"
    with pytest.raises(KeyError):
        pwd.getpwnam(name[1:])
    return name


@pytest.fixture
def no_scoring(monkeypatch):
    """Stand-in for the metrics (every metric 0.5, returned at once), for tests of what jae.evaluate does around them:
    the report, its description, its folder."""
    import pandas as pd

    import jae

    def fake(E, **kwargs):
        out = pd.Series({m: 0.5 for m in (*jae.metrics.METRICS, "overall")})
        out.attrs.update(averaged=list(jae.metrics.METRICS), skipped={}, notes=[])
        return out

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", fake)


@pytest.fixture
def linear_fits(monkeypatch):
    """The row counts of every LinearClassifier.fit call (label transfer's linear classifier), each still fitted."""
    from jae.model import linear

    calls = []
    fit = linear.LinearClassifier.fit.__func__

    def counted(cls, X, codes, n_types):
        calls.append(len(X))
        return fit(cls, X, codes, n_types)

    monkeypatch.setattr(linear.LinearClassifier, "fit", classmethod(counted))
    return calls


def labels_equal(a, b) -> None:
    """Two predict_cell_type tables hold exactly the same labels, confidences, unknown calls and scores."""
    import numpy as np

    for column in ("cell_type", "confidence", "unknown", "unknown_score"):
        assert np.array_equal(a[column].to_numpy(), b[column].to_numpy()), column
