"""How jae's numba kernels are compiled: cached on disk where numba finds a writable folder, else per process.

numba's ``cache=True`` needs a writable folder: beside the module (``__pycache__``), numba's user cache folder (under
``~/.cache``) or ``NUMBA_CACHE_DIR``. Without one it refuses at decoration time, so on an install in a read-only
folder (a shared environment, a container image) with no writable home, ``import jae`` failed. :func:`compiled`
decorates as ``numba.njit(cache=True, ...)`` does and, where no folder is writable, falls back to compiling in each
process, saying once how to cache the kernels again. The kernels and their results are the same either way.
"""

from __future__ import annotations

import logging

import numba

__all__ = ["compiled"]

logger = logging.getLogger(__name__)

_told = False


def compiled(**options):
    """``numba.njit(cache=True, **options)`` where the kernel can be cached on disk, ``numba.njit(**options)`` (one
    compile per process) where numba has no writable cache folder for it."""

    def decorate(function):
        try:
            return numba.njit(cache=True, **options)(function)
        except RuntimeError as err:
            if "cannot cache" not in str(err):
                raise
        _tell(function)
        return numba.njit(**options)(function)

    return decorate


def _tell(function) -> None:
    global _told
    if not _told:
        _told = True
        logger.warning("numba has no writable folder to cache jae's compiled kernels (e.g. %s's), so each process "
                       "compiles them anew; set NUMBA_CACHE_DIR to a writable folder to cache them",
                       function.__module__)
