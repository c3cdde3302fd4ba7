"""Two modalities giving the same cell different batches: RNA's won silently (the second's column was dropped).
Now every reader refuses in one line naming how many cells disagree, an example and the fix, unless an annotation
file gives the batch (its columns replace the data's); a value missing on one side is no conflict."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

from jae.cli import main
from jae.datasets import simulate
from jae.io import InputFiles, get_paired, open_competition, open_h5mu, read_competition, read_h5mu


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("batches")
    m = simulate(60, kind="cite", n_genes=200, n_proteins=10, n_batches=2, seed=0)
    rna, prot = m.mod["rna"].copy(), m.mod["prot"].copy()
    rna.obs["batch"] = m.obs["batch"].astype(str).values
    batch = rna.obs["batch"].to_numpy().copy()
    batch[:3] = "other"
    prot.obs["batch"] = batch
    rna.write_h5ad(d / "x.mod1.h5ad")
    prot.write_h5ad(d / "x.mod2.h5ad")
    md.MuData({"rna": rna, "prot": prot}).write(d / "x.h5mu")
    ad.AnnData(obs=pd.DataFrame({"batch": ["z"] * 60}, index=m.obs_names)).write_h5ad(d / "ann.h5ad")
    return d, rna, prot


def test_every_reader_refuses_modalities_disagreeing_on_a_batch(files):
    d, rna, prot = files
    mod1, mod2, h5mu = d / "x.mod1.h5ad", d / "x.mod2.h5ad", d / "x.h5mu"
    for read in (lambda: read_competition(mod1, mod2), lambda: open_competition(mod1, mod2),
                 lambda: read_h5mu(h5mu), lambda: open_h5mu(h5mu), lambda: InputFiles(mod1=mod1, mod2=mod2).read(),
                 lambda: get_paired(md.MuData({"rna": rna, "prot": prot}))):
        with pytest.raises(ValueError) as err:
            read()
        text = str(err.value)
        assert "3 of 60 cells have a different obs['batch'] in " in text
        assert f"(e.g. cell {rna.obs_names[0]!r}: {rna.obs['batch'].iloc[0]!r} in the first, 'other' in the second)" \
            in text
        assert "make the two columns agree, drop 'batch' from one of them, or give each cell's batch once for both: " \
            "in " in text and "an annotation file (InputFiles(..., annotations=FILE))" in text


def test_an_annotation_file_giving_the_batch_settles_it(files):
    d, _, _ = files
    ann = d / "ann.h5ad"
    for data in (read_competition(d / "x.mod1.h5ad", d / "x.mod2.h5ad", annotations=ann),
                 InputFiles(h5mu=d / "x.h5mu", annotations=[ann]).read(),
                 InputFiles(h5mu=d / "x.h5mu", annotations=[ann]).open(plan=False),
                 InputFiles(h5mu=d / "x.h5mu", annotations=[ann]).open(plan=False).load(),
                 InputFiles(mod1=d / "x.mod1.h5ad", mod2=d / "x.mod2.h5ad", annotations=[ann]).open(plan=False)):
        assert data.obs["batch"].astype(str).tolist() == ["z"] * 60


def test_a_batch_missing_on_one_side_is_no_conflict(files):
    _, rna, prot = files
    prot = prot.copy()
    prot.obs["batch"] = np.where(np.arange(prot.n_obs) < 3, None, rna.obs["batch"].to_numpy())
    paired = get_paired(md.MuData({"rna": rna, "prot": prot}))
    assert paired.obs["batch"].tolist() == rna.obs["batch"].tolist()
    del prot.obs["batch"]
    assert get_paired({"rna": rna, "prot": prot}).obs["batch"].tolist() == rna.obs["batch"].tolist()


def test_jae_fit_says_it_in_one_line_naming_the_flag(files, tmp_path, caplog):
    d, _, _ = files
    with caplog.at_level(logging.INFO, logger="jae"):
        rc = main(["fit", "--mod1", str(d / "x.mod1.h5ad"), "--mod2", str(d / "x.mod2.h5ad"), "--out",
                   str(tmp_path / "m"), "--mode", "unsupervised"])
    err = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert rc != 0 and len(err) == 1 and "Traceback" not in caplog.text
    assert "in x.mod1.h5ad and in x.mod2.h5ad" in err[0] and "(--annotations FILE)" in err[0]
    assert not (tmp_path / "m").exists()


def test_a_batch_only_the_second_modality_gives_is_used(files, tmp_path):
    """The competition reader kept the RNA file's obs alone for files of the same cells: a batch only the second file
    gave was dropped, and a cell whose RNA batch was missing kept no batch."""
    d, rna, prot = files
    bare = rna.copy()
    del bare.obs["batch"]
    bare.write_h5ad(tmp_path / "bare.mod1.h5ad")
    part = rna.copy()
    part.obs["batch"] = [None] * 3 + list(rna.obs["batch"][3:])
    part.write_h5ad(tmp_path / "part.mod1.h5ad")
    agreeing = prot.copy()
    agreeing.obs["batch"] = rna.obs["batch"].to_numpy()
    agreeing.write_h5ad(tmp_path / "x.mod2.h5ad")
    for mod1 in ("bare", "part"):
        paths = tmp_path / f"{mod1}.mod1.h5ad", tmp_path / "x.mod2.h5ad"
        for data in (read_competition(*paths), open_competition(*paths), get_paired(read_competition(*paths))):
            assert data.obs["batch"].astype(str).tolist() == rna.obs["batch"].tolist()
    # a dict of modalities whose RNA lacks three cells' batch: taken from the proteins
    assert get_paired({"rna": part, "prot": agreeing}).obs["batch"].astype(str).tolist() == rna.obs["batch"].tolist()


def test_the_batch_column_fit_and_map_read_is_the_one_checked(files, tmp_path):
    """Only obs['batch'] was checked: fit(batch_key='sample') with modalities disagreeing on 'sample' fitted on RNA's
    values without a word, and a disagreeing 'batch' it never read was refused. Now the column the call reads is."""
    from jae import JAE, JAEConfig, fit_files

    _, rna, prot = files
    rna, prot = rna.copy(), prot.copy()
    rna.obs["sample"], prot.obs["sample"] = rna.obs["batch"], prot.obs["batch"]  # 3 cells disagree on both
    model = JAE(JAEConfig(max_epochs=1, n_svd=5, mode="unsupervised"), device="cpu")
    with pytest.raises(ValueError, match=r"^3 of 60 cells have a different obs\['sample'\] in modality 'rna' and in "
                                         r"modality 'prot'"):
        model.fit(md.MuData({"rna": rna, "prot": prot}), batch_key="sample", cell_type_key=None, progress_bar=False)
    rna.write_h5ad(tmp_path / "x.mod1.h5ad")
    prot.write_h5ad(tmp_path / "x.mod2.h5ad")
    with pytest.raises(ValueError, match=r"^3 of 60 cells have a different obs\['sample'\] in x.mod1.h5ad"):
        fit_files(InputFiles(mod1=tmp_path / "x.mod1.h5ad", mod2=tmp_path / "x.mod2.h5ad"), tmp_path / "m",
                  config=JAEConfig(max_epochs=1, n_svd=5, mode="unsupervised"), batch_key="sample",
                  cell_type_key=None, progress_bar=False)
    assert not (tmp_path / "m").exists()
    prot.obs["sample"] = rna.obs["sample"].to_numpy()  # 'sample' agrees; 'batch', not read, still differs
    model.fit(md.MuData({"rna": rna, "prot": prot}), batch_key="sample", cell_type_key=None, progress_bar=False)
    assert model.batches == sorted(rna.obs["sample"].astype(str).unique())
