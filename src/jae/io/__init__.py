"""Data in: readers for the competition layout, MuData and Cell Ranger files, and input validation."""

from __future__ import annotations

from .modality import KINDS, MOD_NAMES, detect_kind, normalize_kind

__all__ = ["KINDS", "MOD_NAMES", "detect_kind", "normalize_kind"]
