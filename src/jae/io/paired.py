"""Paired raw counts of two modalities, checked and aligned by cell (the per-cell annotations: :mod:`jae.io.cell_obs`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import scipy.sparse as sp

from .cell_obs import (  # the per-cell annotations, jae.io.cell_obs (importable from here as before)
    _joint_obs, agreeing_obs, batch_column, cell_obs, check_batches, check_modalities_agree, get_annotation,
    modality_obs,
)
from .features import examples, unique_cells
from .modality import hashtag_modalities, held_types, log_set_aside, modality_kinds, rna_named
from .raw import counts_hint_for, counts_or_x, counts_read
from .single import modalities_of
from .validate import validate_counts

__all__ = ["PairedCounts", "get_paired", "cell_obs", "get_annotation", "check_batches", "modality_obs",
           "check_modalities_agree", "agreeing_obs", "batch_column"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairedCounts:
    """Raw counts of two modalities measured in the same cells, rows in ``obs_names`` order.

    Attributes
    ----------
    obs_names
        Cell names, length ``n_obs``.
    obs
        Per-cell annotations (global columns plus modality-level columns not present globally, unprefixed),
        index ``obs_names``.
    names
        Modality names in the user's data, RNA first.
    kinds
        Modality kinds, e.g. ``('GEX', 'ATAC')``.
    counts
        Raw counts as CSR matrices of shapes ``(n_obs, n_vars_rna)`` and ``(n_obs, n_vars_other)``.
    var_names
        Feature names of each modality.
    """

    obs_names: pd.Index
    obs: pd.DataFrame
    names: tuple[str, str]
    kinds: tuple[str, str]
    counts: tuple[sp.csr_matrix, sp.csr_matrix]
    var_names: tuple[pd.Index, pd.Index]

    @property
    def n_obs(self) -> int:
        """Number of cells."""
        return len(self.obs_names)


def _resolve_kinds(mods: Mapping, names: Sequence[str], kinds) -> dict[str, str]:
    if kinds is None:
        given = [None] * len(names)
    elif isinstance(kinds, Mapping):
        given = [kinds.get(name) for name in names]
    else:
        given = list(kinds)
        if len(given) != len(names):
            raise ValueError(
                f"kinds={kinds!r} gives {len(given)} kinds for the modalities {list(names)}; give one kind per "
                "modality, e.g. kinds=('GEX', 'ATAC')"
            )
    return dict(zip(names, modality_kinds(names, [mods[name].var for name in names], given=given)))


def _two_of(names: list) -> tuple:
    """An example pair for the refusal of more than two modalities, from the data's own names: its RNA modality
    (by name, else the first) and the first other one (a MuData of rna + adt + extra is told ('rna', 'adt'), not the
    ('rna', 'atac') the message once named whatever the data held)."""
    rna = rna_named(names) or names[0]
    return rna, next(n for n in names if n != rna)


def _choose(mods: Mapping, modalities, kinds, *, log: bool = True) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two modalities of ``mods`` to pair (``modalities``, or the two there are once modalities of hashtags are
    set aside: :func:`jae.io.modality.hashtag_modalities`, with one log line unless ``log`` is False) and their
    kinds, RNA first."""
    available = list(mods)
    if modalities is None:
        hashtags = hashtag_modalities(available, held_types(mods)) if len(mods) > 1 else []
        names = [n for n in available if n not in hashtags]
        if len(names) < 2:
            raise ValueError(one_modality_message(
                f"the data holds {len(available)} modality {available}" if not hashtags else
                f"the data holds {names} and hashtags {hashtags} (cell hashing, not a modality jae pairs with RNA; "
                f"if {hashtags[0]!r} holds proteins or peaks, name the pair: "
                f"modalities={((names or available)[0], hashtags[0])!r})"))
        if len(names) != 2:
            raise ValueError(
                f"the data holds {len(available)} modalities {available}; jae pairs exactly two: choose them with "
                f"modalities={_two_of(names)!r}, RNA first"
            )
        if log:
            log_set_aside("the data", hashtags)
    else:
        names = list(modalities)
        if len(names) != 2:
            raise ValueError(f"modalities={modalities!r} must name exactly two modalities, RNA first")
        missing = [n for n in names if n not in mods]
        if missing:
            raise KeyError(
                f"no modality {examples(missing)} in the data; available modalities: {available}; "
                "pass modalities=(rna_name, other_name) using these names"
            )
    by_name = _resolve_kinds(mods, names, kinds)
    first, second = names
    if by_name[first] == by_name[second]:
        from .call_fixes import called_file, calling  # jae's calls of data in memory take no kinds=: the data says

        kinds_fix = "pass kinds=('GEX', 'ATAC') / ('GEX', 'ADT')" if calling() is None or called_file() \
            else f"mark the other's kind, mdata[{second!r}].var['feature_types'] = 'Antibody Capture' or 'Peaks'"
        raise ValueError(
            f"modalities {first!r} and {second!r} are both {by_name[first]}; jae pairs RNA (GEX) with ATAC or ADT: "
            f"choose two different modalities or {kinds_fix}"
        )
    if "GEX" not in (by_name[first], by_name[second]):
        raise ValueError(
            f"neither {first!r} ({by_name[first]}) nor {second!r} ({by_name[second]}) is RNA; jae pairs RNA (GEX) "
            "with ATAC or ADT: include the RNA modality, or pass kinds=... if the detection is wrong"
        )
    if by_name[second] == "GEX":
        first, second = second, first
    return (first, second), (by_name[first], by_name[second])


def one_modality_message(what: str, *, h5mu: bool = False) -> str:
    """The refusal of data holding RNA alone where a second modality is needed (fitting): ``what`` says what the
    data holds; ``h5mu``: it is an ``.h5mu`` file, which a fitted model embeds or maps as it is."""
    alone = ("a fitted model embeds or maps this .h5mu as it is (jae embed / jae map; in Python model.embed(path) "
             "or jae.embed_files / jae.map_files)" if h5mu else
             "cells with RNA alone can then be embedded or mapped with the fitted model (from files: the RNA .h5ad "
             "as mod1 alone, or an .h5mu holding RNA alone)")
    return (
        f"{what}; jae learns from RNA paired with a second modality (ATAC or ADT), so fitting needs that second "
        "modality measured in at least some of the cells (50 paired): pass both, e.g. jae.read_competition(mod1, "
        f"mod2) or a MuData with an 'atac' or 'prot' modality; {alone}"
    )


def _matrix(adata, *, name: str, layer: str | None):
    return _stored(adata, counts_or_x(adata, layer, where=f"modality {name!r}"), name=name)


def _stored(adata, layer: str | None, *, name: str):
    """``adata``'s matrix at ``layer`` (None: ``.X``), where the counts were found; a modality without counts (``.X``
    None) refused in one line (:func:`jae.io.mosaic.no_counts_message`)."""
    X = adata.X if layer is None else adata.layers[layer]
    if X is None:
        from .mosaic import no_counts_message

        raise ValueError(no_counts_message(f"modality {name!r}", adata.layers))
    return X


def _as_csr(X) -> sp.csr_matrix:
    from .chunked import as_csr  # (dense float16 counts as float32, as streamed)
    return as_csr(X)


def get_paired(
    data,
    *,
    modalities: tuple[str, str] | None = None,
    layer: str | None = "counts",
    kinds: Sequence[str] | Mapping[str, str] | None = None,
) -> PairedCounts:
    """Extract the raw counts of two paired modalities, checked and aligned by cell name.

    Parameters
    ----------
    data
        A :class:`mudata.MuData`, a dict ``{name: AnnData}``, or one AnnData holding both modalities
        (:func:`jae.io.split_anndata`: ``var['feature_types']``, or proteins in ``obsm['protein_expression']``).
    modalities
        ``(rna_name, other_name)``; by default the two modalities of ``data`` (an error when there are not
        exactly two). They are returned RNA first whatever the order given.
    layer
        Layer holding raw counts in each modality; ``None`` uses ``.X``.
    kinds
        Kinds of the modalities (``'GEX'``, ``'ATAC'``, ``'ADT'``), one per modality in the order of
        ``modalities`` (or of ``data``), or a dict ``{name: kind}``; detected from ``var['feature_types']`` or
        the modality name when not given.

    Returns
    -------
    :class:`PairedCounts` with CSR counts of shapes ``(n_obs, n_vars)`` per modality, rows in ``obs_names`` order
    (the MuData's cell order, else the RNA modality's). CSR counts already in that order are not copied.

    Raises
    ------
    KeyError
        For a missing modality or layer.
    ValueError
        For cells that differ between the modalities, duplicated cell names, an unknown or repeated modality kind,
        or counts that fail :func:`jae.io.validate_counts`.
    """
    mods, global_obs = modalities_of(data, layer=layer)
    names, kind_pair = _choose(mods, modalities, kinds)

    for name in names:
        unique_cells(mods[name].obs_names, f"modality {name!r}")
    index_rna, index_other = (mods[n].obs_names for n in names)
    if not index_rna.equals(index_other):
        only_rna = index_rna.difference(index_other, sort=False)
        only_other = index_other.difference(index_rna, sort=False)
        if len(only_rna) or len(only_other):
            raise ValueError(
                f"the modalities hold different cells: {len(only_rna)} only in {names[0]!r}"
                + (f" (e.g. {examples(only_rna)})" if len(only_rna) else "") + f", {len(only_other)} only in {names[1]!r}"
                + (f" (e.g. {examples(only_other)})" if len(only_other) else "") + "; "
                + (_none_shared(index_other, index_rna, names[1]) if len(only_rna) == len(index_rna) else
                   "subset both modalities to the shared cells, e.g. mu.pp.intersect_obs(mdata)")
            )

    if global_obs is not None and global_obs.index.equals(index_rna):
        obs_names = global_obs.index
    elif global_obs is not None and global_obs.index.is_unique:
        obs_names = global_obs.index[global_obs.index.isin(index_rna)]
    else:
        obs_names = index_rna

    counts, var_names = [], []
    for name, kind in zip(names, kind_pair):
        adata = mods[name]
        X = _matrix(adata, name=name, layer=layer)
        if not adata.obs_names.equals(obs_names):
            logger.info("aligning the cells of modality %r to the shared cell order by name", name)
            X = X[adata.obs_names.get_indexer(obs_names)]
        X = _as_csr(X)
        validate_counts(X, name=f"modality {name!r} ({counts_read(adata, layer)})", modality=name, kind=kind,
                        **({"hint": h} if (h := counts_hint_for(adata, layer, others=[mods[n] for n in names
                                                                                     if n != name])) else {}))
        counts.append(X)
        var_names.append(adata.var_names)

    obs = _joint_obs(obs_names, global_obs, [mods[n] for n in names], names)
    return PairedCounts(
        obs_names=obs_names,
        obs=obs,
        names=tuple(names),
        kinds=kind_pair,
        counts=tuple(counts),
        var_names=tuple(var_names),
    )


def _none_shared(names: pd.Index, target: pd.Index, modality: str) -> str:
    """The fix when two modalities share no cell name: ``names`` (``modality``'s) renamed as ``target``'s when they are
    the same names with another prefix or suffix (:func:`jae.io.features.affix_rename`), else the same cells given."""
    from .features import affix_rename

    renamed = affix_rename(names, target)
    if renamed is None:
        return "they share no cell name: pass the two modalities of the same cells, named alike"
    return (f"they share no cell name, but {renamed[0]} are the same cells named with another prefix or suffix: name "
            f"the {modality!r} cells so, e.g. adata.obs_names = [{renamed[1]} for n in adata.obs_names] on its AnnData")

