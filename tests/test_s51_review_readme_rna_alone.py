"""The README's mapping block, run as written on a query read by the README's own reader (session 51 review):
``jae.read_competition(..., annotations=...)`` keeps the batch in the MuData's obs, none in its modalities', so the
block's last line, ``mapped.embed(query_mdata["rna"])``, was refused for a missing batch column (test_readme added the
column to the modality before running the block). The block now copies the column to the RNA's AnnData and embeds
that."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import anndata as ad
import numpy as np

import jae
from jae.datasets import simulate

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_mapping_block_runs_on_read_competition_output(own_cite_model, tmp_path, monkeypatch):
    folder, _ = own_cite_model("s51_review_readme_rna_alone")
    shutil.copytree(folder / "model", tmp_path / "jae_model")
    query = simulate(80, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=5)
    for name, kind, file in (("rna", "GEX", "q.mod1.h5ad"), ("prot", "ADT", "q.mod2.h5ad")):
        one = query[name].copy()
        one.obs["batch"] = "query_1"  # a new sample, as the competition's files name it in each file's obs
        one.var["feature_types"] = kind
        one.write_h5ad(tmp_path / file)
    ad.AnnData(obs=query["rna"].obs[[]].assign(batch="query_1")).write_h5ad(tmp_path / "q.solution.h5ad")
    # as the README's quick start reads files: with annotations, whose columns sit in the MuData's obs alone
    query_mdata = jae.read_competition(str(tmp_path / "q.mod1.h5ad"), str(tmp_path / "q.mod2.h5ad"),
                                       annotations=str(tmp_path / "q.solution.h5ad"))
    assert "batch" in query_mdata.obs and "batch" not in query_mdata["rna"].obs  # the reader's layout
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if "mapped = ref.map_query" in b)
    monkeypatch.chdir(tmp_path)
    namespace = {"jae": jae, "query_mdata": query_mdata}
    exec(compile(code, "README.md (mapping in Python)", "exec"), namespace)  # as written: no column added before
    emb_q, emb_rna = namespace["emb_q"], namespace["emb_rna"]
    assert emb_rna.shape == emb_q.shape == (80, len(namespace["mapped"].column_names))
    assert np.isfinite(emb_rna).all() and not np.array_equal(emb_rna, emb_q)  # RNA alone: placed without proteins
    assert "batch" not in query_mdata["rna"].obs  # the user's MuData as the reader gave it
