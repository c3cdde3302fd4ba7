"""Session 56's review of its own changes: model.fit's fix for a second modality of unknown kind kept the
modalities= the user gave (it dropped them, and the fix run as written was refused again); jae.JAE's scvi-tools
call names (jae.config.OtherCalls) hid an AttributeError raised inside a property as 'no attribute', and its
metaclass made a subclass that also derives from an abstract base class a metaclass conflict."""

from __future__ import annotations

import abc
import re

import mudata
import pytest

import jae
from jae import JAE, JAEConfig


def test_fit_kind_fix_keeps_the_modalities_given_and_runs(tmp_path):
    m = jae.simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=0)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    for a in (rna, prot):
        a.var["feature_types"] = "Gene Expression"  # the proteins' kind unknown: both say GEX
    data = mudata.MuData({"genes": rna, "prot": prot})
    data.obs["batch"] = m.obs["batch"].to_numpy()
    path = str(tmp_path / "gexgenes.h5mu")
    data.write(path)
    model = JAE(JAEConfig(max_epochs=1, n_svd=8, mode="unsupervised"), seed=0, device="cpu")
    with pytest.raises(ValueError) as info:
        model.fit(path, modalities=("genes", "prot"), cell_type_key=None, progress_bar=False)
    fix = re.search(r"\) or (model\.fit\(.*)$", info.value.args[0])
    assert fix and "rna='genes', other='prot'" in fix.group(1), info.value.args[0]
    eval(fix.group(1).replace("<'ATAC' / 'ADT'>", "'ADT'"), {"jae": jae, "model": model})  # as written
    assert model.preprocessor is not None  # fitted


class _Abstract(abc.ABC):
    pass


def test_a_subclass_may_also_derive_from_an_abstract_base_class():
    class Mine(JAE, _Abstract):
        pass

    assert isinstance(Mine(), _Abstract) and isinstance(Mine(), JAE)


def test_an_attribute_error_inside_a_property_is_that_error():
    class Broken(JAE):
        @property
        def broken(self):
            return None.missing  # an AttributeError of the property's own code

    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'missing'"):
        Broken().broken
    with pytest.raises(AttributeError, match="in jae: model.embed"):
        JAE().get_latent_representation()


def test_an_unfitted_model_s_second_kind_says_it_is_not_fitted():
    """It said "'NoneType' object has no attribute 'kinds'" (and, through OtherCalls, that the property did not
    exist), before the property's own error was kept."""
    with pytest.raises(RuntimeError, match="not fitted yet"):
        JAE().second_kind


def test_fit_of_two_gex_modalities_in_memory_names_a_fix_fit_can_take():
    """fit of a MuData whose modalities both read as GEX said "pass kinds=(...)", an argument of jae.io.get_paired
    that fit lacks; within jae's calls of data in memory the fix marks the other modality's kind, and runs."""
    m = jae.simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=0)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    for a in (rna, prot):
        a.var["feature_types"] = "Gene Expression"
    mdata = mudata.MuData({"genes": rna, "prot": prot})
    for key in ("batch", "cell_type"):
        mdata.obs[key] = m.obs[key].to_numpy()
    model = JAE(JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu")
    with pytest.raises(ValueError) as info:
        model.fit(mdata, modalities=("genes", "prot"), progress_bar=False)
    fix = re.search(r"mark the other's kind, (mdata\[.*\] = 'Antibody Capture') or 'Peaks'$", info.value.args[0])
    assert fix, info.value.args[0]
    exec(fix.group(1), {"mdata": mdata})  # as written
    model.fit(mdata, modalities=("genes", "prot"), progress_bar=False)
    assert model.second_kind == "ADT"
    prot.var["feature_types"] = "Gene Expression"  # (the MuData held this AnnData itself)
    with pytest.raises(ValueError, match=r"pass kinds=\('GEX', 'ATAC'\)"):  # get_paired itself takes kinds=
        jae.io.get_paired(mudata.MuData({"genes": rna, "prot": prot}), modalities=("genes", "prot"))
