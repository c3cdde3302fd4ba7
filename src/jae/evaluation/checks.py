"""Checks of :func:`jae.evaluate`'s arguments and annotations, made before anything is read whole or computed: each
refusal is one line naming the argument (or column) and the fix. The CLI prints them through
:func:`jae.cli._messages.cli_message`, which turns the Python arguments into its flags."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._neighbours import MIN_SCORED_CELLS
from .._words import columns_near, not_a_key, with_article
from ..io.validate import MISSING_TEXT, missing_text

__all__ = ["DEFAULT_BATCH_KEY", "MIN_SCORED_CELLS", "MISSING_LABELS", "cell_type_labels", "check_data",
           "check_organism_genes", "check_run_args", "missing_text"]

logger = logging.getLogger(__name__)


class _DefaultKey(str):
    """A default column name, told apart (by identity) from the same name a caller gives."""

    __slots__ = ()


#: ``batch_key``'s default, ``'batch'``: missing from obs, it warns and scores one batch; a ``'batch'`` the caller
#: names (``jae evaluate --batch-key batch``) must exist, as any other column named, or is refused.
DEFAULT_BATCH_KEY = _DefaultKey("batch")

# MIN_SCORED_CELLS (imported above, jae._neighbours): fewest cells with a cell type that are scored, the metrics' own
# floor: their neighbour graph has 15 neighbours per cell, so fewer cells give a graph of half the cells each
# (scanpy's rule, jae.metrics.neighbor_graph) and scores that say nothing.
#: Labels that mark a cell without a cell type: the texts of a missing value, as fit reads them (one list).
MISSING_LABELS = MISSING_TEXT
#: A float column with more distinct values than this (and values that are not whole numbers) holds measurements,
#: not cell types.
MAX_FLOAT_TYPES = 50
#: A cell-type or batch column giving more than this share of the scored cells a value no other cell has names cells
#: (barcodes, IDs), not groups of them: refused (:func:`check_not_per_cell`). Real annotations have a few rare types.
MAX_ALONE_SHARE = 0.5


def check_data(data) -> None:
    """Refuse a path (or text) given as the data, naming what to pass instead."""
    if not isinstance(data, (str, bytes, os.PathLike)):
        return
    if os.fsdecode(data).lower().endswith(".h5ad"):  # not the .h5mu readers and --h5mu (session 48's walk)
        fix = ("anndata.read_h5ad(path) (an AnnData of RNA, or of both modalities), or score the file with the CLI: "
               "jae evaluate --h5ad FILE --obsm KEY --out DIR (--mod1 FILE for competition files)")
    else:
        fix = ("jae.read_h5mu(path), or open it lazily with jae.io.open_h5mu(path) (only what the metrics need is "
               "read), or score files with the CLI: jae evaluate --h5mu FILE --obsm KEY --out DIR")
    raise TypeError(f"data must be the data itself (a MuData, an AnnData or {{name: AnnData}}), not the path "
                    f"{str(data)!r}; read it first, e.g. {fix}")


def check_organism_genes(genes, organism: str) -> None:
    """Refuse ``organism`` (given, or read from ``uns['organism']``) when the RNA's ``genes`` lack its cell-cycle genes
    but hold the other organism's: mouse data scored as human. That run warned and scored every embedding without
    cc_cons, its overall the mean of the other metrics, not comparable with a run of the right organism (jae fit
    refuses the same mismatch). Genes of neither organism (another species, other names) still score, cc_cons n/a.
    Genes holding the organism's cell-cycle genes but repeating a name (Cell Ranger's symbols before
    ``var_names_make_unique``) are refused too, before any reading: cc_cons finds its genes by name, so that run also
    scored without it (said only after the baseline), where jae fit refuses such data."""
    from ..preprocess.cell_cycle import has_markers

    other = {"human": "mouse", "mouse": "human"}.get(organism)
    if other is None or not has_markers(genes, other) and not has_markers(genes, organism):
        return
    if has_markers(genes, organism):
        names = pd.Index(np.asarray(genes).astype(str))
        if names.has_duplicates:
            from .._words import count
            from ..io.features import examples

            dup = names[names.duplicated()].unique()
            raise ValueError(f"the RNA's var_names repeat {count(len(dup), 'gene name')} (e.g. {examples(dup)}), "
                             "and cc_cons finds the cell-cycle genes by name (scored without it, the overall would be "
                             "a mean without cc_cons; jae fit refuses such data too): make them unique first, e.g. "
                             "adata.var_names_make_unique() on that modality")
        return
    raise ValueError(f"organism is {organism!r} (given, or read from uns['organism']), but the RNA's var_names lack its "
                     f"cell-cycle genes while they hold {other}'s: pass organism={other!r} to score cc_cons with them "
                     f"(scored as {organism}, cc_cons would be n/a and the overall a mean without it)")


def check_run_args(*, seed, device, umap_max_cells, report: bool, organism=None,
                   check_device: bool = True) -> tuple[int, object]:
    """``seed`` (an integer >= 0), ``device`` (one torch knows and can use here), ``umap_max_cells`` (None or at
    least 10) and ``organism`` (None or one jae has cell-cycle genes of) checked before any reading; returns
    ``(seed, device)``: the seed as an int, the device as given. ``check_device=False``: the caller checks the device
    itself, after its checks that need no torch (:func:`jae.evaluate_files`: its output folder and input paths)."""
    from .._device import usable_device
    from ..config import as_seed
    from .._cell_cycle_genes import ORGANISMS  # not preprocess.cell_cycle: its numba kernels (0.6 s) load with it

    seed = as_seed(seed)
    if organism is not None and ORGANISMS.get(str(organism).strip().lower()) is None:  # fit's refusal named a fit fix
        raise ValueError(f"organism={organism!r}: jae has the cell-cycle genes (for cc_cons) of human and mouse only; "
                         "pass organism='human' or 'mouse', or organism=None to read uns['organism'] or tell it from "
                         "the gene names (for another species cc_cons is then n/a)")
    if check_device:
        usable_device(device)  # 'gpu', 'cuda' without a GPU: one line now, not a torch error after the reading
    if umap_max_cells is not None and report:
        if isinstance(umap_max_cells, bool) or not isinstance(umap_max_cells, (int, np.integer)):
            raise TypeError(f"umap_max_cells must be a whole number of cells (>= 10) or None for no cap, not "
                            f"{umap_max_cells!r}")
        if umap_max_cells < 10:
            raise ValueError(f"umap_max_cells={umap_max_cells}: the UMAPs need at least 10 cells; pass a larger "
                             "number, or None for no cap")
    return seed, device


def cell_type_labels(obs: pd.DataFrame, key: str) -> tuple[np.ndarray, np.ndarray]:
    """The cell types of ``obs[key]`` and which cells have one.

    Missing values (NaN, None, pandas' NA) and text that writes one ('nan', '', 'NaN', 'None', 'NA': see
    :data:`MISSING_LABELS`) mark unlabelled cells, which are not scored. Integer columns (``Int64`` too) are labels;
    a float column of many distinct fractional values is refused (a measurement, not a cell type), as is a missing
    column (naming the columns there are).

    Returns
    -------
    ``(labels, labelled)``: ``(n_cells,)`` object array (NaN where unlabelled) and ``(n_cells,)`` bool.
    """
    if key not in obs.columns:
        columns = [str(c) for c in obs.columns]
        shown = columns_near(columns, key)  # 'cell_type' for 'celltype' first
        prefixed = [c for c in columns if c.endswith(f":{key}")]  # muon keeps a modality's column as 'rna:cell_type'
        hint = f" (a modality's column, as MuData names it: {prefixed[0]!r})" if prefixed else ""
        from ..io.cell_obs import pulled_name_fix

        if pulled := pulled_name_fix(obs, key, "cell_type_key"):  # 'rna:cell_type' for the modality's column
            raise KeyError(f"no cell-type column {key!r} in obs ({shown}){pulled}")
        raise KeyError(
            f"no cell-type column {key!r} in obs ({shown}); pass cell_type_key=<column> naming the "
            f"column of cell types{hint}, or add the cell types to obs (e.g. read_competition(..., annotations=FILE))"
        )
    column = obs[key]
    values = np.asarray(column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column,
                        dtype=object)
    labelled = ~(pd.isna(values) | missing_text(values))
    if pd.api.types.is_float_dtype(column.dtype):
        numbers = np.asarray(column, dtype=np.float64)[labelled]
        distinct = np.unique(numbers)
        if len(distinct) > MAX_FLOAT_TYPES and not np.allclose(distinct, np.round(distinct)):
            raise ValueError(
                f"obs[{key!r}] holds continuous numbers ({len(distinct)} distinct values, e.g. "
                f"{[float(f'{x:.4g}') for x in distinct[:3]]}), not cell types; pass cell_type_key=<column> naming "
                "the column of cell-type labels"
            )
        # whole numbers stored as floats (an integer column with NaN): the label 1, not '1.0'
        values = np.array([int(x) if ok and float(x).is_integer() else v
                           for x, ok, v in zip(np.asarray(column, dtype=np.float64), labelled, values)], dtype=object)
    labels = np.where(labelled, values, np.nan).astype(object)
    _warn_placeholders(labels[labelled], key)
    from ..labels.variants import warn_blank_variants
    warn_blank_variants(labels[labelled], key, "scored")
    return labels, np.asarray(labelled, dtype=bool)


def _warn_placeholders(values: np.ndarray, key: str) -> None:
    """Warn when labels read as "no type" (scANVI's 'Unknown', :data:`jae.labels.transfer.UNLABELLED_TEXT`): they are
    scored as a cell type of their own, one cluster that nmi and asw_label reward keeping together, as fit learns them
    as a type (with the same warning); the fix makes them missing, so those cells are left out."""
    from ..labels.transfer import unlabelled_placeholders

    names, n_cells = unlabelled_placeholders(values)
    if not names:
        return
    logger.warning(
        "%d cells have the cell-type label %s in obs[%r], as scvi-tools (scANVI's unlabeled_category) and other tools "
        "mark unlabelled cells; they are scored as a cell type of their own (nmi, asw_label, ...); if these cells are "
        "unlabelled, make their labels missing so they are left out: obs[%r] = obs[%r].where(~obs[%r].isin(%r))",
        n_cells, " / ".join(map(repr, names)), key, key, key, key, names)  # .replace: deprecated for categoricals


def check_scored_cells(labelled: np.ndarray, key: str, labels: np.ndarray | None = None) -> None:
    """Refuse fewer than :data:`MIN_SCORED_CELLS` cells with a cell type, giving the count and the fix, and (given
    the ``labels``) a column that names cells rather than types (:func:`check_not_per_cell`)."""
    n = int(labelled.sum())
    if n < MIN_SCORED_CELLS:
        raise ValueError(
            f"obs[{key!r}] gives a cell type to {n} of the {len(labelled)} cells; at least {MIN_SCORED_CELLS} are "
            "needed to score an embedding (the metrics compare each cell with its 15 nearest neighbours): pass "
            "cell_type_key=<column> naming the column of cell types, or label more cells"
        )
    if labels is not None:
        check_not_per_cell(np.asarray(labels)[labelled], key, ("a cell type", "cell type"),
                           "cell_type_key=<column> naming the column of cell types (a coarser one for few cells)")


def check_scored_batches(batch, labelled: np.ndarray, key: str) -> None:
    """Refuse a batch column that leaves some scored cells without a batch (NaN, or text such as 'NA'), or that
    names cells rather than batches (:func:`check_not_per_cell`), in one line naming the fix."""
    values = np.asarray(batch, dtype=object)  # 'nan' / 'NA' text is no batch either, as for the cell types
    no_batch = int(((pd.isna(values) | missing_text(values)) & labelled).sum())
    if no_batch:
        raise ValueError(
            f"{no_batch} of the {len(batch)} cells have no batch in obs[{key!r}]; fill those cells' batch "
            "(e.g. 'unknown'), or pass batch_key=None to score all cells as one batch"
        )
    check_not_per_cell(values[labelled], key, ("a batch", "batch"),
                       "batch_key=<column> naming the batches, or batch_key=None to score all cells as one batch")


def check_not_per_cell(values: np.ndarray, key: str, what: tuple[str, str], fix: str) -> None:
    """Refuse a column of the scored cells' labels that gives more than half of them a label no other cell has (cell
    barcodes or IDs given as the cell types or batches, or a few cells of a large atlas of many samples or fine types):
    every metric was then scored on one-cell groups without a word (nmi against the cell names, graph_conn 1,
    asw_batch and cc_cons n/a "without cell types spanning two batches" or "without cycling signal")."""
    counts = pd.Series(np.asarray(values, dtype=object)).astype(str).value_counts()  # as the metrics read labels
    alone = counts.index[counts.to_numpy() == 1]
    if len(alone) > MAX_ALONE_SHARE * len(values):
        raise ValueError(
            f"obs[{key!r}] gives {len(alone)} of the {len(values)} scored cells {what[0]} of their own ({len(counts)} "
            f"distinct values, e.g. {[str(v) for v in alone[:3]]}): it names cells (barcodes, IDs), or holds too few "
            f"cells per {what[1]} for the metrics; pass {fix}"
        )


def check_values(name: str, E: np.ndarray, obs_names: pd.Index, scored: np.ndarray) -> None:
    """Refuse, naming the embedding (and its first bad cells), values that are no real numbers (bool, complex, text,
    objects), NaN or infinite rows among the cells to be scored, no columns, or one point for every cell (before anything is computed; cells without a cell type are left out, so
    their rows may hold anything)."""
    from ..metrics.suite import _uninformative

    if E.dtype.kind not in "iuf":  # bool, complex, text, objects: the metrics refused them naming no embedding,
        # after the cell-cycle reference and the scoring of the embeddings before it
        raise ValueError(f"embedding {name!r} holds {E.dtype} values, not real numbers; pass its coordinates as "
                         "numbers, e.g. np.asarray(Z, dtype=np.float32)")
    bad = scored & ~np.isfinite(E).all(axis=1)  # not a float64 copy of E: twice a float32 atlas embedding
    uninformative = _uninformative(E[scored]) if E.ndim == 2 and not bad.any() else None
    if uninformative:
        raise ValueError(f"embedding {name!r} {uninformative}")
    if bad.any():
        raise ValueError(
            f"embedding {name!r} has NaN or infinite values in {int(bad.sum())} of {len(E)} cells (e.g. "
            f"{[str(c) for c in obs_names[bad][:3]]}); impute them, or leave those cells out by setting their cell "
            "type to NaN"
        )


def check_argument_shapes(embeddings, *, cell_type_key, batch_key, pseudotime_keys) -> None:
    """Refuse in one line, naming the argument, what would be read element by element (one array as embeddings: its
    rows as obsm keys; one string as pseudotime_keys: its letters) or fail in pandas (a list as a column name)."""
    if isinstance(embeddings, (str, bytes, os.PathLike)):  # one key or file: its letters would be read as keys
        raise TypeError("embeddings must be a list of obsm keys or a {name: array, key or path} mapping, not one "
                        f"{'string' if isinstance(embeddings, (str, bytes)) else 'path'}; pass [{str(embeddings)!r}]")
    if isinstance(embeddings, (np.ndarray, pd.DataFrame)) or sp.issparse(embeddings):
        raise TypeError("embeddings must be obsm keys or a {name: value} mapping, not one array; pass {'jae': Z} to "
                        "score the array Z")
    if isinstance(embeddings, Mapping):
        for name, value in embeddings.items():
            if not str(name).strip():  # a table row without a name, in metrics.csv and the report
                raise ValueError(f"an embedding is named {str(name)!r}; give each embedding a name: {{'name': Z}}")
            if hasattr(value, "obs_names") and hasattr(value, "obsm"):  # an AnnData / MuData: numpy's error named none
                raise TypeError(
                    f"embedding {name!r} is {with_article(type(value).__name__)}, not an embedding; pass the "
                    "embedding itself: an "
                    "array of its obsm (adata.obsm['X_scVI']), or, for a prediction whose X is the embedding, "
                    "pandas.DataFrame(adata.X, index=adata.obs_names) (read by cell name)")
            text = value.select_dtypes(include=["object", "string", "category"]).columns \
                if isinstance(value, pd.DataFrame) else ()
            if len(text):  # pandas.read_csv(FILE) without index_col: the cell names read as a column of values
                column = value[text[0]]
                raise ValueError(
                    f"embedding {name!r} has a column of text, {str(text[0])!r} (e.g. {str(column.iloc[0])!r}), beside "
                    f"its coordinates; if it holds the cell names, index the frame by them so its rows are matched "
                    f"by cell name: frame.set_index({str(text[0])!r}) (or pandas.read_csv(FILE, index_col=0))")
    else:
        for item in embeddings:
            if not isinstance(item, (str, os.PathLike)):
                raise TypeError(f"embeddings as a list must hold obsm keys (strings), not a {type(item).__name__}; "
                                "pass {'name': Z} to score an array Z")
        names = [str(item) for item in embeddings]
        twice = [name for name in dict.fromkeys(names) if names.count(name) > 1]
        if twice:  # a dict of them would keep one row, scored once without a word (the CLI refuses it too)
            raise ValueError(f"embeddings names {twice[0]!r} more than once; give each obsm key or file once")
    if not isinstance(cell_type_key, str):
        raise TypeError(f"cell_type_key must name one obs column (a string), not "
                        f"{not_a_key(cell_type_key, 'cell_type_key')}")
    if batch_key is not None and not isinstance(batch_key, str):
        raise TypeError(f"batch_key must name one obs column (a string) or be None, not "
                        f"{not_a_key(batch_key, 'batch_key')}")
    if batch_key is not None and str(batch_key) == cell_type_key:  # asw_batch came out n/a, misleadingly worded
        raise ValueError(f"batch_key and cell_type_key both name the obs column {cell_type_key!r}: the batches would "
                         "be the cell types; pass batch_key=<column> naming the batches, or batch_key=None to score "
                         "all cells as one batch")
    if isinstance(pseudotime_keys, str):
        raise TypeError(f"pseudotime_keys must be a list of obs columns, not one string; pass "
                        f"pseudotime_keys=[{pseudotime_keys!r}]")


def unique_pseudotime_keys(keys: list) -> list:
    """``keys`` with each column once (``--pseudotime-key A --pseudotime-key A``), saying so in one log line."""
    once = list(dict.fromkeys(keys))
    if len(once) < len(keys):
        twice = [k for k in once if keys.count(k) > 1]
        logger.warning("pseudotime column%s %s named more than once: scored once", "s" if len(twice) > 1 else "",
                       ", ".join(map(repr, twice)))
    return once


def rna_modality(mods: Mapping, rna: str) -> tuple[str | None, str]:
    """The modality holding the RNA (for the cell-cycle genes of cc_cons): ``rna``, else the one named 'rna', or
    named like RNA in another way ('RNA', 'GEX', 'mRNA'), or whose ``var['feature_types']`` say Gene Expression, or the
    only modality when it has no feature types (a ``rna`` other than 'rna' that ``mods`` lack: said in a warning);
    ``(None, why)`` when there is none."""
    from ..io.modality import known_kind
    from ..io.modality import RNA_NAMES

    names = [str(m) for m in mods]
    if rna not in mods and str(rna) != "rna":  # a name given (the default is 'rna') and missing: a typo went unsaid
        logger.warning("cc_cons: the data has no modality %r, the one rna= names (its modalities: %s): the RNA is "
                       "looked for among them instead; pass rna=<name> naming one of them", rna, names)
    for candidate in (rna, "rna"):
        if candidate in mods:
            return candidate, ""

    def kind(m):
        types = mods[m].var["feature_types"] if "feature_types" in mods[m].var.columns else None
        return None if types is None or not len(types) else known_kind(str(types.iloc[0]))

    named = [m for m in names if m.lower() in RNA_NAMES and kind(m) in (None, "GEX")]
    typed = [m for m in names if kind(m) == "GEX"]
    for found, how in ((named, "is named like RNA"), (typed, "holds Gene Expression features")):
        if len(found) == 1:
            logger.info("cc_cons: modality %r %s: its genes give the cell-cycle scores (in Python, rna=<name> chooses another)",
                        found[0], how)
            return found[0], ""
    if len(names) == 1 and kind(names[0]) is None:
        logger.info("cc_cons: reading the one modality %r as the RNA for the cell-cycle genes", names[0])
        return names[0], ""
    other = _other_kinds(mods)
    if other:  # each modality is ATAC or ADT: naming one as the RNA cannot help (its features hold no genes)
        return None, (f"no RNA in the data: its modalities {names} hold {other}, and cc_cons measures the cell cycle "
                      "on the cells' RNA (their cell-cycle genes); score it with the same cells' RNA beside them")
    return None, (f"no RNA modality among {names} (none named 'rna', RNA, GEX or mRNA, none with var['feature_types'] "
                  "Gene Expression); pass rna=<name> naming it (jae evaluate: --rna-mod NAME)")


def _other_kinds(mods: Mapping) -> str:
    """``'ATAC peaks'``, ``'ATAC peaks and ADT proteins'``...: what ``mods`` hold when each modality is known to hold
    ATAC or ADT features (by ``var['feature_types']``, else by its name: 'atac', 'prot', ...); ``''`` otherwise."""
    from ..io.modality import detect_kind

    words = {"ATAC": "ATAC peaks", "ADT": "ADT proteins"}
    kinds = []
    for name, adata in mods.items():
        try:
            kind = detect_kind(adata, name=str(name))
        except ValueError:  # no feature types and a name jae does not know: it may be the RNA (rna=<name>)
            return ""
        if kind not in words:
            return ""
        kinds.append(words[kind])
    return " and ".join(dict.fromkeys(kinds))


def warn_scaled_gex(values: np.ndarray, what: str, notes: list | None = None) -> None:
    """Warn when the RNA values read for the cell-cycle reference (a sample of ``.X``) hold negative numbers: scaled
    data (``sc.pp.scale``), not log-normalised expression, on which cc_cons was measured without a word (another
    GEX variance share than the competition's); ``notes``: a list the same caveat, in short, is appended to (for the
    report's notes: the log alone is not kept beside the scores)."""
    if values.size and values.min() < 0:
        if notes is not None:
            notes.append(f"cc_cons was measured on {what} as it is, which holds negative values (scaled data, as "
                         "sc.pp.scale leaves), not on log-normalised expression as the competition's")
        logger.warning(
            "cc_cons: %s holds negative values (scaled data, as sc.pp.scale leaves), not log-normalised expression: "
            "the cell-cycle scores and their GEX variance share are measured on it as it is, unlike the competition's "
            "log-normalised GEX; to score cc_cons as the competition did, store the log-normalised values (or the raw "
            "counts) in .X", what)


def warn_ambiguous_obsm(data, key: str, held_by: list[str] | None = None) -> None:
    """Warn when ``obsm[key]`` is not the data's own but several modalities hold one (muon's CITE-seq tutorial
    computes ``X_pca`` of both 'rna' and 'prot'): the first modality's is scored, which the table did not say.
    ``held_by``: for files opened lazily, the modalities holding it that :func:`jae.evaluation.inputs.files_obsm`
    found where it read it (None: data in memory, looked at here)."""
    if held_by is not None:
        holders = held_by
    else:
        if key in getattr(data, "obsm", {}):
            return
        held = {str(m): a for m, a in getattr(data, "mod", {}).items() if key in a.obsm}
        if _one_embedding(list(held.values()), key):  # embed({'rna': a, 'prot': b}) stores the one embedding in each
            return
        holders = list(held)
    if len(holders) > 1:
        logger.warning("obsm[%r] is held by the modalities %s, not by the data itself: the embedding %r scored is "
                       "%r's; to score another, store it in the data's obsm under a key of its own (e.g. "
                       "mdata.obsm['%s_%s'] = mdata[%r].obsm[%r])", key, holders, key, holders[0], key, holders[1],
                       holders[1], key)


def _one_embedding(held, key: str) -> bool:
    """True when the AnnData ``held`` (two or more) hold the same values in ``obsm[key]`` on the cells they share, as
    :meth:`jae.JAE.embed` of ``{name: AnnData}`` stores its one embedding in each: whichever is scored, the scores
    are the same."""
    if len(held) < 2 or any(sp.issparse(a.obsm[key]) for a in held):
        return False
    first = held[0]
    for other in held[1:]:
        shared = first.obs_names.intersection(other.obs_names, sort=False)
        a = np.asarray(first.obsm[key])[first.obs_names.get_indexer(shared)]
        b = np.asarray(other.obsm[key])[other.obs_names.get_indexer(shared)]
        if not len(shared) or a.shape != b.shape or not np.array_equal(a, b):
            return False
    return True
