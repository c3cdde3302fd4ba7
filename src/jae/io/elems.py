"""anndata's reader and writer of one stored element (``read_elem``, ``write_elem``), wherever the installed anndata
keeps them: ``anndata.io`` from anndata 0.11 on, ``anndata.experimental`` in anndata 0.10 (which scverse and
scvi-tools environments pinned in 2024 still hold). Every module of jae imports them from here."""

from __future__ import annotations

try:
    from anndata.io import read_elem, write_elem
except ImportError:  # anndata 0.10
    from anndata.experimental import read_elem, write_elem

__all__ = ["read_elem", "write_elem"]
