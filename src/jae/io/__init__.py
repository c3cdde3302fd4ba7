"""Data in: readers for the competition layout, MuData and Cell Ranger files (.h5 or matrix folder), and input
validation."""

from __future__ import annotations

from .inputs import InputFiles
from .fragments import count_fragments
from .modality import KINDS, MOD_NAMES, detect_kind, normalize_kind
from .paired import PairedCounts, check_batches, get_annotation, get_paired
from .mosaic_files import MosaicFiles, open_mosaic_h5mu
from .h5mu_files import open_h5mu
from .paired_files import PairedFiles, open_competition
from .plan import plan_input
from .rna_files import RnaFiles, open_rna
from .single import split_anndata, to_mudata
from .annotations import join_annotations
from .cellranger import read_10x_h5, read_10x_mtx
from .readers import make_mudata, read_competition, read_h5ad, read_h5mu, read_obs
from .paired_h5ad import read_paired_h5ad
from .peaks import remap_peaks
from .samples import combine_samples
from .validate import check_fit_annotations, validate_counts
from .write import write_atomic, write_embedding_h5ad

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
