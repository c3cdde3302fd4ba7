"""``jae.evaluate``: score joint embeddings of one dataset with the competition's metrics, optionally writing the
visual report. What ``jae evaluate`` does, callable from Python.

The data may be in memory (MuData) or opened lazily (:func:`jae.io.open_competition`, :func:`jae.io.open_h5mu`):
then only what the metrics need is read (the annotations, the embeddings, and the RNA counts in row blocks for
the cell-cycle reference, :func:`jae.metrics.cell_cycle_reference_blocks`), never the second modality; only the
SVD baseline reads every modality's counts, in row blocks (:func:`jae.baseline.svd_baseline_blocks`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._flags import check_flags
from ..config import keyword_arguments
from .inputs import _is_files, obsm_embedding, read_embedding
from .checks import (
    DEFAULT_BATCH_KEY, cell_type_labels,
    check_argument_shapes,
    check_data,
    check_organism_genes,
    check_run_args,
    check_scored_batches,
    check_scored_cells,
    missing_text,
    rna_modality,
    unique_pseudotime_keys,
    warn_scaled_gex,
)
from .embeddings import read_embeddings
from .progress import Named, evaluate_steps, open_bar
from ..io.paths import user_path

__all__ = ["evaluate", "read_embedding", "obsm_embedding", "lognormalized_gex", "lognormalized_gex_blocks"]

logger = logging.getLogger(__name__)


def _as_mudata(adata: ad.AnnData, *, layer: str | None, what: str = "the AnnData", written: bool = False):
    """The MuData of one AnnData (:func:`jae.io.to_mudata`): both modalities it holds, or the one modality it is
    (named by its ``var['feature_types']``, RNA without them; an embedding alone, no features, gets an empty text index:
    pandas 2.0 took an empty object one for no text, anndata warned). ``adata`` is not modified. Duplicated cell names
    are refused first, naming ``what`` and the fix (``written``: a file, to write again): their MuData warned twice."""
    from ..io.features import unique_cells
    from ..io.single import alone_name, split_anndata, to_mudata

    unique_cells(adata.obs_names, what, paired=False, written=written)
    mods = split_anndata(adata, layer=layer)
    if mods is None:
        var = adata.var if len(adata.var) else adata.var.set_axis(pd.Index([], dtype="string"))
        alone = ad.AnnData(X=adata.X, obs=pd.DataFrame(index=adata.obs_names), var=var, layers=dict(adata.layers))
        mods = {alone_name(adata): alone}
    return to_mudata(adata, layer=layer, mods=mods)


def lognormalized_gex(data, rna: str = "rna", *, layer: str | None = "counts", what: str | None = None,
                      notes: list | None = None):
    """The unintegrated log-normalised GEX (for cc_cons) in the data's cell order: the modality's ``.X`` when it is
    already normalised (not whole numbers), else :func:`jae.preprocess.log_normalize` of its counts (``layer``,
    else ``.X``).

    Returns
    -------
    ``(X, var_names)``.

    Raises
    ------
    ValueError
        When the RNA modality lacks some of the data's cells, or holds no values (no genes, or no ``.X`` nor
        ``layer``; ``what`` names it, else "the ``rna`` modality"): cc_cons is then n/a.

    ``notes``: a list that a caveat on the values is appended to (``.X`` holding scaled data), for the report.
    """
    from ..preprocess import log_normalize

    adata = data.mod[rna]
    X = adata.X if adata.X is not None or layer not in adata.layers else adata.layers[layer]  # no .X: the counts
    if X is None or not adata.n_vars:  # annotations and embeddings alone (X=None): an AttributeError, a traceback
        raise ValueError(f"{what or f'the {rna!r} modality'} holds no expression values ({adata.n_vars} genes, no .X"
                         f"{'' if layer is None else f' nor layers[{layer!r}]'})")
    sample = X[: min(200, X.shape[0])]
    values = sample.data if sp.issparse(sample) else np.asarray(sample).ravel()
    warn_scaled_gex(values, f"{what or f'the {rna!r} modality'}'s .X", notes)
    if values.size and np.allclose(values, np.round(values)):
        counts = adata.layers[layer] if layer is not None and layer in adata.layers else X
        logger.info("cc_cons: %s.X looks like raw counts; log-normalising them for the cell-cycle scores", rna)
        X = log_normalize(counts)
    if not adata.obs_names.equals(data.obs_names):
        at = adata.obs_names.get_indexer(data.obs_names)
        if (at < 0).any():
            raise ValueError(f"the {rna!r} modality lacks {int((at < 0).sum())} of the data's {len(at)} cells")
        X = X[at]
    return X, adata.var_names


def lognormalized_gex_blocks(files, *, block_rows: int | None = None, notes: list | None = None):
    """:func:`lognormalized_gex` for lazily opened files, as row blocks: the RNA ``.X`` when it is already
    normalised (not whole numbers), else :func:`jae.preprocess.log_normalize` of each block of its counts; ``notes``:
    as for :func:`lognormalized_gex`.

    Returns
    -------
    ``(blocks, var_names)``: ``blocks()`` returns a fresh iterator over ``(rows, n_genes)`` float32 CSR blocks of
    every cell, in ``files.obs_names`` order.
    """
    from ..io.chunked import BackedCounts, read_ahead
    from ..io.paired_files import row_source, row_sources
    from ..preprocess import log_normalize
    from ..preprocess.pipeline import BLOCK_ROWS

    rows = block_rows or BLOCK_ROWS
    i = files.kinds.index("GEX")
    counts = files.counts[i]
    X = BackedCounts.find(counts.path, modality=counts.modality, layer=None) or counts  # no .X: the counts
    X = row_source(X, "cc_cons", what="the RNA .X")
    sample = next(X.blocks(min(200, X.shape[0]), stop=min(200, X.shape[0])))
    warn_scaled_gex(sample.data, "the RNA .X", notes)
    if not (sample.nnz and np.allclose(sample.data, np.round(sample.data))):  # as lognormalized_gex decides
        return (lambda: read_ahead(X.blocks(rows))), files.var_names[i]
    logger.info("cc_cons: the RNA .X looks like raw counts; log-normalising them for the cell-cycle scores, in row "
                "blocks")
    source = row_sources([files.names[i]], [counts])[0]  # the RNA alone: its rows are in obs order
    # the next block is read while this one is normalised and scored (jae.io.chunked.read_ahead)
    return (lambda: (log_normalize(b, copy=False) for b in read_ahead(source.blocks(rows)))), files.var_names[i]


@keyword_arguments(name="jae.evaluate")  # scib's label_key=, scib-metrics' embedding_obsm_keys=: one line
def evaluate(
    data,
    embeddings: Mapping[str, np.ndarray | str | os.PathLike] | Sequence[str] = ("X_jae",),
    *,
    cell_type_key: str = "cell_type",
    batch_key: str | None = DEFAULT_BATCH_KEY,
    pseudotime_keys: Sequence[str] | None = None,
    organism: str | None = None,
    baseline: bool = False,
    rna: str = "rna",
    layer: str | None = "counts",
    seed: int = 0,
    device: str | None = None,
    report_dir: str | os.PathLike | None = None,
    report: bool = True,
    umap_max_cells: int | None = 50_000,
    overwrite: bool = False,
    protect: Iterable[str | os.PathLike] = (),
    progress_bar: bool = True,
    knn: str = "auto",
) -> pd.DataFrame:
    """Score joint embeddings with the NeurIPS 2021 joint-embedding metrics (scib 1.1.7 definitions).

    Parameters
    ----------
    data
        MuData (or ``{name: AnnData}``) with the annotations in ``obs`` (or a modality's) and an RNA modality (for
        the cell-cycle reference of cc_cons; a MuData of RNA alone is enough: scoring an embedding needs no second
        modality), or
        the same opened lazily (:func:`jae.io.open_competition` / :func:`jae.io.open_h5mu`): then only the
        annotations, the embeddings and the RNA (in row blocks) are read, and each batch's cc_cons GEX variance
        share is measured on a seeded sample of at most 10,000 of its cells
        (:func:`jae.metrics.cell_cycle_reference_blocks`); ``baseline=True`` also reads the second modality, in row
        blocks (files holding the cells in different orders, and mosaic files, whole). One AnnData
        holding both modalities (:func:`jae.io.split_anndata`) is read as its MuData (:func:`jae.io.to_mudata`); one
        AnnData of RNA alone (or of one other modality: no cc_cons) as a MuData of that modality. Mosaic data
        (some cells lack a modality) is scored on every cell; cc_cons is then n/a. Not a path: read the file first
        (:func:`jae.read_h5mu`), or use ``jae evaluate``.
    embeddings
        Obsm keys (of the data or a modality), or ``{name: value}`` where a value is an ``(n_cells, n_dims)``
        array in the data's cell order (a DataFrame indexed by ``obs_names``: in any order, read as a file is), an
        obsm key, or the path of a competition embedding ``.h5ad`` or of the ``.h5mu`` ``jae embed`` writes
        (:func:`read_embedding`; cells of the file that the data lacks are left out with a warning; it may lack cells
        without a cell type).
    cell_type_key, batch_key
        obs columns of cell types (required) and batches (None: one batch, asw_batch is n/a; so is the default
        ``'batch'``, left out, when obs has no such column, with a warning; a missing column given is refused). Cells
        without a cell type (NaN, or text such as ``'nan'``, ``''``, ``'NA'``, ``'None'``) are not scored; at least
        16 must have one. Integer labels are cell types; a column of continuous numbers is refused.
    pseudotime_keys
        obs columns of reference pseudotimes; None: every column named ``pseudotime_order_...``; ``[]``: none
        (ti_cons n/a).
    organism
        ``'human'`` or ``'mouse'`` for the cell-cycle genes; None: ``uns['organism']``, else detected from the
        gene symbols' case. One (given, or read from ``uns['organism']``) whose cell-cycle genes the RNA lacks while
        it holds the other organism's is refused; genes of neither organism score with cc_cons n/a.
    baseline
        Also score the seed's SVD-concat baseline (``'svd_baseline'``; needs both modalities of every cell).
    rna, layer
        The RNA modality's name (absent: the one named 'rna', RNA, GEX or mRNA, or whose ``var['feature_types']``
        say Gene Expression, or the only modality), and the layer of raw counts (None: ``.X``) for the baseline
        and, when the RNA ``.X`` holds counts, for the log-normalised GEX.
    seed, device
        Seed of clustering, the baseline's SVD and UMAPs (an integer >= 0); torch device of the distances
        (None or ``'auto'``: CUDA if available; ``'cpu'``, ``'cuda'``, ``'cuda:N'``). Both are checked first.
    report_dir
        When given, ``metrics.csv`` and ``metrics.md`` are written there, and with ``report=True`` the UMAPs, bar
        chart and ``index.html`` too: all of them beside it first, then moved in. A folder holding an earlier report
        (:func:`jae.report.report_files`) is refused before any work unless ``overwrite=True``, which replaces its
        files; other files there (the data's own, scanpy's ``umap_<key>.png``) are left alone, without ``overwrite``.
    report
        With ``report_dir``: also draw the UMAPs, bar chart and ``index.html`` (False: only the two tables).
    umap_max_cells
        The report's UMAPs use a seeded subset of at most this many cells (at least 10); None: every scored cell.
    overwrite
        Replace an earlier report in ``report_dir`` (CLI ``--overwrite``).
    protect
        Paths the report must never write over (the inputs).
    progress_bar
        Show one progress bar over the call (:mod:`jae.evaluation.progress`): a step for the baseline's SVD, one for
        the cell-cycle reference, one per metric of each embedding and one per UMAP.
    knn
        Neighbour graph of the metrics: ``'exact'``, ``'approximate'`` (approximate graph, sampled silhouettes) or
        ``'auto'`` (exact up to 100,000 cells); see :func:`jae.metrics.evaluate_embedding`.

    Returns
    -------
    The metrics table, a DataFrame of shape ``(n_embeddings, 7)`` (:func:`jae.report.metrics_table`): one row per
    embedding, indexed by its name (``'embedding'``), columns ``nmi``, ``asw_label``, ``cc_cons``, ``ti_cons``,
    ``asw_batch``, ``graph_conn`` and ``overall`` (their mean; NaN for a metric that is n/a). Nothing is stored in
    ``data``; with ``report_dir`` the table is also written there (``metrics.csv``, ``metrics.md``).
    ``attrs['report']`` is the report's ``index.html`` (or ``metrics.md``) path when one was written, and
    ``attrs['description']`` describes the cells; ``attrs['diagnostics']`` holds each embedding's diagnostics outside
    the score (iLISI, cLISI, cell-cycle variance shares, block shares). Cells without a cell type are left out.
    """
    from ..baseline import scored_baseline
    from ..io.atomic import atomic_files, protected
    from ..io.outputs import check_outputs
    from ..io.cell_obs import reading_columns, unused_batches, warn_dropped
    from ..io.paired import cell_obs
    from ..metrics import cell_cycle_reference, cell_cycle_reference_blocks, evaluate_embedding
    from ..metrics._graph import resolve_knn
    from ..preprocess.organism import given_organism, infer_organism, organism_from_uns
    from ..report import (check_earlier_report, check_umap_files, holds_report, metrics_table, report_files,
                          write_report, write_table)
    from ..report.settings import data_files, describe, in_column_order

    if isinstance(embeddings, Iterator):  # filter(...), a generator: read once, not used up by the checks
        embeddings = list(embeddings)
    check_data(data)
    check_flags(baseline=baseline, report=report, overwrite=overwrite, progress_bar=progress_bar)
    check_argument_shapes(embeddings, cell_type_key=cell_type_key, batch_key=batch_key,
                          pseudotime_keys=pseudotime_keys)
    items = dict(embeddings) if isinstance(embeddings, Mapping) else {str(k): str(k) for k in embeddings}
    if not (items or baseline):
        raise ValueError("nothing to evaluate: pass embeddings=[obsm keys] or {name: array}, and/or baseline=True")
    if baseline and "svd_baseline" in items:  # it would be replaced by the baseline
        raise ValueError("an embedding is named 'svd_baseline', the name of the SVD baseline's row; rename it in "
                         "embeddings=")
    resolve_knn(knn, 0)  # a bad value fails before any reading
    seed, _ = check_run_args(seed=seed, device=device, umap_max_cells=umap_max_cells,
                             report=report_dir is not None and report, organism=organism)
    protect = [user_path(p) for p in protected(protect)]  # one path alone: one, not its characters
    if report_dir is not None:  # an earlier report is kept unless overwrite=True, checked before any work
        report_dir = user_path(report_dir)
        # a stray report in a model folder made a later 'jae fit --out FOLDER --overwrite' refuse it (as evaluate_files
        # says); before the earlier report's check: overwrite would not help there
        from .embeddings import check_user_umaps
        from ..io.outputs import check_model_folders

        check_model_folders([("report_dir", report_dir)], any_model="is or inside")
        if report and not overwrite:  # a user's umap_<name>.png, which overwrite does not lift, said first
            check_user_umaps(report_dir, items, baseline=baseline, what="report_dir")
        check_earlier_report(report_dir, overwrite=overwrite, what="report_dir")  # its files named, the others kept
        check_outputs([("report_dir", report_dir)], inputs=protect, overwrite=overwrite or not holds_report(report_dir),
                      folders=("report_dir",))  # a folder of other files alone: written into, they stay
    what = None  # how the RNA is named when it holds no values: one AnnData's, not a modality the user named
    if isinstance(data, ad.AnnData):  # one AnnData holding both modalities, or one modality alone
        data = _as_mudata(data, layer=layer)
        what = "the AnnData" if len(data.mod) == 1 else None
    elif isinstance(data, Mapping):  # {name: AnnData}, as fit takes it
        from ..io import make_mudata
        from ..io.single import check_dict_values

        check_dict_values(data)  # a matrix alone: mudata's "no attribute 'obs_names'"
        data = make_mudata(dict(data))
    files = _is_files(data)
    if files and getattr(data, "other_obs", None) is not None:  # jae.io.open_competition: as read_competition reads
        data = _second_file_columns(data, cell_type_key, batch_key, pseudotime_keys)  # them, its second file's too
    read_from = data_files(data)  # named in the report (taken before the baseline may read misordered files whole)
    with reading_columns([cell_type_key, batch_key, *(["pseudotime_order_*"] if pseudotime_keys is None else
                                                      pseudotime_keys)]):  # others' clashes (muon's leiden): INFO
        obs = cell_obs(data)  # as fit reads them: the global obs and the columns kept only in a modality's obs
    if obs is None:
        raise TypeError(f"data must be a MuData, an AnnData or {{name: AnnData}}, not a {type(data).__name__}")
    if files:  # a modality's values of a column dropped: said as read whole (cell_obs warns of a MuData's)
        warn_dropped(obs)
    cell_type, labelled = cell_type_labels(obs, cell_type_key)
    check_scored_cells(labelled, cell_type_key, cell_type)
    batch = obs[batch_key] if batch_key is not None and batch_key in obs.columns else None
    if batch_key is None:
        logger.info("no batch column given: all cells are one batch (asw_batch is n/a)%s", unused_batches(obs))
    elif batch is None and batch_key is not DEFAULT_BATCH_KEY:  # a column the user named: a typo must not score one batch
        from .._words import columns_near
        from ..io.cell_obs import pulled_name_fix

        shown = columns_near(obs.columns, batch_key)  # 'donor_id' for 'donor' first
        if pulled := pulled_name_fix(obs, batch_key, "batch_key"):  # 'rna:batch' for the modality's 'batch'
            raise KeyError(f"no batch column {batch_key!r} in obs ({shown}){pulled}")
        raise KeyError(
            f"no batch column {batch_key!r} in obs ({shown}); pass "
            "batch_key=<column>, or batch_key=None to score all cells as one batch"
        )
    elif batch is None:
        logger.warning("no obs column %r: asw_batch is n/a and cc_cons treats all cells as one batch", batch_key)
    if batch is not None:  # among the cells scored (those with a cell type)
        check_scored_batches(batch, labelled, batch_key)
    pt_keys = (unique_pseudotime_keys(list(pseudotime_keys)) if pseudotime_keys is not None else  # []: none
               [c for c in obs.columns if str(c).startswith("pseudotime_order_")])
    pseudotime = _pseudotime(obs, pt_keys)
    rna, rna_genes, cc_reason = _rna_source(data, rna, files)
    if baseline:  # after the column checks: a wrong name fails before this read
        _check_baseline(data, files)
        if files and getattr(data, "misordered", True) is not None:  # streamed (scored_baseline) unless the files'
            logger.info("the SVD baseline pairs the cells by name: reading %r into memory", data)  # orders differ
            loaded = data.load()
            _check_baseline(data, files, loaded=loaded)  # the files stored CSC, named as stored (not 'counts')
            data, files = loaded, False
    organism = given_organism(organism, needed=rna is not None) or (
        infer_organism(data, rna_genes) if rna is not None else organism_from_uns(data) or "human")
    if rna is not None:  # mouse genes scored as human: refused, as jae fit refuses it (not a run without cc_cons)
        check_organism_genes(rna_genes, organism)

    arrays, columns, sources = read_embeddings(data, items, labelled=labelled, files=files, baseline=baseline)
    if report_dir is not None and report:  # a user's umap_<name>.png there: refused now, not after every score
        check_umap_files(report_dir, [*arrays, *(["svd_baseline"] if baseline else [])], what="report_dir")
    umaps = report_dir is not None and report  # one bar over the call: baseline, cc reference, metrics, UMAPs
    with open_bar(evaluate_steps(len(arrays) + int(baseline), baseline=baseline, cell_cycle=rna is not None,
                                 umaps=umaps), progress_bar) as bar:
        if baseline:
            bar.set_postfix_str("svd_baseline: SVD")
            arrays["svd_baseline"] = scored_baseline(data, seed=seed, layer=layer)
            bar.update(1)
        n_scored = int(labelled.sum())
        logger.info("scoring %d of %d cells%s", n_scored, len(labelled), "" if labelled.all() else
                    f"; {len(labelled) - n_scored} without a cell type in obs[{cell_type_key!r}] are left out")

        cc_ref, caveats = None, []  # caveats on the RNA read: in the report's notes, not only in the log
        if rna is not None:
            bar.set_postfix_str("cell-cycle reference")
            batch_cc = np.asarray(batch)[labelled] if batch is not None else np.zeros(n_scored)
            try:
                if files:
                    blocks, var_names = lognormalized_gex_blocks(data, notes=caveats)
                    cc_ref = cell_cycle_reference_blocks(blocks, var_names, batch_cc, keep=labelled, organism=organism,
                                                         seed=seed)
                else:
                    gex, var_names = lognormalized_gex(data, rna, layer=layer, what=what, notes=caveats)
                    cc_ref = cell_cycle_reference(gex[labelled], var_names, batch_cc, organism=organism, seed=seed)
                    del gex
            except ValueError as err:
                from ..preprocess.cell_cycle import plain_reason  # its numba kernels: imported when they run
                cc_reason = f"cell-cycle scores unavailable: {plain_reason(err)}"
            bar.update(1)
        if cc_ref is None:
            logger.warning("cc_cons is n/a: %s", cc_reason)

        cell_type_l = np.asarray(cell_type)[labelled]
        batch_l = None if batch is None else np.asarray(batch)[labelled]
        results = {}
        said = _one_type_warned(cell_type_l)  # once for the run: not again for each embedding
        for name, E in arrays.items():
            logger.info("evaluating %s (%d cells x %d dims)", name, n_scored, E.shape[1])
            bar.set_postfix_str(name)  # its kNN graph, before the first metric
            results[name] = evaluate_embedding(
                E[labelled], cell_type=cell_type_l, batch=batch_l,
                pseudotime=None if pseudotime is None else pseudotime[labelled], cell_cycle=cc_ref,
                organism=organism, seed=seed, device=device, progress_bar=progress_bar, knn=knn,
                no_cell_cycle=None if cc_ref is not None else cc_reason, column_names=columns.get(name),
                warn_one_type=not said,
                bar=Named(bar, name),
            )
            if cc_ref is not None and caveats:
                results[name].attrs["notes"] = [*results[name].attrs.get("notes", []), *caveats]
        table = metrics_table(results)
        table.attrs["description"] = describe(
            cell_type_l, batch_l, pt_keys, organism, cell_type_key=cell_type_key, batch_key=batch_key, data=data,
            n_cells=len(labelled), seed=seed, knn=resolve_knn(knn, n_scored), sources=sources, baseline=baseline,
            files=read_from)
        if report_dir is not None:  # written whole beside it, then replacing every file of an earlier report
            with atomic_files(report_dir, report_files(report_dir), protect=protect) as staging:
                if report:
                    written = write_report(
                        table, {k: v if labelled.all() else v[labelled] for k, v in arrays.items()}, staging,
                        title="jae evaluation",  # every cell scored: the arrays as they are, not a copy of each
                        cell_type=in_column_order(cell_type_l, obs[cell_type_key]),
                        batch=in_column_order(batch_l, batch), description=table.attrs["description"],
                        max_cells=umap_max_cells, seed=seed, device=device, protect=protect, bar=bar,
                    )
                else:
                    written = write_table(table, staging, protect=protect)[1]
            table.attrs["report"] = report_dir / written.name
    return table


def _second_file_columns(data, cell_type_key: str, batch_key, pseudotime_keys):
    """Opened competition files (:class:`jae.io.PairedFiles`) with the obs columns this call reads that only the second
    file holds (:meth:`~jae.io.PairedFiles.with_columns`), as :func:`jae.io.read_competition` finds them in that
    modality's obs: the columns named, every ``pseudotime_order_*`` for the default ``pseudotime_keys``, and all of
    them when a column named is in neither file (its refusal then lists both files' columns)."""
    data = data.with_columns([cell_type_key, batch_key, *(pseudotime_keys or ())])
    if pseudotime_keys is None:  # the default: every pseudotime_order_* column of either file
        data = data.with_columns([c for c in data.other_obs.columns if str(c).startswith("pseudotime_order_")])
    named = [cell_type_key, *(() if batch_key is DEFAULT_BATCH_KEY else (batch_key,)), *(pseudotime_keys or ())]
    if any(isinstance(k, str) and k not in data.obs.columns for k in named):
        data = data.with_columns(data.other_obs.columns, log=False)
    return data


def _one_type_warned(cell_type: np.ndarray) -> bool:
    """Scoring cells of a single cell type: say so once for the run, not once per embedding scored (the same
    warning from :func:`jae.metrics.evaluate_embedding` for each, twice with --baseline for one --obsm, which the
    caller turns off with ``warn_one_type=False`` when this returns True: said)."""
    names = pd.unique(cell_type)
    if len(names) != 1:
        return False
    logger.warning("every scored cell has the cell type %r, so nmi and asw_label are undefined and graph_conn only "
                   "says whether the whole graph is connected: each embedding's overall (the mean of the other "
                   "metrics) does not measure how cell types are kept apart and is not comparable with scores of "
                   "several types; score cells of two or more cell types", str(names[0]))
    return True


def _pseudotime(obs: pd.DataFrame, pt_keys: list) -> pd.DataFrame | None:
    """The reference pseudotime columns as floats (None without any), refusing a missing column or one of text; text
    spelling a missing value (:data:`jae.io.validate.MISSING_TEXT`, e.g. R's ``'NA'``) reads as NaN, off the
    trajectory."""
    for key in pt_keys:
        if key not in obs.columns:
            from .._words import columns_near

            raise KeyError(f"pseudotime key {key!r} is not an obs column ({columns_near(obs.columns, key)}); pass "
                           "pseudotime_keys=[<column>, ...] naming the reference pseudotime columns")
    if not pt_keys:
        return None
    try:
        return obs[pt_keys].astype(float)
    except (TypeError, ValueError):  # text: missing values spelt out, or a column to name with a value
        pass
    columns = []
    for key in pt_keys:
        column = obs[key].astype(object)
        column = column.where(~missing_text(column.to_numpy()), np.nan)
        text = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
        if len(text):
            raise ValueError(f"pseudotime column {key!r} holds values that are not numbers (e.g. "
                             f"{str(text.iloc[0])!r}); store numbers (NaN off the trajectory), or pass "
                             "pseudotime_keys=[<column>, ...]")
        columns.append(column.astype(float))
    return pd.concat(columns, axis=1)


def _rna_source(data, rna: str, files: bool) -> tuple[str | None, pd.Index | None, str]:
    """``(name, genes, why not)`` of the RNA read for the cell-cycle reference: its modality name (``'rna'`` for
    files) and genes, or None and the reason cc_cons is n/a (no RNA, or RNA lacking some cells: mosaic data)."""
    if files:
        if "GEX" not in data.kinds:
            return None, None, "no RNA modality in the data"
        i = data.kinds.index("GEX")
        observed = getattr(data, "observed", None)
        if observed is not None and not np.asarray(observed)[:, i].all():
            lacking = int((~np.asarray(observed)[:, i]).sum())
            return None, None, f"mosaic data: {lacking} of the {data.n_obs} cells have no RNA"
        return "rna", data.var_names[i], ""
    name, why = rna_modality(data.mod, rna)
    return name, (data.mod[name].var_names if name is not None else None), why


def _check_baseline(data, files: bool, loaded=None) -> None:
    """Refuse ``baseline=True`` on data without both modalities for every cell, before anything is read whole, and
    files of normalised values (those stored CSC once ``loaded``, the MuData the files read into)."""
    kinds = data.kinds if files else list(data.mod)
    observed = getattr(data, "observed", None) if files else None
    if files and observed is not None:
        lacking = int((~np.asarray(observed).all(axis=1)).sum())
    else:
        lacking = 0 if files else max((data.n_obs - a.n_obs for a in data.mod.values()), default=0)
    if len(kinds) < 2 or lacking:
        what = (f"the data holds one modality ({', '.join(map(str, kinds))})" if len(kinds) < 2 else
                f"{lacking} of the {data.n_obs} cells lack a modality")
        raise ValueError(f"the SVD baseline needs both modalities of every cell, but {what}; pass baseline=False "
                         "to score the given embeddings alone")
    if files:  # normalised values were refused only once every file was read whole, for the baseline
        from ..io.validate import counts_hint, validate_counts

        for name, kind, counts in zip(data.names, data.kinds, data.counts):
            n = min(200, counts.shape[0])
            csc = getattr(counts, "encoding", None) == "csc_matrix"
            if not n or csc != (loaded is not None):  # CSC: no row blocks, checked once read (loaded)
                continue
            layer = getattr(counts, "layer", None)
            where = "X" if layer is None else f"layer {'raw' if layer == '.raw' else layer!r}"  # as in-memory data's
            rows = loaded.mod[name].layers["counts"][:n] if csc else next(counts.blocks(n, stop=n))
            validate_counts(rows, name=f"modality {name!r} ({where})",
                            modality=name, kind=kind, hint=f"{counts_hint(counts)}; "
                            "or pass baseline=False to score the given embeddings alone")
