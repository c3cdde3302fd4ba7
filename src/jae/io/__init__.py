"""Data in: readers for the competition layout, MuData and Cell Ranger files (.h5 or matrix folder), and input
validation."""

from __future__ import annotations

from .._lazy import lazy_names as _lazy_names

#: Each name -> its module, imported when the name is first read (jae._lazy): the CLI's help and the readers of
#: one format do not pay for every reader's dependencies (anndata, mudata, torch).
_NAMES = {
    "InputFiles": "inputs", "count_fragments": "fragments", "KINDS": "modality", "MOD_NAMES": "modality",
    "detect_kind": "modality", "normalize_kind": "modality", "PairedCounts": "paired", "check_batches": "paired",
    "get_annotation": "paired", "get_paired": "paired", "MosaicFiles": "mosaic_files",
    "open_mosaic_h5mu": "mosaic_files", "open_h5mu": "h5mu_files", "PairedFiles": "paired_files",
    "open_competition": "paired_files", "plan_input": "plan", "RnaFiles": "rna_files", "open_rna": "rna_files",
    "split_anndata": "single", "to_mudata": "single", "join_annotations": "annotations", "read_10x_h5": "cellranger",
    "read_10x_mtx": "cellranger", "make_mudata": "readers", "read_competition": "readers", "read_h5ad": "readers",
    "read_h5mu": "readers", "read_obs": "readers", "read_paired_h5ad": "paired_h5ad", "remap_peaks": "peaks",
    "combine_samples": "samples", "check_fit_annotations": "validate", "validate_counts": "validate",
    "write_atomic": "write", "write_embedding_h5ad": "write",
}

__all__ = [
    "InputFiles",
    "count_fragments",
    "KINDS",
    "MOD_NAMES",
    "detect_kind",
    "normalize_kind",
    "PairedCounts",
    "check_batches",
    "get_annotation",
    "get_paired",
    "PairedFiles",
    "open_competition",
    "open_h5mu",
    "MosaicFiles",
    "open_mosaic_h5mu",
    "RnaFiles",
    "open_rna",
    "plan_input",
    "join_annotations",
    "make_mudata",
    "read_10x_h5",
    "read_10x_mtx",
    "read_paired_h5ad",
    "remap_peaks",
    "combine_samples",
    "split_anndata",
    "to_mudata",
    "read_competition",
    "read_h5ad",
    "read_h5mu",
    "read_obs",
    "validate_counts",
    "check_fit_annotations",
    "write_atomic",
    "write_embedding_h5ad",
]

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
del annotations  # __future__'s feature, bound above by its import: jae.io.annotations is the submodule
