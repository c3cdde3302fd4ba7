"""Report UMAP file names of embeddings named only with dots or other path characters."""

from __future__ import annotations

import re

import numpy as np

from jae.metrics import evaluate_embedding
from jae.report import metrics_table, write_report


def _blobs(n_per=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=8, size=(k, 6))
    types = np.repeat(np.arange(k), n_per).astype(str)
    batch = np.tile(["b1", "b2"], len(types) // 2)
    good = centres[np.repeat(np.arange(k), n_per)] + rng.normal(size=(len(types), 6))
    return good, types, batch


def test_names_of_dots_alone_get_a_plain_umap_file_and_ordinary_names_keep_theirs(tmp_path):
    """An embedding named '..' made 'umap_...png' (and '.' made 'umap_..png'): names that read as a path or a
    typo. They now get umap_embedding.png, umap_embedding_2.png; '../x' stays inside the folder."""
    E, types, batch = _blobs()
    embs = {"..": E, ".": E + 1.0, "../x": E + 2.0}
    table = metrics_table({n: evaluate_embedding(X, cell_type=types, batch=batch, progress_bar=False)
                           for n, X in embs.items()})
    out = tmp_path / "rep"
    index = write_report(table, embs, out, cell_type=types, batch=batch, progress_bar=False)
    images = re.findall(r'<img src="(umap_[^"]+)"', index.read_text())
    assert images == ["umap_embedding.png", "umap_embedding_2.png", "umap_.._x.png"]
    assert sorted(p.name for p in out.glob("umap_*.png")) == sorted(images)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # nothing written outside the report folder
