"""``fragments=`` of :func:`jae.workflows.map_files` and :func:`jae.workflows.embed_files` (``--fragments`` of
``jae map`` and ``jae embed``): the query's ATAC modality counted from a 10x fragments file in the model's peaks
(:func:`jae.count_fragments`) for its RNA cells, in place of the peaks it was called in (a new Multiome sample's
own)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..io.inputs import InputFiles

__all__ = ["check_fragments", "check_fragments_model", "fragment_paths", "read_with_fragments"]

logger = logging.getLogger(__name__)


def check_fragments(fragments, *, remap_peaks: bool = False, inputs: InputFiles | None = None):
    """``fragments`` as a path to an existing file, or, for an input of several samples (``inputs.samples``), as a
    dict of sample name -> its fragments file in the samples' order (None: none given); refused in one line before
    any work, as is ``remap_peaks`` beside it (two ways to give the query the model's peaks).

    Several files are a mapping of sample name -> file, or a list of files each named as a Cell Ranger file is (the
    folder above ``outs/``: ``SAMPLE/outs/atac_fragments.tsv.gz``); their names must be the input's samples."""
    if fragments is None:
        return None
    if remap_peaks:
        raise ValueError("fragments= counts the query's ATAC in the model's peaks and remap_peaks=True puts the "
                         "query's own peaks onto them: give one (the fragments count is exact, the remap approximates it)")
    from ..io.fragments import _fragments_path

    samples = inputs.samples if inputs is not None else None
    if isinstance(fragments, (str, bytes, os.PathLike)):
        if samples is not None and len(samples) > 1:
            raise ValueError(f"fragments= names one fragments file and the input holds {len(samples)} samples "
                             f"({', '.join(samples)}), each with its own barcodes: give each sample's, "
                             + _example(samples))
        return _fragments_path(fragments)
    named = _named(fragments)
    if samples is None or len(samples) == 1:
        if len(named) > 1:
            raise ValueError(f"fragments= names {len(named)} files ({', '.join(named)}) and the input is one sample: "
                             "give its one fragments file")
        return _fragments_path(next(iter(named.values())))
    if set(named) != set(samples):
        missing, extra = [n for n in samples if n not in named], [n for n in named if n not in samples]
        nots = f"{', '.join(extra)} {'is no sample' if len(extra) == 1 else 'are no samples'}" if extra else ""
        raise ValueError("fragments= must name one file per sample of the input (" + ", ".join(samples) + "): "
                         + "; ".join(x for x in (f"none for {', '.join(missing)}" if missing else "", nots) if x)
                         + "; name each file by its sample, e.g. " + _example(samples))
    return {n: _fragments_path(named[n]) for n in samples}


def _example(samples) -> str:
    """The fix of a refusal above: ``fragments=`` naming the input's samples (``--fragments NAME=FILE1 ...`` in the
    CLI, :mod:`jae.cli._messages`), the first two of more than three."""
    names = list(samples)
    shown = names if len(names) <= 3 else names[:2]
    return ("fragments={" + ", ".join(f"{n!r}: FILE{i}" for i, n in enumerate(shown, 1))
            + (", ..." if len(shown) < len(names) else "") + "}")


def _named(fragments) -> dict:
    """Several fragments files as sample name -> file: a mapping as given, a list named as Cell Ranger files are
    (:func:`jae.io.inputs.name_samples`)."""
    from ..io.inputs import name_samples

    if isinstance(fragments, Mapping):
        return name_samples(list(fragments.items()), what="fragments", noun="fragments file")
    if not isinstance(fragments, Sequence):
        raise TypeError(f"fragments= must be a fragments file's path, or a mapping of sample name -> file, not "
                        f"{type(fragments).__name__}")
    return name_samples([(None, f) for f in fragments], what="fragments", noun="fragments file")


def fragment_paths(fragments) -> list[Path]:
    """The fragments files :func:`check_fragments` returned, as a list (none: empty), to protect from outputs."""
    if fragments is None:
        return []
    return list(fragments.values()) if isinstance(fragments, Mapping) else [fragments]


def check_fragments_model(fragments: Path | None, model) -> None:
    """Refuse, in one line, fragments for a model without peaks (a CITE-seq model), before the query is read."""
    if fragments is not None:
        from ..io.fragments import _peak_names

        _peak_names(model)


def read_with_fragments(inputs: InputFiles, model, fragments: Path, *, progress_bar: bool, check=None):
    """The query read whole, its RNA beside the ATAC counts of its cells in the model's peaks (the model's name of
    that modality); a second modality of its own is left out (logged). ``obs`` and ``uns`` are the query's.
    ``check(data)``, when given, refuses the query as read (e.g. without its batch column) before the fragments
    file is counted (minutes for a sample's)."""
    from ..io.fragments import count_fragments
    from ..io.peaks import model_atac
    from ..io.readers import make_mudata

    data = inputs.read()
    if check is not None:
        check(data)
    mods = dict(data.mod)
    rna = mods.pop("rna", None)
    if rna is None:
        raise ValueError(f"fragments count the ATAC of the query's RNA cells, and the query holds no RNA modality "
                         f"(it holds {', '.join(map(repr, mods))}): give its RNA as the input")
    source = (f"each sample's fragments file ({', '.join(f'{n}: {p}' for n, p in fragments.items())})"
              if isinstance(fragments, Mapping) else fragments.name)  # (every sample's file has one name)
    for name in mods:
        logger.info("the query's own %r (%d features) is left out: its ATAC is counted from %s in the model's peaks",
                    name, mods[name].n_vars, source)
    obs, uns = data.obs, data.uns
    del data, mods  # the query's own peak counts (a sample's: hundreds of MB) freed before the fragments are counted
    if isinstance(fragments, Mapping):  # several samples: each counted from its own file, for its own barcodes
        atac = _count_samples(fragments, model, rna.obs_names, obs, inputs.sample_column, progress_bar=progress_bar)
    else:
        atac = count_fragments(fragments, model, cells=rna.obs_names, progress_bar=progress_bar)
    if inputs.layer not in (None, "counts"):  # the layer every step reads the counts from
        atac.layers[inputs.layer] = atac.layers["counts"]
    counted = make_mudata({"rna": rna, model_atac(model)[1]: atac})
    for column in obs.columns:
        counted.obs[column] = obs[column].reindex(counted.obs_names).values
    counted.uns.update(uns)
    return counted


def _count_samples(fragments: Mapping, model, cells, obs, sample_key: str, *, progress_bar: bool):
    """Each sample's cells (``BARCODE-SAMPLE``, :func:`jae.io.combine_samples`) counted from its own fragments file
    under their barcodes, stacked in the cells' order and named as the cells are. What :func:`count_fragments` logs
    or refuses names the sample and its file's path (every sample's file is ``atac_fragments.tsv.gz``)."""
    import anndata as ad

    from ..io.fragments import check_fragments_start, count_fragments

    sample = _cell_samples(cells, list(fragments), obs.get(sample_key))
    own = {name: cells[sample == name] for name in fragments}
    barcodes = {name: [c[: -len(name) - 1] for c in own[name]] for name in fragments}
    for name, path in fragments.items():  # every file's first chunk checked before any is counted (minutes each)
        with _about(f"sample {name!r}, {path}"):
            check_fragments_start(path, model, cells=barcodes[name])
    parts = []
    for name, path in fragments.items():
        with _about(f"sample {name!r}, {path}"):
            counted = count_fragments(path, model, cells=barcodes[name], progress_bar=progress_bar)
        counted.obs_names = own[name]
        parts.append(counted)
    atac = ad.concat(parts, merge="same") if len(parts) > 1 else parts[0]
    return atac[cells].copy() if not atac.obs_names.equals(cells) else atac


def _cell_samples(cells, names: list[str], column):
    """Each cell's sample, read from its name (``BARCODE-SAMPLE``): the sample whose name ends it, where two do (a
    sample named as another's end, ``a`` and ``b-a``) the one ``column`` (the samples' ``obs`` column) gives, else
    the longer. The name, not the column: an annotation file's column of that name (batches of its own) replaces
    it."""
    import numpy as np

    names_of = pd.Index(cells).astype(str)
    given = column.reindex(cells).astype(object).to_numpy() if column is not None else np.full(len(cells), None)
    out = np.full(len(cells), None, dtype=object)
    ends = {n: np.asarray(names_of.str.endswith(f"-{n}"), dtype=bool) for n in names}
    for n in sorted(names, key=len):  # the longer name last: it wins where two end a cell's name
        out[ends[n]] = n
    for n in names:  # the samples' column, where it gives one of the names that end the cell's
        out[ends[n] & (given == n)] = n
    if (missing := np.flatnonzero(pd.isna(out))).size:
        raise ValueError(f"cell {names_of[missing[0]]!r} is named by none of the samples ({', '.join(names)}) as "
                         "BARCODE-SAMPLE: the fragments files are counted for the cells the samples' Cell Ranger files "
                         "name")
    return out


@contextmanager
def _about(what: str):
    """Within the block, the fragments readers' log records and refusals begin with ``what`` (which sample's file)."""
    def prefix(record: logging.LogRecord) -> bool:
        record.msg, record.args = f"{what}: {record.getMessage()}", None
        return True

    logs = [logging.getLogger(name) for name in ("jae.io.fragments", "jae.io._fraggzip")]
    for log in logs:
        log.addFilter(prefix)
    try:
        yield
    except ValueError as err:
        if len(err.args) == 1 and isinstance(err.args[0], str):
            err.args = (f"{what}: {err.args[0]}",)
        raise
    finally:
        for log in logs:
            log.removeFilter(prefix)
