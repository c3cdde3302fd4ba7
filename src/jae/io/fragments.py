"""An ATAC fragments file counted in a model's peaks: a new Multiome sample's ATAC modality in the reference's features.

Cell Ranger ARC calls peaks per sample, so a new sample's peak matrix shares almost no peak with a reference model's
and jae refuses it (:func:`jae.io.features.feature_overlap`). Its fragments file (``atac_fragments.tsv.gz``) holds
every fragment, so the exact fix is to count those fragments in the reference's peaks, as 10x counts its own peak
matrix: :func:`count_fragments`.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._words import count, first_names
from . import _fraggzip, _fragtext
from .features import affix_rename, examples
from .paths import user_path
from .peaks import _intervals, bare_chromosome as _bare, model_atac

__all__ = ["check_fragments_start", "count_fragments"]

logger = logging.getLogger(__name__)

#: Fragments read at a time: 24 MB of columns (contig, start, end, barcode), a fraction of a second each.
CHUNK_FRAGMENTS = 1_000_000
#: Counted (cell, peak) pairs held before they are summed into the matrix (8 bytes each, in two arrays reused).
_PENDING = 10_000_000
#: cells=: the distinct barcodes of the file's first chunk kept, at most, for the checks and messages (the file's
#: other barcodes are looked up among the cells, never kept: the memory grows with the cells, not with the file).
SAMPLE = 10_000
_FORMAT = ("tab-separated chrom, start, end, barcode[, count, ...] with whole-number positions, 0 <= start < end "
           "(a 10x fragments file, e.g. cellranger-arc's atac_fragments.tsv.gz)")


def count_fragments(fragments, peaks, *, cells=None, progress_bar: bool = True,
                    chunk_size: int = CHUNK_FRAGMENTS):
    """Count a 10x fragments file in a model's peaks: the cells' ATAC counts in the reference's features.

    What is counted is 10x's peak-barcode matrix: the number of Tn5 cut sites (transposition events) per peak and
    cell. Each fragment has two, at its ``start`` and at its ``end`` column, as Cell Ranger ATAC's own counting reads
    them (its ``GENERATE_PEAK_MATRIX`` stage tests both positions, and BPCells reads 10x's end as inclusive); a cut
    site counts in a peak ``chrom-s-e`` when ``s <= site < e`` (BED), so a fragment with both ends in one peak adds 2.
    The fifth column (how many duplicate reads the fragment had) is not read: 10x counts each unique fragment once.
    Overlapping peaks each count a cut site inside them.

    Parameters
    ----------
    fragments
        Path to a 10x fragments file: tab-separated ``chrom, start, end, barcode[, count, ...]``, 0-based half-open
        positions, gzip- or bgzip-compressed or plain text; lines starting with ``#`` (10x's header) are skipped. It
        is read in chunks, never whole, and never changed. A gzip file that cannot be read to its end (cut short,
        damaged) is refused in one line (a ValueError that is also gzip's EOFError or BadGzipFile); a bgzip file
        without its end-of-file block or a text file ending inside a line (cut, yet readable) is counted, warned.
    peaks
        A fitted :class:`jae.JAE` model of RNA + ATAC (its peaks, in its order), or peak names such as
        ``chr1-100-200``, ``chr1:100-200`` or ``chr1_100_200`` (a list or :class:`pandas.Index`).
    cells
        The barcodes to count, in the order wanted (e.g. ``rna.obs_names`` of the same sample, or that AnnData);
        fragments of other barcodes are skipped, their barcodes looked up among the cells' and never kept (the memory
        grows with the cells, not with the file's background barcodes). None: every barcode in the file (10x's files
        hold the background barcodes too), in the order first seen.
    progress_bar
        One bar over the file's bytes read.
    chunk_size
        Fragments read at a time.

    Returns
    -------
    :class:`anndata.AnnData` of ``(n_cells, n_peaks)``: the counts as CSR int32 in ``X`` and ``layers['counts']``
    (copies), ``obs_names`` the cells (those without a fragment in a peak are rows of zeros), ``var_names`` the peaks
    exactly as given (the model's names), ``var['feature_types'] = 'Peaks'`` (read as ATAC). Chromosomes named with
    or without ``chr`` where the peaks use the other naming are matched (logged), the mitochondrion's too (UCSC's
    ``chrM``, Ensembl's ``MT``, ``chrMT``, ``M``); contigs without peaks are skipped.

    Examples
    --------
    >>> atac = jae.count_fragments("atac_fragments.tsv.gz", model, cells=rna.obs_names)  # doctest: +SKIP
    >>> model.embed(mudata.MuData({"rna": rna, "atac": atac}))  # doctest: +SKIP
    """
    from anndata import AnnData

    from .._flags import check_flags, is_whole

    check_flags(progress_bar=progress_bar)
    if not is_whole(chunk_size, 1):
        raise ValueError(f"chunk_size={chunk_size!r} is no number of fragments: pass chunk_size >= 1")
    names = _peak_names(peaks)
    path = _fragments_path(fragments)
    tables = _peak_tables(names)
    wanted = _cells(cells)
    counter = _Counter(tables, len(names), wanted)
    with open(path, "rb") as raw:
        _read(raw, path, counter, chunk_size, progress_bar)
    counter.check_found(path)
    X = counter.matrix()
    obs_names = counter.cell_names()
    _log_result(counter, path, X, obs_names, wanted)
    var = pd.DataFrame({"feature_types": "Peaks"}, index=pd.Index(names, dtype=object))
    adata = AnnData(X=X, obs=pd.DataFrame(index=pd.Index(obs_names, dtype=object)), var=var)
    adata.layers["counts"] = X.copy()
    return adata


def check_fragments_start(fragments, peaks, *, cells=None, chunk_size: int = CHUNK_FRAGMENTS) -> None:
    """Refuse what :func:`count_fragments` would refuse after the file's first chunk (a malformed line or damaged
    gzip there, ``cells`` named otherwise than the file's barcodes), reading that chunk alone: several samples' files
    are all checked so before the first is counted (minutes each), so a wrong later file is not found after them."""
    names = _peak_names(peaks)
    path = _fragments_path(fragments)
    counter = _Counter(_peak_tables(names), len(names), _cells(cells))
    with open(path, "rb") as raw:
        _read(raw, path, counter, chunk_size, False, first=True)


def _fragments_path(fragments) -> Path:
    path = user_path(fragments, name="fragments")
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"fragments file {path} {what}: pass the 10x fragments file (cellranger-arc's "
                                "outs/atac_fragments.tsv.gz)")
    return path


def _peak_names(peaks) -> pd.Index:
    """The peaks' names: a fitted model's ATAC features (its preprocessor's, in its order), or the names given."""
    if hasattr(peaks, "preprocessor") and hasattr(peaks, "modality_names"):  # a jae.JAE (not imported: no cycle)
        atac = model_atac(peaks)
        if atac is None:
            raise ValueError(f"the model was fitted on {' + '.join(peaks.preprocessor.kinds)}, without peaks: "
                             "count_fragments counts ATAC fragments in a Multiome (RNA + ATAC) model's peaks; pass "
                             "such a model, or peak names")
        return atac[0]
    if isinstance(peaks, (str, bytes, os.PathLike)):
        raise TypeError(f"peaks={str(peaks)!r} is one text: pass a fitted jae.JAE model of RNA + ATAC, or a list of "
                        "peak names such as ['chr1-100-200', ...]")
    if hasattr(peaks, "var_names") and not hasattr(peaks, "mod"):  # an AnnData of peaks (not a MuData's mixed ones)
        peaks = peaks.var_names
    try:
        names = pd.Index(list(peaks)).astype(str)
    except TypeError:
        raise TypeError(f"peaks must be a fitted jae.JAE model or a list of peak names, not {type(peaks).__name__}"
                        ) from None
    if not len(names):
        raise ValueError("peaks= holds no peak: pass a fitted jae.JAE model of RNA + ATAC, or its peak names")
    if names.has_duplicates:
        dup = names[names.duplicated()].unique()
        raise ValueError(f"peaks= repeats {count(len(dup), 'name')} (e.g. {examples(dup)}): pass each peak once")
    return names


def _peak_tables(names: pd.Index) -> dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Per chromosome, the peaks as layers of ``(starts, ends, columns)``, each sorted by start and without overlaps
    (one layer unless peaks overlap), so a cut site's peak in a layer is found by :func:`numpy.searchsorted`."""
    chrom, starts, ends = _intervals(names)
    bad = chrom.isna().to_numpy()
    if bad.any():
        raise ValueError(
            f"{count(int(bad.sum()), 'peak name')} of {len(names)} {'is' if bad.sum() == 1 else 'are'} no genomic "
            f"interval (e.g. {examples(names[bad])}): count_fragments needs peaks named chrom-start-end "
            "(chr1-100-200, chr1:100-200 or chr1_100_200), as a Multiome model's are")
    empty = starts >= ends
    if empty.any():
        raise ValueError(f"{count(int(empty.sum()), 'peak')} end{'s' if empty.sum() == 1 else ''} at or before "
                         f"{'its' if empty.sum() == 1 else 'their'} start (e.g. {examples(names[empty])}): peaks are "
                         "chrom-start-end with start < end (0-based, end exclusive, as in a BED file)")
    past = ends > _fragtext.SPAN  # one axis of 2**40 bases a chromosome (jae.io._fragtext.cut_sites)
    if past.any():
        raise ValueError(f"{count(int(past.sum()), 'peak')} end{'s' if past.sum() == 1 else ''} past 2**40 bases "
                         f"(e.g. {examples(names[past])}), beyond any chromosome: pass peaks of a genome, "
                         "chrom-start-end with positions in bases")
    tables = {}
    for name, rows in chrom.groupby(chrom.to_numpy(), sort=False).indices.items():
        rows = rows[np.lexsort((ends[rows], starts[rows]))]
        tables[str(name)] = _layers(starts[rows], ends[rows], rows)
    return tables


def _layers(starts: np.ndarray, ends: np.ndarray, cols: np.ndarray) -> list:
    """Peaks sorted by start split into layers of non-overlapping peaks (greedy, first layer that is free)."""
    if not len(starts) or (starts[1:] >= np.maximum.accumulate(ends)[:-1]).all():
        return [(starts, ends, cols.astype(np.int32))]
    last: list[int] = []
    layer = np.empty(len(starts), dtype=np.int64)
    for i, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
        j = next((j for j, end in enumerate(last) if end <= s), len(last))
        if j == len(last):
            last.append(e)
        last[j] = e
        layer[i] = j
    return [(starts[layer == j], ends[layer == j], cols[layer == j].astype(np.int32)) for j in range(len(last))]


def _utf8(name: str) -> bytes | None:
    """``name`` as UTF-8 (None for text that has none: a lone surrogate)."""
    try:
        return name.encode()
    except UnicodeEncodeError:
        return None


def _cells(cells) -> pd.Index | None:
    if cells is None:
        return None
    if hasattr(cells, "obs_names"):  # the AnnData (or MuData) of the same cells
        cells = cells.obs_names
    if isinstance(cells, (str, bytes)):
        raise TypeError(f"cells={cells!r} is one text: pass the barcodes to count, e.g. cells=rna.obs_names")
    cells = pd.Index(list(cells)).astype(str)
    if not len(cells):
        raise ValueError("cells= holds no barcode: pass the barcodes to count (e.g. rna.obs_names), or None for all")
    if cells.has_duplicates:
        dup = cells[cells.duplicated()].unique()
        raise ValueError(f"cells= repeats {count(len(dup), 'barcode')} (e.g. {examples(dup)}): pass each cell once")
    return cells


class _Counter:
    """The counts accumulated chunk by chunk: cut sites in peaks as (cell, peak) pairs, summed into a CSR matrix
    every :data:`_PENDING` pairs; the barcodes seen and the contigs read, for the log and the refusals."""

    def __init__(self, tables: dict, n_peaks: int, cells: pd.Index | None) -> None:
        self.tables, self.n_peaks, self.cells = tables, n_peaks, cells
        self.bare = {_bare(c): c for c in tables}
        self.contig: dict[str, str | None] = {}  # the file's contig -> the peaks' chromosome (None: no peaks)
        self.skipped: dict[str, int] = {}  # contigs without peaks -> fragments
        self.chroms = _fragtext.Names()  # the file's contigs, first seen first
        self.cell_of = np.zeros(0, dtype=np.int64)  # each barcode's row in file_barcodes (-1: not counted)
        self.sample = None  # cells=: the first chunk's distinct barcodes, SAMPLE at most
        if cells is None:  # every barcode of the file, first seen first (each a row)
            self.file_barcodes = _fragtext.Names()
        else:  # the cells' alone, looked up (a cell that is no UTF-8 text can be no barcode of the file)
            text = [(row, _utf8(name)) for row, name in enumerate(cells)]
            self.file_barcodes = _fragtext.Names.holding([b for _, b in text if b is not None])
            self.cell_of = np.array([row for row, b in text if b is not None], dtype=np.int64)
            self.sample = _fragtext.Names()
        self.barcodes: list[str] = []  # cells=None: every barcode, first seen first
        self.chrom_names: list[str] = []  # the file's contigs, first seen first
        self.seen = np.zeros(0 if cells is None else len(cells), dtype=bool)  # cells=: those with a fragment
        self.some_barcodes = pd.Index([])  # the barcodes of the file's first chunk, for the checks and messages
        self.n_fragments = self.n_kept = 0
        self.rows = np.empty(_PENDING, np.int32)  # the (cell, peak) pairs counted, not yet summed (pages used
        self.cols = np.empty(_PENDING, np.int32)  # as they are written)
        self.n_pending = 0
        self.total = None
        self._axis()

    def chromosome(self, contig: str) -> str | None:
        """The peaks' chromosome of the file's ``contig`` (None: none)."""
        return contig if contig in self.tables else self.bare.get(_bare(contig))

    def _new_barcodes(self) -> None:
        """The rows of the barcodes first seen in the last chunk, cells=None (every barcode, in the order first seen);
        after the first chunk, its barcodes for the messages (cells=: those sampled)."""
        if self.sample is not None:
            if not len(self.some_barcodes):
                self.some_barcodes = pd.Index(sorted(self.sample.decode()), dtype=object)
            return
        if len(self.file_barcodes) > len(self.cell_of):
            new = self.file_barcodes.decode(len(self.cell_of))
            if not len(self.some_barcodes):  # the first chunk's barcodes (all new), sorted
                self.some_barcodes = pd.Index(sorted(new), dtype=object)
            self.barcodes.extend(new)
            self.cell_of = np.r_[self.cell_of, np.arange(len(self.cell_of), len(self.cell_of) + len(new))]

    def _axis(self) -> None:
        """The peaks on one axis (:data:`jae.io._fragtext.SPAN` bases a chromosome), as layers: what
        :func:`jae.io._fragtext.cut_sites` searches."""
        layers = max(len(t) for t in self.tables.values())
        parts = [[(s + k * _fragtext.SPAN, e + k * _fragtext.SPAN, c) for k, t in enumerate(self.tables.values())
                  if len(t) > layer for s, e, c in [t[layer]]] for layer in range(layers)]
        self.starts, self.ends, self.cols_of = (np.concatenate([p[i] for part in parts for p in part])
                                                for i in range(3))
        self.bounds = np.r_[0, np.cumsum([sum(len(p[0]) for p in part) for part in parts])].astype(np.int64)
        self.index = {c: k for k, c in enumerate(self.tables)}
        self.offset = np.zeros(0, np.int64)  # each of the file's contigs' place on the axis (-1: no peaks)

    def add(self, chunk: _fragtext.Chunk) -> None:
        """Count a chunk's fragments of the cells (of every barcode for cells=None); contigs without peaks are
        skipped (their fragments counted per contig, for the log)."""
        self.n_fragments += len(chunk)
        self._new_barcodes()
        self.chrom_names.extend(self.chroms.decode(len(self.chrom_names)))
        names = self.chrom_names
        if len(names) > len(self.offset):
            new = [self.chromosome(c) for c in names[len(self.offset):]]
            self.offset = np.r_[self.offset, [-1 if c is None else self.index[c] * _fragtext.SPAN for c in new]]
        need = 2 * len(chunk) * (len(self.bounds) - 1)  # at most: 10x's two cut sites, the start and end column
        if self.n_pending + need > len(self.rows):
            self._flush()
            if need > len(self.rows):
                self.rows, self.cols = np.empty(need, np.int32), np.empty(need, np.int32)
        per_contig = np.zeros(len(names), np.int64)
        self.n_pending, kept = _fragtext.cut_sites(
            chunk.chrom, chunk.start, chunk.end, chunk.barcode, self.cell_of, self.seen, self.offset, self.starts,
            self.ends, self.cols_of, self.bounds, per_contig, self.rows, self.cols, self.n_pending)
        self.n_kept += kept
        for c in sorted(np.flatnonzero(per_contig).tolist(), key=names.__getitem__):  # in the order of their names
            self.contig.setdefault(names[c], self.chromosome(names[c]))
            if self.contig[names[c]] is None:
                self.skipped[names[c]] = self.skipped.get(names[c], 0) + int(per_contig[c])

    def n_rows(self) -> int:
        return len(self.cells) if self.cells is not None else len(self.cell_of)

    def _flush(self) -> None:
        n, k = self.n_rows(), self.n_pending
        if k:
            block = sp.csr_matrix((np.ones(k, dtype=np.int32), (self.rows[:k], self.cols[:k])),
                                  shape=(n, self.n_peaks))
            if self.total is None:
                self.total = block
            else:
                self.total.resize((n, self.n_peaks))
                self.total = self.total + block
        self.n_pending = 0

    def matrix(self) -> sp.csr_matrix:
        self._flush()
        n = self.n_rows()
        total = self.total if self.total is not None else sp.csr_matrix((n, self.n_peaks), dtype=np.int32)
        total.resize((n, self.n_peaks))
        total = sp.csr_matrix(total, dtype=np.int32)
        total.sum_duplicates()
        total.sort_indices()
        return total

    def cell_names(self) -> pd.Index:
        return self.cells if self.cells is not None else pd.Index(self.barcodes, dtype=object)

    def check_barcodes(self, path: Path) -> None:
        """After the first chunk: refuse cells= named otherwise than the file's barcodes (a suffix such as ``-1``, a
        prefix such as ``sample#``), before reading the rest."""
        if self.cells is None or self.seen.any() or not len(self.some_barcodes):
            return
        renamed = affix_rename(self.cells, self.some_barcodes)
        if renamed is not None:
            raise ValueError(
                f"none of the {len(self.cells)} cells= barcodes is in fragments file {path.name}'s first "
                f"{count(self.n_fragments, 'fragment')}: they are named like {examples(self.cells, 2)}, the file's "
                f"like {examples(self.some_barcodes, 2)}; pass them as the file names them and name the rows back, "
                f"e.g. atac = jae.count_fragments(path, model, cells=[{renamed[1]} for n in rna.obs_names]); "
                "atac.obs_names = rna.obs_names")

    def check_found(self, path: Path) -> None:
        """After the file: refuse a file without fragments, one whose contigs are none of the peaks' chromosomes, or
        one holding none of ``cells``."""
        if not self.n_fragments:
            raise ValueError(f"fragments file {path.name} holds no fragment (only header lines or nothing): pass the "
                             "10x fragments file of the cells (cellranger-arc's outs/atac_fragments.tsv.gz)")
        if self.cells is not None and not self.seen.any():
            self.check_barcodes(path)
            raise ValueError(
                f"none of the {len(self.cells)} cells= barcodes is in fragments file {path.name} (cells= like "
                f"{examples(self.cells, 2)}, the file's like {examples(self.some_barcodes, 2)}): pass the barcodes as "
                "the file names them (a sample suffix such as '-1' or prefix such as 'sample#' removed or added), "
                "or the fragments file of these cells")
        if not any(self.contig.values()):
            contigs = list(self.contig)
            raise ValueError(
                f"no contig of fragments file {path.name} is a chromosome of the peaks (the file's are like "
                f"{examples(contigs)}, the peaks' like {examples(list(self.tables))}): pass the fragments file of "
                "the same genome as the model's peaks, or peaks named with the file's chromosome names")


def _read(raw, path: Path, counter: _Counter, chunk_size: int, progress_bar: bool, *, first: bool = False) -> None:
    """Stream the fragments file through ``counter``, one progress bar over its bytes (``first``: its first chunk
    alone, checked, :func:`check_fragments_start`)."""
    from contextlib import closing

    from tqdm.auto import tqdm

    from ..train.distributed import draws_bar

    size = os.path.getsize(path)
    bar = tqdm(total=size, desc="count_fragments", unit="B", unit_scale=True, disable=not draws_bar(progress_bar),
               leave=False)
    done = [0]

    def progress(told: int) -> None:
        bar.update(told - done[0])
        done[0] = told

    try:
        with closing(_chunks(raw, path, counter, chunk_size, progress)) as chunks:  # closed: its reading thread too
            for n, chunk in enumerate(chunks):
                try:
                    counter.add(chunk)
                except UnicodeDecodeError:  # a contig or barcode that is no UTF-8 text
                    raise _malformed(path) from None
                if n == 0:
                    counter.check_barcodes(path)
                    if first:
                        return
        bar.update(size - done[0])
    finally:
        bar.close()


def _chunks(raw, path: Path, counter: _Counter, chunk_size: int, progress):
    """The fragments file's rows, ``chunk_size`` at a time (:class:`jae.io._fragtext.Chunk`), decompressed in a
    thread of their own; a malformed line refused naming its line, a damaged gzip file naming the file."""
    gzipped = _fraggzip.is_gzip(raw)
    text = _fragtext.blocks(raw, gzipped, progress)
    try:
        yield from _fragtext.chunks(text, chunk_size, counter.chroms, counter.file_barcodes, counter.sample, SAMPLE)
        _fraggzip.check_end(path, gzipped)  # read without error to its end, yet perhaps cut
    except ValueError:
        raise _malformed(path) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise _fraggzip.damaged(path, error) from None
    finally:
        text.close()


def _malformed(path: Path) -> ValueError:
    """The one-line refusal naming the fragments file's first malformed line (found by reading it again, line by
    line: only on this path)."""
    with open(path, "rb") as f:
        opener = gzip.open if _fraggzip.is_gzip(f) else open
    with opener(path, "rb") as f:  # bytes split at '\n' alone, as the kernel splits them (not at a lone '\r')
        for number, raw in enumerate(f, 1):
            raw = raw[:-1] if raw.endswith(b"\n") else raw
            raw = raw[:-1] if raw.endswith(b"\r") else raw  # '\r\n'
            if raw.startswith(b"#") or not raw.strip(b" \t\r"):  # blank as _fragtext.parse reads it
                continue
            line = raw.decode("utf-8", errors="replace")
            try:  # a contig or barcode is decoded as UTF-8 text to be matched
                [part.decode("utf-8") for part in raw.split(b"\t")[:4]]
                text = ""
            except UnicodeDecodeError:
                text = " (its names are no UTF-8 text)"
            if not text and _good(line.split("\t")):
                continue
            shown = line if len(line) <= 80 else line[:77] + "..."
            return ValueError(f"fragments file {path.name}, line {number}: expected {_FORMAT}, got {shown!r}{text}; "
                              "pass a 10x fragments file, or fix that line")
    return ValueError(f"fragments file {path.name} could not be read as {_FORMAT}; pass a 10x fragments file")


#: A position as :func:`jae.io._fragtext.parse` reads it: 1 to 18 ASCII digits, spaces around them and a sign allowed
#: (not ``int``'s underscores, other digits or longer numbers).
_POSITION = re.compile(r" *[+-]?[0-9]{1,18} *")


def _good(fields: list[str]) -> bool:
    """Whether a line's fields are what :func:`jae.io._fragtext.parse` reads: the lines it refuses are named."""
    if len(fields) < 4 or not fields[0] or not fields[3]:
        return False
    if not (_POSITION.fullmatch(fields[1]) and _POSITION.fullmatch(fields[2])):
        return False
    start, end = int(fields[1]), int(fields[2])
    return 0 <= start < end


def _log_result(counter: _Counter, path: Path, X, obs_names, cells) -> None:
    mapped = {c: m for c, m in counter.contig.items() if m is not None and m != c}
    if mapped:
        first = next(iter(mapped.items()))
        mito = any(_bare(c) == "M" for c in mapped)
        logger.info("fragments file %s names chromosomes otherwise than the peaks (%r for %r): %s matched without "
                    "or with 'chr'%s", path.name, first[0], first[1], count(len(mapped), "contig"),
                    " (the mitochondrion as chrM, chrMT, MT or M)" if mito else "")
    if counter.skipped:
        logger.info("fragments file %s: %s of contigs without peaks skipped (%s)", path.name,
                    count(sum(counter.skipped.values()), "fragment"), first_names(counter.skipped))
    if cells is not None and not counter.seen.all():
        missing = cells[~counter.seen]
        logger.warning("%d of the %d cells have no fragment in %s (e.g. %s): rows of zeros; check their barcodes are "
                       "named as the file's (like %s)", len(missing), len(cells), path.name, examples(missing),
                       examples(counter.some_barcodes, 2))
    covered = int(np.count_nonzero(np.bincount(X.indices, minlength=X.shape[1])))  # peaks with a cut site
    found = (f"{int(counter.seen.sum()):,} of the {len(cells):,} cells found in it" if cells is not None
             else f"{len(obs_names):,} barcodes in it, every one kept (cells=None)")
    empty = f"; the other {X.shape[1] - covered:,} hold none" if covered < X.shape[1] else ""
    logger.info("count_fragments: %s fragments read from %s, %s; %s of them counted: %s cut sites in %s of the %s "
                "peaks (%.0f%%%s)", f"{counter.n_fragments:,}", path.name, found, f"{counter.n_kept:,}",
                f"{int(X.sum()):,}", f"{covered:,}", f"{X.shape[1]:,}", 100 * covered / max(X.shape[1], 1), empty)
