"""Writing the embedding of ``jae embed`` (:func:`jae.workflows.embed_files`) to its output file: the competition's
``.h5ad``, or a copy of an ``.h5mu`` input, or of an ``.h5ad`` input (``copy_of``), with jae's entries added (made on
disk where the file allows, so the counts are never read), and the input's ``obs`` columns (a copy: its annotation
files') carried beside jae's labels."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..io.inputs import InputFiles

logger = logging.getLogger(__name__)

__all__ = ["write_embedding", "with_input_obs", "both_files_obs", "copied_input", "COPY_OF"]

#: The inputs (fields of :class:`jae.io.InputFiles`) whose ``.h5ad`` file ``embed_files(copy_of=...)`` copies to out
COPY_OF = ("mod1", "mod2", "h5ad")


def write_embedding(model, Z, cells: pd.Index, out: Path, *, inputs: InputFiles, dataset_id: str, method_id: str,
                    columns, overwrite: bool, imputed=None, copy: Path | None = None) -> None:
    """Write ``Z`` (rows for ``cells``) to ``out``: ``.h5ad`` in the competition's format, ``.h5mu`` as a copy of the
    ``.h5mu`` input with ``obsm['X_jae']``, ``uns['jae']``, the label ``columns`` and, with ``imputed`` (the
    prediction and its modality's name), that modality's ``layers['jae_imputed']``; with ``copy`` (the ``.h5ad``
    input :func:`copied_input` names) a copy of that file with the same entries; atomically, never over an input."""
    from ..io.write import (embedded_rows, graft_h5mu, h5mu_copy_layout, imputed_layer, read_h5mu_bare, stored_layers,
                            write_atomic, write_embedding_h5ad, write_h5mu_copy)

    protect = inputs.paths
    if out.suffix == ".h5ad" and copy is None:
        _warn_earlier_labels(model, getattr(columns, "columns", ()), out)
        write_embedding_h5ad(Z, cells, out, dataset_id=dataset_id, method_id=method_id, protect=protect,
                             obs=columns, overwrite=overwrite, var_names=model.column_names,
                             uns={"jae": model.provenance("X")})  # what made it: seeds, a mapped model's mappings
        return
    layout = (_h5ad_layout(copy) if copy is not None else  # its cells, obs columns and obsm keys: no count read
              h5mu_copy_layout(inputs.h5mu, cells, None if imputed is None else imputed[1]))  # the file read once
    bare = layout is not None and layout.get("modality") is False  # the imputed modality added: the file read bare
    layout = None if bare else layout
    source = (read_h5mu_bare(inputs.h5mu) if bare else _read_untouched(inputs.h5mu)) if layout is None else None
    layout = layout or {"cells": source.obs_names, "obs": source.obs.columns, "obsm": source.obsm,
                        "layers": getattr(source.mod.get(None if imputed is None else imputed[1]), "layers", {})}
    rows, columns = embedded_rows(Z, columns, cells, layout["cells"])  # a cell jae did not read: NaN, no label
    _warn_earlier_labels(model, [k for k in layout["obs"] if k not in (columns or {})], out)
    had = imputed is not None and "jae_imputed" in (stored_layers(inputs.h5mu, imputed[1]) if bare  # replaced too
                                                    else layout["layers"])  # (a bare read holds no layers)
    _log_replaced([k for k in (columns or {}) if k in layout["obs"]], out, also=(["obsm['X_jae']"] if "X_jae" in
                  layout["obsm"] else []) + ([f"mod[{imputed[1]!r}].layers['jae_imputed']"] if had else []),
                  by="jae's" + (" and the annotation files'" if inputs.annotations else ""))
    if source is None:  # a copy of the file on disk, with jae's entries written into it
        layer = None if imputed is None else imputed_layer(layout, *imputed)
        write_h5mu_copy(copy or inputs.h5mu, out, layout["cells"], obsm={"X_jae": rows}, uns={"jae": model.provenance(
            "X_jae")}, obs=columns, layer=layer, protect=protect, overwrite=overwrite)
        return
    source.obsm["X_jae"] = rows
    source.uns["jae"] = model.provenance("X_jae")  # as JAE.embed records it
    for key, values in (columns or {}).items():
        source.obs[key] = values
    if imputed is not None:  # (prediction, the file's name of its modality): a layer of that modality
        from ..imputation.run import add_imputed_layer

        add_imputed_layer(source, *imputed)
    (graft_h5mu(source, inputs.h5mu, out, imputed[1], protect=protect, overwrite=overwrite) if bare else  # counts unread
     write_atomic(source, out, protect=protect, overwrite=overwrite))


def with_input_obs(obs: pd.DataFrame, cells: pd.Index, columns: dict | None, *, annotations=None):
    """The input's ``obs`` columns in ``cells`` order, then jae's label ``columns``; a label column replaces an
    input column of the same name, with a log line. With ``annotations`` (the annotation files of an ``.h5mu`` copy,
    which holds the file's own ``obs``): only those files' columns, then the labels, as a dict of columns."""
    if annotations is not None:
        from ..io.annotations import annotation_columns
        from ..io.write import _column

        obs = obs[[c for c in dict.fromkeys(annotation_columns(annotations)) if c in obs.columns]]
        if not len(obs.columns):
            return columns
        frame = with_input_obs(obs, cells, columns)
        return {str(k): _column(frame[k]) for k in frame.columns}
    frame = obs.reindex(cells) if not obs.index.equals(cells) else obs
    frame = pd.DataFrame({str(k): frame[k].array for k in frame.columns}, index=cells)
    replaced = [k for k in (columns or {}) if k in frame.columns]
    _log_replaced(replaced)
    frame = frame.drop(columns=replaced)
    for key, values in (columns or {}).items():
        frame[key] = values
    return frame


def both_files_obs(data) -> pd.DataFrame:
    """The ``obs`` of two competition files (``mod1``, ``mod2``) opened or read: mod1's columns (with a batch only
    mod2 holds, and the annotation files' columns), then the columns only mod2 holds, as
    :func:`jae.io.cell_obs.cell_obs_of` reads them for the other calls. A column both files hold keeps mod1's values;
    the one line saying so where they differ is logged already (on opening the files, :func:`jae.io.plan_input`, or
    on reading the cells of a MuData, :func:`jae.io.get_paired`). Other data: its ``obs``, unchanged."""
    from ..io.cell_obs import cell_obs_of, modality_obs
    from ..io.paired_files import PairedFiles

    if isinstance(data, PairedFiles):
        return data.obs if data.other_obs is None else cell_obs_of(data, data.other_obs.columns)
    mods = list(getattr(data, "mod", None) or {})
    if len(mods) < 2:  # RNA alone (mod1 without mod2)
        return data.obs
    other = data.mod[mods[1]].obs  # the same cells as mod1 in another order, read whole (paired by name)
    own = other[[c for c in other.columns if c not in data.obs.columns]]
    return modality_obs([data.obs, own], data.obs.index) if len(own.columns) else data.obs


def _log_replaced(replaced: list, out: Path | None = None, *, also=(), by: str = "jae's") -> None:
    """One log line naming the input's ``obs`` columns (and ``also``, e.g. an existing ``obsm['X_jae']``) that the
    output holds jae's values in instead (the input file itself is never changed)."""
    if not replaced and not also:
        return
    what = ([f"obs column{'s' if len(replaced) > 1 else ''} {', '.join(repr(k) for k in replaced)}"] if replaced
            else []) + list(also)
    logger.info("the input's %s %s replaced in the output%s by %s; the input file is unchanged", " and ".join(what),
                "is" if len(replaced) + len(also) == 1 else "are", "" if out is None else f" {out.name}", by)


def _warn_earlier_labels(model, kept, out: Path) -> None:
    """Warn when the output keeps label columns of the input (``kept``: its obs columns carried as they were) named
    like jae's while this model, without cell types, writes none: an earlier run's labels beside this embedding."""
    from .embed import LABEL_COLUMNS

    stale = [k for k in LABEL_COLUMNS.values() if k in kept] if not model.layout.n_cell_type else []
    if stale:
        logger.warning("the input's obs column%s %s %s kept in the output %s as the input holds %s, though this model "
                       "has no cell types and labels no cell: %s not from this embedding (an earlier run's?); drop "
                       "%s there if %s, e.g. del %s.obs[%r] after reading it", "s" if len(stale) > 1 else "",
                       ", ".join(repr(k) for k in stale), "are" if len(stale) > 1 else "is", out.name,
                       "them" if len(stale) > 1 else "it", "they are" if len(stale) > 1 else "it is",
                       "them" if len(stale) > 1 else "it", "they mislead" if len(stale) > 1 else "it misleads",
                       "adata" if out.suffix == ".h5ad" else "mdata", stale[0])


def _read_untouched(path: Path):
    """The MuData in ``path`` exactly as stored: the user's modality names and obs (with its dtypes), nothing added."""
    from ..io.files import reopened
    from ..io.readers import read_h5mu_as_stored

    if not Path(path).is_file():  # a zarr store
        return read_h5mu_as_stored(path)
    with reopened(path, "copied into the output"):  # a writer's lock since the first read: said as open_again says it
        return read_h5mu_as_stored(path)


def copied_input(copy_of, inputs: InputFiles, out: Path, method_id: str) -> Path | None:
    """The ``.h5ad`` input file that ``copy_of`` (one of :data:`COPY_OF`, or None) names for :func:`write_embedding`
    to copy to ``out``; anything that cannot be copied so is refused in one line, before any work."""
    if copy_of is None:
        return None
    if not isinstance(copy_of, str) or copy_of not in COPY_OF:
        raise ValueError(f"copy_of={copy_of!r} names no .h5ad input: pass copy_of='mod1', 'mod2' or 'h5ad' (the input "
                         "file written to out with obsm['X_jae']), or copy_of=None")
    path = getattr(inputs, copy_of)
    if path is None:
        given = [k for k in COPY_OF if getattr(inputs, k) is not None]
        if inputs.h5mu is not None:
            fix = "the input is h5mu=, whose copy out=FILE.h5mu writes: pass copy_of=None with out=FILE.h5mu"
        elif inputs.tenx is not None:
            fix = ("the input is tenx= (Cell Ranger): write it as one .h5ad first, scanpy.read_10x_h5(FILE, "
                   "gex_only=False).write_h5ad('cells.h5ad') (a matrix folder: scanpy.read_10x_mtx(FOLDER, "
                   "gex_only=False)), and pass h5ad='cells.h5ad' with copy_of='h5ad'")
        else:
            fix = f"the input is {' and '.join(k + '=' for k in given)}{' alone' if given == ['mod1'] else ''}: " \
                  f"pass copy_of={given[0]!r}"
        raise ValueError(f"copy_of={copy_of!r} copies the {copy_of}= file, which this input lacks; {fix}")
    if out.suffix != ".h5ad":
        raise ValueError(f"copy_of={copy_of!r} writes a copy of the {copy_of}= .h5ad file: pass out=FILE.h5ad")
    if method_id != "jae":
        raise ValueError(f"method_id={method_id!r} is uns['method_id'] of the competition format; the copy of "
                         f"copy_of={copy_of!r} has none: leave method_id out")
    if path.is_dir():  # a zarr store: only an HDF5 file is copied as stored
        written = path.with_suffix(".h5ad")
        if written.exists():  # the fix must not write over a file beside the store
            written = next(p for n in range(1, 1000) if not (p := path.with_suffix(f".copy{n}.h5ad")).exists())
        raise ValueError(f"copy_of={copy_of!r} copies an .h5ad file and {path} is a zarr store: write it as one "
                         f"first, anndata.read_zarr({str(path)!r}).write_h5ad({str(written)!r}), "
                         f"and pass that as {copy_of}=")
    if path.is_file():  # (a missing one is refused as the input is read)
        _h5ad_layout(path, check=copy_of)
    return path


def _h5ad_layout(path: Path, *, check: str | None = None) -> dict:
    """What :func:`write_embedding` needs of the ``.h5ad`` file ``path`` to copy it: its cells in their stored order,
    its ``obs`` columns and ``obsm`` keys (no matrix read). ``check`` (the input's name): none of them, refusing a
    file whose ``obs`` is not stored as this anndata stores it (``copy_of`` adds columns to it as stored)."""
    from ..io.files import open_again
    from ..io.write import _column_order, _stored_index

    with open_again(path, "copied into the output") as f:
        obs = f.get("obs")
        if obs is None or not hasattr(obs, "keys") or obs.attrs.get("encoding-type") != "dataframe" or str(
                obs.attrs.get("encoding-version")) != "0.2.0":
            raise ValueError(f"{path} is not an .h5ad file as anndata >= 0.8 writes it (its obs is stored otherwise), "
                             f"to which copy_of adds columns: write it again first, anndata.read_h5ad({str(path)!r})"
                             f".write_h5ad('copy.h5ad'), and pass that as {check or 'the input'}=")
        if check:
            return {}
        return {"cells": _stored_index(obs), "obs": _column_order(obs), "obsm": list(f["obsm"]) if "obsm" in f else []}
