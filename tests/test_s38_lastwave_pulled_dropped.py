"""A key 'prot:cell_type' (MuData's name of modality 'prot''s column once pulled) on a two-modality .h5mu is refused
with the fix 'pass cell_type_key='cell_type'' (5b8bc8c). When modality 'rna' holds a 'cell_type' column of other
values, obs['cell_type'] is rna's (prot's values are dropped when jae joins the columns): following that fix trained on
the other modality's labels. The refusal now says obs['cell_type'] holds other values and to rename prot's column,
read from memory or streamed from the file; following it fits on prot's labels."""

from __future__ import annotations

import warnings

import mudata as md
import numpy as np
import pytest

import jae
from jae.io import open_h5mu
from jae.io.paired import cell_obs
from jae.io.validate import check_fit_annotations


def _write(path, *, rna_labels):
    m = jae.simulate(120, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=2, seed=3)
    mods = {}
    for name in ("rna", "prot"):
        adata = m[name].copy()
        adata.obs = adata.obs.iloc[:, :0].copy()
        adata.obs["batch"] = m.obs["batch"].to_numpy()
        mods[name] = adata
    mods["prot"].obs["cell_type"] = m.obs["cell_type"].to_numpy()
    if rna_labels:  # other values under the same name
        mods["rna"].obs["cell_type"] = np.random.default_rng(0).permutation(m.obs["cell_type"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mudata's FutureWarning on pulling obs
        md.MuData(mods).write(path)
    return path


@pytest.mark.parametrize("read", ["memory", "streamed"])
def test_a_pulled_key_whose_column_holds_another_modality_s_values_says_to_rename_it(tmp_path, read):
    path = _write(tmp_path / "both.h5mu", rna_labels=True)
    obs = cell_obs(jae.read_h5mu(path)) if read == "memory" else open_h5mu(path).obs
    with pytest.raises(KeyError, match=r"obs\['cell_type'\] holds other values .*rename the column in 'prot', e\.g\. "
                                       r"mdata\['prot'\]\.obs = mdata\['prot'\]\.obs\.rename\(columns=\{'cell_type': "
                                       r"'prot_cell_type'\}\).*pass cell_type_key='prot_cell_type'") as err:
        check_fit_annotations(obs, batch_key="batch", cell_type_key="prot:cell_type", supervised=True)
    assert "pass cell_type_key='cell_type'" not in str(err.value)
    # the fix: prot's labels by their new name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = md.read_h5mu(path)
        want = m["prot"].obs["cell_type"].astype(str).to_numpy()
        m["prot"].obs = m["prot"].obs.rename(columns={"cell_type": "prot_cell_type"})
        m.write(tmp_path / "fixed.h5mu")
    fixed = open_h5mu(tmp_path / "fixed.h5mu").obs
    check_fit_annotations(fixed, batch_key="batch", cell_type_key="prot_cell_type", supervised=True)  # accepted
    np.testing.assert_array_equal(fixed["prot_cell_type"].astype(str).to_numpy(), want)  # prot's labels


def test_a_pulled_key_whose_column_agrees_keeps_the_plain_fix(tmp_path):
    path = _write(tmp_path / "one.h5mu", rna_labels=False)
    with pytest.raises(KeyError, match=r"pass cell_type_key='cell_type'\"$"):
        check_fit_annotations(open_h5mu(path).obs, batch_key="batch", cell_type_key="prot:cell_type", supervised=True)
