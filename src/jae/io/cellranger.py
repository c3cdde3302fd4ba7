"""Cell Ranger's feature-barcode matrix as a MuData, from either form Cell Ranger writes it in.

Cell Ranger and Cell Ranger ARC write each sample twice: ``outs/filtered_feature_bc_matrix.h5`` and the folder
``outs/filtered_feature_bc_matrix/`` holding ``matrix.mtx.gz`` (features x cells, Matrix Market), ``features.tsv.gz``
and ``barcodes.tsv.gz`` (Cell Ranger 2: ``genes.tsv``), which GEO deposits often hold alone, renamed with a prefix
(``GSM5123951_s1_matrix.mtx.gz``). :func:`read_10x_mtx` reads the folder into the MuData :func:`jae.read_10x_h5`
gives for the ``.h5``, both built by one function (:func:`tenx_mudata`); :func:`read_cell_ranger`
reads a path of either form.
"""

from __future__ import annotations

import csv
import logging
import os
import warnings
from pathlib import Path

import anndata as ad
import h5py
import mudata as md
import numpy as np
import pandas as pd

from .cellranger_blocks import tenx_matrix
from .files import check_not_empty, gex_only_message
from .modality import feature_kinds
from .paths import user_path
from .readers import make_mudata

__all__ = ["read_10x_h5", "read_10x_mtx", "is_mtx", "mtx_files", "mtx_names", "read_cell_ranger", "check_cell_ranger",
           "reader_name"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike

#: The endings of a matrix folder's three files, the preferred one first (a GEO copy prefixes each: ``GSM1_s1_``).
_ENDS = {"matrix": ("matrix.mtx.gz", "matrix.mtx"),
         "features": ("features.tsv.gz", "features.tsv", "genes.tsv.gz", "genes.tsv"),
         "barcodes": ("barcodes.tsv.gz", "barcodes.tsv")}


def read_10x_mtx(path: PathLike, *, prefix: str | None = None, mod2_kind: str | None = None):
    """Read a Cell Ranger / Cell Ranger ARC matrix folder (``filtered_feature_bc_matrix/``), as GEO often holds it.

    The same MuData as :func:`jae.read_10x_h5` gives for the same sample's ``.h5``. The folder is read whole: the
    matrix with ``scipy.io.mmread`` (multithreaded), stored by cell as jae reads it. (The file workflows, ``jae fit
    --10x`` and the others, read a folder over ``--memory-budget`` in blocks of cells instead, the same counts:
    :mod:`jae.io.mtx_blocks`.)

    Parameters
    ----------
    path
        The folder, holding ``matrix.mtx.gz``, ``features.tsv.gz`` and ``barcodes.tsv.gz`` (uncompressed too; Cell
        Ranger 2: ``genes.tsv``, Gene Expression alone), or its ``matrix.mtx(.gz)`` file. A GEO copy prefixes the
        three files (``GSM5123951_s1_matrix.mtx.gz``, ...): found when the folder holds one such set, else give
        ``prefix`` or the matrix file.
    prefix
        The files' common prefix (e.g. ``'GSM5123951_s1_'``) in a folder holding several samples' files.
    mod2_kind
        ``'ATAC'`` or ``'ADT'``: keep RNA and this modality only (Peaks and Antibody Capture both); None keeps every
        modality.

    Returns
    -------
    MuData with one modality per feature type, as :func:`jae.read_10x_h5`: float32 counts, cells x features CSR, in
    ``.X`` and ``.layers['counts']``; ``var['gene_ids']``, ``var['feature_types']``, ``var['genome']`` (empty: the
    folder does not name it) and, for Cell Ranger ARC's six-column features file, ``var['interval']``
    (``chr1:100-200``, as its ``.h5`` holds it).

    Raises
    ------
    ValueError
        For a folder missing one of the three files, files that disagree on the number of features or cells, or a
        folder without Gene Expression features and Peaks or Antibody Capture.
    """
    return _read_10x_mtx(path, prefix=prefix, mod2_kind=mod2_kind)


def _read_10x_mtx(path: PathLike, *, prefix: str | None = None, mod2_kind: str | None = None,
                  rna_alone: bool = False, name: str | None = None):
    """:func:`read_10x_mtx`; ``rna_alone`` and ``name`` as for :func:`_read_10x_h5`."""
    matrix, shown, n_cells, n_features, parts = mtx_names(path, prefix=prefix, name=name)
    X = _cells_by_features(matrix, n_cells, n_features)
    return tenx_mudata(X, *parts, shown=shown, mod2_kind=mod2_kind, rna_alone=rna_alone)


def mtx_names(path: PathLike, *, prefix: str | None = None, name: str | None = None) -> tuple:
    """``(matrix, shown, n_cells, n_features, parts)`` of a matrix folder (or its matrix file) ``path``: its Matrix
    Market file, how messages name it (``name``, default the folder's name), its shape, and ``parts``
    ``(barcodes, ids, names, ftypes, genome, tags)`` as :func:`tenx_mudata` takes them; the matrix's header alone
    read. Refused in one line when the three files disagree on the shape or hold no cells or no features."""
    matrix, features, barcodes = mtx_files(path, prefix=prefix)
    shown = name or user_path(path).name
    feats = _table(features)
    cells = _table(barcodes)
    n_features, n_cells = len(feats), len(cells)
    n_rows, n_cols = mtx_header(matrix)[:2]
    if n_rows != n_features:
        raise ValueError(_disagree(shown, features, n_features, "features", matrix, n_rows, "rows"))
    if n_cols != n_cells:
        raise ValueError(_disagree(shown, barcodes, n_cells, "barcodes", matrix, n_cols, "columns (cells)"))
    check_not_empty(str(path), n_cells, n_features)
    ids = feats[0].to_numpy(dtype=object)
    names = feats[1].to_numpy(dtype=object) if feats.shape[1] > 1 else ids.copy()
    ftypes = (feats[2].to_numpy(dtype=object) if feats.shape[1] > 2
              else np.full(n_features, "Gene Expression", dtype=object))  # Cell Ranger 2's genes.tsv
    tags = {}
    if feats.shape[1] >= 6:  # Cell Ranger ARC: id, name, type, chrom, start, end; its .h5's 'interval' chr1:100-200
        chrom, start, end = feats[3], feats[4], feats[5]
        interval = chrom + ":" + start + "-" + end
        tags["interval"] = interval.where(~chrom.isin(["", "NA"]), "NA").to_numpy(dtype=object)
    parts = (cells[0].to_numpy(dtype=object), ids, names, ftypes, np.full(n_features, "", dtype=object), tags)
    return matrix, shown, n_cells, n_features, parts


def _decode(values: np.ndarray) -> np.ndarray:
    return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in values], dtype=object)


#: the ``features`` datasets of a Cell Ranger file read into named columns (or not per feature: ``_all_tag_keys``)
_10X_READ = frozenset({"id", "name", "feature_type", "genome", "_all_tag_keys"})


def read_10x_h5(path: PathLike, *, mod2_kind: str | None = None) -> md.MuData:
    """Read a Cell Ranger / Cell Ranger ARC ``filtered_feature_bc_matrix.h5``.

    Parameters
    ----------
    path
        The HDF5 file, with group ``matrix`` holding ``data``, ``indices``, ``indptr``, ``shape``, ``barcodes``
        and ``features/{id, name, feature_type, genome}`` (Cell Ranger >= 3). The matrix folder Cell Ranger
        writes beside it (``filtered_feature_bc_matrix/``, GEO's copies): :func:`jae.read_10x_mtx`, the same MuData.
    mod2_kind
        ``'ATAC'`` or ``'ADT'``: keep RNA and this modality only (a file holding Peaks and Antibody Capture both, as
        TEA-seq or DOGMA-seq data); None keeps every modality.

    Returns
    -------
    MuData with one modality per feature type: ``'rna'`` (Gene Expression) and ``'atac'`` (Peaks) and/or
    ``'prot'`` (Antibody Capture); other feature types (Multiplexing Capture, CRISPR Guide Capture, Custom) are left out,
    with a log line. Each holds float32 counts, cells x features CSR, in ``.X`` and
    ``.layers['counts']`` (the same matrix); ``var_names`` are the feature names (made unique),
    ``var['gene_ids']`` the feature ids, ``var['feature_types']`` the kind, ``var['genome']``, and the file's other
    feature columns as scanpy keeps them (Cell Ranger ARC's ``var['interval']``: the peaks' genomic intervals).

    Raises
    ------
    ValueError
        For a file without the ``matrix`` group, or without Gene Expression features and Peaks or Antibody Capture.
    """
    return _read_10x_h5(path, mod2_kind=mod2_kind)


def _read_10x_h5(path: PathLike, *, mod2_kind: str | None = None, rna_alone: bool = False,
                 name: str | None = None) -> md.MuData:
    """:func:`read_10x_h5`; ``rna_alone``: a file of Gene Expression alone is read as a MuData of ``'rna'`` alone (a
    query that a fitted model embeds or maps from RNA, as :class:`jae.io.InputFiles` reads it); ``name``: how its
    messages and log lines name the file (default: its file name; several samples' files share one)."""
    import scipy.sparse as sp

    with tenx_matrix(path) as (g, path, n_cells, n_features):
        shown = name or path.name
        # stored features x cells in CSC, which is cells x features in CSR
        X = sp.csr_matrix(
            (g["data"][()].astype(np.float32), g["indices"][()], g["indptr"][()]), shape=(n_cells, n_features)
        )
        barcodes, ids, names, ftypes, genome, tags = tenx_names(g, n_features)
    return tenx_mudata(X, barcodes, ids, names, ftypes, genome, tags, shown=shown, mod2_kind=mod2_kind,
                       rna_alone=rna_alone)


def tenx_names(g: h5py.Group, n_features: int) -> tuple:
    """``(barcodes, ids, names, ftypes, genome, tags)`` of a Cell Ranger ``.h5``'s ``matrix`` group ``g``, as
    :func:`tenx_mudata` takes them (``tags``: the other per-feature columns, e.g. Cell Ranger ARC's ``interval``)."""
    feats = g["features"]
    ids, names, ftypes = (_decode(feats[k][()]) for k in ("id", "name", "feature_type"))
    genome = _decode(feats["genome"][()]) if "genome" in feats else np.full(n_features, "", dtype=object)
    tags = {k: _decode(v[()]) for k, v in feats.items()
            if k not in _10X_READ and isinstance(v, h5py.Dataset) and v.shape == (n_features,)}
    return _decode(g["barcodes"][()]), ids, names, ftypes, genome, tags


def tenx_mudata(X, barcodes, ids, names, ftypes, genome, tags: dict, *, shown: str, mod2_kind: str | None = None,
                rna_alone: bool = False):
    """The MuData of a Cell Ranger matrix: ``X`` cells x features (float32 CSR), the cells' ``barcodes``, the
    features' ``ids``, ``names``, feature types ``ftypes``, ``genome`` and other per-feature columns ``tags`` (Cell
    Ranger ARC's ``interval``), each an array of text; ``shown`` names the file in messages and log lines. One
    modality per feature type jae pairs (others left out, logged), refused without Gene Expression, or with it alone
    unless ``rna_alone`` (a query's RNA); ``mod2_kind`` keeps RNA and that modality only."""
    kinds, ignored = feature_kinds(ftypes, where=shown)  # CellPlex, CRISPR, Custom: no modality jae pairs
    if ignored:
        keep = np.flatnonzero(pd.notna(kinds))
        X, ids, names, genome, kinds = X[:, keep], ids[keep], names[keep], genome[keep], kinds[keep]
        tags = {k: v[keep] for k, v in tags.items()}
    if "GEX" not in set(kinds):
        raise ValueError(f"{shown} has no Gene Expression features (found {sorted(set(ftypes))}); jae needs RNA")
    if len(set(kinds)) < 2 and not rna_alone:
        raise ValueError(gex_only_message(shown, ignored))
    from .single import split_anndata

    var = pd.DataFrame({"gene_ids": ids, "feature_types": kinds, "genome": genome, **tags}, index=pd.Index(names))
    with warnings.catch_warnings():  # names repeated across feature types (a protein and its gene) are split apart
        warnings.filterwarnings("ignore", message=".*names are not unique.*", category=UserWarning)
        whole = ad.AnnData(X=X, obs=pd.DataFrame(index=pd.Index(barcodes, name=None)), var=var)
        mods = split_anndata(whole, layer=None) or {"rna": whole}  # None: Gene Expression alone (rna_alone)
    if mod2_kind is not None:
        from .modality import describe_types
        from .paired_h5ad import _second_modality

        mods = _second_modality(mods, mod2_kind, what=f"Cell Ranger file {shown}", found=describe_types(ftypes))
    for mod, adata in mods.items():
        if len(repeated := adata.var_names[adata.var_names.duplicated()].unique()):  # said, not silent
            logger.info("%s: %d repeated %s feature names made unique as anndata does: e.g. the second %r is %r",
                        shown, len(repeated), mod, repeated[0], f"{repeated[0]}-1")
        adata.var_names_make_unique()
        adata.layers["counts"] = adata.X
    logger.info("read %s: %d cells, modalities %s", shown, X.shape[0], {k: v.n_vars for k, v in mods.items()})
    return make_mudata(mods)


def _disagree(shown, table: Path, n: int, noun: str, matrix: Path, m: int, axis: str) -> str:
    return (f"Cell Ranger matrix folder {shown}: {table.name} lists {n} {noun} but {matrix.name} has {m} {axis}; "
            "the files come from different samples or one is cut short: pass the three files Cell Ranger wrote "
            "together (copy or download them again)")


def _table(path: Path) -> pd.DataFrame:
    """A features or barcodes file (tab-separated, no header, gzip'd or not) as text columns 0, 1, ..."""
    try:
        return pd.read_csv(path, sep="\t", header=None, dtype=str, na_filter=False, quoting=csv.QUOTE_NONE)
    except pd.errors.EmptyDataError:
        return pd.DataFrame({0: pd.Series([], dtype=object)})
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise ValueError(f"Cell Ranger file {path} cannot be read as a tab-separated table ({_why(err)}); check the "
                         "file (copy or download it again)") from None


def _why(err: Exception) -> str:
    """The first line of an error, in at most 120 characters, or its type when it says nothing."""
    return str(err).strip().splitlines()[0][:120] if str(err).strip() else type(err).__name__


def _unreadable(matrix: Path, err: Exception) -> ValueError:
    text = _why(err)
    return ValueError(f"Cell Ranger matrix {matrix} cannot be read as a Matrix Market file ({text}); check the file "
                      "(copy or download it again)")


def mtx_header(matrix: Path) -> tuple[int, int, int, str]:
    """(rows, columns, entries, format: 'coordinate' or 'array') from the Matrix Market header alone, an unreadable
    header refused in one line naming the file."""
    import scipy.io

    try:
        rows, cols, entries, fmt = scipy.io.mminfo(matrix)[:4]
    except (ValueError, OSError, EOFError, IndexError, RuntimeError) as err:
        raise _unreadable(matrix, err) from None
    return int(rows), int(cols), int(entries), fmt


def _cells_by_features(matrix: Path, n_cells: int, n_features: int):
    """The features x cells Matrix Market file as float32 CSR cells x features (the counts are whole numbers)."""
    import scipy.io
    import scipy.sparse as sp

    try:
        coo = scipy.io.mmread(matrix)
    except (ValueError, OSError, EOFError, IndexError, RuntimeError) as err:
        raise _unreadable(matrix, err) from None
    if not sp.issparse(coo):  # an 'array' (dense) Matrix Market file
        coo = sp.coo_matrix(coo)
    data = coo.data.astype(np.float32)
    rows, cols = coo.row, coo.col
    del coo  # its data: the float32 copy replaces it
    return sp.coo_matrix((data, (cols, rows)), shape=(n_cells, n_features)).tocsr()


def _role(name: str) -> tuple[str, str] | None:
    """``(role, prefix)`` of a file of a matrix folder by its name's ending, else None."""
    for role, ends in _ENDS.items():
        for end in ends:
            if name.endswith(end):
                return role, name[: -len(end)]
    return None


#: The endings of a Matrix Market file's name: Cell Ranger's, then any other (a GEO copy's ``GSM1_s1.mtx.gz``).
_MATRIX_ENDS = ("matrix.mtx.gz", "matrix.mtx", ".mtx.gz", ".mtx")


def matrix_prefix(name: str) -> str | None:
    """What a Matrix Market file's ``name`` holds before its ending (``'GSM1_s1_'`` of ``GSM1_s1_matrix.mtx.gz``,
    ``''`` of ``matrix.mtx.gz``); None for a name that is no such file's."""
    end = next((e for e in _MATRIX_ENDS if name.endswith(e)), None)
    return None if end is None else name[: -len(end)]


def is_mtx(path: PathLike) -> bool:
    """Whether ``path`` is a Cell Ranger matrix folder (holding a matrix, features or barcodes file of one, prefixed
    or not) or a Matrix Market file (``.mtx``, ``.mtx.gz``)."""
    path = user_path(path)
    if matrix_prefix(path.name) is not None:
        return True
    try:
        return path.is_dir() and any(_role(p.name) for p in path.iterdir())
    except OSError:
        return False


def mtx_files(path: PathLike, *, prefix: str | None = None) -> tuple[Path, Path, Path]:
    """The matrix, features and barcodes files of a matrix folder (or of its matrix file), refused in one line naming
    the file missing and what the folder holds."""
    path = user_path(path, name="the Cell Ranger matrix folder")
    if (own := matrix_prefix(path.name)) is not None:
        if not path.is_file():
            raise FileNotFoundError(f"Cell Ranger matrix file {path} does not exist; check the path")
        folder = path.parent
        prefix = own if prefix is None else prefix
        matrix = path
    else:
        if not path.is_dir():
            raise FileNotFoundError(f"Cell Ranger matrix folder {path} does not exist; check the path")
        folder, matrix = path, None
    names = sorted(p.name for p in folder.iterdir())
    held = f"it holds {', '.join(names[:6])}{', ...' if len(names) > 6 else ''}" if names else "it is empty"
    if matrix is None:
        found = {n: r[1] for n in names if (r := _role(n)) is not None and r[0] == "matrix"}
        if prefix is not None:
            found = {n: p for n, p in found.items() if p == prefix}
        if not found:
            want = f"{prefix or ''}matrix.mtx.gz"
            raise ValueError(f"Cell Ranger matrix folder {path} lacks its matrix file ({want}); {held}: pass the "
                             "folder Cell Ranger wrote (filtered_feature_bc_matrix/), with matrix.mtx.gz, "
                             "features.tsv.gz and barcodes.tsv.gz")
        prefixes = sorted(set(found.values()))
        if len(prefixes) > 1:
            raise ValueError(f"Cell Ranger matrix folder {path} holds the matrices of {len(prefixes)} samples "
                             f"({', '.join(repr(p) for p in prefixes[:4])}{', ...' if len(prefixes) > 4 else ''}); "
                             f"pass one sample's matrix file instead (e.g. {path / sorted(found)[0]}; several "
                             f"samples: each one's), or its prefix to jae.read_10x_mtx (prefix={prefixes[0]!r})")
        prefix = prefixes[0]
        matrix = folder / sorted(found, key=lambda n: not n.endswith(".gz"))[0]
    picked = []
    for role, what in (("features", "features file"), ("barcodes", "barcodes file")):
        given = next((folder / f"{prefix}{e}" for e in _ENDS[role] if (folder / f"{prefix}{e}").is_file()), None)
        if given is None:
            other = " (Cell Ranger 2: genes.tsv)" if role == "features" else ""
            raise ValueError(f"Cell Ranger matrix folder {folder} lacks the {what} beside {matrix.name}: "
                             f"{prefix}{_ENDS[role][0]}{other}; {held}: pass the folder with its three files as "
                             "Cell Ranger wrote them")
        picked.append(given)
    return matrix, picked[0], picked[1]


def reader_name(path: PathLike) -> str:
    """The function that reads the Cell Ranger output ``path``, for messages: ``jae.read_10x_mtx`` or
    ``jae.read_10x_h5``."""
    return "jae.read_10x_mtx" if is_mtx(path) else "jae.read_10x_h5"


def check_cell_ranger(path: PathLike, *, what: str = "Cell Ranger .h5") -> Path:
    """Check that ``path`` is there, before any file is read: a matrix folder's three files, or the ``.h5``."""
    if is_mtx(path):
        mtx_files(path)
        return user_path(path)
    from .files import _check_file

    return _check_file(path, what=what)


def read_cell_ranger(path: PathLike, *, mod2_kind: str | None = None, rna_alone: bool = False,
                     name: str | None = None):
    """A Cell Ranger output, its matrix folder (or matrix file: :func:`read_10x_mtx`) or its ``.h5``
    (:func:`jae.read_10x_h5`); ``rna_alone`` and ``name`` as for :func:`_read_10x_h5`."""
    if is_mtx(path):
        return _read_10x_mtx(path, mod2_kind=mod2_kind, rna_alone=rna_alone, name=name)
    return _read_10x_h5(path, mod2_kind=mod2_kind, rna_alone=rna_alone, name=name)
