"""Session 56: cells that quality control removed from one modality only (a scanpy QC of the RNA paired with the
whole protein file) made the data mosaic, and fit trained on them from the other modality with an INFO line alone,
unseen in Python without logging set up. fit now warns when cells measured in one modality alone share a batch with
paired cells, naming the counts and how to keep the paired cells; a mosaic's own single-modality batches say
nothing."""

from __future__ import annotations

import logging

import mudata as md
import pytest

import jae
from jae import JAE, JAEConfig

WORDS = "within the batches of the"


@pytest.fixture(scope="module")
def sim():
    return jae.simulate(400, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=1)


def _mudata(sim, rna_cells, prot_cells):
    mods = {"genes": sim["rna"][rna_cells].copy(), "adt": sim["prot"][prot_cells].copy()}
    m = md.MuData(mods)
    for key in ("batch", "cell_type"):
        m.obs[key] = sim.obs.loc[m.obs_names, key].to_numpy()
    return m


def _fit(data, caplog, modalities=("genes", "adt"), **kw):
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        JAE(JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(
            data, modalities=modalities, progress_bar=False, **kw)
    return [r.getMessage() for r in caplog.records if WORDS in r.getMessage()]


def test_rna_filtered_alone_warns_and_the_named_fix_fits_the_paired_cells(sim, caplog):
    names = sim.obs_names
    data = _mudata(sim, names[::2], names)  # the RNA's QC kept every other cell; the proteins: all
    (line,) = _fit(data, caplog)
    assert line.startswith("200 cells are measured in one modality alone (200 'adt' only) within the batches of the "
                           "200 paired cells"), line
    fix = "mdata[mdata.obsm['genes'] & mdata.obsm['adt']].copy()"
    assert fix in line
    paired = eval(fix, {"mdata": data})  # as written
    assert paired.n_obs == 200 and _fit(paired, caplog) == []


def test_single_modality_cells_in_batches_of_their_own_say_nothing(sim, caplog):
    batch = sim.obs["batch"].astype(str).to_numpy()
    first = batch == batch[0]
    names = sim.obs_names
    # a mosaic design: one batch paired, the other measured in proteins alone
    data = _mudata(sim, names[first], names)
    assert _fit(data, caplog, batch_key="batch") == []
    assert len(_fit(data, caplog, batch_key=None)) == 1  # without batches, all cells are one


def test_from_a_file_the_fix_names_the_files_own_modalities_and_runs(sim, tmp_path, caplog):
    """A path (read whole, its modalities renamed 'rna' / 'prot' by the reader) and a file opened to stream: the fix
    reads the file and names its own modalities ('GEX' / 'ADT' here; a placeholder where the reader renamed them)."""
    import mudata

    names = sim.obs_names
    data = _mudata(sim, names[::2], names)
    data = mudata.MuData({"GEX": data["genes"], "ADT": data["adt"]})
    for key in ("batch", "cell_type"):
        data.obs[key] = sim.obs.loc[data.obs_names, key].to_numpy()
    path = str(tmp_path / "qc.h5mu")
    data.write(path)
    for given in (path,):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="jae"):
            JAE(JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(given, progress_bar=False)
        (line,) = [r.getMessage() for r in caplog.records if WORDS in r.getMessage()]
        fix = line.split("keep the cells both hold: ", 1)[1].split(", then fit it")[0]
        assert fix.startswith(f"mdata = mudata.read_h5mu({path!r}); "), line
        written = fix.replace("<its RNA's name>", "'GEX'").replace("<its other's name>", "'ADT'")
        scope = {"mudata": mudata}
        exec(written, scope)  # as written
        assert scope["mdata"].n_obs == 200 and _fit(scope["mdata"], caplog, modalities=None) == []
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):  # opened to stream: the reader's names, not the file's
        JAE(JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(jae.io.open_mosaic_h5mu(path),
                                                                            progress_bar=False)
    (line,) = [r.getMessage() for r in caplog.records if WORDS in r.getMessage()]
    assert line.endswith("keep the cells both hold: files of the same cells in both modalities"), line


def test_a_pair_of_files_names_files_of_the_same_cells(sim, tmp_path, caplog):
    from jae.cli import main

    names = sim.obs_names
    for name, cells, mod in (("rna", names[::2], "rna"), ("adt", names, "prot")):
        a = sim[mod][cells].copy()
        for key in ("batch", "cell_type"):
            a.obs[key] = sim.obs.loc[a.obs_names, key].to_numpy()
        a.write_h5ad(tmp_path / f"{name}.h5ad")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        assert main(["-q", "fit", "--mod1", str(tmp_path / "rna.h5ad"), "--mod2", str(tmp_path / "adt.h5ad"),
                     "--out", str(tmp_path / "model"), "--max-epochs", "1"]) == 0
    (line,) = [r.getMessage() for r in caplog.records if WORDS in r.getMessage()]
    assert line.endswith("keep the cells both hold: files of the same cells in both modalities"), line
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):  # a file opened to stream: its modalities are renamed
        JAE(JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(
            jae.io.open_competition(tmp_path / "rna.h5ad", tmp_path / "adt.h5ad", mosaic=True), progress_bar=False)
    assert [r.getMessage() for r in caplog.records if WORDS in r.getMessage()][0].endswith("in both modalities")
