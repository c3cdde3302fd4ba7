"""``jae.evaluate``: score joint embeddings of one dataset with the competition's metrics, optionally writing the
visual report. What ``jae evaluate`` does, callable from Python."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["evaluate", "read_embedding", "obsm_embedding", "lognormalized_gex"]

logger = logging.getLogger(__name__)


def read_embedding(path: str | os.PathLike, obs_names: pd.Index, *, name: str | None = None) -> tuple[str, np.ndarray]:
    """A competition embedding file (``.h5ad``: ``X`` = embedding, ``obs_names`` = cells) in ``obs_names`` order.

    Returns
    -------
    ``(label, embedding)``: ``name``, else the file's ``uns['method_id']``, else its name; ``(n_cells, n_dims)``.
    """
    from .io import read_h5ad

    path = Path(path)
    pred = read_h5ad(path, what="--prediction")
    label = name or str(pred.uns.get("method_id", path.name.split(".")[0]))
    missing = pd.Index(obs_names).difference(pred.obs_names)
    if len(missing):
        raise ValueError(
            f"embedding file {path} lacks {len(missing)} of the {len(obs_names)} cells (e.g. {list(missing[:3])}); "
            "embed every cell of the data"
        )
    X = pred.X.toarray() if sp.issparse(pred.X) else np.asarray(pred.X)
    return label, X[pred.obs_names.get_indexer(obs_names)]


def obsm_embedding(data, key: str) -> np.ndarray:
    """``data.obsm[key]``, or a modality's ``obsm[key]`` in the data's cell order."""
    holders = (data, *getattr(data, "mod", {}).values())
    for holder in holders:
        if key in holder.obsm:
            E = holder.obsm[key]
            if holder is not data and not holder.obs_names.equals(data.obs_names):
                E = np.asarray(E)[holder.obs_names.get_indexer(data.obs_names)]
            return np.asarray(E)
    available = sorted({str(k) for h in holders for k in h.obsm})
    raise KeyError(f"embedding {key!r} not found in the data's obsm (nor in a modality's obsm); available: {available}")


def lognormalized_gex(data, rna: str = "rna", *, layer: str | None = "counts"):
    """The unintegrated log-normalised GEX (for cc_cons) in the data's cell order: the modality's ``.X`` when it is
    already normalised (not whole numbers), else :func:`jae.preprocess.log_normalize` of its counts (``layer``,
    else ``.X``).

    Returns
    -------
    ``(X, var_names)``.
    """
    from .preprocess import log_normalize

    adata = data.mod[rna]
    X = adata.X
    sample = X[: min(200, X.shape[0])]
    values = sample.data if sp.issparse(sample) else np.asarray(sample).ravel()
    if values.size and np.allclose(values, np.round(values)):
        counts = adata.layers[layer] if layer is not None and layer in adata.layers else X
        logger.info("cc_cons: %s.X looks like raw counts; using log_normalize(counts)", rna)
        X = log_normalize(counts)
    if not adata.obs_names.equals(data.obs_names):
        X = X[adata.obs_names.get_indexer(data.obs_names)]
    return X, adata.var_names


def evaluate(
    data,
    embeddings: Mapping[str, np.ndarray | str | os.PathLike] | Sequence[str] = ("X_jae",),
    *,
    cell_type_key: str = "cell_type",
    batch_key: str | None = "batch",
    pseudotime_keys: Sequence[str] | None = None,
    organism: str | None = None,
    baseline: bool = False,
    rna: str = "rna",
    layer: str | None = "counts",
    seed: int = 0,
    device: str | None = None,
    report_dir: str | os.PathLike | None = None,
    report: bool = True,
    umap_max_cells: int = 50_000,
    protect: Iterable[str | os.PathLike] = (),
    progress_bar: bool = True,
) -> pd.DataFrame:
    """Score joint embeddings with the NeurIPS 2021 joint-embedding metrics (scib 1.1.7 definitions).

    Parameters
    ----------
    data
        MuData with the annotations in ``obs`` and an RNA modality (for the cell-cycle reference of cc_cons).
    embeddings
        Obsm keys (of the data or a modality), or ``{name: value}`` where a value is an ``(n_cells, n_dims)``
        array in the data's cell order, an obsm key, or the path of a competition embedding ``.h5ad``.
    cell_type_key, batch_key
        obs columns of cell types (required) and batches (None or missing: one batch; asw_batch is n/a).
    pseudotime_keys
        obs columns of reference pseudotimes; None: every ``pseudotime_order_*`` column.
    organism
        ``'human'`` or ``'mouse'`` for the cell-cycle genes; None: ``uns['organism']``, else detected from the
        gene symbols' case.
    baseline
        Also score the seed's SVD-concat baseline (``'svd_baseline'``).
    rna, layer
        The RNA modality's name, and the layer of raw counts (None: ``.X``) for the baseline and, when the RNA
        ``.X`` holds counts, for the log-normalised GEX.
    seed, device
        Seed of clustering, the baseline's SVD and UMAPs; torch device of the distances (None: CUDA if available).
    report_dir
        When given, ``metrics.csv`` and ``metrics.md`` are written there (atomically), and with ``report=True`` the
        UMAPs, bar chart and ``index.html`` too.
    umap_max_cells
        The report's UMAPs use a seeded subset of at most this many cells.
    protect
        Paths the report must never write over (the inputs).

    Returns
    -------
    The metrics table (:func:`jae.report.metrics_table`: one row per embedding); ``attrs['report']`` is the report's
    ``index.html`` (or ``metrics.md``) path when one was written, and ``attrs['description']`` describes the cells.
    Cells without a cell type are left out.
    """
    from .baseline import svd_baseline_from
    from .io import get_annotation
    from .metrics import cell_cycle_reference, evaluate_embedding
    from .preprocess.organism import infer_organism, organism_from_uns
    from .report import metrics_table, write_report, write_table

    if isinstance(embeddings, (str, bytes)):
        raise TypeError("embeddings must be a list of obsm keys or a {name: array, key or path} mapping, not a string")
    items = dict(embeddings) if isinstance(embeddings, Mapping) else {str(k): str(k) for k in embeddings}
    if not (items or baseline):
        raise ValueError("nothing to evaluate: pass embeddings=[obsm keys] or {name: array}, and/or baseline=True")
    obs = data.obs
    if cell_type_key not in obs.columns:
        raise KeyError(
            f"no cell-type column {cell_type_key!r} in obs (columns: {[str(c) for c in obs.columns][:20]}); "
            "pass cell_type_key=COLUMN (CLI: --cell-type-key), or join annotations (CLI: --annotations FILE)"
        )
    cell_type = get_annotation(obs, cell_type_key, what="cell type")
    batch = obs[batch_key] if batch_key is not None and batch_key in obs.columns else None
    if batch is None:
        logger.warning("no obs column %r: asw_batch is n/a and cc_cons treats all cells as one batch", batch_key)
    pt_keys = list(pseudotime_keys) if pseudotime_keys else [c for c in obs.columns if str(c).startswith("pseudotime_order_")]
    for key in pt_keys:
        if key not in obs.columns:
            raise KeyError(f"pseudotime key {key!r} is not an obs column; available: {list(obs.columns)}")
    pseudotime = obs[pt_keys].astype(float) if pt_keys else None
    rna = next((m for m in ("rna", rna) if m in data.mod), None)  # read_h5mu names the RNA modality "rna"
    organism = organism or (
        infer_organism(data, data.mod[rna].var_names) if rna is not None else organism_from_uns(data) or "human"
    )
    labelled = np.asarray(~pd.isna(cell_type))
    if not labelled.all():
        logger.warning("%d cells have no cell type and are left out of the evaluation", int((~labelled).sum()))

    arrays: dict[str, np.ndarray] = {}
    for name, value in items.items():
        if isinstance(value, Path) or (isinstance(value, str) and value.endswith(".h5ad") and Path(value).is_file()):
            label, E = read_embedding(value, data.obs_names, name=None if name == str(value) else name)
            name = label if label not in arrays else f"{label} ({Path(value).name})"
        elif isinstance(value, str):
            E = obsm_embedding(data, value)
        else:
            E = np.asarray(value)
        if E.ndim != 2 or E.shape[0] != data.n_obs:
            raise ValueError(f"embedding {name!r} has shape {E.shape}; pass one row per cell ({data.n_obs} cells)")
        arrays[name] = E
    if baseline:
        arrays["svd_baseline"] = svd_baseline_from(data, seed=seed, layer=layer)

    cc_ref, cc_reason = None, "no RNA modality in the data"
    if rna is not None:
        gex, var_names = lognormalized_gex(data, rna, layer=layer)
        try:
            cc_ref = cell_cycle_reference(
                gex[labelled], var_names, np.asarray(batch)[labelled] if batch is not None else np.zeros(labelled.sum()),
                organism=organism, seed=seed,
            )
        except ValueError as err:
            cc_reason = f"cell-cycle scores unavailable: {err}"
            logger.warning("cc_cons is n/a: %s", err)

    cell_type_l = np.asarray(cell_type)[labelled]
    batch_l = None if batch is None else np.asarray(batch)[labelled]
    results = {}
    for name, E in arrays.items():
        logger.info("evaluating %s (%d cells x %d dims)", name, E.shape[0], E.shape[1])
        result = evaluate_embedding(
            E[labelled], cell_type=cell_type_l, batch=batch_l,
            pseudotime=None if pseudotime is None else pseudotime[labelled], cell_cycle=cc_ref,
            organism=organism, seed=seed, device=device, progress_bar=progress_bar,
        )
        if cc_ref is None:
            result.attrs["skipped"]["cc_cons"] = cc_reason
        results[name] = result
    table = metrics_table(results)
    table.attrs["description"] = (
        f"{int(labelled.sum())} cells, {len(np.unique(cell_type_l))} cell types, "
        f"{'no' if batch is None else len(pd.unique(batch_l))} batches, "
        f"pseudotimes: {', '.join(map(str, pt_keys)) if pt_keys else 'none'}, organism: {organism}."
    )
    if report_dir is not None:
        if report:
            table.attrs["report"] = write_report(
                table, {k: v[labelled] for k, v in arrays.items()}, report_dir, cell_type=cell_type_l, batch=batch_l,
                title="jae evaluation", description=table.attrs["description"], max_cells=umap_max_cells,
                seed=seed, device=device, protect=protect, progress_bar=progress_bar,
            )
        else:
            table.attrs["report"] = write_table(table, Path(report_dir), protect=protect)[1]
    return table
