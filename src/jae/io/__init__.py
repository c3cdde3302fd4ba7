"""Data in: readers for the competition layout, MuData and Cell Ranger files (.h5 or matrix folder), and input
validation."""

from __future__ import annotations

from .._lazy import lazy_names as _lazy_names

#: Each name -> its module, imported when the name is first read (jae._lazy): the CLI's help and the readers of
#: one format do not pay for every reader's dependencies (anndata, mudata, torch).
_NAMES = {
    "InputFiles": "inputs", "count_fragments": "fragments", "KINDS": "modality", "MOD_NAMES": "modality",
    "detect_kind": "modality", "normalize_kind": "modality", "PairedCounts": "paired", "check_batches": "paired",
    "get_annotation": "paired", "get_paired": "paired", "PairedFiles": "paired_files",
    "open_competition": "paired_files", "open_h5mu": "h5mu_files", "MosaicFiles": "mosaic_files",
    "open_mosaic_h5mu": "mosaic_files", "RnaFiles": "rna_files", "open_rna": "rna_files", "plan_input": "plan",
    "join_annotations": "annotations", "make_mudata": "readers", "read_10x_h5": "cellranger",
    "read_10x_mtx": "cellranger", "read_paired_h5ad": "paired_h5ad", "remap_peaks": "peaks",
    "combine_samples": "samples", "split_anndata": "single", "to_mudata": "single", "read_competition": "readers",
    "read_h5ad": "readers", "read_h5mu": "readers", "read_obs": "readers", "validate_counts": "validate",
    "check_fit_annotations": "validate", "write_atomic": "write", "write_embedding_h5ad": "write",
}

__all__ = [*_NAMES]  # the names of the table, in its order

__getattr__, __dir__ = _lazy_names(__name__, _NAMES)
del annotations  # __future__'s feature, bound above by its import: jae.io.annotations is the submodule
