"""Real data sets and reference/query splits for the integration-quality benchmark (``benchmarks/quality.py``).

Every set is read into a :class:`QualitySet`: a MuData with raw counts, one ``obs`` frame with the standard
columns ``batch`` and ``label`` (cell type, NaN where unknown) plus the pseudotime columns, the organism and the
log-normalised GEX the metric suite's cell-cycle conservation compares against.

Splits (the issue's pretrained/query setting):

- SNARE-seq: reference = the first 8 libraries by sorted name, query = the last 4 (fixed).
- BMMC starters: a seeded half of the cells of each batch as reference, the rest query.
- PBMC10k: a seeded half of all cells as reference; reference-half cells without a label cannot be reference
  and join the query (fine-tuned on, never scored: only labelled query cells are scored).
- REAP-seq: reference = the first run by sorted name, query = the second (fixed).
- Simulated shapes (``SIMULATED``, for tuning only): a seeded half of each batch, like BMMC.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

import jae
import jae.baseline
from jae.preprocess import log_normalize

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
SNARE_REFERENCE_LIBRARIES = 8

#: set name -> (loader name, short description)
SETS = ("bmmc_cite", "bmmc_multiome", "snare_mouse_cortex", "pbmc10k_cite", "reapseq_pbmc")
#: simulated shapes for the selection protocol (never in the quality table): name -> simulate() arguments
SIMULATED = {
    # a small single-batch CITE-seq panel with many types (the shape of the sets where cc_cons collapsed)
    "sim_cite_small": dict(n_cells=1300, kind="cite", n_genes=1500, n_proteins=14, n_cell_types=10, n_batches=1),
    # a Multiome-like set with three batches
    "sim_multiome": dict(n_cells=3000, kind="multiome", n_genes=2000, n_peaks=4000, n_cell_types=6, n_batches=3),
    # session 16: the other two unseen shapes of issue 12 (800 CITE-seq cells in two batches; 2,600 RNA+ATAC cells
    # in three batches), for a check of their query rows (never used to choose)
    "sim_cite_800": dict(n_cells=800, kind="cite", n_genes=1500, n_proteins=14, n_cell_types=8, n_batches=2),
    "sim_multiome_2600": dict(n_cells=2600, kind="multiome", n_genes=2000, n_peaks=4000, n_cell_types=6,
                              n_batches=3),
    # session 20: a cell-line-like Multiome shape (the unseen 2,600-cell RNA+ATAC cell line with three time points):
    # three types, most cells cycling; a check shape, never used to choose
    "sim_cellline": dict(n_cells=2600, kind="multiome", n_genes=2000, n_peaks=4000, n_cell_types=3, n_batches=3,
                         params=jae.datasets.SimulationParams(cycling_fraction=0.6)),
    # atlas-sized shapes for rules that act only on large references (batch size): the validation split's
    # pseudo-reference holds a quarter of the cells, about 34,000 training cells; too slow for routine rounds
    "sim_multiome_150k": dict(n_cells=150_000, kind="multiome", n_genes=2000, n_peaks=4000, n_cell_types=12,
                              n_batches=4),
    "sim_cite_150k": dict(n_cells=150_000, kind="cite", n_genes=2000, n_proteins=30, n_cell_types=12, n_batches=4),
    # session 54 stress shape: many small batches (12 of about 200 CITE-seq cells); recorded, never used to choose
    "sim_cite_12batches": dict(n_cells=2400, kind="cite", n_genes=1500, n_proteins=14, n_cell_types=8, n_batches=12),
    # session 54 stress shape: sim_multiome, strong batch effect and depth shifts; recorded, never used to choose
    "sim_multiome_strongbatch": dict(n_cells=3000, kind="multiome", n_genes=2000, n_peaks=4000, n_cell_types=6,
                                     n_batches=3, params=jae.datasets.SimulationParams(batch_strength=1.5,
                                                                                       batch_depth_sd=0.6)),
    # session 54 stress shape: very few cells (400 CITE-seq, two batches, six types); recorded, never used to choose
    "sim_cite_400": dict(n_cells=400, kind="cite", n_genes=1500, n_proteins=14, n_cell_types=6, n_batches=2),
    # session 54 stress shape: four types with weak programs (hard to tell apart); recorded, never used to choose
    "sim_cite_weak4": dict(n_cells=2000, kind="cite", n_genes=1500, n_proteins=14, n_cell_types=4, n_batches=2,
                           params=jae.datasets.SimulationParams(program_strength=0.7)),
    # session 54 stress shape: shallow, 100 UMIs and 100 fragments a cell; recorded, never used to choose
    "sim_multiome_shallow": dict(n_cells=2600, kind="multiome", n_genes=2000, n_peaks=4000, n_cell_types=6,
                                 n_batches=3, params=jae.datasets.SimulationParams(rna_umis=100, atac_fragments=100)),
}
#: real shapes for the selection protocol (never in the quality table): name -> (real set, cells kept). A seeded
#: subsample of PBMC10k has the shape of the unseen sets where cc_cons collapsed (about 1.3k cells, one batch).
SUBSAMPLED = {"pbmc10k_small": ("pbmc10k_cite", 1300),
              # round 40: twice that size, so that the validation split's pseudo-reference (650 cells) has the size of
              # the unseen 1.3k-cell set's reference half; and the same pseudo-reference size on two other sets
              "pbmc10k_2600": ("pbmc10k_cite", 2600), "reapseq_2600": ("reapseq_pbmc", 2600),
              # session 31: the size of the unseen 800-cell, two-batch CITE-seq PBMC set (recorded, not for choosing)
              "reapseq_800": ("reapseq_pbmc", 800),
              "snare_1300": ("snare_mouse_cortex", 1300),
              # session 54 stress shape: 300 BMMC CITE cells, 41 types, most rare; recorded, never used to choose
              "bmmc_cite_300": ("bmmc_cite", 300)}


@dataclass
class QualitySet:
    """One real paired data set ready for the benchmark.

    Attributes
    ----------
    name
        Short name (one of :data:`SETS`).
    mdata
        MuData with modalities ``rna`` and ``atac``/``prot``, raw counts in ``.layers['counts']``; ``mdata.obs``
        holds only ``batch``.
    obs
        ``(n_cells, ...)`` frame aligned to ``mdata.obs_names``: ``batch`` (str), ``label`` (str or NaN) and the
        pseudotime columns named in ``pseudotime_keys``.
    organism
        ``'human'`` or ``'mouse'``.
    gex_lognorm
        ``(n_cells, n_genes)`` CSR log-normalised GEX (the competition used the solution's ``.X``).
    gex_names
        ``(n_genes,)`` gene names.
    pseudotime_keys
        Columns of ``obs`` with a reference pseudotime (empty when the set has none).
    """

    name: str
    mdata: object
    obs: pd.DataFrame
    organism: str
    gex_lognorm: sp.csr_matrix
    gex_names: pd.Index
    pseudotime_keys: list[str] = field(default_factory=list)

    @property
    def n_cells(self) -> int:
        return len(self.obs)

    @property
    def labelled(self) -> np.ndarray:
        """``(n_cells,)`` bool: the cell has a cell-type label."""
        return self.obs["label"].notna().to_numpy()


def data_root() -> Path:
    """``$JAE_DATA_DIR`` or ``../shared/data`` next to the repository."""
    root = Path(os.environ.get("JAE_DATA_DIR", REPO.parent / "shared" / "data"))
    if not root.is_dir():
        raise FileNotFoundError(f"real data folder {root} does not exist; set JAE_DATA_DIR to the shared data folder")
    return root


def _read(path: Path) -> ad.AnnData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = ad.read_h5ad(path)
    if "counts" not in a.layers:
        a.layers["counts"] = a.X
    return a


def _standard_obs(obs: pd.DataFrame, *, label_key: str, pseudotime_keys: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=obs.index)
    out["batch"] = obs["batch"].astype(str).to_numpy()
    out["label"] = pd.Series(
        [str(v) if pd.notna(v) else np.nan for v in obs[label_key]], index=obs.index, dtype=object
    )
    for k in pseudotime_keys:
        out[k] = obs[k].astype(float).to_numpy()
    return out


def _build(name, mods: dict, obs, *, label_key, organism, gex_lognorm, pseudotime_keys=()) -> QualitySet:
    mdata = jae.io.make_mudata(mods)
    std = _standard_obs(obs, label_key=label_key, pseudotime_keys=list(pseudotime_keys))
    mdata.obs["batch"] = std["batch"].to_numpy()
    return QualitySet(
        name, mdata, std, organism, sp.csr_matrix(gex_lognorm, dtype=np.float32), pd.Index(mods["rna"].var_names),
        list(pseudotime_keys),
    )


def load_bmmc(kind: str, root: Path) -> QualitySet:
    """BMMC starter ``kind`` ('cite' or 'multiome') from the ``common`` files (all annotations)."""
    folder = root / "neurips2021_starter" / "common" / kind
    rna = _read(next(folder.glob("*output_rna.h5ad")))
    mod2 = _read(next(folder.glob("*output_mod2.h5ad")))
    if not rna.obs_names.equals(mod2.obs_names):
        raise ValueError(f"{folder}: the rna and mod2 files hold different cells")
    second = "prot" if kind == "cite" else "atac"
    pt = [c for c in rna.obs.columns if c.startswith("pseudotime_order_")]
    return _build(
        f"bmmc_{kind}", {"rna": rna, second: mod2}, rna.obs, label_key="cell_type",
        organism=str(rna.uns.get("organism", "human")), gex_lognorm=rna.X, pseudotime_keys=sorted(pt),
    )


def load_pair(name: str, folder: Path, second: str, file2: str, *, label_key: str, organism: str) -> QualitySet:
    """A folder holding ``rna.h5ad`` and a second modality over the same cells (SNARE-seq, PBMC10k)."""
    rna, mod2 = _read(folder / "rna.h5ad"), _read(folder / file2)
    if not rna.obs_names.equals(mod2.obs_names):
        raise ValueError(f"{folder}: rna.h5ad and {file2} hold different cells")
    return _build(
        name, {"rna": rna, second: mod2}, rna.obs, label_key=label_key, organism=organism,
        gex_lognorm=log_normalize(rna.layers["counts"]),
    )


def load_simulated(name: str, seed: int = 0) -> QualitySet:
    """One of :data:`SIMULATED`, drawn with ``seed`` (the simulator's own cell types, batches and pseudotime)."""
    mdata = jae.datasets.simulate(**SIMULATED[name], seed=seed)
    second = [m for m in mdata.mod if m != "rna"][0]
    obs = mdata.obs.copy()
    pt = [c for c in obs.columns if c.startswith("pseudotime_order_")]
    mods = {"rna": mdata.mod["rna"], second: mdata.mod[second]}
    return _build(
        name, mods, obs, label_key="cell_type", organism=str(mdata.uns.get("organism", "human")),
        gex_lognorm=log_normalize(mdata.mod["rna"].layers["counts"]), pseudotime_keys=sorted(pt),
    )


def subsample(qset: QualitySet, name: str, n_cells: int, seed: int = 0) -> QualitySet:
    """A seeded subsample of ``n_cells`` labelled cells of ``qset``, renamed ``name``."""
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.permutation(np.flatnonzero(qset.labelled))[:n_cells])
    mdata = qset.mdata[keep].copy()
    return QualitySet(name, mdata, qset.obs.iloc[keep].copy(), qset.organism, qset.gex_lognorm[keep],
                      qset.gex_names, list(qset.pseudotime_keys))


#: real set -> (folder under the data root, file patterns it must hold)
FILES = {
    "bmmc_cite": ("neurips2021_starter/common/cite", ("*output_rna.h5ad", "*output_mod2.h5ad")),
    "bmmc_multiome": ("neurips2021_starter/common/multiome", ("*output_rna.h5ad", "*output_mod2.h5ad")),
    "snare_mouse_cortex": ("snareseq_mouse_cortex", ("rna.h5ad", "atac.h5ad")),
    "pbmc10k_cite": ("pbmc10k_cite", ("rna.h5ad", "adt.h5ad")),
    "reapseq_pbmc": ("reapseq_pbmc", ("rna.h5ad", "adt.h5ad")),
}


def missing_data(names, root: Path | None = None) -> str | None:
    """One line naming the first data folder or file that :func:`load_set` would miss for ``names``; None if all
    are there (simulated shapes need none; a subsample needs its real set)."""
    real = [n for n in (SUBSAMPLED[n][0] if n in SUBSAMPLED else n for n in names) if n in FILES]
    if not real:
        return None
    try:
        root = data_root() if root is None else Path(root)
    except FileNotFoundError as exc:
        return str(exc)
    for name in real:
        folder, patterns = FILES[name]
        for pattern in patterns:
            if not any((root / folder).glob(pattern)):
                return (f"set {name} needs {root / folder / pattern}, which does not exist; set JAE_DATA_DIR to the "
                        "shared data folder or leave the set out of --sets")
    return None


def load_set(name: str, root: Path | None = None) -> QualitySet:
    """Read one of :data:`SETS`."""
    root = data_root() if root is None else Path(root)
    if name == "bmmc_cite":
        return load_bmmc("cite", root)
    if name == "bmmc_multiome":
        return load_bmmc("multiome", root)
    if name == "snare_mouse_cortex":
        return load_pair(name, root / "snareseq_mouse_cortex", "atac", "atac.h5ad", label_key="cell_type",
                         organism="mouse")
    if name == "pbmc10k_cite":
        return load_pair(name, root / "pbmc10k_cite", "prot", "adt.h5ad", label_key="scmdc_cluster",
                         organism="human")
    if name == "reapseq_pbmc":
        return load_pair(name, root / "reapseq_pbmc", "prot", "adt.h5ad", label_key="cell_type", organism="human")
    if name in SIMULATED:
        return load_simulated(name)
    if name in SUBSAMPLED:
        return subsample(load_set(SUBSAMPLED[name][0], root), name, SUBSAMPLED[name][1])
    raise KeyError(f"unknown data set {name!r}; choose from {', '.join((*SETS, *SIMULATED, *SUBSAMPLED))}")


def reference_mask(name: str, obs: pd.DataFrame, *, seed: int) -> np.ndarray:
    """``(n_cells,)`` bool: the reference cells of the pretrained/query setting (see the module docstring).

    Only labelled cells are ever reference.
    """
    batch = obs["batch"].astype(str).to_numpy()
    labelled = obs["label"].notna().to_numpy()
    n = len(obs)
    if name.startswith("snare"):
        libraries = sorted(pd.unique(batch))
        ref = np.isin(batch, libraries[:SNARE_REFERENCE_LIBRARIES])
    elif name.startswith("reapseq"):
        ref = batch == sorted(pd.unique(batch))[0]
    elif name.startswith("bmmc") or name.startswith("sim"):
        rng = np.random.default_rng(seed)
        ref = np.zeros(n, dtype=bool)
        for b in sorted(pd.unique(batch)):
            idx = np.flatnonzero(batch == b)
            ref[rng.permutation(idx)[: len(idx) // 2]] = True
    elif name.startswith("pbmc"):
        rng = np.random.default_rng(seed)
        ref = np.zeros(n, dtype=bool)
        ref[rng.permutation(n)[: n // 2]] = True
    else:
        raise KeyError(f"no reference split defined for {name!r}")
    return ref & labelled


def validation_split(name: str, obs: pd.DataFrame, reference: np.ndarray, *, seed: int) -> np.ndarray:
    """``(n_cells,)`` bool pseudo-reference mask inside ``reference`` for tuning (pseudo-query = the rest of it).

    The same rule as :func:`reference_mask`, applied to the reference cells only: SNARE-seq's 8 reference libraries
    split 6 / 2 by sorted name, the others a seeded half (per batch for BMMC).
    """
    idx = np.flatnonzero(reference)
    sub = obs.iloc[idx]
    if name.startswith("snare"):
        libraries = sorted(pd.unique(sub["batch"].astype(str)))
        inner = np.isin(sub["batch"].astype(str).to_numpy(), libraries[:6])
    elif name.startswith("reapseq"):  # one run: a seeded half of it
        rng = np.random.default_rng(seed + 1000)
        inner = np.zeros(len(sub), dtype=bool)
        inner[rng.permutation(len(sub))[: len(sub) // 2]] = True
    else:
        inner = reference_mask(name, sub, seed=seed + 1000)
    out = np.zeros(len(obs), dtype=bool)
    out[idx[inner]] = True
    return out


def check_sets(p, sets, out: Path | None) -> None:
    """``sets`` (names in SETS, SIMULATED or SUBSAMPLED), their data and the folder of ``out`` checked before the first
    fit, each refused in one line by the argparse parser ``p`` (a mistyped set or a missing file had stopped a run with a
    traceback after the sets before it)."""
    known = (*SETS, *SIMULATED, *SUBSAMPLED)
    unknown = [s for s in sets if s not in known]
    if unknown:
        p.error(f"--sets {unknown[0]} is no set; sets: {', '.join(known)}")
    problem = missing_data(sets)
    if problem:
        p.error(problem)
    if out is not None and not out.parent.is_dir():
        p.error(f"--out {out}: folder {out.parent} does not exist")
