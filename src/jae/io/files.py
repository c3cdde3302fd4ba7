"""The input files themselves, before their contents: present, readable HDF5 (not truncated, not text), and the
kind of file the option expects (an ``.h5ad`` is no ``.h5mu`` and the other way round), each refused in one line
naming the file and the fix."""

from __future__ import annotations

import errno
import os
import re
from contextlib import contextmanager
from pathlib import Path

import h5py

__all__ = ["check_not_mudata", "check_is_mudata", "check_is_anndata", "check_is_10x", "check_not_empty", "other_kind",
           "file_state", "check_unchanged", "open_again", "reopened"]

PathLike = str | os.PathLike


def check_not_mudata(f: h5py.File, path: Path, *, what: str, fix: str | None = None) -> None:
    """Refuse a MuData file (``.h5mu``) opened where an ``.h5ad`` is read, naming its modalities and ``fix`` (by
    default: pass it as an ``.h5mu`` input, or save a modality as ``.h5ad``)."""
    if f.attrs.get("encoding-type") != "MuData" and "mod" not in f:
        return
    from .modality import rna_named

    mods = list(f["mod"]) if "mod" in f else []
    shown = rna_named(mods) or (mods or ["rna"])[0]  # the RNA, not 'hto' (first)
    save = f"save each modality as an .h5ad first (mdata.mod[{shown!r}].write_h5ad(...))"
    fix = (fix or "pass it as h5mu=FILE, or {save}").replace("{save}", save)
    raise ValueError(f"{what} file {path} is a MuData file (modalities {mods}), not an .h5ad; {fix}")


def other_kind(f: h5py.File) -> tuple[str, str] | None:
    """What an HDF5 file that is neither an AnnData nor a MuData is, and how to read it: ``(description, fix)``, or
    None when it is neither of the kinds named here."""
    if "matrix" in f and isinstance(f["matrix"], h5py.Group) and "barcodes" in f["matrix"]:
        return ("a Cell Ranger feature-barcode matrix (group 'matrix')",
                "read it with jae.read_10x_h5 (tenx=FILE of jae.io.InputFiles)")
    groups = [k for k in f if isinstance(f[k], h5py.Group)]
    if groups and all({"barcodes", "data", "indptr"} <= set(f[k]) for k in groups):  # one group per genome
        return (f"a Cell Ranger 2 matrix (genome {groups[0]!r}), which holds Gene Expression only",
                "fitting needs a second modality: pass Cell Ranger >= 3's filtered_feature_bc_matrix.h5 (tenx=FILE) "
                "with Peaks or Antibody Capture, or RNA and the other modality as two .h5ad files; a fitted model "
                "embeds or maps its RNA alone: write it as an .h5ad, e.g. a = scanpy.read_10x_h5(path) (which reads "
                "Cell Ranger 2); a.var_names_make_unique(); a.write_h5ad('rna.h5ad'), and pass that as mod1=FILE")
    if "row_attrs" in f and "col_attrs" in f:
        return "a loom file", "convert it first: anndata.read_loom(path).write_h5ad(...)"
    return None


def gex_only_message(name: str, ignored=(), *, files: int = 1) -> str:
    """The refusal of a Cell Ranger file holding Gene Expression alone (``ignored``: its feature types jae leaves out)
    where a second modality is needed: fitting, or :func:`jae.read_10x_h5`; a fitted model embeds or maps it.
    ``files``: how many files ``name`` names (several samples')."""
    also = f" (and {', '.join(ignored)}, which jae does not use)" if len(ignored) else ""
    return (f"{name} {'hold' if files > 1 else 'holds'} only Gene Expression features{also}; fitting needs a second "
            "modality (Peaks or Antibody Capture), while a fitted model embeds or maps these cells from their RNA "
            "alone: jae.embed_files / jae.map_files with jae.io.InputFiles(tenx=FILE)")


def check_is_anndata(f: h5py.File, path: Path, *, what: str, tenx_fix: str | None = None) -> None:
    """Refuse an HDF5 file that is no AnnData (no ``obs`` and ``var``), e.g. a Cell Ranger ``.h5`` given as an
    ``.h5ad``, naming what it is and how to read it (``tenx_fix``: the fix for a Cell Ranger file where the caller
    reads no Cell Ranger file, e.g. prediction)."""
    if "obs" in f and "var" in f:
        return
    kind = other_kind(f)
    if kind is not None:
        fix = tenx_fix if tenx_fix is not None and kind[0].startswith("a Cell Ranger") else kind[1]
        raise ValueError(f"{what} file {path} is {kind[0]}, not an .h5ad; {fix}")
    raise ValueError(
        f"{what} file {path} is an HDF5 file but no .h5ad (no 'obs' and 'var'; it holds {sorted(f)[:6]}); check the "
        "file, or write it with anndata (adata.write_h5ad(...))"
    )


def check_is_10x(f: h5py.File, path: Path, *, what: str) -> None:
    """Refuse a file that is no Cell Ranger >= 3 feature-barcode matrix (group ``matrix/features``), naming what it is
    (a MuData, an AnnData, a Cell Ranger 2 matrix, ...) and the input that reads it."""
    if "matrix" in f and "features" in f["matrix"]:
        return
    kind = (("a MuData file", "pass it as h5mu=FILE") if "mod" in f
            else ("an AnnData .h5ad", "pass it as mod1= (RNA) with mod2=, or as h5ad= when it holds both modalities")
            if "obs" in f and "var" in f else other_kind(f))
    if kind is None or "matrix" in f:
        raise ValueError(
            f"{path.name} is not a Cell Ranger >= 3 feature-barcode matrix (no group 'matrix/features'); pass "
            "filtered_feature_bc_matrix.h5 from Cell Ranger or Cell Ranger ARC"
        )
    raise ValueError(f"{what} file {path} is {kind[0]}, not a Cell Ranger >= 3 matrix; {kind[1]}")


def check_is_mudata(f: h5py.File, path: Path, *, what: str) -> None:
    """Refuse an ``.h5ad`` (or other HDF5 file) opened where an ``.h5mu`` is read, naming the readers of ``.h5ad``."""
    if "mod" not in f:
        kind = other_kind(f)
        if kind is not None:  # the file named as what it is, not as an '.h5mu file' (a Cell Ranger .h5, a .loom)
            lead = f"{path}" if what == ".h5mu" else f"{what} file {path}"
            raise ValueError(f"{lead} is {kind[0]}, not a MuData file (.h5mu); {kind[1]}")
        if "obs" in f and "var" in f:  # an .h5ad: said as one, not as an '.h5mu file' (a query's q.mod1.h5ad)
            raise ValueError(
                f"{path} is not a MuData file (.h5mu) but an AnnData file (.h5ad); read .h5ad files with "
                "jae.read_competition(mod1, mod2), one per modality (jae.io.open_competition(mod1, mod2) opens them "
                "without reading the counts), or jae.io.read_paired_h5ad(path), one holding both; RNA alone (cells to "
                "embed, map or impute from): pass anndata.read_h5ad(path) (or jae.io.open_rna(path))"
            )
        raise ValueError(
            f"{what} file {path} is not a MuData file (no 'mod' group); read .h5ad files with "
            "jae.read_competition(mod1, mod2), one per modality, or jae.io.read_paired_h5ad(path), one holding both; "
            "RNA alone (cells to embed, map or impute from): pass anndata.read_h5ad(path)"
        )


def check_not_empty(where: str, n_obs: int, n_vars: int) -> None:
    """Refuse a modality read from a file (``where``: the file, and the modality in it) with no cells or no features,
    before anything is computed on it."""
    if n_obs == 0 or n_vars == 0:
        raise ValueError(
            f"{where} is empty ({n_obs} cells x {n_vars} features); jae needs at least one cell and one feature in "
            "each modality: check the file"
        )


def _check_file(path: PathLike, *, what: str, store: bool = False) -> Path:
    """``path`` when it names a file there (``store``: or a zarr store, which the caller reads), else refused in one
    line naming what to pass instead."""
    from .paths import user_path

    path = user_path(path, name=f"the {what} file")
    if store:
        from .zarr_stores import is_zarr

        if is_zarr(path):
            return path
    if path.is_dir():
        raise IsADirectoryError(f"{what} file {path} is a folder, not a file; {_folder_fix(path, what)}")
    if not path.is_file():
        raise FileNotFoundError(f"{what} file {path} does not exist; check the path")
    return path


def _folder_fix(path: Path, what: str = "") -> str:
    """What to pass instead of the folder ``path``: a Cell Ranger matrix folder as one (tenx=), a zarr store as the
    input that reads it (h5mu=, h5ad=), or one of the files the folder holds, those of the format ``what`` reads
    first."""
    names = {p.name for p in path.iterdir()}
    from .cellranger import is_mtx

    if is_mtx(path):  # matrix.mtx(.gz), features.tsv(.gz), barcodes.tsv(.gz), GEO's prefixed copies too
        return f"it is a Cell Ranger matrix folder: {_MTX_FIX.format(path=str(path))}"
    from .zarr_stores import _READS, is_zarr, store_kind

    if is_zarr(path):  # (.zgroup, .zattrs or zarr.json)
        try:
            kind = store_kind(path)
        except ValueError:  # neither kind, or not readable (its readers say which)
            return ("it is a zarr store but no AnnData or MuData store anndata can read: check it, or write it with "
                    "adata.write_zarr(...) or mdata.write_zarr(...)")
        article = "a" if kind == "MuData" else "an"
        return f"it is {article} {kind} zarr store, read as its {_FORMAT[kind]} is: {_READS[kind]}"
    files = sorted(n for n in names if n.endswith((".h5ad", ".h5mu", ".h5")))
    # the files the option reads (an --h5mu folder of .h5ad files and one .h5mu named the .h5ad files, refused there)
    fmt = (".h5mu" if what == ".h5mu" else ".h5" if what.endswith(".h5") else
           ".h5ad" if what in (".h5ad", "mod1", "mod2") or "annotation" in what else None)
    files = [n for n in files if fmt is not None and n.endswith(fmt)] or files
    return f"pass one of the files in it ({', '.join(files[:4])})" if files else "pass the file itself"


def text_head(path: Path) -> str | None:
    """The first line of ``path`` when it is text (a CSV / TSV table), else None (binary, or not a file)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
        lines = head.split(b"\n")[:-1] or [head]  # whole lines: a cut multi-byte character is no sign of binary
        return lines[0].decode("utf-8").rstrip("\r") if head.strip() and b"\0" not in head else None
    except (OSError, UnicodeDecodeError):
        return None


#: The file format a zarr store of each kind is read as.
_FORMAT = {"MuData": ".h5mu", "AnnData": ".h5ad"}
#: How to read a Cell Ranger matrix folder (matrix.mtx, features.tsv, barcodes.tsv) or its matrix file, where another
#: format is read: as a Cell Ranger output, as its ``.h5`` is.
_MTX_FIX = "read it with jae.read_10x_mtx (tenx={path} of jae.io.InputFiles)"


def _noun(fmt: str, article: str = "an ") -> str:
    """``fmt`` ('.h5ad', 'a Cell Ranger .h5') after 'not': with ``article`` unless it has its own."""
    return fmt if fmt.startswith("a ") else f"{article}{fmt}"


def _other_format(path: Path, fmt: str) -> str | None:
    """What a file that is not HDF5 is, when it is a format single-cell data often comes in, with the fix."""
    from .cellranger import _role

    if path.name.endswith((".mtx", ".mtx.gz")):  # a Matrix Market file of a Cell Ranger folder (or GEO's copy)
        return (f"it is a Matrix Market matrix (of a Cell Ranger matrix folder), not {_noun(fmt)}; "
                f"{_MTX_FIX.format(path=str(path))}")
    if _role(path.name) is not None:  # its features.tsv.gz or barcodes.tsv.gz: the folder is read
        return (f"it is a file of a Cell Ranger matrix folder, not {_noun(fmt)}; "
                f"{_MTX_FIX.format(path=str(path.parent))}")
    if text_head(path) is not None:
        kind = "a text table (CSV/TSV)"
    else:
        try:
            with open(path, "rb") as f:
                magic = f.read(2)
        except OSError:
            return None
        if magic != b"\x1f\x8b":
            return None
        kind = "gzip-compressed (e.g. a .csv.gz or .mtx.gz, or an R .rds)"
    return (f"it is {kind}, not {_noun(fmt, 'an HDF5 ')}; read it into an AnnData first (e.g. anndata.read_csv(path) for a "
            "table with cells as rows, its .T when genes are rows; an R object converted in R, e.g. with zellkonverter "
            "or MuDataSeurat) and write that as "
            + ("an .h5ad (adata.write_h5ad(...)), passed as h5ad=FILE" if "Cell Ranger" in fmt else fmt)
            + "; a Cell Ranger matrix folder (matrix.mtx.gz) is read as it is: tenx=FOLDER")


@contextmanager
def _readable(path: Path, *, what: str, fmt: str):
    """Turn the errors of opening a damaged file (truncated, not HDF5) or one locked by a writer into one ValueError
    naming the file and the fix; a text table or gzip file is named as such, with how to convert it."""
    try:
        yield
    except OSError as err:  # h5py: "Unable to synchronously open file (truncated file ...)", "file signature ..."
        reason, fix = _reason(err)
        other = _other_format(path, fmt) if "signature" in str(err) else None
        if other is not None:
            raise ValueError(f"{what} file {path} cannot be read as {fmt}: {other}") from None
        raise ValueError(f"{what} file {path} cannot be read as {fmt}: {reason}; {fix}") from None


def _reason(err: OSError) -> tuple[str, str]:
    """Why h5py could not read a file, in a few words, and the fix."""
    text = str(err)
    refused = re.search(r"unable to lock file, errno = (\d+), error message = '([^']*)'", text)
    if refused and int(refused[1]) not in (errno.EAGAIN, errno.EWOULDBLOCK):  # no writer: locks do not work there
        return (f"its file system refuses HDF5's file lock ('{refused[2]}'), as NFS and other network file systems "
                "may", "set HDF5_USE_FILE_LOCKING=FALSE in the environment (export HDF5_USE_FILE_LOCKING=FALSE) and "
                "run again, while no other process writes the file")
    if "unable to lock file" in text or "already open for write" in text:  # HDF5's file locking: a writer holds it
        return ("another process has it open for writing (e.g. a notebook holding it backed in 'r+' mode, or a write "
                "still running)", "close it there or let the write finish, then run again")
    reason = (
        "it is truncated" if "truncated" in text
        else "it is not an HDF5 file" if "signature" in text
        else text.splitlines()[0][:120] if text else type(err).__name__
    )
    return reason, "check the file (copy or download it again)"


@contextmanager
def damaged(path: Path, what: str):
    """Turn an error met while reading the counts ``what`` (e.g. ``"x.h5ad layer 'counts'"``) of the file ``path``,
    opened fine before (a damaged chunk), into one ValueError naming them and the fix."""
    try:
        yield
    except OSError as err:
        reason, fix = _reason(err)
        raise ValueError(f"{what} cannot be read: {reason}; {fix.replace('the file', f'the file {path}')}") from None


def file_state(path: Path) -> tuple[int, int, int, int]:
    """What tells that a file's contents changed: its device and inode (another file put in its place), its size and
    modification time (the file written in place)."""
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def check_unchanged(path: Path, state: tuple[int, int, int, int], where: str) -> None:
    """Refuse, in one line, to read on from ``path`` (``where``: what is read, e.g. ``"x.h5mu modality 'rna' layer
    'counts'"``) when it was deleted, moved, replaced or written since :func:`file_state` gave ``state``: a streamed
    read opens the file again for each pass over it, and read on from another file's counts of the same shape, or
    failed with h5py's 'unable to open file'."""
    try:
        now = file_state(path)
    except FileNotFoundError:
        raise FileNotFoundError(_gone(path, where)) from None
    if now != state:
        raise ValueError(f"{path} changed while jae was reading it ({where}): another process replaced or wrote it "
                         "since jae opened it; run again once nothing writes it, or on a copy that no other process "
                         "changes")


def _gone(path: Path, where: str) -> str:
    return (f"{path} was deleted or moved while jae was reading it ({where}); put it back and run again, or run on a "
            "copy that no other process changes")


def open_again(path: Path, where: str) -> h5py.File:
    """``h5py.File(path, "r")`` of a file jae opened before in this run (``where``: what is read, e.g. ``"x.h5mu
    modality 'rna' layer 'counts'"``): a streamed read's next pass, the input copied into an output. Another process
    may have opened it for writing since (HDF5's file lock) or deleted it: said in one line naming the file, with the
    reason and fix of the first open's refusal (:func:`_readable`), not as h5py's 'unable to lock file, errno = 11'."""
    with reopened(path, where):
        return h5py.File(path, "r")


@contextmanager
def reopened(path: Path, where: str):
    """:func:`open_again`'s refusals for a block that opens ``path`` again its own way (a reader of the whole file):
    its error opening or reading it said in one line naming the file, the reason and the fix."""
    try:
        yield
    except FileNotFoundError:
        raise FileNotFoundError(_gone(path, where)) from None
    except OSError as err:
        reason, fix = _reason(err)
        raise ValueError(f"{path} cannot be opened again ({where}): {reason}; {fix}") from None
