"""The rename jae names for cells of one modality named with another suffix (session 35): followed on a MuData's
modality as written, jae then asked for mdata.update(), which mudata refuses for renamed cells ('renamed and
filtered at the same time'); the message now gives the rebuild that works, and following it pairs every cell."""

from __future__ import annotations

import logging
import re
import warnings

import mudata as md
import pytest

from jae import JAE, JAEConfig
from jae.datasets import simulate


def test_the_rename_of_a_mudatas_modality_as_the_message_gives_it_pairs_every_cell(caplog):
    m = simulate(90, kind="cite", n_genes=200, n_proteins=8, n_batches=1, seed=1)
    prot = m["prot"].copy()
    prot.obs_names = [f"{c}_adt" for c in m.obs_names]
    mdata = md.MuData({"rna": m["rna"].copy(), "prot": prot})
    with pytest.raises(ValueError, match="90 are the same cells named with another prefix or suffix") as err:
        JAE(JAEConfig(max_epochs=1, n_svd=5), device="cpu").fit(mdata, batch_key=None, cell_type_key=None,
                                                                 progress_bar=False)
    message = str(err.value)
    rename = re.search(r"e\.g\. (adata\.obs_names = \[.+? for n in adata\.obs_names\]) on its AnnData", message)
    rebuild = re.search(r"(mdata = mudata\.MuData\(dict\(mdata\.mod\)\))", message)
    assert rename and rebuild, message
    exec(rename.group(1), {}, {"adata": mdata["prot"]})
    scope = {"mdata": mdata, "mudata": md}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # mudata's notice of its next version's defaults
        exec(rebuild.group(1), scope)
    fixed = scope["mdata"]
    assert fixed.n_obs == 90
    with caplog.at_level(logging.WARNING, logger="jae"):
        emb = JAE(JAEConfig(max_epochs=1, n_svd=5, mode="unsupervised"), device="cpu").fit(
            fixed, batch_key=None, cell_type_key=None, progress_bar=False).embed(fixed, key_added=None)
    assert emb.shape[0] == 90 and "renamed" not in caplog.text and "no cell has both" not in caplog.text
