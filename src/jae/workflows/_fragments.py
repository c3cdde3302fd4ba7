"""``fragments=`` of :func:`jae.workflows.map_files` and :func:`jae.workflows.embed_files` (``--fragments`` of
``jae map`` and ``jae embed``): the query's ATAC modality counted from a 10x fragments file in the model's peaks
(:func:`jae.count_fragments`) for its RNA cells, in place of the peaks it was called in (a new Multiome sample's
own)."""

from __future__ import annotations

import logging
from pathlib import Path

from ..io.inputs import InputFiles

__all__ = ["check_fragments", "check_fragments_model", "read_with_fragments"]

logger = logging.getLogger(__name__)


def check_fragments(fragments, *, remap_peaks: bool = False) -> Path | None:
    """``fragments`` as a path to an existing file (None: none given), refused in one line before any work, as is
    ``remap_peaks`` beside it (two ways to give the query the model's peaks)."""
    if fragments is None:
        return None
    if remap_peaks:
        raise ValueError("fragments= counts the query's ATAC in the model's peaks and remap_peaks=True puts the "
                         "query's own peaks onto them: give one (the fragments count is exact, the remap approximates it)")
    from ..io.fragments import _fragments_path

    return _fragments_path(fragments)


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
    for name in mods:
        logger.info("the query's own %r (%d features) is left out: its ATAC is counted from %s in the model's peaks",
                    name, mods[name].n_vars, fragments.name)
    obs, uns = data.obs, data.uns
    del data, mods  # the query's own peak counts (a sample's: hundreds of MB) freed before the fragments are counted
    atac = count_fragments(fragments, model, cells=rna.obs_names, progress_bar=progress_bar)
    if inputs.layer not in (None, "counts"):  # the layer every step reads the counts from
        atac.layers[inputs.layer] = atac.layers["counts"]
    counted = make_mudata({"rna": rna, model_atac(model)[1]: atac})
    for column in obs.columns:
        counted.obs[column] = obs[column].reindex(counted.obs_names).values
    counted.uns.update(uns)
    return counted
