"""Short reprs (session 52): ``repr(model.preprocessor)`` printed every gene name and SVD component (hundreds of lines
at a real data set's shape), as did an SVD basis and the result of the file workflows (its embedding, cell names and
60 rows of labels). Each now prints one line: the class, the shapes and the settings, as scikit-learn and scvi-tools
do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jae.preprocess import Preprocessor, SVDBasis
from jae.workflows import FilesResult


def _preprocessor(with_scale: bool = True) -> Preprocessor:
    rng = np.random.default_rng(0)
    genes = pd.Index([f"GENE{i}" for i in range(13_431)])
    proteins = pd.Index([f"CD{i}" for i in range(134)])
    basis = SVDBasis(rng.standard_normal((100, len(genes))).astype(np.float32),
                     np.ones(100, np.float32) if with_scale else None)
    return Preprocessor(kinds=("GEX", "ADT"), var_names=(genes, proteins), bases=(basis, None), protein_norm="clr")


def test_preprocessor_and_svd_basis_print_one_line_of_shapes():
    pre = _preprocessor()
    assert repr(pre) == ("Preprocessor(GEX 13,431 features -> 100 SVD components, ADT 134 features -> themselves, "
                         "protein_norm='clr')")
    assert repr(pre.bases[0]) == "SVDBasis(100 components x 13,431 features, held-out scale measured)"
    assert repr(_preprocessor(False).bases[0]) == "SVDBasis(100 components x 13,431 features)"


def test_files_result_prints_shapes_not_the_arrays(tmp_path):
    cells = pd.Index([f"cell{i}" for i in range(5_000)])
    labels = pd.DataFrame({"cell_type": "B", "confidence": 0.9}, index=cells)
    result = FilesResult(model="JAE(unfitted)", written=(Path(tmp_path / "e.h5mu"),), n_cells=5_000,
                         embedding=np.zeros((5_000, 56), np.float32), obs_names=cells, labels=labels)
    text = repr(result)
    assert "\n" not in text and len(text) < 300, text
    assert text.startswith("FilesResult(model='JAE(unfitted)', written=(") and "n_cells=5,000" in text
    assert "embedding 5,000 x 56" in text and "labels 5,000 cells x ['cell_type', 'confidence']" in text
