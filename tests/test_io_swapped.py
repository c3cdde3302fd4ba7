"""Files given the wrong way round: the RNA file as mod2 and the ADT/ATAC file as mod1 (small files too, whose
gene lists are short enough to pass for an antibody panel), or the ADT/ATAC file as mod1 alone."""

from __future__ import annotations

import logging

import anndata as ad
import pytest

import jae
from jae.cli import main
from jae.cli._messages import cli_message
from jae.datasets import simulate
from jae.io import InputFiles
from jae.io.modality import content_kind


@pytest.fixture(scope="module")
def small_cite(data_dir, tmp_path_factory):
    """PBMC10k's 14 TotalSeq antibodies and 300 of its genes, 400 cells, without var['feature_types']."""
    d = tmp_path_factory.mktemp("swapped")
    for name, cols in (("adt", slice(None)), ("rna", slice(0, 300))):
        a = ad.read_h5ad(data_dir / "pbmc10k_cite" / f"{name}.h5ad")[:400, cols].copy()
        del a.var["feature_types"]
        a.write_h5ad(d / f"small.{name}.h5ad")
    return d / "small.rna.h5ad", d / "small.adt.h5ad"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from jae import JAE, JAEConfig

    d = tmp_path_factory.mktemp("swapped_model") / "model"
    m = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    JAE(JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(m, progress_bar=False).save(d)
    return d


def test_content_kind_reads_real_feature_names(data_dir):
    for name in ("pbmc10k_cite", "reapseq_pbmc"):
        adt = ad.read_h5ad(data_dir / name / "adt.h5ad", backed="r")
        rna = ad.read_h5ad(data_dir / name / "rna.h5ad", backed="r")
        assert content_kind(adt.var_names) == "ADT"
        assert content_kind(rna.var_names) == content_kind(rna.var_names[:300]) == "GEX"
        assert content_kind(rna.var_names[1000:1100]) == "GEX"  # 100 genes: still genes
    assert content_kind(["chr1:100-200", "chr2:300-400"]) == "ATAC"
    assert content_kind(["f1", "f2", "f3"]) is None  # the names do not tell


@pytest.mark.parametrize("reader", ["read_competition", "open_competition"])
def test_small_swapped_cite_files_are_named_swapped(small_cite, reader):
    rna, adt = small_cite
    assert getattr(jae.io, reader)(rna, adt)  # the right way round: read
    swapped = r"^mod1 and mod2 look swapped: .*\(ADT: 'CD127_TotalSeqB', .*look like genes \('"
    with pytest.raises(ValueError, match=swapped) as info:
        getattr(jae.io, reader)(adt, rna)
    text = cli_message(str(info.value))
    assert "pass the GEX file as --mod1 and the ADT file as --mod2" in text and "mod2_kind" not in text


def test_mod2_kind_skips_the_guess(small_cite):
    rna, adt = small_cite
    data = jae.io.read_competition(adt, rna, mod2_kind="ADT")  # the user's word: no guess, no refusal
    assert list(data.mod) == ["rna", "prot"]


def test_small_swapped_multiome_files_are_named_swapped(tmp_path):
    m = simulate(60, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=1, seed=3)
    for key in ("rna", "atac"):
        a = m[key].copy()
        del a.var["feature_types"]
        a.write_h5ad(tmp_path / f"{key}.h5ad")
    with pytest.raises(ValueError, match=r"look swapped: .*genomic intervals \(ATAC\).*look like genes"):
        jae.io.read_competition(tmp_path / "atac.h5ad", tmp_path / "rna.h5ad")
    assert list(jae.io.read_competition(tmp_path / "rna.h5ad", tmp_path / "atac.h5ad").mod) == ["rna", "atac"]


def test_the_cli_refuses_swapped_files_in_one_line(small_cite, tmp_path, caplog):
    rna, adt = small_cite
    assert main(["fit", "--mod1", str(adt), "--mod2", str(rna), "--out", str(tmp_path / "m"), "--mode",
                 "unsupervised", "--batch-key", "none"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "--mod1 and --mod2 look swapped" in errors[0] and "\n" not in errors[0]
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("feature_types", [False, True])
def test_mod1_alone_holding_proteins_is_refused(small_cite, model_dir, tmp_path, feature_types, caplog):
    _, adt = small_cite
    if feature_types:
        a = ad.read_h5ad(adt)
        a.var["feature_types"] = "Antibody Capture"
        adt = tmp_path / "typed.adt.h5ad"
        a.write_h5ad(adt)
    with pytest.raises(ValueError, match=r"^mod1 file .* holds ADT \(14 feature names such as 'CD127_TotalSeqB', '"):
        InputFiles(mod1=adt).open()
    with pytest.raises(ValueError, match="not RNA"):
        InputFiles(mod1=adt).read()
    assert main(["embed", "--model", str(model_dir), "--mod1", str(adt), "--out", str(tmp_path / "e.h5ad")]) == 1
    assert "--mod1 must be the RNA (GEX) file; pass the RNA file as --mod1, with this one as --mod2" in caplog.text
    assert not (tmp_path / "e.h5ad").exists()


def test_mod1_alone_holding_peaks_is_refused(tmp_path):
    m = simulate(60, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=1, seed=3)
    a = m["atac"].copy()
    del a.var["feature_types"]
    a.write_h5ad(tmp_path / "atac.h5ad")
    with pytest.raises(ValueError, match=r"holds ATAC \(300 feature names"):
        InputFiles(mod1=tmp_path / "atac.h5ad").open()
