"""The files of a report folder (:func:`jae.report.write_report`'s ``out_dir``, ``jae evaluate --out``): those a report
writes, those an earlier report left there, and the refusals, before any work, of replacing them without
``overwrite`` or of replacing a user's own figure named like a UMAP. Apart from :mod:`jae.report`, whose figures and
tables import numba (0.6 s): :func:`jae.evaluate_files` checks its output folder before torch or numba is imported."""

from __future__ import annotations

import re
from pathlib import Path

from .._words import first_names
from .paths import user_path

__all__ = ["REPORT_FILES", "report_files", "holds_report", "check_earlier_report", "check_umap_files", "umap_names"]


#: The files a report folder holds (glob patterns): what a replaced report removes of the one before (its UMAPs,
#: ``umap_<name>.png``, are those its ``index.html`` shows: :func:`report_files`).
REPORT_FILES: tuple[str, ...] = (
    "index.html", "metrics.csv", "metrics.md", "metrics.png", "diagnostics.csv", "umap_*.png",
)


def report_files(folder: str | Path) -> list[str]:
    """The files of an earlier report in ``folder``, which a new report replaces: the tables, the bar chart and
    ``index.html`` (:data:`REPORT_FILES`), and the UMAP PNGs that ``index.html`` shows; never another file named like a
    UMAP (scanpy saves its figures as ``umap_<key>.png``)."""
    fixed = [p for p in REPORT_FILES if "*" not in p]
    index = Path(folder) / "index.html"
    try:
        text = index.read_text(encoding="utf-8", errors="replace") if index.is_file() else ""
    except OSError:
        text = ""
    shown = re.findall(r'<img src="(umap_[A-Za-z0-9_.-]+\.png)"', text)  # names as write_report makes them
    return fixed + sorted(set(shown))


def holds_report(folder: str | Path) -> list[str]:
    """The files of an earlier report in ``folder`` (:func:`report_files`) that are there (empty: none), which a new
    report replaces only with ``overwrite``. A folder of the user's other files alone (the data's own folder, ``.``)
    is written into without ``overwrite``."""
    folder = user_path(folder, name="folder")
    return [f for f in report_files(folder) if (folder / f).exists() or (folder / f).is_symlink()]


def check_earlier_report(folder: str | Path, *, overwrite: bool, what: str = "out_dir") -> None:
    """Refuse, unless ``overwrite``, a ``folder`` holding an earlier report (:func:`holds_report`), naming its files
    and saying that ``overwrite`` replaces those alone: "exists; pass overwrite=True to replace it" read as if the
    folder itself (the data's own, beside the report) would be replaced. ``what`` names the folder's argument."""
    earlier = [] if overwrite else holds_report(folder)
    if earlier:
        shown = first_names(earlier, 4)
        raise FileExistsError(f"{what} {user_path(folder, name=what)} exists; pass overwrite=True to replace its "
                              f"earlier report ({shown}; other files there are kept) or choose another {what}")


def umap_names(names) -> dict:
    """``{embedding name: umap_<slug>.png}``; names that differ only in other characters ('jae v1', 'jae_v1') or in
    case (one file on macOS, Windows) get ``_2``, ``_3``."""
    umaps: dict = {}
    for name in names:
        png = f"umap_{_slug(name)}.png"
        for i in range(2, len(umaps) + 2):
            if png.lower() not in {p.lower() for p in umaps.values()}:
                break
            png = f"umap_{_slug(name)}_{i}.png"
        umaps[name] = png
    return umaps


def check_umap_files(out_dir: str | Path, names, *, what: str = "out_dir") -> None:
    """Refuse a file in ``out_dir`` named as the UMAP of one of ``names`` (scanpy saves its figures as
    ``umap_<key>.png``) that is no file of an earlier report: the report would replace it. :func:`jae.evaluate` asks
    before any scoring (it was refused once every score was computed and every UMAP drawn); ``what`` names the folder's
    argument in the message."""
    out_dir = user_path(out_dir, name=what)
    earlier = holds_report(out_dir)
    theirs = [f for f in umap_names(names).values()
              if f not in earlier and ((out_dir / f).exists() or (out_dir / f).is_symlink())]
    if theirs:
        raise FileExistsError(f"{out_dir / theirs[0]} exists and is no file of an earlier report; move it out of "
                              f"{out_dir} or choose another {what}")


def _slug(name: str) -> str:
    # at most 100 characters: a file name may have 255 bytes (names cut to the same start get _2, _3 in write_report)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name))[:100].strip("_")
    # no letter or digit left ('..', '.', '-'): 'umap_...png' read as a path or a typo
    return slug if re.search(r"[A-Za-z0-9]", slug) else "embedding"
