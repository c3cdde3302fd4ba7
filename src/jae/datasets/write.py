"""``write_simulated``: stream a simulated dataset of any size to disk in row chunks (competition layout or MuData).

Counts are generated chunk by chunk (:func:`jae.datasets.sampling.sample_block`) and appended to resizable CSR
datasets in the file, so memory stays ``O(chunk)`` plus the design (a few arrays of one value per cell and the
per-group feature distributions). Nothing dense and never the whole matrix.
"""

from __future__ import annotations

import logging
import os
import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

import anndata as ad
import h5py
import numpy as np
import pandas as pd

from .._flags import bars_off, check_flags, is_whole
from ..io.atomic import atomic_path
from ..io.outputs import check_outputs
from ..io.paths import user_path
from .design import BLOCK_CELLS, Design, SimulationParams, make_design
from .sampling import check_counts_memory, sample_block
from .simulate import dataset_uns, modality_var

__all__ = ["write_simulated", "PRESETS"]

logger = logging.getLogger(__name__)

#: Shapes of the NeurIPS 2021 joint-embedding data (cells are chosen by the caller).
PRESETS: dict[str, dict[str, dict[str, int]]] = {
    "competition": {
        "multiome": {"n_genes": 13431, "n_peaks": 116490, "n_cell_types": 22, "n_batches": 13},
        "cite": {"n_genes": 13953, "n_proteins": 134, "n_cell_types": 45, "n_batches": 12},
    },
}
#: Sizes used without a preset (those of :func:`jae.datasets.simulate`).
_DEFAULTS = {"n_genes": 2000, "n_peaks": 4000, "n_proteins": 30, "n_cell_types": 6, "n_batches": 3}
_DATA_CHUNK = 1 << 20  # HDF5 chunk (elements) of the data / indices datasets


def _create_csr(group: h5py.Group, name: str, shape: tuple[int, int], expected_nnz: float,
                margin: float = 1.0) -> h5py.Group:
    """An empty resizable CSR group; its HDF5 chunks hold up to 2**20 values, sized to split the values the whole
    matrix is expected to hold (``expected_nnz`` times ``margin``, for an estimate) evenly: a chunk is stored whole,
    so 400 cells once took 4 MB per array, and a matrix just above one chunk's worth took two (4,000 cells of the
    default sizes: 18 MB files for 9 MB of counts)."""
    spaced = margin * expected_nnz
    chunk = int(max(1 << 12, np.ceil(spaced / np.ceil(spaced / _DATA_CHUNK))))
    g = group.create_group(name)
    g.attrs["encoding-type"] = "csr_matrix"
    g.attrs["encoding-version"] = "0.1.0"
    g.attrs["shape"] = np.array(shape, dtype=np.int64)
    g.create_dataset("data", shape=(0,), maxshape=(None,), chunks=(chunk,), dtype=np.float32)
    g.create_dataset("indices", shape=(0,), maxshape=(None,), chunks=(chunk,), dtype=np.int32)
    g.create_dataset("indptr", data=np.zeros(1, dtype=np.int64), maxshape=(None,), chunks=(min(1 << 16, chunk),))
    return g


def _append_csr(g: h5py.Group, block) -> None:
    data, indices, indptr = g["data"], g["indices"], g["indptr"]
    n0, r0 = int(data.shape[0]), int(indptr.shape[0])
    nnz = int(block.indptr[-1])  # a Python int: int32 + int would wrap past 2**31 stored values (NumPy 2 rules)
    data.resize((n0 + nnz,))
    indices.resize((n0 + nnz,))
    data[n0:] = block.data.astype(np.float32, copy=False)
    indices[n0:] = block.indices.astype(np.int32, copy=False)
    indptr.resize((r0 + block.shape[0],))
    indptr[r0:] = block.indptr[1:].astype(np.int64) + indptr[r0 - 1]


def _skeleton(design: Design, mod: str, obs: pd.DataFrame) -> ad.AnnData:
    adata = ad.AnnData(obs=obs, var=modality_var(design, mod))
    adata.uns.update(dataset_uns(design))
    return adata


def _checked_targets(path: Path, mods: list[str], fmt: str, folder: bool, overwrite: bool) -> dict[Path, list[str]]:
    targets = _targets(path, mods, fmt, folder)
    check_outputs(  # a missing folder is refused, as every verb's output: never created silently; nor in a model folder
        [("path", t) for t in targets], inputs=(), overwrite=overwrite, overwrite_fix="pass overwrite=True",
        any_model="inside")
    return targets


def _targets(path: Path, mods: list[str], fmt: str, folder: bool = False) -> dict[Path, list[str]]:
    if fmt == "h5ad-pair":
        if folder:  # the files would land beside the folder (<folder>.mod1.h5ad), not in it
            raise ValueError(
                f"format='h5ad-pair' takes a file prefix, got the folder {path}; pass e.g. {path / 'sim'} to write "
                f"sim.mod1.h5ad and sim.mod2.h5ad inside it"
            )
        if path.suffix in (".h5ad", ".h5mu"):
            prefix = path.with_suffix("")  # x.mod1.h5ad (a competition file's name): x, not x.mod1 (x.mod1.mod1.h5ad)
            prefix = prefix.with_suffix("") if prefix.suffix in (".mod1", ".mod2") else prefix
            raise ValueError(
                f"format='h5ad-pair' takes a file prefix, got {path}; pass e.g. {prefix} to write "
                f"{prefix.name}.mod1.h5ad and .mod2.h5ad"
                + (", or format='h5mu' to write the one MuData file" if path.suffix == ".h5mu" else "")
            )
        return {path.parent / f"{path.name}.mod1.h5ad": ["rna"], path.parent / f"{path.name}.mod2.h5ad": mods[1:]}
    if fmt == "h5mu":
        if path.suffix != ".h5mu":
            raise ValueError(f"format='h5mu' writes a .h5mu file; got {path}: use a path ending in .h5mu")
        return {path: mods}
    raise ValueError(f"unknown format {fmt!r}; use format='h5ad-pair' (competition layout) or 'h5mu'")


def _check_preset_counts(preset, kind, n_cells, sizes: dict, given: dict) -> None:
    """Refuse cell types or batches that the preset, not the caller, sets above ``n_cells``, naming the preset: the
    refusal of :func:`make_design` named ``n_cell_types=45``, a size ``jae simulate --n-cells 30 --kind cite`` was
    never given."""
    if preset is None or not is_whole(n_cells, 2):  # a bad n_cells is make_design's to refuse
        return
    for key, noun in (("n_cell_types", "cell types"), ("n_batches", "batches")):
        if given[key] is None and sizes[key] > n_cells:
            instead = (f", or preset=None ({_DEFAULTS[key]} {noun})" if _DEFAULTS[key] <= n_cells else "")
            raise ValueError(f"preset={preset!r} simulates {sizes[key]} {noun} for kind={kind!r}, more than "
                             f"n_cells={n_cells}: some would have no cell; pass n_cells >= {sizes[key]}, or "
                             f"{key} <= {n_cells}{instead}")


def write_simulated(
    path: str | os.PathLike,
    *,
    n_cells: int,
    kind: Literal["multiome", "cite"] = "multiome",
    preset: Literal["competition"] | None = "competition",
    format: Literal["h5ad-pair", "h5mu"] = "h5ad-pair",
    chunk_size: int = 4 * BLOCK_CELLS,
    seed: int = 0,
    organism: str = "human",
    n_genes: int | None = None,
    n_peaks: int | None = None,
    n_proteins: int | None = None,
    n_cell_types: int | None = None,
    n_batches: int | None = None,
    params: SimulationParams | None = None,
    overwrite: bool = False,
    progress_bar: bool = True,
) -> list[Path]:
    """Simulate paired counts (as :func:`jae.datasets.simulate`) and stream them to disk in row chunks.

    The matrices written equal ``simulate(n_cells, ...)`` with the same sizes and seed, whatever ``chunk_size``.

    Parameters
    ----------
    path
        For ``format='h5ad-pair'`` a prefix: writes ``<path>.mod1.h5ad`` (GEX) and ``<path>.mod2.h5ad`` (ATAC or
        ADT), the competition's layout, each with the annotations in ``obs``. For ``'h5mu'`` a ``.h5mu`` path
        (annotations in the global ``obs``). Its folder must exist (it is not created).
    n_cells
        Number of cells (a million is fine: memory is bounded by ``chunk_size``).
    kind
        ``'multiome'`` or ``'cite'``.
    preset
        ``'competition'``: the full competition data's features, cell types and batches (Multiome 13,431 genes +
        116,490 peaks, 22 types, 13 batches; CITE-seq 13,953 genes + 134 proteins, 45 types, 12 batches);
        ``None``: the sizes of :func:`simulate`. Explicit ``n_genes`` etc. override either.
    format
        ``'h5ad-pair'`` or ``'h5mu'``.
    chunk_size
        Cells generated and written at a time (at least 1; rounded up to a multiple of 1024), their counts held in
        memory at once: refused in one line when they would not fit.
    n_genes, n_peaks, n_proteins, n_cell_types, n_batches
        Sizes that override the preset's (None: the preset's, or :func:`simulate`'s defaults without one);
        ``n_peaks`` applies only to multiome, ``n_proteins`` only to CITE, as in :func:`simulate` (so one dict of
        sizes serves both kinds).
    seed, organism, params
        As in :func:`simulate`.
    overwrite
        Whether existing output files may be replaced.
    progress_bar
        One tqdm bar over the chunks.

    Returns
    -------
    The written paths. Each modality holds raw counts as CSR float32 in ``layers['counts']``; ``X`` is an HDF5
    hard link to the same data (no extra disk; note that reading such a file fully into memory loads it twice).
    Files appear atomically (written to a temporary name, then renamed).
    """
    from tqdm.auto import tqdm

    if preset not in (None, *PRESETS):
        raise ValueError(f"unknown preset {preset!r}; use preset='competition' or None")
    sizes = dict(_DEFAULTS)
    if preset is not None:
        sizes.update(PRESETS[preset][kind] if kind in PRESETS[preset] else {})
    given = dict(n_genes=n_genes, n_peaks=n_peaks, n_proteins=n_proteins, n_cell_types=n_cell_types, n_batches=n_batches)
    sizes.update({k: v for k, v in given.items() if v is not None})
    _check_preset_counts(preset, kind, n_cells, sizes, given)
    folder = isinstance(path, str) and path.endswith(("/", os.sep))
    path = user_path(path)
    folder = folder or path.is_dir()
    check_flags(overwrite=overwrite, progress_bar=progress_bar)
    if not is_whole(chunk_size, 1):
        raise ValueError(f"chunk_size={chunk_size!r} is no number of cells: pass chunk_size >= 1 (cells generated and "
                         "written at a time, rounded up to a multiple of 1024)")
    # the outputs are checked before the design (seconds and GBs for millions of cells); make_design refuses a bad kind
    mods = {"multiome": ["rna", "atac"], "cite": ["rna", "prot"]}.get(kind) if isinstance(kind, str) else None
    targets = None if mods is None else _checked_targets(path, mods, format, folder, overwrite)
    design = make_design(n_cells, kind=kind, organism=organism, seed=seed, params=params or SimulationParams(), **sizes)
    targets = targets or _checked_targets(path, design.mods, format, folder, overwrite)
    chunk = max(BLOCK_CELLS, -(-int(chunk_size) // BLOCK_CELLS) * BLOCK_CELLS)
    check_counts_memory(design, min(chunk, design.n_cells), f"chunk_size={chunk_size}",
                        f"pass a smaller chunk_size (default {4 * BLOCK_CELLS}): its cells are held in memory at once")
    first = sample_block(design, 0, chunk)  # sized against the free disk before any file is made
    _check_disk(targets, first, n_cells)
    obs = design.obs()
    with ExitStack() as stack:  # each file is moved into place when all are written, or removed on failure
        tmps = {t: stack.enter_context(atomic_path(t, overwrite=overwrite)) for t in targets}
        files: dict[Path, h5py.File] = {}
        try:
            for target, mods in targets.items():
                if format == "h5ad-pair":
                    _skeleton(design, mods[0], obs).write_h5ad(tmps[target])
                else:
                    from ..io.readers import _quiet_mudata, make_mudata

                    mdata = make_mudata({m: _skeleton(design, m, pd.DataFrame(index=obs.index)) for m in mods})
                    for col in obs.columns:
                        mdata.obs[col] = obs[col].values
                    mdata.uns.update(dataset_uns(design))
                    with _quiet_mudata():  # MuData's set_options logs two lines to the root logger
                        mdata.write(tmps[target])
                files[target] = h5py.File(tmps[target], "a")
            groups = {}
            for target, mods in targets.items():
                for m in mods:
                    root = files[target] if format == "h5ad-pair" else files[target]["mod"][m]
                    expected = first[m].indptr[-1] / first[m].shape[0] * n_cells  # values of the whole matrix
                    # extrapolated from the first chunk's cells (within 2.5% from 1,024 cells): 5% more room
                    margin = 1.0 if first[m].shape[0] == n_cells else 1.05
                    groups[m] = _create_csr(root["layers"], "counts", (n_cells, len(design.var_names[m])), expected,
                                            margin)
                    if "X" in root:
                        del root["X"]  # MuData writes a null X for modalities without one
                    root["X"] = groups[m]  # hard link: X and layers['counts'] are the same data
            for start in tqdm(range(0, n_cells, chunk), disable=not progress_bar or bars_off(), desc="simulate",
                              unit="chunk", leave=False):  # gone once done, as fit's and evaluate's
                counts, first = (first, None) if start == 0 else (sample_block(design, start, start + chunk), None)
                for m, block in counts.items():
                    _append_csr(groups[m], block)
            for f in files.values():
                f.close()
        except BaseException:
            for f in files.values():
                if f.id.valid:
                    f.close()
            raise
    logger.info("wrote %d simulated %s cells to %s", n_cells, kind, ", ".join(map(str, targets)))
    return list(targets)


def _check_disk(targets: dict[Path, list[str]], first: dict, n_cells: int) -> None:
    """Fail early when the extrapolated file size exceeds the free disk space."""
    rows = next(iter(first.values())).shape[0]
    per_cell = sum(b.indptr[-1] for b in first.values()) * 8 / rows + 8 * len(first)
    need = per_cell * n_cells
    free = shutil.disk_usage(next(iter(targets)).parent).free
    logger.info("simulated files need about %s (%s free)", _size(need), _size(free))
    if need > 0.95 * free:
        raise ValueError(
            f"the simulated files need about {_size(need)} but only {_size(free)} are free on "
            f"{next(iter(targets)).parent}; write fewer cells, fewer features "
            f"({'n_peaks' if 'atac' in first else 'n_genes'}=...) or to another disk"  # a CITE-seq file has no peaks
        )


def _size(n: float) -> str:
    """A number of bytes for people: GB from 1 GB, MB below."""
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"
