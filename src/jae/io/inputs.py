"""Paired data named by its files: the one description of an input that the file workflows and the CLI share.

:class:`InputFiles` names the competition layout (a GEX ``.h5ad`` and an ATAC/ADT ``.h5ad``), an ``.h5mu`` or a Cell
Ranger ``.h5`` (or matrix folder) or one ``.h5ad`` holding both modalities, with annotation files joined by cell name
and the layer holding raw counts. :meth:`InputFiles.open` reads it into memory when it fits a memory budget and
otherwise leaves it on disk for streaming (:func:`jae.io.plan_input`); :meth:`InputFiles.read` always reads it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from .._words import count
from .paths import annotation_paths, user_path

__all__ = ["InputFiles"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike


@dataclass(frozen=True)
class InputFiles:
    """Paired single-cell data on disk: exactly one of ``mod1`` + ``mod2``, ``h5mu``, ``tenx`` or ``h5ad``. Where an
    ``.h5ad`` or ``.h5mu`` is taken, its zarr store is too (``adata.write_zarr``, ``mdata.write_zarr``: an AnnData
    store for ``mod1``, ``mod2`` and ``h5ad``, a MuData store for ``h5mu``; :mod:`jae.io.zarr_stores`).

    Parameters
    ----------
    mod1, mod2
        Competition layout: the GEX ``.h5ad`` and the ATAC or ADT ``.h5ad`` (:func:`jae.io.read_competition`).
    h5mu
        A MuData file with an RNA modality and an ATAC or protein modality (:func:`jae.io.read_h5mu`), or with RNA
        alone (a query to embed or map with a fitted model; fitting needs both).
    tenx
        A Cell Ranger (ARC) ``filtered_feature_bc_matrix.h5`` (:func:`jae.io.read_10x_h5`) or its matrix folder
        ``filtered_feature_bc_matrix/`` (or the folder's ``matrix.mtx.gz``, GEO's prefixed copies too:
        :func:`jae.io.read_10x_mtx`), or one of Gene Expression alone (a query to embed or map with a fitted model;
        fitting needs both). Several files, one per sample: a mapping of sample name -> file, or
        a list of files, each named by the folder above ``outs/`` (``SAMPLE/outs/filtered_feature_bc_matrix.h5``,
        ``SAMPLE/outs/filtered_feature_bc_matrix``), else by its stem; read as one by
        :func:`jae.io.combine_samples` (cells named ``BARCODE-SAMPLE``, the sample in ``obs[sample_key]``); files of
        Gene Expression alone (every one) are read as RNA alone, a query, as one such file is. A file, or several
        samples, that reading whole would take more than the memory budget is copied (combined one sample at a
        time) into a temporary ``.h5mu`` (:mod:`jae.io.samples_files`; an ``.h5`` read in blocks of cells, a matrix
        folder whole) and streamed from it.
    h5ad
        One ``.h5ad`` holding both modalities (:func:`jae.io.split_anndata`: ``var['feature_types']`` as
        ``scanpy.read_10x_h5(..., gex_only=False)`` writes it, or proteins in ``obsm['protein_expression']`` as
        scvi-tools keeps them); always read whole.
    annotations
        ``.h5ad`` files whose ``obs`` columns (cell types, batches, ...), or CSV / TSV tables whose columns (the first
        names the cells; ``.csv.gz`` / ``.tsv.gz`` too: :mod:`jae.io.annotation_tables`), are joined by cell name,
        replacing the data files' own columns of the same name whatever the source (for the cells a file holds; the others keep theirs).
    rna, other
        Modality names in ``h5mu`` (``other`` None: the one that is not ``rna``); refused for the other inputs.
    layer
        Layer holding raw counts; None: ``.X``. The one setting every step reading counts from these files uses.
    mod2_kind
        ``'ATAC'`` or ``'ADT'`` when the second modality's ``var`` has no ``'feature_types'``; for ``h5ad`` and
        ``tenx``, the one paired with RNA when it holds Peaks and Antibody Capture both.
    sample_key
        The ``obs`` column that gets each cell's sample when ``tenx`` names several files (the batch column); None:
        the column the call reads batches from (:func:`jae.fit_files`' ``batch_key``; in :func:`jae.embed_files` and
        :func:`jae.map_files` the model's batch column, or ``map_files``' ``batch_key``), ``'batch'`` for
        :meth:`read` and :meth:`open`.

    Examples
    --------
    >>> files = jae.io.InputFiles(mod1="x.mod1.h5ad", mod2="x.mod2.h5ad", annotations=["x.solution.h5ad"])
    >>> model = jae.fit_files(files, "jae_model")   # doctest: +SKIP
    """

    mod1: PathLike | None = None
    mod2: PathLike | None = None
    h5mu: PathLike | None = None
    tenx: PathLike | Sequence[PathLike] | Mapping[str, PathLike] | None = None
    h5ad: PathLike | None = None
    annotations: Sequence[PathLike] = field(default=())
    rna: str = "rna"
    other: str | None = None
    layer: str | None = "counts"
    mod2_kind: str | None = None
    sample_key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tenx", _tenx_files(self.tenx))
        for name in ("mod1", "mod2", "h5mu", "h5ad") + (("tenx",) if not isinstance(self.tenx, Mapping) else ()):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, user_path(getattr(self, name), name=name))
        annotations = annotation_paths(self.annotations)  # a DataFrame in memory refused, not read as its columns
        object.__setattr__(self, "annotations", tuple(user_path(p, name="annotations") for p in annotations))
        given = [x for x in (self.mod1 or self.mod2, self.h5mu, self.tenx, self.h5ad) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one input: mod1= and mod2=, or h5mu=, or tenx=, or h5ad=")
        if self.mod1 is None and self.mod2 is not None:
            raise ValueError("the competition layout needs mod1= (GEX), with mod2= (ATAC or ADT) or alone (RNA only)")
        given = "mod1=/mod2=" if self.mod1 is not None else "tenx=" if self.tenx is not None else "h5ad="
        if self.h5mu is None and (self.rna != "rna" or self.other is not None):  # else silently ignored
            raise ValueError(f"rna= and other= name the modalities of an h5mu= file; {given} has none to choose: leave "
                             "them out")
        if self.sample_key is not None and (not isinstance(self.sample_key, str) or not self.sample_key.strip()):
            raise ValueError(f"sample_key must name an obs column (the batch column of several samples), got "
                             f"{self.sample_key!r}")
        if self.tenx is not None and self.layer not in ("counts", None):
            raise ValueError(f"layer={self.layer!r}: a Cell Ranger .h5 or matrix folder (tenx=) holds one matrix of "
                             "raw counts and no layers: leave layer out")

    @property
    def rna_only(self) -> bool:
        """A GEX ``.h5ad`` without a second modality: query cells to embed or map with a fitted model (:mod:`jae.query`
        fills in the second modality's input from RNA); :meth:`jae.JAE.fit` needs both."""
        return self.source == "competition" and self.mod2 is None

    @property
    def paths(self) -> list[Path]:
        """Every file named (outputs must never be written over these): :attr:`data_paths`, then the annotations."""
        return self.data_paths + list(self.annotations)

    @property
    def data_paths(self) -> list[Path]:
        """The data files named (every sample's Cell Ranger file for several), without the annotation files."""
        tenx = list(self.tenx.values()) if isinstance(self.tenx, Mapping) else [self.tenx]
        return [p for p in (self.mod1, self.mod2, self.h5mu, *tenx, self.h5ad) if p is not None]

    @property
    def samples(self) -> dict[str, Path] | None:
        """Sample name -> Cell Ranger file when ``tenx`` names several (or one named) samples, else None."""
        return dict(self.tenx) if isinstance(self.tenx, Mapping) else None

    @property
    def sample_column(self) -> str:
        """The ``obs`` column that gets each cell's sample when ``tenx`` names several files: ``sample_key``, else
        ``'batch'`` (the one place of that default)."""
        return self.sample_key or "batch"

    def with_sample_key(self, key: str | None) -> InputFiles:
        """These files with the samples' column ``key`` (None: :attr:`sample_column`'s default) where ``tenx`` names
        several samples and ``sample_key`` was left out: a call puts the samples in the column it reads batches from."""
        if self.samples is None or self.sample_key is not None:
            return self
        return replace(self, sample_key=key or self.sample_column)

    @property
    def name(self) -> str:
        """How messages name the input's data file(s): the file's name, or the Cell Ranger files of several samples."""
        if self.samples is not None:
            return f"{count(len(self.samples), 'Cell Ranger file')} ({', '.join(self.samples)})"
        return Path(self.mod1 or self.h5mu or self.tenx or self.h5ad).name

    @property
    def source(self) -> str:
        """``'competition'``, ``'h5mu'``, ``'10x'`` or ``'h5ad'``."""
        if self.h5ad is not None:
            return "h5ad"
        return "h5mu" if self.h5mu is not None else "10x" if self.tenx is not None else "competition"

    def read(self, *, annotations: bool = True):
        """Read the data into memory.

        Returns
        -------
        :class:`mudata.MuData` as :func:`jae.io.read_competition`, :func:`jae.io.read_h5mu`,
        :func:`jae.io.read_10x_h5` or :func:`jae.io.read_paired_h5ad` give it, with the annotation files' columns
        in ``obs`` (unless ``annotations=False``); RNA alone (``mod1`` alone, or an ``.h5mu`` holding RNA alone) as a
        MuData of one modality ``'rna'``, as :meth:`open` reads it.
        """
        from .annotations import annotation_columns, join_annotations
        from .cell_obs import columns_taken_elsewhere

        joined = list(self.annotations) if annotations else []
        with columns_taken_elsewhere(annotation_columns(joined)):  # the modalities' batches need not agree then
            mdata = self._read()
        if joined:
            join_annotations(mdata, joined, data=self.name, samples=self.samples)
        return mdata

    def _read(self):
        from .cellranger import check_cell_ranger, read_cell_ranger
        from .paired_h5ad import read_paired_h5ad
        from .readers import read_competition, read_h5mu

        from .rna_files import h5mu_rna_alone, read_rna

        if self.rna_only:
            return read_rna(self.mod1)  # the cells' annotations (batch, ...) as read_competition keeps them
        if self.source == "h5mu" and (alone := h5mu_rna_alone(self.h5mu, rna=self.rna, other=self.other)):
            self._no_second_kind()
            return read_rna(self.h5mu, modality=alone)  # RNA alone, as open() reads it (a query to embed or map)
        if self.source == "competition":  # its annotations joined below, replacing columns as for every source
            mdata = read_competition(self.mod1, self.mod2, layer=self.layer, mod2_kind=self.mod2_kind)
        elif self.source == "h5mu":
            mdata = read_h5mu(self.h5mu, rna=self.rna, other=self.other, other_kind=self.mod2_kind, layer=self.layer)
        elif self.source == "h5ad":
            mdata = read_paired_h5ad(self.h5ad, layer=self.layer, mod2_kind=self.mod2_kind)
        elif self.samples is not None:  # one file per sample, read as one (each file checked as one alone is)
            from .samples import _combine

            for name, path in self.samples.items():  # every file (or matrix folder) checked before any is read
                check_cell_ranger(path)
            read = {}
            for name, path in self.samples.items():
                # RNA alone: a query; each file named by its path in messages and log lines (samples share a name)
                read[name] = read_cell_ranger(path, mod2_kind=self.mod2_kind, rna_alone=True, name=str(path))
                _check_called_cells(read[name], path, name=str(path))
            mdata = _combine(read, batch_key=self.sample_column, mod2_kind=self.mod2_kind, rna_alone=True)
        else:
            mdata = read_cell_ranger(self.tenx, mod2_kind=self.mod2_kind, rna_alone=True)  # RNA alone: a query
            self._one_second_modality(mdata)
            _check_called_cells(mdata, self.tenx)
        return mdata

    def _one_second_modality(self, mdata) -> None:
        """Refuse one Cell Ranger file's MuData holding Peaks and Antibody Capture both (``mod2_kind`` None): the
        choice is named, as for an ``.h5ad``."""
        if len(mdata.mod) > 2:
            from .modality import describe_types
            from .paired_h5ad import _second_modality

            _second_modality(dict(mdata.mod), None, what=f"Cell Ranger file {self.tenx.name}", found=describe_types(
                [t for m in mdata.mod.values() for t in m.var["feature_types"]]))

    def _no_second_kind(self) -> None:
        """Refuse ``mod2_kind`` for an ``.h5mu`` holding RNA alone: it names no modality there (it was ignored)."""
        if self.mod2_kind is not None:
            raise ValueError(f".h5mu file {Path(self.h5mu).name} holds RNA alone: the second modality's kind given "
                             f"({self.mod2_kind}) names a modality it lacks; pass mod2_kind=None")

    def open(self, *, memory_budget: int | str | None = None, plan: bool = True, annotations: bool = True,
             what: str = "input", once: bool = False):
        """The data, read into memory when it fits ``memory_budget``, else left on disk to stream.

        Parameters
        ----------
        memory_budget
            Bytes (or ``'8G'``) reading the files whole may take; None: half the available memory.
        plan
            False: return the opened files undecided (:class:`jae.io.PairedFiles` / ``MosaicFiles``), for :meth:`jae.JAE.fit`,
            which decides itself given ``memory_budget``.
        annotations
            Join the annotation files' columns into ``obs``.
        what
            The calling step, for the log line of :func:`jae.io.plan_input`.
        once
            The caller reads the counts once: files are streamed whatever the budget (:func:`jae.io.plan_input`).

        Returns
        -------
        :class:`mudata.MuData`, or the files to stream: :class:`jae.io.PairedFiles`, :class:`jae.io.MosaicFiles`
        when the modalities (of an ``.h5mu``, or the two competition files) hold different cells, or
        :class:`jae.io.RnaFiles` for RNA alone (``mod1`` alone, or an ``.h5mu`` holding RNA alone: a query to embed or
        map; with ``plan=False``, for fitting, such an ``.h5mu`` is refused). Zarr stores given for ``h5mu``, ``mod1``
        or ``mod2`` are read whole within the budget (``plan=False`` too), else copied once to a temporary HDF5 file
        and streamed from it (:mod:`jae.io.zarr_stores`). One ``.h5ad`` holding both modalities is always read whole;
        Cell Ranger files over the budget (one, or several samples) are copied into a temporary ``.h5mu`` and streamed
        (:func:`jae.io.samples_files.open_samples`).
        """
        from .plan import parse_bytes, plan_input

        joined = list(self.annotations) if annotations else []
        None if memory_budget is None else parse_bytes(memory_budget)  # refused for every input, read whole too
        if self.rna_only and not plan:
            raise ValueError(_FIT_NEEDS_BOTH)
        if self.source != "h5ad" and self._stores_fit(memory_budget, what=what):  # zarr stores: read whole
            return self.read(annotations=annotations)  # (over the budget: the openers below copy them to stream)
        if self.source == "10x":  # Cell Ranger files: copied (several samples combined) on disk in blocks of cells
            from .samples_files import open_samples  # when reading them whole is over the budget

            files = open_samples(self, memory_budget=memory_budget, what=what, plan=plan, annotations=joined)
            if files is not None:
                return plan_input(files, memory_budget=memory_budget, what=what, once=once) if plan else files
        if self.source in ("10x", "h5ad"):  # read whole; said once read (not before refusing a wrong file)
            data = self.read(annotations=annotations)
            if not plan and self.source == "10x" and len(data.mod) < 2:  # a Cell Ranger file of Gene Expression alone: a query, no reference
                from .files import gex_only_message

                raise ValueError(gex_only_message(self.name, files=len(self.samples or [self.tenx])))
            if self.source == "h5ad":
                logger.info("%s: read %s into memory whole, whatever the memory budget (streamed are two .h5ad "
                            "files, mod1 and mod2, .h5mu files and Cell Ranger files)", what, self.name)
            return data
        from .zarr_stores import route_said_later

        with nullcontext() if once else route_said_later():  # a store's copy said by the route's one line (plan_input)
            files = self._open_files(plan, joined)
        return plan_input(files, memory_budget=memory_budget, what=what, once=once) if plan else files

    def check_paths(self, *, fitting: bool = False) -> None:
        """Refuse a data or annotation file named here that does not exist, in the words its reader says it ("mod1
        file X does not exist; check the path"), in the order the reading reaches them (the data files, then the
        annotations): a check of paths alone, which the workflows make before their first expensive step (a device
        check or a model's load imports torch, 2-5 s). A path that exists is left to its reader, whatever it holds.
        ``fitting``: RNA alone is refused first, as :meth:`open` refuses it for fitting."""
        if fitting and self.rna_only:
            raise ValueError(_FIT_NEEDS_BOTH)
        from .cellranger import check_cell_ranger
        from .files import _check_file

        named = {"mod1": self.mod1, "mod2": self.mod2, ".h5mu": self.h5mu, ".h5ad": self.h5ad}
        tenx = [] if self.tenx is None else self.samples.values() if self.samples is not None else [self.tenx]
        for what, path in [*((w, p) for w, p in named.items() if p is not None), *(("tenx", p) for p in tenx),
                           *(("annotation", p) for p in self.annotations)]:
            if os.path.exists(path):
                continue
            if what == "tenx":  # raises, in its reader's own words (a matrix file named as one)
                check_cell_ranger(path)
            else:
                _check_file(path, what=what)

    def _open_files(self, plan: bool, joined: list):
        """The files of :meth:`open` opened to stream (zarr stores copied to temporary HDF5 files first)."""
        from .annotations import annotation_columns
        from .cell_obs import columns_taken_elsewhere
        from .h5mu_files import open_h5mu
        from .paired_files import open_competition
        from .rna_files import open_rna, open_rna_alone

        if self.rna_only:  # every cell lacks the second modality (jae.query fills it in from RNA)
            return open_rna(self.mod1, annotations=joined or None, layer=self.layer)
        if self.source == "h5mu" and plan and (alone := open_rna_alone(
                self.h5mu, rna=self.rna, other=self.other, layer=self.layer, annotations=joined or None)) is not None:
            self._no_second_kind()
            return alone  # an .h5mu holding RNA alone
        if self.source == "h5mu":  # paired, or mosaic (some cells lack a modality: jae.mosaic), both streamed
            with columns_taken_elsewhere(annotation_columns(joined)):  # the modalities' batches need not agree then
                files = open_h5mu(self.h5mu, rna=self.rna, other=self.other, other_kind=self.mod2_kind,
                                  layer=self.layer, mosaic=True)
            return files.with_annotations(joined) if joined else files
        # the annotations replace the files' own columns, as for every source
        return open_competition(self.mod1, self.mod2, layer=self.layer, mod2_kind=self.mod2_kind, mosaic=True,
                                annotations=joined or None)

    def _stores_fit(self, memory_budget, *, what: str) -> bool:
        """Whether the data files are zarr stores (:mod:`jae.io.zarr_stores`) that fit ``memory_budget`` read whole
        (logged: the route taken); each store of the wrong kind for its input refused first. False for files, and
        for stores over the budget, which the lazy openers copy once to a temporary HDF5 file and stream."""
        from .plan import default_memory_budget, parse_bytes
        from .zarr_stores import check_store, is_zarr, log_route, store_need

        stores = {n: getattr(self, n) for n in ("mod1", "mod2", "h5mu") if is_zarr(getattr(self, n))}
        if not stores:
            return False
        kinds = {n: "MuData" if n == "h5mu" else "AnnData" for n in stores}
        for n, p in stores.items():
            check_store(p, what=f".{n}" if n == "h5mu" else n, kind=kinds[n])
        budget = default_memory_budget() if memory_budget is None else parse_bytes(memory_budget)
        need = sum(store_need(p, kinds[n], pair=(self.rna, self.other) if n == "h5mu" else None)  # what is read
                   for n, p in stores.items())
        if need > budget:
            return False
        log_route(self.name, "whole", what=what, need=need, budget=budget)
        return True


#: :meth:`InputFiles.open`'s refusal of RNA alone for fitting (``plan=False``); :meth:`InputFiles.check_paths`' too.
_FIT_NEEDS_BOTH = ("fitting needs both modalities: give mod2= (ATAC or ADT) too; RNA-only files are embedded or mapped "
                   "with a fitted model (jae embed / jae map)")


def _tenx_files(tenx):
    """``tenx=`` as one path, or as a dict of sample name -> path for several files (or one named sample); a list of
    one file is that file (:func:`name_samples` names and checks several)."""
    if tenx is None or isinstance(tenx, (str, bytes, os.PathLike)):
        return tenx
    if isinstance(tenx, Mapping):
        return name_samples(list(tenx.items()))
    if isinstance(tenx, Sequence):
        if len(tenx) == 1:
            return user_path(tenx[0], name="tenx")
        return name_samples([(None, p) for p in tenx])
    return tenx  # user_path refuses it, naming tenx


def name_samples(files: Sequence[tuple[str | None, PathLike]], *, what: str = "tenx",
                 noun: str = "Cell Ranger file") -> dict[str, Path]:
    """Sample name -> file, of ``(name, file)`` pairs: a name None is the file's sample
    (:func:`jae.io.samples.sample_name`: the folder above ``outs/``, else the file's stem). The one naming of
    ``tenx=`` (a list or a mapping) and of ``jae ... --10x FILE NAME=FILE ...``, and of the samples' fragments files
    (``what='fragments'``, ``noun='fragments file'``); refused in one line naming ``what``: no file, a name that is no
    non-empty text, two files of one name, one file given twice."""
    from .samples import sample_name

    if not files:
        raise ValueError(f"{what}: no {noun} given; give one file, or a mapping of sample name -> file")
    bad = [n for n, _ in files if n is not None and (not isinstance(n, str) or not n.strip())]
    if bad:
        raise ValueError(f"{what}: sample names must be non-empty text, got {bad[0]!r}; name each sample, "
                         f"{what}={{'NAME': FILE, ...}}")
    paths = [user_path(p, name=what if n is None else f"{what}[{n!r}]") for n, p in files]
    names = [n if n is not None else sample_name(p) for (n, _), p in zip(files, paths)]
    # a matrix folder's matrix.mtx.gz is that folder's data: given beside the folder, one sample given twice
    where = [os.path.realpath(p.parent if p.name in ("matrix.mtx.gz", "matrix.mtx") else p) for p in paths]
    twice = [w for w in dict.fromkeys(where) if where.count(w) > 1]
    if twice:  # (before the names: a file given twice unnamed is also two samples of one name)
        samples = list(dict.fromkeys(n for n, w in zip(names, where) if w == twice[0]))
        raise ValueError(f"{what}: {next(p for p, w in zip(paths, where) if w == twice[0])} is given "
                         f"{count(where.count(twice[0]), 'time')}"
                         + (f" (as samples {', '.join(map(repr, samples))})" if len(samples) > 1 else "")
                         + ", which would count its cells as other samples' too; give each sample's file once")
    repeated = [n for n in dict.fromkeys(names) if names.count(n) > 1]
    if repeated:
        both = [str(p) for p, n in zip(paths, names) if n == repeated[0]]
        raise ValueError(f"{what}: {count(len(both), 'file')} are named sample {repeated[0]!r} ({', '.join(both)}); "
                         f"name each sample: {what}={{'NAME': FILE, ...}}")
    return dict(zip(names, paths))


def _check_called_cells(mdata, path: Path, name: str | None = None, empty: dict | None = None) -> None:
    """Refuse a Cell Ranger file holding barcodes without counts in a modality, or named as Cell Ranger names its
    matrix of every barcode (``raw_feature_bc_matrix.h5``): empty droplets, which the files' readers cannot remove,
    would be fitted or embedded as cells; the fix is the file of called cells. ``name``: how the message names the
    file (default: its file name); ``empty``: per modality, how many cells have no counts there, when counted
    already (:func:`jae.io.cellranger_blocks.scan_counts`, the counts read in blocks)."""
    from .chunked import cells_without_counts

    if empty is None:
        empty = {name: cells_without_counts(mod.layers["counts"]) for name, mod in mdata.mod.items()}
    raw = path.name.startswith("raw_feature_bc_matrix")
    if not raw and not any(empty.values()):
        return
    found = ", ".join(f"{n} of {mdata.n_obs} barcodes have no {name!r} counts" for name, n in empty.items() if n)
    what = "is the matrix of every barcode (mostly empty droplets)" if raw else "holds barcodes without counts"
    called = "" if path.name.startswith("filtered_feature_bc_matrix") else (
        f"pass filtered_feature_bc_matrix{'' if path.is_dir() else '.h5'}, the cells Cell Ranger called, or ")
    from .cellranger import reader_name

    reader = reader_name(path)  # the .h5's, or the matrix folder's
    route = (f"mdata = {reader}(path), then keep the cells) and pass that MuData to model.fit or model.embed"
             if len(mdata.mod) > 1 else  # Gene Expression alone, which the readers refuse: a query's RNA
             f"adata = {reader.replace('jae.', 'scanpy.')}(path), then keep the cells) and pass that AnnData to "
             "model.embed")
    raise ValueError(
        f"Cell Ranger file {name or path.name} {what}{f': {found}' if found else ''}; {called}call the cells in Python first "
        f"({route}")
