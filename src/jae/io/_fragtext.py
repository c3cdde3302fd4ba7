"""The text of a 10x fragments file read for :func:`jae.io.fragments.count_fragments`: decompressed in a thread of its
own (zlib lets go of the GIL) while a numba kernel parses the lines already read, without pandas.

The kernel reads each line's start and end as integers and numbers its chromosome and barcode in hash tables of
names (:class:`Names`, open addressing, each name's bytes kept and compared: exact, whatever the hashes). Without
cells, every distinct barcode of the file is numbered once (each is a row); with cells, the table holds the cells'
barcodes alone and a line's barcode is looked up there, not added, so the memory grows with the cells, not with the
file's background barcodes.

Whether the file is gzip, and the refusals of a damaged one, are in :mod:`jae.io._fraggzip`.
"""

from __future__ import annotations

import gzip
import queue
import threading
from dataclasses import dataclass

import numpy as np

from .._compiled import compiled

#: Decompressed bytes handed from the reading thread at a time (4 MiB: about 75,000 fragments).
BLOCK = 1 << 22
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@compiled(nogil=True, inline="always")
def _number(buf, i, j):
    """The whole number written in ``buf[i:j]`` (spaces around it and a sign allowed, as pandas and ``int`` read
    it); ``(value, ok)``."""
    while i < j and buf[i] == 32:
        i += 1
    while j > i and buf[j - 1] == 32:
        j -= 1
    sign = 1
    if i < j and (buf[i] == 43 or buf[i] == 45):  # '+', '-'
        sign = -1 if buf[i] == 45 else 1
        i += 1
    if i >= j or j - i > 18:
        return 0, False
    value = 0
    for k in range(i, j):
        d = np.int64(buf[k]) - 48
        if d < 0 or d > 9:
            return 0, False
        value = value * 10 + d
    return sign * value, True


@compiled(nogil=True, inline="always")
def _hash(buf, i, j):
    """FNV-1a (64 bits) of ``buf[i:j]``."""
    h = _FNV_OFFSET
    for k in range(i, j):
        h = (h ^ np.uint64(buf[k])) * _FNV_PRIME
    return h


@compiled(nogil=True, inline="always")
def _find(buf, i, j, h, slots, offs, arena, count, add):
    """The number of the name ``buf[i:j]`` (of hash ``h``) in a :class:`Names` table's arrays, added when new and
    ``add`` (numbered in the order of first appearance; -2 when new and not ``add``); -1 when the table is full
    (nothing added). A slot holds the hash's high 31 bits and the name's number (-1: empty); its bytes are compared
    where the bits are the same."""
    mask = slots.shape[0] - 1
    high = np.int64(h >> np.uint64(33)) << 32
    s = np.int64(h & np.uint64(mask))
    length = j - i
    while True:
        slot = slots[s]
        if slot < 0:
            break
        g = slot & 0xFFFFFFFF
        if slot - g == high and offs[g + 1] - offs[g] == length:
            a = offs[g]
            same = True
            for k in range(length):
                if arena[a + k] != buf[i + k]:
                    same = False
                    break
            if same:
                return g
        s = (s + 1) & mask
    if not add:
        return -2
    g = count[0]
    if g + 1 >= offs.shape[0] or offs[g] + length > arena.shape[0]:
        return -1
    a = offs[g]
    for k in range(length):
        arena[a + k] = buf[i + k]
    offs[g + 1] = a + length
    slots[s] = high | g
    count[0] = g + 1
    return g


@compiled(nogil=True, inline="always")
def _to_tab(buf, i, size):
    """The position of the first tab or newline from ``i`` on (``size`` when none)."""
    while i < size and buf[i] != 9 and buf[i] != 10:
        i += 1
    return i


@compiled(nogil=True, inline="always")
def _digits(buf, i, size):
    """``(value, end)``: the number written from ``i`` to the next tab or newline (``end``: where it is, or
    ``size``), -1 for a field other than 1 to 18 digits alone (read by :func:`_number` then)."""
    value = 0
    first = i
    while i < size:
        d = np.int64(buf[i]) - 48
        if d < 0 or d > 9:
            break
        value = value * 10 + d
        i += 1
    if i - first == 0 or i - first > 18 or (i < size and buf[i] != 9 and buf[i] != 10):
        return -1, _to_tab(buf, i, size)
    return value, i


@compiled(nogil=True)
def _is_utf8(buf, i, j):
    """Whether ``buf[i:j]`` is UTF-8 as Python decodes it (strict: no overlong form, surrogate or code point past
    U+10FFFF), as a barcode decoded to be matched would be."""
    while i < j:
        b = buf[i]
        i += 1
        if b < 0x80:
            continue
        n, lo, hi = 1, 0x80, 0xBF  # the bytes that follow, and the first one's range
        if 0xC2 <= b <= 0xDF:
            n = 1
        elif 0xE0 <= b <= 0xEF:
            n, lo, hi = 2, 0xA0 if b == 0xE0 else 0x80, 0x9F if b == 0xED else 0xBF
        elif 0xF0 <= b <= 0xF4:
            n, lo, hi = 3, 0x90 if b == 0xF0 else 0x80, 0x8F if b == 0xF4 else 0xBF
        else:
            return False
        if i + n > j or not lo <= buf[i] <= hi:
            return False
        for k in range(i + 1, i + n):
            if not 0x80 <= buf[k] <= 0xBF:
                return False
        i += n
    return True


@compiled(nogil=True)
def parse(buf, pos, n, max_lines, start, end, chrom, barcode, chroms, barcodes, add, sample, room):
    """Parse the fragments of ``buf[pos:]`` (whole lines; its end ends the last one) into ``start``, ``end``,
    ``chrom`` and ``barcode`` (the numbers of the names in the tables ``chroms`` and ``barcodes``, the arrays of a
    :class:`Names` each) from row ``n`` on, until row ``max_lines``. A barcode not in ``barcodes`` is added when
    ``add``, else numbered -1 (it must then be UTF-8, as it would be decoded); each distinct barcode is added to the
    table ``sample`` while it holds fewer than ``room``. Lines starting with ``#`` and blank lines (empty, or spaces,
    tabs and CR alone, as :func:`jae.io.fragments._malformed` skips them) are skipped. Returns ``(rows filled,
    position after the last line read, status)``: status 0, 1 when a line is no ``chrom, start, end, barcode[, ...]``
    with ``0 <= start < end`` (reading stops at it), 2 when a table is full (reading stops at the line, to be read
    again once it has grown). One pass over each line's bytes up to its barcode; a chromosome written as the line
    before's is not looked up again."""
    size = buf.shape[0]
    last_at, last_len, last = -1, -1, -1  # the line before's chromosome: where, how long, its number
    while n < max_lines and pos < size:
        first = pos
        k = first
        while k < size and (buf[k] == 32 or buf[k] == 9 or buf[k] == 13):  # spaces, tabs, CR
            k += 1
        if buf[first] == 35 or k == size or buf[k] == 10:
            while pos < size and buf[pos] != 10:  # a '#' line, or one of whitespace alone (blank): skipped
                pos += 1
            pos += 1
            continue
        t0 = _to_tab(buf, first, size)
        s, t1 = _digits(buf, t0 + 1, size)
        e, t2 = _digits(buf, t1 + 1, size)
        if t0 >= size or buf[t0] != 9 or t1 >= size or buf[t1] != 9 or t2 >= size or buf[t2] != 9:
            return n, first, 1  # fewer than four fields
        ok_s = ok_e = True
        if s < 0:  # not digits alone: spaces around them or a sign
            s, ok_s = _number(buf, t0 + 1, t1)
        if e < 0:
            e, ok_e = _number(buf, t1 + 1, t2)
        h = _FNV_OFFSET
        bar_end = t2 + 1
        while bar_end < size and buf[bar_end] != 9 and buf[bar_end] != 10:
            h = (h ^ np.uint64(buf[bar_end])) * _FNV_PRIME
            bar_end += 1
        if bar_end > t2 + 1 and buf[bar_end - 1] == 13 and (bar_end == size or buf[bar_end] == 10):  # '\r\n'
            bar_end -= 1
            h = _hash(buf, t2 + 1, bar_end)
        if t0 == first or bar_end == t2 + 1 or not ok_s or not ok_e or s < 0 or s >= e:
            return n, first, 1
        c = last
        if t0 - first != last_len or last_len < 0:
            c = -1
        else:
            for k in range(last_len):
                if buf[first + k] != buf[last_at + k]:
                    c = -1
                    break
        if c < 0:
            c = _find(buf, first, t0, _hash(buf, first, t0), chroms[0], chroms[1], chroms[2], chroms[3], True)
        b = _find(buf, t2 + 1, bar_end, h, barcodes[0], barcodes[1], barcodes[2], barcodes[3], add)
        if c < 0 or b == -1:
            return n, first, 2
        if b == -2:  # not among the barcodes looked up: not counted
            if not _is_utf8(buf, t2 + 1, bar_end):
                return n, first, 1
            b = -1
        if sample[3][0] < room and _find(buf, t2 + 1, bar_end, h, sample[0], sample[1], sample[2], sample[3],
                                         True) == -1:
            return n, first, 2
        last_at, last_len, last = first, t0 - first, c
        start[n] = s
        end[n] = e
        chrom[n] = c
        barcode[n] = b
        n += 1
        pos = bar_end
        while pos < size and buf[pos] != 10:
            pos += 1
        pos += 1
    return n, pos, 0


#: Offset between chromosomes on the one axis of :func:`cut_sites` (2**40 bases: past any chromosome).
SPAN = np.int64(1) << np.int64(40)


@compiled(nogil=True)
def cut_sites(chrom, start, end, barcode, cell_of, seen, offset, starts, ends, cols, bounds, per_contig, rows_out,
              cols_out, n):
    """The cut sites of a chunk's fragments in the peaks, written as ``(row, peak)`` pairs to ``rows_out`` and
    ``cols_out`` from ``n`` on (room for two a fragment and layer). Returns ``(pairs then written, fragments
    counted)``.

    A fragment of barcode ``barcode[i]`` is counted in row ``cell_of[barcode[i]]`` (-1, or a barcode -1: not
    counted; ``seen`` of
    that row set True when ``seen`` holds the rows), on the file's contig ``chrom[i]`` (``per_contig`` counts them);
    it cuts at ``start[i]`` and at ``end[i]``, on the axis ``offset[chrom[i]] + position`` (-1: a contig without
    peaks; a site at or past :data:`SPAN`, beyond every peak, is in none, not on the next chromosome's part of the
    axis). The peaks are layers ``bounds[l]:bounds[l + 1]`` of ``[starts, ends)`` on that axis, each sorted and
    without overlaps, ``cols`` their columns; a site is in a peak of a layer when the last peak starting at or before
    it ends after it. The file is sorted by position, so the peak of the site before (one for starts, one for ends)
    is tried first."""
    layers = bounds.shape[0] - 1
    hint = np.empty((2, layers), np.int64)
    for layer in range(layers):
        hint[0, layer] = hint[1, layer] = bounds[layer]
    kept = 0
    mark = seen.shape[0] > 0
    for i in range(chrom.shape[0]):
        row = cell_of[barcode[i]] if barcode[i] >= 0 else -1
        if row < 0:
            continue
        kept += 1
        if mark:
            seen[row] = True
        per_contig[chrom[i]] += 1
        off = offset[chrom[i]]
        if off < 0:
            continue
        for side in range(2):
            site = start[i] if side == 0 else end[i]
            if site >= SPAN:
                continue
            key = off + site
            for layer in range(layers):
                lo, hi = bounds[layer], bounds[layer + 1]
                j = hint[side, layer]
                if lo == hi:
                    continue
                if not (starts[j] <= key and (j + 1 == hi or starts[j + 1] > key)):
                    j = lo + np.searchsorted(starts[lo:hi], key, side="right") - 1
                    if j < lo:
                        continue
                    hint[side, layer] = j
                if key < ends[j]:
                    rows_out[n] = row
                    cols_out[n] = cols[j]
                    n += 1
    return n, kept


@compiled(nogil=True)
def _add_all(data, ends, slots, offs, arena, count):
    """The names ``data[ends[g - 1]:ends[g]]`` (``ends[-1]`` read as 0) added to a table's arrays, in order."""
    for g in range(ends.shape[0]):
        _find(data, ends[g - 1] if g else 0, ends[g], _hash(data, ends[g - 1] if g else 0, ends[g]), slots, offs,
              arena, count, True)


@compiled(nogil=True)
def _rehash(offs, arena, count, slots):
    """``slots`` (empty) filled with the names ``arena[offs[g]:offs[g + 1]]``, ``g < count``."""
    mask = slots.shape[0] - 1
    for g in range(count):
        h = _hash(arena, offs[g], offs[g + 1])
        s = np.int64(h & np.uint64(mask))
        while slots[s] >= 0:
            s = (s + 1) & mask
        slots[s] = (np.int64(h >> np.uint64(33)) << 32) | g


class Names:
    """Distinct names (a file's chromosomes or barcodes, or the cells' barcodes: :meth:`holding`) numbered in the
    order they first appear: a hash table (open addressing, at most half full: 24 bytes a name it has room for, fewer
    than 2**32 names) in numpy arrays that :func:`parse` fills or only reads, grown here when full, and the names'
    bytes one after the other."""

    def __init__(self, room: int = 1 << 10, arena: int = 1 << 15) -> None:
        self.slots = self._empty(2 * room)
        self.offs = np.zeros(room + 1, np.int64)  # name g's bytes: arena[offs[g]:offs[g + 1]]
        self.arena = np.zeros(arena, np.uint8)
        self.count = np.zeros(1, np.int64)

    @staticmethod
    def _empty(size: int) -> np.ndarray:
        return np.full(size, -1, np.int64)  # the hash's high 31 bits, and the name's number in the low 32

    @classmethod
    def holding(cls, names: list[bytes]) -> Names:
        """A table of ``names`` (distinct), numbered in their order, with room for them all."""
        ends = np.cumsum([len(n) for n in names], dtype=np.int64)
        size = int(ends[-1]) if len(names) else 0
        table = cls(room=1 << max(10, (len(names) + 1).bit_length()), arena=max(1 << 15, 2 * size + 2))
        _add_all(np.frombuffer(b"".join(names), np.uint8), ends, *table.arrays())
        return table

    def __len__(self) -> int:
        return int(self.count[0])

    def arrays(self) -> tuple:
        return self.slots, self.offs, self.arena, self.count

    def grow(self, force: bool = False) -> bool:
        """Twice the room for names where they fill it, and for their bytes where they fill half of theirs
        (``force``: the room for their bytes, whatever it holds); whether any grew."""
        n, grew = len(self), False
        if n + 1 >= len(self.offs) - 1:
            self.offs = np.r_[self.offs, np.zeros(len(self.offs) - 1, np.int64)]
            self.slots = self._empty(2 * len(self.slots))
            _rehash(self.offs, self.arena, n, self.slots)
            grew = True
        if force or 2 * self.offs[n] >= len(self.arena):
            self.arena = np.r_[self.arena, np.zeros(len(self.arena), np.uint8)]
            grew = True
        return grew

    def decode(self, lo: int = 0, hi: int | None = None) -> list[str]:
        """Names ``lo`` to ``hi`` (all from ``lo``), decoded (UTF-8; :class:`UnicodeDecodeError`, a ValueError, for
        other bytes)."""
        hi = len(self) if hi is None else hi
        offs = self.offs[lo:hi + 1].tolist()
        return [bytes(self.arena[a:b]).decode() for a, b in zip(offs[:-1], offs[1:])]


@dataclass
class Chunk:
    """A chunk's fragments: their chromosome and barcode as numbers into the file's names (:class:`Names`, in the
    order of first appearance), start and end."""

    chrom: np.ndarray
    start: np.ndarray
    end: np.ndarray
    barcode: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


def chunks(blocks, chunk_size: int, chroms: Names, barcodes: Names, sample: Names | None = None, room: int = 0):
    """The fragments of the text handed as ``blocks`` (bytes of whole lines), ``chunk_size`` at a time, their names
    numbered in ``chroms`` and ``barcodes``; a malformed line raises :class:`ValueError` (its number is found by the
    caller). With a ``sample`` table, ``barcodes`` are looked up only (others numbered -1) and ``sample`` takes the
    first chunk's distinct barcodes, up to ``room``."""
    add = sample is None
    sample = Names(room=2, arena=2) if sample is None else sample
    tables = (chroms, barcodes, sample)
    size = chunk_size
    out = None
    n = 0
    for block in blocks:
        buf = np.frombuffer(block, dtype=np.uint8)
        pos = 0
        while pos < len(buf):
            if out is None:
                size = min(chunk_size, 1 << 22)  # (pages used as written; grown past 4 million as lines come)
                out = (np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int32),
                       np.empty(size, np.int32))
            n, pos, status = parse(buf, pos, n, size, *out, chroms.arrays(), barcodes.arrays(), add,
                                   sample.arrays(), room)
            if status == 1:
                raise ValueError("malformed fragments line")
            if status == 2:
                if not any([t.grow() for t in tables]):  # a name longer than the room left for names
                    for t in tables:
                        t.grow(force=True)
                continue
            if n == size and size < chunk_size:
                size = min(2 * size, chunk_size)
                out = tuple(np.concatenate([a, np.empty(size - len(a), a.dtype)]) for a in out)
            elif n == chunk_size:
                yield Chunk(out[2], out[0], out[1], out[3])
                out, n, room = None, 0, 0  # the sample: the first chunk's
    if n:
        yield Chunk(out[2][:n], out[0][:n], out[1][:n], out[3][:n])


def blocks(raw, gzipped: bool, progress=None):
    """The decompressed text of the file ``raw`` (opened binary, at its start), about :data:`BLOCK` bytes of whole
    lines at a time (the last line may lack its newline), read in a thread of its own, at most four blocks ahead;
    ``progress(raw.tell())`` after each block. An error of the reading (a truncated or corrupt gzip file) is raised
    here, in the caller's thread."""
    source = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
    handed: queue.Queue = queue.Queue(maxsize=4)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read():
        try:
            rest = b""
            while True:
                block = source.read(BLOCK)
                told = raw.tell()
                if not block:
                    if rest and not put((rest, told)):
                        return
                    put((b"", told))
                    return
                block = rest + block if rest else block
                cut = block.rfind(b"\n") + 1  # whole lines handed, the start of the next kept
                rest = block[cut:]
                if cut and not put((memoryview(block)[:cut], told)):
                    return
        except BaseException as error:  # handed over, raised in the caller's thread
            put((error, None))

    thread = threading.Thread(target=read, name="jae-fragments-reader", daemon=True)
    thread.start()
    try:
        while True:
            block, told = handed.get()
            if isinstance(block, BaseException):
                raise block
            if progress is not None:
                progress(told)
            if not block:
                return
            yield block
    finally:
        stop.set()
        while thread.is_alive():
            try:
                handed.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()
