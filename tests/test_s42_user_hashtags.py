"""A MuData of RNA, proteins and hashtags (modalities 'rna', 'prot', 'hto': cell hashing beside CITE-seq, as the
README's h5mu output anticipates): jae refused it, in memory ('choose them with modalities=...') and as a file ('pass
other=<name>' / --other-mod NAME), though one modality is named as RNA and one as a second modality jae pairs with
it. Such data is now read as that pair, with a log line naming the choice; data whose third modality leaves the choice
open (RNA, ATAC and proteins) is still refused."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.cli import main
from jae.datasets import simulate
from jae.io import get_paired


def _hto(cells) -> ad.AnnData:
    counts = np.random.default_rng(0).poisson(20, (len(cells), 3)).astype(np.float32)
    return ad.AnnData(X=sp.csr_matrix(counts), obs=pd.DataFrame(index=cells),
                      var=pd.DataFrame(index=["H1", "H2", "H3"]))


@pytest.fixture(scope="module")
def three():
    m = simulate(80, kind="cite", n_genes=200, n_proteins=10, n_cell_types=2, n_batches=1, seed=0)
    mods = {"rna": m["rna"], "prot": m["prot"], "hto": _hto(m.obs_names)}
    out = md.MuData(mods)
    out.obs = m.obs.copy()
    return out, m


def test_in_memory_pairs_rna_with_the_named_modality(three, caplog):
    data, m = three
    with caplog.at_level(logging.INFO, logger="jae.io"):
        paired = get_paired(data)
    assert paired.names == ("rna", "prot") and paired.kinds == ("GEX", "ADT")
    assert (paired.counts[1] != get_paired(m).counts[1]).nnz == 0  # the proteins, not the hashtags
    said = [r.getMessage() for r in caplog.records if "pairing" in r.getMessage()]
    assert said == ["the data holds 3 modalities ['rna', 'prot', 'hto']: pairing 'rna' with 'prot', named like ADT "
                    "(modalities=(RNA, OTHER) chooses others)"]
    assert list(data.mod) == ["rna", "prot", "hto"]  # the user's data as it was


def test_fit_and_embed_three_modalities(three):
    data, m = three
    model = jae.JAE(jae.JAEConfig(max_epochs=1), seed=0).fit(data, progress_bar=False)
    assert model.modality_names == ("rna", "prot")
    emb = model.embed(data, key_added=None)
    np.testing.assert_array_equal(emb, model.embed(m, key_added=None))  # as the pair alone


def test_file_pairs_rna_with_the_named_modality(three, tmp_path, caplog):
    data, _ = three
    data.write(tmp_path / "x.h5mu")
    assert list(jae.read_h5mu(tmp_path / "x.h5mu").mod) == ["rna", "prot"]
    with caplog.at_level(logging.INFO, logger="jae"):
        rc = main(["fit", "--h5mu", str(tmp_path / "x.h5mu"), "--out", str(tmp_path / "m"), "--set", "max_epochs=1"])
    assert rc == 0
    assert any("pairing 'rna' with 'prot', named like ADT (--other-mod NAME" in r.getMessage() for r in caplog.records)


def test_open_choice_still_refused(three):
    data, m = three
    atac = simulate(80, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=2, n_batches=1, seed=0)["atac"]
    atac.obs_names = m.obs_names
    trimodal = {"RNA": m["rna"], "atac": atac, "prot": m["prot"]}
    said = r"the data holds 3 modalities \['RNA', 'atac', 'prot'\]; jae pairs exactly two: choose them with modalities="
    with pytest.raises(ValueError, match=said):
        get_paired(trimodal)
    assert get_paired(trimodal, modalities=("RNA", "atac")).kinds == ("GEX", "ATAC")
