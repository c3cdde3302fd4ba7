"""The whole pipeline on built-in simulated data: :func:`run_demo` (``jae demo``)."""

from __future__ import annotations

import logging
import numbers
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["DemoResult", "run_demo"]

logger = logging.getLogger(__name__)

#: fewest cells jae demo simulates: below it the hidden batch lacks types and the metrics rest on a handful of cells
MIN_DEMO_CELLS = 200


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` made and where it wrote it.

    Attributes
    ----------
    mdata
        The simulated cells (MuData) with ``obsm['X_jae']``, ``obsm['X_svd_baseline']``, the label columns
        ``obs['jae_cell_type']``, ``obs['jae_confidence']``, ``obs['jae_unknown']`` and ``obs['jae_unknown_score']``
        (``key_added='jae'``, as ``jae embed`` writes them) and ``obs['cell_type_reference']`` (the labels the model
        saw: NaN on the query; ``cell_type``'s categories, in its order, which ``jae_cell_type`` keeps).
    model
        The fitted :class:`jae.JAE`.
    table
        The competition's metrics of jae and the SVD baseline on all cells (rows: embeddings).
    accuracy
        Label-transfer accuracy on the query batch (the cells whose labels were hidden).
    kind
        ``'multiome'`` or ``'cite'``.
    query_batch
        The batch whose labels were hidden.
    files
        ``{'data', 'model', 'embedding', 'report'}``: the paths written; ``report_index`` the report's index.html.
    seconds
        Wall time of the whole run.
    """

    mdata: object
    model: object
    table: pd.DataFrame
    accuracy: float
    kind: str
    query_batch: str
    files: dict[str, Path] = field(default_factory=dict)
    report_index: Path | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """What ``jae demo`` prints: the data, the training, the scores and where each file went."""
        m, model = self.mdata, self.model
        query = (m.obs["batch"] == self.query_batch).to_numpy()
        mods = ", ".join(f"{k} {v.n_vars} features" for k, v in m.mod.items())
        n_pre = int((model.history["stage"] == "pretrain").sum())
        n_fine = int((model.history["stage"] == "finetune").sum())
        Z = m.obsm["X_jae"]
        files = self.files
        return "\n".join([
            f"simulated {m.n_obs} cells ({self.kind}: {mods}), {m.obs['batch'].nunique()} batches, "
            f"{m.obs['cell_type'].nunique()} cell types; labels hidden for batch {self.query_batch} "
            f"({int(query.sum())} query cells)",
            f"pretrained {_epochs(n_pre)} on {int((~query).sum())} reference cells, fine-tuned {_epochs(n_fine)} on "
            "the query",
            f"embedding: {Z.shape[0]} cells x {Z.shape[1]} dims ({model})",
            f"label transfer accuracy on the query batch: {self.accuracy:.3f}",
            "competition metrics on all cells (higher is better):",
            self.table.to_string(float_format=lambda v: f"{v:.3f}"),
            f"wrote {files['data']} (obsm['X_jae'], obsm['X_svd_baseline'], obs['jae_cell_type'] and the other labels)",
            f"wrote {files['model']}/ (model.json + weights.pt) and {files['embedding']} (competition format)",
            f"wrote the evaluation report to {files['report']}/: UMAPs of jae and the SVD baseline, metrics chart; "
            f"open {self.report_index}",
            f"done in {self.seconds:.1f} s",
        ])


def _epochs(n: int) -> str:
    return f"{n} epoch{'' if n == 1 else 's'}"


def run_demo(
    out: str | os.PathLike = "jae_demo_output",
    *,
    kind: Literal["multiome", "cite"] = "multiome",
    n_cells: int = 3000,
    max_epochs: int | None = None,
    seed: int = 0,
    device: str = "auto",
    overwrite: bool = False,
    progress_bar: bool = True,
) -> DemoResult:
    """Simulate paired cells, hide the labels of the last batch, pretrain on the others, fine-tune on it, embed every
    cell, score jae against the SVD baseline and write everything to the folder ``out`` (``jae demo``).

    Parameters
    ----------
    out
        Output folder: ``demo.h5mu`` (the cells, with ``obsm['X_jae']``), ``model/``, ``embedding.h5ad`` (the
        competition's format) and ``report/`` (UMAPs of jae beside the SVD baseline, a metrics chart,
        ``index.html``). Its parent folder must exist.
    kind
        ``'multiome'`` (RNA + ATAC) or ``'cite'`` (RNA + protein).
    n_cells
        Cells to simulate.
    max_epochs
        Cap on pretraining epochs (default: :class:`jae.JAEConfig`'s).
    seed, device
        Seed of every step; torch device.
    overwrite
        Replace the files of an earlier demo in ``out``.
    progress_bar
        Progress bars of training and evaluation (``jae demo --quiet`` turns them off).

    Returns
    -------
    :class:`DemoResult`; :meth:`DemoResult.summary` is the text ``jae demo`` prints.
    """
    from .._flags import check_flags
    from ..config import JAEConfig
    from ..datasets import simulate
    from ..io import write_atomic, write_embedding_h5ad
    from ..io.atomic import atomic_outputs
    from ..io.outputs import check_model_folders, check_outputs
    from ..io.paths import user_path

    t0 = time.perf_counter()
    check_flags(overwrite=overwrite, progress_bar=progress_bar)  # a text 'no' is truthy: it replaced the demo output
    out = user_path(out, name="out")
    # its files left in a model folder made a later 'jae fit --out FOLDER --overwrite' refuse it (as jae evaluate's
    # report); first: overwrite helps none
    check_model_folders([("out", out)], any_model="is or inside")
    files = {"data": out / "demo.h5mu", "model": out / "model", "embedding": out / "embedding.h5ad",
             "report": out / "report"}
    if out.exists() and not out.is_dir():
        raise ValueError(f"out {out} exists and is not a folder; choose a folder path for out")
    check_outputs([("out", out)], inputs=(), overwrite=True, folders=("out",))  # its folder exists, is writable
    _check_replaceable(files)  # first: overwrite would not replace those
    if not overwrite and any(f.exists() for f in files.values()):
        raise FileExistsError(f"{out} already holds demo output; pass overwrite=True or choose another out")
    if isinstance(n_cells, numbers.Integral) and not isinstance(n_cells, bool) and n_cells < MIN_DEMO_CELLS:
        raise ValueError(f"n_cells={n_cells}: the demo needs at least {MIN_DEMO_CELLS} cells (a reference and a hidden "
                         f"batch of every simulated cell type, and enough cells to score); pass n_cells >= "
                         f"{MIN_DEMO_CELLS}")
    from ..baseline import svd_baseline_from  # the model's modules (torch, numba): once the arguments are checked
    from ..joint import JAE
    from ..report import write_report

    config = JAEConfig() if max_epochs is None else JAEConfig(max_epochs=max_epochs)
    model = JAE(config, seed=seed, device=device)  # max_epochs, seed and device refused before simulating
    mdata = simulate(n_cells, kind=kind, seed=seed)
    batches = sorted(mdata.obs["batch"].unique())
    query = (mdata.obs["batch"] == batches[-1]).to_numpy()
    # cell_type's own categorical (its order, so scanpy gives a type one colour in cell_type, cell_type_reference and
    # jae_cell_type: the model keeps the reference's order, jae.labels.label_order), the query's labels missing
    mdata.obs["cell_type_reference"] = mdata.obs["cell_type"].where(~query)
    logger.info("demo: %d simulated %s cells; labels hidden for batch %s (%d query cells)", mdata.n_obs, kind,
                batches[-1], int(query.sum()))
    model.fit(mdata, cell_type_key="cell_type_reference", progress_bar=progress_bar)
    Z = model.embed(mdata)
    mdata.obsm["X_svd_baseline"] = svd_baseline_from(mdata, seed=seed)
    pred = model.predict_cell_type(mdata, embedding=Z, key_added="jae")  # the four columns jae embed writes
    acc = float(np.mean(pred["cell_type"].to_numpy()[query] == mdata.obs["cell_type"].astype(str).to_numpy()[query]))
    table = _scores(mdata, Z, seed=seed, columns=model.column_names)
    with atomic_outputs():  # all of them or none (no half demo folder after a failure, e.g. a full disk)
        model.save(files["model"], overwrite=overwrite)
        write_atomic(mdata, files["data"], overwrite=overwrite)
        write_embedding_h5ad(Z, mdata.obs_names, files["embedding"], dataset_id="jae_demo", method_id="jae",
                             var_names=model.column_names, overwrite=overwrite)
        index = write_report(
            table, {"jae": Z, "svd_baseline": mdata.obsm["X_svd_baseline"]}, files["report"],
            cell_type=mdata.obs["cell_type"], batch=mdata.obs["batch"], title="jae demo: jae vs the SVD baseline",
            description=f"{mdata.n_obs} simulated {kind} cells; labels hidden for batch {batches[-1]}.",
            seed=seed, progress_bar=progress_bar, overwrite=True,  # an earlier demo's report: checked above
        )
    return DemoResult(mdata=mdata, model=model, table=table, accuracy=acc, kind=kind, query_batch=str(batches[-1]), files=files,
                      report_index=Path(index), seconds=time.perf_counter() - t0)


def _check_replaceable(files: dict[str, Path]) -> None:
    """Refuse up front what ``overwrite=True`` would not replace (it failed only after training): a folder that is
    no jae model where the model goes, files of the user's beside an earlier model (replacing the folder would delete
    them), a folder where a file goes, a file where the report folder goes."""
    from ..checkpoint import check_model_folder
    from ..io.paths import is_empty_folder

    model = files["model"]
    if model.exists() and not is_empty_folder(model) and not (model / "model.json").is_file():
        from ..checkpoint import not_a_model_folder

        raise not_a_model_folder(str(model), "choose another out")
    try:  # files beside an earlier model: refused by save, after training
        check_model_folder(model, kind="jae", overwrite=True)
    except FileExistsError as err:  # the demo's folder is out, as in the refusals above
        raise FileExistsError(str(err).replace("choose another folder", "choose another out")) from None
    for key in ("data", "embedding"):
        if files[key].is_dir():
            raise ValueError(f"{files[key]} is a folder, where the demo writes a file; move it or choose another out")
    if files["report"].exists() and not files["report"].is_dir():
        raise ValueError(f"{files['report']} is a file, where the demo writes its report folder; move it or choose "
                         "another out")


def _scores(mdata, Z, *, seed: int, columns=None) -> pd.DataFrame:
    """The competition's metric suite for jae and the baseline, side by side (rows: embeddings); ``columns``, jae's
    column names, add each block's share of its variance to the diagnostics."""
    from ..metrics import cell_cycle_reference, evaluate_embedding
    from ..preprocess import log_normalize
    from ..report import metrics_table

    obs = mdata.obs
    rna = mdata.mod["rna"]
    cc = cell_cycle_reference(log_normalize(rna.layers["counts"]), rna.var_names, obs["batch"], seed=seed)
    pseudotime = obs[[c for c in obs.columns if c.startswith("pseudotime_order_")]]
    rows = {}
    for name, emb, names in (("jae", Z, columns), ("svd_baseline", mdata.obsm["X_svd_baseline"], None)):
        rows[name] = evaluate_embedding(
            emb, cell_type=obs["cell_type"], batch=obs["batch"], pseudotime=pseudotime, cell_cycle=cc,
            seed=seed, progress_bar=False, column_names=names,
        )
    return metrics_table(rows)

