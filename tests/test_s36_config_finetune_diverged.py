"""A fine-tuning that diverges (a model fitted with too high a JAEConfig.finetune_lr) in jae embed said "lower the
learning rate, e.g. --set finetune_lr=1e+05, and fit again": jae embed has no --set, and the fine-tuning reads the
saved model's own setting. It now says to lower it where the model is fitted (jae fit ... --set, JAEConfig in Python)
and fit it again, or to skip the fine-tuning."""

from __future__ import annotations

import logging

import pytest

import jae
from jae import JAEConfig


@pytest.fixture(scope="module")
def diverging(tmp_path_factory):
    mdata = jae.simulate(300, n_genes=200, n_peaks=300, n_cell_types=3, n_batches=3, seed=0)
    last = mdata.obs["batch"] == mdata.obs["batch"].cat.categories[-1]
    ref, query = mdata[~last].copy(), mdata[last].copy()
    model = jae.JAE(JAEConfig(finetune_lr=1e6, max_epochs=2), seed=0).fit(ref, progress_bar=False)
    folder = tmp_path_factory.mktemp("diverging")
    model.save(folder / "model")
    query.write_h5mu(folder / "query.h5mu")
    return model, query, folder


def test_python_names_the_setting_where_the_model_is_fitted(diverging):
    model, query, _ = diverging
    with pytest.raises(ValueError, match=r"^jae finetune: the training loss is nan") as err:
        model.finetune(query.copy(), progress_bar=False)
    assert str(err.value).endswith("lower the fine-tuning's learning rate where the model is fitted and fit it again "
                                   "(e.g. JAEConfig(finetune_lr=1e+05)), or skip the fine-tuning")


def test_jae_embed_names_jae_fit_for_the_setting_and_the_skip(diverging, caplog):
    from jae.cli import main

    _, _, folder = diverging
    args = ["embed", "--model", str(folder / "model"), "--h5mu", str(folder / "query.h5mu"),
            "--out", str(folder / "out.h5mu"), "-q"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(args) == 1
    assert caplog.messages[-1].endswith("lower the fine-tuning's learning rate where the model is fitted and fit it "
                                        "again (e.g. jae fit ... --set finetune_lr=1e+05), or skip the fine-tuning")
    assert not (folder / "out.h5mu").exists()
    # the skip it names: jae embed --finetune-epochs 0 embeds these cells
    assert main(args + ["--finetune-epochs", "0"]) == 0
