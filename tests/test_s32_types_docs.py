"""FilesResult.labels' docstring listed cell_type, confidence and unknown, but embed_files gives unknown_score too: the
docstring now names every column the table has."""

from __future__ import annotations

import re

import jae
from jae.io import InputFiles
from jae.workflows.joint import FilesResult


def _documented_label_columns() -> list[str]:
    doc = FilesResult.__doc__
    entry = doc.split("\n    labels\n", 1)[1].split(" per cell", 1)[0]
    return re.findall(r"``(\w+)``", entry)


def test_files_result_labels_documents_every_column(small_cite_model, tmp_path):
    cite = jae.simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=3)
    cite.write_h5mu(tmp_path / "q.h5mu")
    result = jae.embed_files(InputFiles(h5mu=tmp_path / "q.h5mu"), small_cite_model, tmp_path / "e.h5ad",
                             finetune_epochs=0, progress_bar=False)
    assert list(result.labels.columns) == _documented_label_columns()
    assert list(result.labels.index) == list(result.obs_names)
