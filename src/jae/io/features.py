"""Feature alignment of data with a fitted model: strict (:func:`feature_indexer`) or by overlap
(:func:`feature_overlap`, for query data whose features differ from the reference's), and the short example lists
error messages quote."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._words import count
from .gene_names import SYMBOLS, gene_symbols, scheme_fix, symbols_fix

__all__ = ["examples", "by_cell_names", "unique_features", "columns_read", "feature_indexer", "feature_overlap",
           "FeatureOverlap", "MIN_FEATURE_FRACTION", "SYMBOLS", "gene_symbols", "scheme_fix"]

logger = logging.getLogger(__name__)

#: Least share of a modality's reference features a query must have (:func:`feature_overlap`). Below half, the
#: missing features would be more guess than measurement (a simulated query's embedding keeps 75% of its 15 nearest
#: neighbours with 80% of the genes, 60% with 60%: ``tests/test_query_features.py``); a clear round line, not tuned.
MIN_FEATURE_FRACTION = 0.5


def protein_name_keys(protein_key: str = "protein_expression") -> tuple[str, str]:
    """The ``uns`` keys jae reads, in order, for the names of proteins kept in one AnnData's ``obsm[protein_key]`` as
    an array (scvi-tools' layout): jae's ``'<protein_key>_names'``, else scvi-tools' ``'protein_names'``
    (``setup_anndata(protein_names_uns_key='protein_names')``, ``scvi.data.synthetic_iid``)."""
    return f"{protein_key}_names", "protein_names"


def protein_name_words(protein_key: str = "protein_expression") -> str:
    """:func:`protein_name_keys` in a message's words: ``"uns['protein_expression_names'] (or scvi-tools'
    uns['protein_names'])"``."""
    own, scvi = protein_name_keys(protein_key)
    return f"uns[{own!r}] (or scvi-tools' uns[{scvi!r}])"
def examples(values, n: int = 3) -> str:
    """The first ``n`` distinct values as text, quoted and comma-separated, with ``', ...'`` when there are more, e.g.
    ``"'CD3', 'CD4', ..."`` (numpy strings read as plain text, not ``np.str_('CD3')``)."""
    values = list(dict.fromkeys(map(str, values)))
    shown = ", ".join(repr(v) for v in values[:n])
    return shown + (", ..." if len(values) > n else "")


def as_text(values) -> list[str]:
    """``values`` (e.g. a column's categories) as text, whole-number floats as integers (``1.0`` as ``'1'``), as jae
    compares numbers with text (a batch ``1`` in one file and ``'1'`` in another is one batch)."""
    return [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values]


def unique_cells(index, what: str, *, paired: bool = True, written: bool = False) -> pd.Index:
    """``index`` as a :class:`pandas.Index` after checking its cell names are unique; ``what`` names the modality or
    file in the one-line error, which gives the count and the fix (``adata.obs_names_make_unique()``). ``paired``:
    the names match cells between modalities (made unique the same way in both); ``written``: a file, to write
    again."""
    index = pd.Index(index)
    if not index.is_unique:
        dup = index[index.duplicated()].unique()
        n = int(index.duplicated(keep=False).sum())
        raise ValueError(
            f"{what} has {count(len(dup), 'duplicated cell name')} (e.g. {examples(dup)}); cell names must be unique"
            + (" to match cells between modalities: make them unique the same way in both modalities, e.g. "
               "adata.obs_names_make_unique() on each (cells in the same order)" if paired else
               ": make them unique, e.g. adata.obs_names_make_unique()")
            + f" or by appending the sample or batch ({n} cells carry them)"
            + (", and write the file again" if written else "")
        )
    return index


def by_cell_names(value, obs_names, *, what: str):
    """``value`` with its rows in ``obs_names``' order when it is a pandas object indexed by cell names (a DataFrame
    of an embedding, a Series of a mask), so a table in another cell order is read by name, not row by row; anything
    else (an array, a frame with the default 0..n-1 index) is returned as it is, its rows taken in the data's order.
    ``what`` names the argument in the one-line error for an index lacking some of the cells."""
    if obs_names is None or not isinstance(value, (pd.DataFrame, pd.Series)):
        return value
    names = pd.Index(obs_names)
    if value.index.inferred_type == "integer" and (text := pd.Index(value.index.astype(str))).isin(names).all():
        value = value.set_axis(text)  # the AnnData's own integer obs_names, which jae reads as text as MuData does
    index = value.index
    if index.equals(names) or (isinstance(index, pd.RangeIndex) and not names.isin(index).any()):
        return value
    missing = names[~names.isin(index)]
    if len(missing) or not index.is_unique:
        problem = (f"lacks {len(missing)} of the {len(names)} cells (e.g. {examples(missing)})" if len(missing)
                   else "repeats cell names")
        raise ValueError(
            f"{what}'s index {problem}; index it by the data's obs_names (one row per cell), or pass an array in the "
            "data's cell order"
        )
    return value.loc[names]


def unique_features(index, what: str) -> pd.Index:
    """``index`` as a :class:`pandas.Index` of strings after checking its feature names are unique; ``what`` names the
    modality in the one-line error, which names the fix. A model matches features by name (new data whose features
    are a subset, superset or reordering of the reference's), which duplicated names make ambiguous."""
    index = pd.Index(index).astype(str)
    if index.has_duplicates:
        dup = index[index.duplicated()].unique()
        obsm = ("; for proteins in one AnnData's obsm['protein_expression'] (scvi-tools' layout), rename the repeated "
                f"columns of that DataFrame or entries of {protein_name_words()}, e.g. "
                "p = adata.obsm['protein_expression']; p.columns = anndata.utils.make_index_unique(p.columns) "
                "(a DataFrame), or adata.uns['protein_expression_names'] = anndata.utils.make_index_unique("
                "pandas.Index(adata.uns.get('protein_expression_names', adata.uns.get('protein_names')))).to_numpy() "
                "(an array)"
                ) if what == "modality 'prot'" else ""  # the name jae.io.split_anndata gives those proteins
        raise ValueError(
            f"{what} has {count(len(dup), 'duplicated feature name')} (e.g. {examples(dup)}); jae matches features "
            "by name, so they must be unique: make them unique first, e.g. adata.var_names_make_unique() on that "
            f"modality{obsm}"
        )
    return index


def columns_read(var_names, expected, *, name: str) -> np.ndarray:
    """The data's column of each of ``expected`` (-1: absent), for the joint model and the predictor: a name the data
    repeats is refused (``name``: the data) where read; elsewhere (Cell Ranger's symbols repeat a few) it is ignored."""
    var_names, expected = pd.Index(var_names).astype(str), pd.Index(expected).astype(str)
    unique_features(var_names[var_names.isin(expected)], name)
    once = np.flatnonzero(~var_names.duplicated(keep=False))  # repeated names: none read, so none looked up
    found = var_names[once].get_indexer(expected)
    return np.where(found >= 0, once[found], -1)


def feature_indexer(
    var_names, expected: pd.Index, *, name: str, reference: str = "the model", symbols=None, fix: str | None = None,
) -> np.ndarray | None:
    """Columns taking ``var_names`` (the data's feature names) to the ``expected`` order (the features the model was
    fitted on); None when already in it. Used wherever data meets a fitted model's features (the joint model's
    modalities, the predictor's source).

    Parameters
    ----------
    name, reference
        How the error and log messages call the data and the model (e.g. ``"modality 'rna'"``, ``"the model"``).
    symbols
        The data's gene symbols in ``var['feature_name']`` (CELLxGENE's layout, :func:`gene_symbols`; or a function
        giving them, called only for the error): when they are not the var_names, the error's fix is to name the
        genes by them, as :func:`feature_overlap`'s. None: the error names the model's features as the fix.
    fix
        The fix the error names when the features are not renamed ones (default: pass the model's features).

    Raises
    ------
    ValueError
        When the feature sets differ (naming the missing and extra features) or the names are duplicated.
    """
    var_names, expected = pd.Index(var_names), pd.Index(expected)
    if var_names.equals(expected):
        return None
    missing, extra = expected.difference(var_names), var_names.difference(expected)
    if len(missing) or len(extra):
        def some(values) -> str:  # no '(e.g. )' for none
            return f" (e.g. {examples(values)})" if len(values) else ""

        # every feature is needed: a renaming that would leave some missing is no fix (it was named when it would
        # give 50%: 3,482 of 5,762 genes matched once case was ignored, 5 more than by name, and still refused)
        fix = _renaming_fix(var_names, expected, symbols, reference, need=1.0) or fix or (
            "pass the features the model was fitted on (data[:, model_var_names]), or refit after subsetting both to "
            "their shared features")
        raise ValueError(
            f"{name} features differ from {reference}'s: {len(missing)} of {reference}'s {len(expected)} features "
            f"{'is' if len(missing) == 1 else 'are'} missing{some(missing)} and {len(extra)} "
            f"{'is' if len(extra) == 1 else 'are'} extra{some(extra)}; {fix}"
        )
    unique_features(var_names, name)
    logger.info("%s has %s's features in another order; reordering them", name, reference)
    return var_names.get_indexer(expected)


@dataclass(frozen=True)
class FeatureOverlap:
    """Where a model's features are in data whose features may differ.

    Attributes
    ----------
    columns
        ``(n_present,)`` int positions in the data of the model's features that it has, in the model's order.
    present
        ``(n_present,)`` int positions of those features among the model's.
    missing
        ``(n_missing,)`` int positions among the model's features of those the data lacks.
    n_extra
        Features of the data the model does not know (ignored).
    """

    columns: np.ndarray
    present: np.ndarray
    missing: np.ndarray
    n_extra: int

    @property
    def complete(self) -> bool:
        return not len(self.missing)


#: A genomic interval as peak callers write it, with its separators: chr1:100-200 (10x, Signac), chr1-100-200,
#: chr1_100_200 (:data:`jae.io.modality._PEAK_NAME` tells peaks apart by these forms).
_INTERVAL = re.compile(r"^(.+?)([:_-])(\d+)([_-])(\d+)$")


def _interval_keys(names, *, bare: bool = False) -> pd.Series:
    """Each name as ``chrom:start-end`` whatever its separators (NaN where it is no interval); ``bare``: the
    chromosome without a leading ``chr`` (UCSC's ``chr1`` and Ensembl's ``1`` alike; the mitochondrion's ``chrM``,
    ``MT``, ``chrMT`` and ``M`` as ``M``)."""
    parts = pd.Series(np.asarray(names), dtype=object).str.extract(_INTERVAL)
    chrom = parts[0]
    if bare:
        from .peaks import bare_chromosome  # (peaks imports this module)

        chrom = chrom.map(bare_chromosome, na_action="ignore").astype(object)  # (all NaN: float, which '+' refuses)
    return chrom + ":" + parts[2] + "-" + parts[4]


def _interval_fix(var_names: pd.Index, expected: pd.Index, reference: str, need: float) -> str | None:
    """The fix when the data's peaks are the reference's, written with other separators (``chr1:100-200`` for
    ``chr1_100_200``) or chromosome names (``1`` for ``chr1``: Ensembl's and UCSC's); None otherwise."""
    def keys(names: pd.Index, bare: bool = False) -> pd.Index:
        return pd.Index(_interval_keys(names, bare=bare).dropna())

    hits = _by_key(var_names, expected, keys)
    match = _INTERVAL.match(str(expected[0])) if len(expected) else None
    if match is None:
        return None
    repl = rf"\1{match.group(2)}\2{match.group(4)}\3"
    if hits >= need * len(expected):
        return (f"{hits} of them are {reference}'s peaks written with other separators ({reference}'s are like "
                f"{str(expected[0])!r}): name them so, e.g. adata.var_names = adata.var_names.str.replace("
                rf"r'^(.+?)[:_-](\d+)[_-](\d+)$', r'{repl}', regex=True) (on a copy, or write the file again so)")
    hits = _by_key(var_names, expected, lambda names: keys(names, True))
    if hits < need * len(expected):
        return None
    chr_ = "chr" if str(expected[0]).startswith("chr") else ""
    return (f"{hits} of them are {reference}'s peaks with the chromosomes named otherwise ({reference}'s are like "
            f"{str(expected[0])!r}, {'with' if chr_ else 'without'} 'chr'): name them so, e.g. adata.var_names = "
            rf"adata.var_names.str.replace(r'^(?:chr)?(.+?)[:_-](\d+)[_-](\d+)$', r'{chr_}{repl}', regex=True) (on a "
            "copy, or write the file again so; mitochondrial peaks may need chrM / MT by hand)")


_SEPARATORS = "_-.:#"  # where a shared prefix or suffix of names ends: CD3_TotalSeqB, ADT-CD3, sample#AAAC-1


def _affixes(names) -> tuple[str, str]:
    """The prefix and suffix every name shares, cut at a separator (:data:`_SEPARATORS`): ``('', '_TotalSeqB')`` for
    ``CD3_TotalSeqB``, ``CD4_TotalSeqB``; ``('', '')`` when they share none."""
    names = [str(n) for n in names]
    if len(names) < 2:
        return "", ""
    head = os.path.commonprefix(names)
    tail = os.path.commonprefix([n[::-1] for n in names])[::-1]
    head = head[: max(head.rfind(c) for c in _SEPARATORS) + 1]
    cut = [i for i in (tail.find(c) for c in _SEPARATORS) if i >= 0]
    return head, (tail[min(cut):] if cut else "")


def affix_rename(names, target) -> tuple[int, str] | None:
    """How ``names`` become ``target``'s when they are the same names with another shared prefix or suffix (antibodies
    ``CD3`` for ``CD3_TotalSeqB``, barcodes ``AAAC-1`` for ``AAAC``): how many then match, and a Python expression of
    ``n`` (one of ``names``) giving its ``target`` form; None when the affixes are the same or few then match."""
    (head, tail), (to_head, to_tail) = _affixes(names), _affixes(target)
    if (head, tail) == (to_head, to_tail):
        return None

    def bare(values, h, t) -> pd.Index:
        return pd.Index([str(v)[len(h): len(str(v)) - len(t)] for v in values])

    hits = len(bare(names, head, tail).intersection(bare(target, to_head, to_tail)))
    expr = "n" + (f".removeprefix({head!r})" if head else "") + (f".removesuffix({tail!r})" if tail else "")
    expr = " + ".join([*([repr(to_head)] if to_head else []), expr, *([repr(to_tail)] if to_tail else [])])
    return (hits, expr) if hits else None


def _affix_fix(var_names: pd.Index, expected: pd.Index, reference: str, need: float) -> str | None:
    """The fix when the data's features are the reference's with another shared prefix or suffix (antibodies named
    ``CD3`` for ``CD3_TotalSeqB``); None otherwise."""
    renamed = affix_rename(var_names, expected)
    if renamed is None or renamed[0] < need * len(expected):
        return None
    return (f"{renamed[0]} of them are {reference}'s named with another prefix or suffix ({reference}'s are like "
            f"{str(expected[0])!r}): name them so, e.g. adata.var_names = [{renamed[1]} for n in adata.var_names] (on "
            "a copy, or write the file again so)")


def _by_key(var_names, expected, key) -> int:
    """How many of ``expected`` are among ``var_names`` once both are written by ``key`` (a function of an Index),
    when that matches more of them than their names do; 0 when it matches none the names do not (features missing
    for no renaming: a fix renaming them would not find them)."""
    hits = len(key(var_names).intersection(key(expected)))
    return hits if hits > len(pd.Index(var_names).astype(str).intersection(pd.Index(expected).astype(str))) else 0


def _enough(var_names, expected: pd.Index, key, need: float) -> int:
    """:func:`_by_key`'s count where ``key`` (a function of an Index, giving strings) would make at least ``need`` of
    ``expected`` present, else 0."""
    hits = _by_key(var_names, expected, lambda names: pd.Index(key(names)))
    return hits if len(expected) and hits >= need * len(expected) else 0


#: An Ensembl ID with its version suffix (ENSG00000141510.17), the ID and the version.
_VERSIONED = r"^(ENS[A-Z]*[GTP]\d+)\.\d+$"


def _version_fix(var_names: pd.Index, expected: pd.Index, reference: str, need: float) -> str | None:
    """The fix when the data's genes are the reference's Ensembl IDs with or without version suffixes
    (``ENSG00000141510.17`` for ``ENSG00000141510``, GENCODE's and Cell Ranger's); None otherwise."""
    def bare(names) -> pd.Index:
        return pd.Index(pd.Index(names).astype(str).str.replace(_VERSIONED, r"\1", regex=True))

    hits = _by_key(var_names, expected, bare)
    if hits < need * len(expected) or not len(expected):
        return None
    if not bare(expected).equals(pd.Index(expected).astype(str)):  # the reference's IDs carry the versions
        return (f"{hits} of them are {reference}'s Ensembl IDs, which carry version suffixes ({reference}'s are like "
                f"{str(expected[0])!r}): name them so, e.g. ids = {{i.split('.')[0]: i for i in <{reference}'s "
                "features>}; adata.var_names = [ids.get(n.split('.')[0], n) for n in adata.var_names] (on a copy, or "
                "write the file again so)")
    return (f"{hits} of them are {reference}'s Ensembl IDs with version suffixes, which {reference}'s lack (they "
            f"are like {str(expected[0])!r}): name them so, e.g. adata.var_names = adata.var_names.str.replace("
            rf"r'{_VERSIONED}', r'\1', regex=True) (on a copy, or write the file again so)")


def _case_fix(var_names, expected: pd.Index, reference: str, need: float) -> str | None:
    """The fix when the data's features are the reference's in another case (``Actb`` for ``ACTB``), else None."""
    folded = _by_key(var_names, expected, lambda names: pd.Index(pd.Index(names).astype(str).str.upper()))
    if folded < need * len(expected):
        return None
    return (f"{folded} of them match {reference}'s when case is ignored ({reference}'s are like "
            f"{str(expected[0])!r}): give them its spelling, e.g. names = {{n.upper(): n for n in <{reference}'s "
            "features>}; have = set(adata.var_names); adata.var_names = [m if (m := names.get(n.upper(), n)) not in "
            "have else n for n in adata.var_names] (on a copy, or write the file again so; mouse genes against a human "
            "reference match only where the symbols agree)")


def _tag_fix(var_names, expected: pd.Index, reference: str, need: float) -> str | None:
    """The fix when the data's antibodies are the reference's with another tag after the first '_', one per antibody
    (``CD3_CTCATTGTAACTCC``, REAP-seq's barcodes, for ``CD3_TotalSeqB``): no shared suffix, so :func:`_affix_fix`
    misses them; None otherwise (peaks share their chromosome, so their stems, duplicated in ``expected``, match few)."""
    hits = _enough(var_names, expected, lambda names: pd.Index(names).astype(str).str.split("_", n=1).str[0], need)
    if not hits:
        return None
    return (f"{hits} of them are {reference}'s antibodies (the name before the first '_') with another tag after it "
            f"({reference}'s are like {str(expected[0])!r}): name them so, e.g. ids = {{n.split('_')[0]: n for n in "
            f"<{reference}'s features>}}; adata.var_names = [ids.get(n.split('_')[0], n) for n in adata.var_names]; "
            "adata.var_names_make_unique() (two antibodies of one name: the first is taken) (on a copy, or write the "
            "file again so)")


def _separator_fix(var_names, expected: pd.Index, reference: str, need: float) -> str | None:
    """The fix when the data's features are the reference's with '_' or '.' for '-' (Seurat writes feature names'
    '_' as '-', R's make.names '-' as '.': ``CD3-TotalSeqB`` for ``CD3_TotalSeqB``), else None."""
    hits = _enough(var_names, expected, lambda n: pd.Index(n).astype(str).str.replace(r"[_.]", "-", regex=True), need)
    if not hits:
        return None
    return (f"{hits} of them match {reference}'s once '_' and '.' are read as '-' ({reference}'s are like "
            f"{str(expected[0])!r}; Seurat writes '_' as '-'): give them its spelling, e.g. key = lambda n: "
            f"n.replace('_', '-').replace('.', '-'); names = {{key(n): n for n in <{reference}'s features>}}; "
            "adata.var_names = [names.get(key(n), n) for n in adata.var_names] (on a copy, or write the file again so)")


def _renaming_fix(var_names, expected: pd.Index, symbols, reference: str,
                  need: float = MIN_FEATURE_FRACTION) -> str | None:
    """The fix when the data's features are the reference's named another way: by the gene symbols in
    ``var['feature_name']``, with other interval separators, with or without Ensembl version suffixes, with another
    shared prefix or suffix, with another tag after the antibody's name, with '_' or '.' for '-', or in another case;
    else None. A renaming is named only when at least ``need`` of ``expected`` would then be present (1: every one,
    where all are needed)."""
    return (symbols_fix(var_names, expected, symbols, reference)
            or _interval_fix(var_names, expected, reference, need) or _version_fix(var_names, expected, reference, need)
            or _affix_fix(var_names, expected, reference, need) or _tag_fix(var_names, expected, reference, need)
            or _separator_fix(var_names, expected, reference, need) or _case_fix(var_names, expected, reference, need))


def _naming_fix(var_names: pd.Index, expected: pd.Index, symbols=None, reference: str = "the model",
                shared: int | None = None) -> str:
    """The fix for too small an overlap: the same features named another way (by the gene symbols the data keeps in
    ``var['feature_name']``, ``symbols``: an Index, a function giving it or None, or in another case or naming
    scheme), or really other features: with ``shared`` 0 (none of ``expected`` present) there is nothing to subset
    to, so the fix is the reference's features (for peaks: fragments counted in them) or a reference like the data."""
    renamed = _renaming_fix(var_names, expected, symbols, reference)
    if renamed is not None:
        return renamed
    if len(var_names) and list(var_names) == [f"protein_{i}" for i in range(len(var_names))]:  # split_anndata's
        return ("protein_0 ... are the names jae gives proteins stored in obsm['protein_expression'] as an array "
                "without names: store them as a DataFrame whose columns name the proteins (adata.obsm["
                "'protein_expression'] = pandas.DataFrame(adata.obsm['protein_expression'], index=adata.obs_names, "
                f"columns=NAMES)) or their names in {protein_name_words()}, and write the file again")
    from .peaks import remap_fix  # peaks of the same regions, called per sample: put onto the model's by overlap

    remapped = remap_fix(var_names, expected, reference)
    if remapped is not None and shared == 0:
        return f"none of its features is one of {reference}'s, so there is nothing to subset to; {remapped}"
    if shared == 0 and not scheme_fix(var_names, expected, symbols):
        return (f"none of its features is one of {reference}'s (another gene panel, organism or peak set), so there is "
                f"nothing to subset to: give the data in {reference}'s features (for ATAC: count the cells' fragments "
                f"in {reference}'s peaks: jae.count_fragments), or fit a reference on cells measured like these")
    return (f"{remapped}; or " if remapped else "") + (scheme_fix(var_names, expected, symbols) or (
        "fit a reference on features this data shares with it (subset both to the shared features, then refit)"))


def _by_interval(var_names: pd.Index, expected: pd.Index, pos: np.ndarray, *, name: str, reference: str, log=True):
    """``pos`` (the data's column of each of ``expected``, -1 where its name is not there) with the model's peaks
    that the data names with other separators (``chr1:100-200`` for ``chr1-100-200``: the same chromosome, start and
    end, exactly) found by their interval, and one log line saying so. Only when the model's features are peaks
    (:func:`jae.io.modality.kind_from_names`); an interval the data names twice (under two separators) is not
    matched; chromosomes are compared as written (``chr1`` is not ``1``)."""
    from .modality import kind_from_names

    if kind_from_names(expected) != "ATAC":
        return pos

    free = np.ones(len(var_names), dtype=bool)
    free[pos[pos >= 0]] = False  # the data's features already matched by name
    own = _interval_keys(var_names)[free].dropna()
    own = own[~own.duplicated(keep=False)]  # its index: the positions of those features in the data
    wanted = _interval_keys(expected)
    wanted[wanted.duplicated(keep=False)] = np.nan  # an interval the model names twice: neither is matched
    todo = np.flatnonzero(pos < 0)
    found = pd.Index(own.to_numpy(), dtype=object).get_indexer(wanted.iloc[todo].to_numpy())
    hit = todo[found >= 0]
    if not len(hit):
        return pos
    pos = pos.copy()
    pos[hit] = own.index.to_numpy()[found[found >= 0]]
    logger.log(logging.INFO if log else logging.DEBUG,  # log False: said by the check of the same data before
        "%s: %d of %s's peaks matched by their interval (chromosome, start, end), named with other separators "
        "(%s's are like %r, this data's like %r)", name, len(hit), reference, reference, str(expected[hit[0]]),
        str(var_names[pos[hit[0]]]),
    )
    return pos


def _share(k: int, n: int, below: float) -> str:
    """``k / n`` as a whole percentage, or with one decimal, rounded down, when the whole one would reach ``below``
    (149 of 300 features: '49.6%', not '50%' beside "below the 50%")."""
    share = k / max(n, 1)
    if share < below and round(100 * share) >= round(100 * below):
        return f"{int(1000 * share) / 10:.1f}%"
    return f"{share:.0%}"


def feature_overlap(
    var_names, expected: pd.Index, *, name: str, reference: str = "the model", min_fraction: float = MIN_FEATURE_FRACTION,
    symbols=None,
) -> FeatureOverlap:
    """The model's features ``expected`` found in ``var_names``, with one log line on the overlap when they differ.

    Missing features are reported, never filled here (:mod:`jae.query` re-solves what they would have given); extra
    features are ignored. ``symbols``: the data's ``var['feature_name']`` (:func:`gene_symbols`; or a function giving
    it, called only for the error), which the fix then names.

    Raises
    ------
    ValueError
        When under ``min_fraction`` of ``expected`` are present (one line: the numbers, the fix), or one is repeated.
    """
    var_names, expected = pd.Index(var_names).astype(str), pd.Index(expected).astype(str)
    pos = columns_read(var_names, expected, name=name)
    if (pos < 0).any():
        pos = _by_interval(var_names, expected, pos, name=name, reference=reference)
    present = np.flatnonzero(pos >= 0)
    missing = np.flatnonzero(pos < 0)
    n_extra = len(var_names) - len(present)
    n = len(expected)
    if len(present) < min_fraction * n:
        raise ValueError(
            f"{name} has {len(present)} of {reference}'s {n} features ({_share(len(present), n, min_fraction)}; "
            f"e.g. missing {examples(expected[missing])}; its own are named like {examples(var_names)}), below the "
            f"{min_fraction:.0%} jae needs to place its cells: "
            f"{_naming_fix(var_names.unique(), expected, symbols, reference, shared=len(present))}"
        )
    if len(missing) or n_extra:
        logger.info(
            "%s: %d of %s's %d features present (%.0f%%), %d missing%s, %d extra (ignored)", name, len(present),
            reference, n, 100 * len(present) / max(n, 1), len(missing),
            " (re-solved from the present ones)" if len(missing) else "", n_extra,
        )
    return FeatureOverlap(columns=pos[present].astype(np.int64), present=present, missing=missing, n_extra=n_extra)
