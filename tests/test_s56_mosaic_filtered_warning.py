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


def _fit(data, caplog, **kw):
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        JAE(JAEConfig(max_epochs=1, n_svd=20), seed=0, device="cpu").fit(
            data, modalities=("genes", "adt"), progress_bar=False, **kw)
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
