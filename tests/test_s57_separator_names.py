"""Session 57: Seurat writes feature names' '_' as '-' (R's make.names writes '-' as '.'), so a panel's antibodies
reach jae as CD3-TotalSeqB in one object and CD3_TotalSeqB in another. A query so named was refused with no renaming
named ('fit a reference on features this data shares with it'), and one with part of its panel so named was embedded
with those antibodies read as missing, with an INFO line only. Both now name the renaming, which runs as written."""

from __future__ import annotations

import logging
import re

import pytest

import jae


@pytest.fixture(scope="module")
def seurat_model():
    ref = jae.simulate(160, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=1, seed=3)
    tags = ["AGGATCGA", "CCAGTGGA", "GTTTGTGG", "AGGGCGTT", "TCGAACCA", "GATCCTTA", "CATGAGGT", "TTAGCCGA"]
    ref["prot"].var_names = [f"CD{i}-{tag}" for i, tag in enumerate(tags)]  # as Seurat names REAP-seq's barcodes
    ref.update()
    model = jae.JAE(jae.JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(ref, progress_bar=False)
    return ref, model


def _query(ref, renamed: int):
    query = ref.copy()
    names = list(ref["prot"].var_names)
    query["prot"].var_names = [n.replace("-", "_") if i < renamed else n for i, n in enumerate(names)]
    query.update()
    return query


def test_a_panel_named_with_underscores_is_refused_with_the_renaming_that_reads_it(seurat_model):
    ref, model = seurat_model
    query = _query(ref, ref["prot"].n_vars)
    with pytest.raises(ValueError, match="once '_' and '.' are read as '-'") as err:
        model.embed(query, key_added=None)
    text = str(err.value)
    fix = re.search(r"e\.g\. (key = .*?); (names = .*?); (adata\.var_names = .*?) \(on a copy", text)
    assert fix, text
    adata = query["prot"]
    exec("; ".join(fix.groups()), {"model": model, "adata": adata})  # the fix as written
    query.update()
    assert list(query["prot"].var_names) == list(ref["prot"].var_names)
    assert model.embed(query, key_added=None).shape[0] == query.n_obs


def test_part_of_a_panel_so_named_is_warned_about_with_the_renaming(seurat_model, caplog):
    ref, model = seurat_model
    query = _query(ref, 3)  # 3 of 8 renamed: 5 present, enough to embed
    with caplog.at_level(logging.WARNING, logger="jae"):
        model.embed(query, key_added=None)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "read as '-'" in r.getMessage()]
    assert len(warned) == 1 and "3 of the model's 8 features are missing" in warned[0], warned
