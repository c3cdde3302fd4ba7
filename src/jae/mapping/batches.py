"""The query's batch column: each cell's batch read and checked, and the checks of ``batch_key``.

Used by :func:`jae.mapping.map_query` (the batches it adds) and :meth:`jae.JAE.finetune` (the decoder's batches), before
any work on the counts; every refusal is one line naming the column and the fix.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from .._words import first_names, not_a_key

logger = logging.getLogger(__name__)


def batch_names(names, n: int = 5) -> str:
    """The first ``n`` of ``names`` (:func:`shown_order`), comma-separated, then how many there are in all: a query of
    a batch per donor (hundreds) is named in a line of the log, not a page."""
    return first_names(shown_order(names), n, rest="in all")


_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?")


def shown_order(names) -> list[str]:
    """``names`` as text, in the order messages show them: numeric-looking names (every one a number, e.g. the
    batches 0, 1, ..., 10 of a column of integers) in numeric order, not text order ('0, 1, 10, 2'); any others as
    given. For messages only: the adapter's batch order and every saved order stay as they are."""
    names = [str(b) for b in names]
    if names and all(_NUMBER.fullmatch(b.strip()) for b in names):
        return sorted(names, key=lambda b: float(b))  # (stable: '1' and '1.0' keep their order)
    return names


def _unique_cells(data) -> None:
    """Refuse in-memory data whose modalities repeat cell names (files are checked when opened)."""
    from collections.abc import Mapping

    from ..io.features import unique_cells

    mods = data if isinstance(data, Mapping) else getattr(data, "mod", None)
    if isinstance(data, Mapping):  # of AnnData objects: a matrix alone failed with "no attribute 'obs_names'"
        from ..io.single import check_dict_values

        check_dict_values(data)
    if isinstance(mods, Mapping):
        for name, adata in mods.items():
            unique_cells(adata.obs_names, f"modality {name!r}", paired=len(mods) > 1)
    elif hasattr(data, "obs_names") and not hasattr(data, "counts"):
        unique_cells(data.obs_names, "the data", paired=False)


def cell_batches(data, batch_key: str, *, caller: str, layer: str | None = "counts", model=None) -> pd.Series:
    """The batch label of each of ``data``'s cells, ``obs[batch_key]`` read as fit reads annotations (the global obs
    and the modalities' own columns; :func:`jae.io.paired.cell_obs`), before any work on the counts: the batches of
    the cells :func:`map_query` maps and :meth:`jae.JAE.finetune` fine-tunes. A cell without a batch (NaN, None) is
    refused (:func:`jae.io.paired.check_batches`, as fit refuses it), not taken as a batch 'nan'. ``caller`` names the
    call in the message for data without annotations; ``layer``: where a path's counts are, as the call reads them;
    ``model``: the model whose batch column ``batch_key`` may be, found also as the modality's column it names
    (``'rna:batch'``, :func:`jae.io.pulled_keys.pulled_column`)."""
    from ..io.cell_obs import cell_obs_of
    from ..io.paired import batch_column, check_batches, get_annotation
    from ..io.plan import opened
    from ..io.pulled_keys import model_keys

    with batch_column(batch_key):  # the modalities must agree on this column; a path: its file's obs, as the call
        obs = cell_obs_of(opened(data, layer=layer), [batch_key], model_keys=model_keys(model))  # opens it
    if obs is None:
        raise ValueError(f"{caller} needs data with an .obs frame (AnnData, MuData, or data opened with jae.io.open_*) "
                         f"holding obs[{batch_key!r}]")
    if batch_key not in obs.columns and not any(str(c).endswith(f":{batch_key}") for c in obs.columns):
        from .._words import columns_near
        from ..io.cell_obs import pulled_name_fix

        columns = columns_near(obs.columns, batch_key)  # 'donor_id' for 'donor' first
        if pulled := pulled_name_fix(obs, batch_key, "batch_key"):  # 'rna:batch' for the modality's 'batch'
            raise KeyError(f"no batch labels column {batch_key!r} in obs ({columns}){pulled}")
        raise KeyError(f"no batch labels column {batch_key!r} in obs ({columns}), where {caller} reads "
                       "each cell's batch: pass batch_key=<column> holding them, or add it, e.g. "
                       f"data.obs[{batch_key!r}] = 'sample1' for cells of one sample"
                       + (" (batch_key=None reads the reference's column, not all cells as one batch)"
                          if caller == "map_query" else ""))
    batch = get_annotation(obs, batch_key, what="batch labels")
    try:
        check_batches(batch, min_cells=1)
    except ValueError:  # mosaic data whose batch column is kept in one modality's obs: said so
        from ..io.mosaic import membership
        from ..mosaic import check_mosaic_batches

        if (held := membership(opened(data, layer=layer), obs.index)) is not None:
            check_mosaic_batches(*held, pd.DataFrame({batch_key: batch.to_numpy()}, index=obs.index), batch_key,
                                 alternative=None)
        raise
    return batch


def decoder_batch_key(model, data) -> str | None:
    """The ``batch_key`` of :meth:`jae.JAE.finetune` when ``jae embed`` fine-tunes ``model``: for a model whose decoder
    takes the batch (``decoder_batch=True``), the column it was fitted with when ``data`` holds it (its cells checked
    here, before any work: the decoder gets the batches it was pretrained on, zeros for new ones), else None (every
    cell's decoder gets zeros, as for new batches, with a log line)."""
    from ..io.cell_obs import cell_obs_of
    from ..io.pulled_keys import model_keys

    key = getattr(model, "batch_key", None)
    if not model.config.decoder_batch or not key and list(getattr(model, "batches", [])) in ([], ["all"]):
        return None  # ['all']: fitted without a batch column (batch_key=None)
    if not key:  # saved before jae kept fit's column: the default column, as query_batch_key reads then
        key = "batch"
        logger.info("this model's decoder takes each cell's batch, but its fit batch column is not on record (a model "
                    "saved by an older jae): fine-tuning reads the batches from obs['batch'], the default column")
    obs = cell_obs_of(data, [key], model_keys=model_keys(model))  # opened competition files: the second file's too
    if obs is None or not any(c == key or str(c).endswith(f":{key}") for c in obs.columns):
        logger.info("the data has no obs[%r], the batches this model's decoder was fitted with: fine-tuning gives "
                    "the decoder no batch (zeros) for every cell", key)
        return None
    try:  # a cell without a batch: refused before the counts are read
        cell_batches(data, key, caller="fine-tuning", model=model)
    except ValueError as err:
        raise ValueError(f"this model's decoder takes each cell's batch (decoder_batch=True), which fine-tuning reads "
                         f"from obs[{key!r}]: {err}; or skip fine-tuning (finetune_epochs=0)") from None
    return key


def check_new_batches(batch, known, batch_key: str) -> None:
    """Refuse a query none of whose batches is new to the model (all reference batches, or mapped before): map_query
    trains shifts for new batches only, so it would return the model unchanged; one line with the two fixes."""
    present = sorted(set(np.asarray(batch).astype(str)))
    if set(present) - set(known):
        return
    if not present:  # not 'every query batch (none) is already known'
        raise ValueError("the query holds no cells (0 rows), so there is nothing to map: check the data and any "
                         "subsetting done before")
    shown = first_names((repr(b) for b in shown_order(present)), rest="in all")
    raise ValueError(
        f"every query batch in obs[{batch_key!r}] ({shown}) is already known to the model (a reference batch, or "
        "mapped before), so there is nothing to map: embed these cells with the model as it is (jae embed --model "
        f"MODEL --finetune-epochs 0; JAE.embed), or, if they are new samples named like known batches, rename them "
        f"(obs[{batch_key!r}] = 'query_' + obs[{batch_key!r}].astype(str)) and map again"
    )


def check_seed_epochs(seed, epochs) -> None:
    """Refuse a seed with ``epochs=0``: it seeds the training of the shifts, which then does not run (here, not in
    :mod:`jae.mapping.train`, whose torch a refusal need not import)."""
    if seed is not None and isinstance(epochs, (int, np.integer)) and epochs == 0:  # else read by nothing
        raise ValueError("seed seeds the training of the shifts, which epochs=0 skips: pass seed=None")


def check_batch_key(batch_key) -> None:
    """Refuse a ``batch_key`` that names no column ('', ``'none'`` as ``jae map --batch-key none`` gives it, a
    number): mapping gives each new batch its own shift, so it cannot take all cells as one batch as ``fit`` can.
    None is the reference's column (:func:`query_batch_key`), in Python as when ``jae map`` is given no --batch-key."""
    if batch_key is None or (isinstance(batch_key, str) and batch_key.strip().lower() not in ("", "none")):
        return
    if hasattr(batch_key, "index") and hasattr(batch_key, "dtype"):  # obs['batch'] itself: its name is the fix
        raise TypeError(f"batch_key must name one obs column (a string), not {not_a_key(batch_key, 'batch_key')}")
    raise ValueError(f"mapping needs batch_key, the obs column with each query cell's batch (each new batch gets its "
                     f"own shift), not {not_a_key(batch_key, 'batch_key')}: pass batch_key=<column> (one value in "
                     "it for a single sample; annotations=FILE can hold it), or leave batch_key out to read the column "
                     "the reference was fitted with")


def check_mapped_key(reference, batch_key: str) -> None:
    """Refuse mapping a mapped model again by another ``obs`` column than its earlier mapping read: its adapter reads
    one column for every mapped batch, so the fix is that column, holding the query's batches (not another
    ``batch_key``, which this refuses)."""
    adapter = getattr(reference, "adapter", None)
    if adapter is None or adapter.batch_key == batch_key:
        return
    key = adapter.batch_key
    raise ValueError(f"this model maps batches by obs[{key!r}] (the column its earlier mapping read), and a mapped model "
                     f"reads one batch column, so this query's batches must be there too: copy them "
                     f"(data.obs[{key!r}] = data.obs[{batch_key!r}].astype(str)) and map with batch_key={key!r} or "
                     "without batch_key")


def mapped_column_missing(adapter) -> str:
    """The refusal of a query lacking the column a mapped model (``adapter``) maps batches by: the fix is that column
    (another ``batch_key`` is refused, :func:`check_mapped_key`)."""
    key = adapter.batch_key
    return (f"the query has no obs column {key!r}, which this model maps batches by (the column its earlier mapping "
            "read; a mapped model reads one batch column, so another batch_key is refused): add it "
            f"(data.obs[{key!r}] = each cell's batch), or read the files with annotations=FILE holding it "
            "(jae.read_competition, jae.io.open_competition, jae.io.open_rna)")


def query_batch_key(reference, batch_key: str | None) -> str:
    """The query batches' ``obs`` column: ``batch_key`` checked (:func:`check_batch_key`), or for None the reference's:
    the column its earlier mappings read, else the one ``fit`` read (``reference.batch_key``), else ``'batch'`` (a
    reference fitted without batches, or saved before jae kept fit's column)."""
    check_batch_key(batch_key)
    if batch_key is not None:
        return batch_key
    key = model_batch_key(reference)
    logger.info("the query's batches are read from obs[%r], %s", key, batch_key_origin(reference))
    return key


def model_batch_key(model) -> str:
    """The ``obs`` column a model reads new cells' batches from: the column its mappings read (the only one a mapped
    model takes), else the one ``fit`` read (``model.batch_key``), else ``'batch'``."""
    adapter = model.adapter
    return adapter.batch_key if adapter is not None else getattr(model, "batch_key", None) or "batch"


def batch_key_origin(reference) -> str:
    """Why :func:`query_batch_key` reads its column for ``batch_key=None``, in words (its log line; the message of a
    query lacking that column)."""
    if reference.adapter is not None:
        return "the column the reference was mapped by"
    if getattr(reference, "batch_key", None):
        return "the column the reference was fitted with"
    return "the default column, as the reference was fitted without one"


def _as_number(name) -> float | None:
    try:
        value = float(str(name))
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def warn_numeric_twins(names, known, batch_key: str, *, what: str) -> None:
    """Warn in one line when batches ``names`` unknown to the model equal ``known`` batches as numbers ('0.0' beside
    '0': a batch column stored as float, as after a pandas join or merge, against a model fitted with integers), which
    jae takes as other batches since it compares batch names as text; ``what``: how the call treats such a batch. Only
    a log line: the batches are used as given."""
    numbers = {}
    for k in known:
        if (value := _as_number(k)) is not None:
            numbers.setdefault(value, str(k))
    known_text = {str(k) for k in known}
    twins = [(str(n), numbers[v]) for n in names
             if str(n) not in known_text and (v := _as_number(n)) is not None and v in numbers]
    if twins:  # the model fitted on a float column ('0.0') and these integers: the other way round
        kind = "float" if any("." in t[1] for t in twins) else "int"
        logger.warning(
            "batches %s in obs[%r] are new to the model by name but equal its batches %s as numbers (a column stored "
            "as float, e.g. after a pandas join or merge): %s; if they are the same batches, store them as the model "
            "names them, e.g. obs[%r] = obs[%r].astype(%s).astype(str) (in the CLI: an annotations file holding "
            "them so)", batch_names([t[0] for t in twins]), batch_key, batch_names([t[1] for t in twins]),
            what, batch_key, batch_key, kind)
