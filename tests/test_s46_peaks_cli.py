"""jae embed / jae map --remap-peaks (session 46): a query file on its own peaks is refused naming the flag, and with
it embeds as the same cells on the model's peaks; the combinations it cannot serve are refused in one line."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pytest

from jae import JAE, JAEConfig
from jae.cli import main
from jae.datasets import simulate

from conftest import peaks_moved  # tests/ is on sys.path


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A model fitted on simulated Multiome cells and saved, the cells on the model's peaks and on peaks moved by 7
    bases (a per-sample peak call of the same sites), each written to an .h5mu."""
    folder = tmp_path_factory.mktemp("s46_peaks_cli")
    m = simulate(200, kind="multiome", n_genes=200, n_peaks=300, n_cell_types=3, n_batches=2, seed=5)
    model = JAE(JAEConfig(max_epochs=3, n_svd=10), seed=0, device="cpu").fit(m, progress_bar=False)
    model.save(folder / "model")
    m.write(folder / "own.h5mu")
    moved = peaks_moved(m)
    moved.write(folder / "moved.h5mu")
    m["rna"].write_h5ad(folder / "rna.h5ad")
    return folder


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_jae_embed_of_own_peaks_is_refused_naming_the_flag_and_embeds_as_the_models_peaks_with_it(saved, caplog):
    embed = ["-q", "embed", "--model", str(saved / "model"), "--finetune-epochs", "0", "--device", "cpu"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main([*embed, "--h5mu", str(saved / "moved.h5mu"), "--out", str(saved / "refused.h5ad")]) == 1
    errors = _errors(caplog)
    assert len(errors) == 1 and "each peak's on the one it overlaps most, with --remap-peaks (jae embed, jae map; " \
        "jae.remap_peaks(data, model) in Python), or count the cells' fragments" in errors[0], errors
    assert main([*embed, "--h5mu", str(saved / "own.h5mu"), "--out", str(saved / "own.h5ad")]) == 0
    assert main([*embed, "--h5mu", str(saved / "moved.h5mu"), "--out", str(saved / "moved.h5ad"),
                 "--remap-peaks"]) == 0
    own, moved = (ad.read_h5ad(saved / f"{n}.h5ad") for n in ("own", "moved"))
    np.testing.assert_allclose(moved.X, own.X, atol=1e-5)
    assert moved.obs_names.equals(own.obs_names)


def test_jae_map_remaps_the_query_before_mapping(saved):
    base = ["-q", "map", "--model", str(saved / "model"), "--epochs", "2", "--device", "cpu", "--batch-key", "batch"]
    q = md.read_h5mu(saved / "moved.h5mu")
    q.obs["batch"] = "new_" + q.obs["batch"].astype(str)
    q.write(saved / "moved_new.h5mu")
    assert main([*base, "--h5mu", str(saved / "moved_new.h5mu"), "--out", str(saved / "mapped"),
                 "--remap-peaks"]) == 0
    mapped = JAE.load(saved / "mapped", device="cpu")
    assert set(mapped.mappings[-1]["batches"]) == {"new_s1d1", "new_s1d2"}


def test_remap_peaks_refuses_rna_alone_in_one_line_and_streams_a_query_over_the_memory_budget(saved, caplog):
    """RNA alone is refused; a query over --memory-budget, refused until session 47 (the remap read it whole), is
    streamed and remapped block by block (tests/test_s47_remapstream_*.py: the same embedding as read whole)."""
    embed = ["-q", "embed", "--model", str(saved / "model"), "--device", "cpu", "--remap-peaks"]
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main([*embed, "--mod1", str(saved / "rna.h5ad"), "--out", str(saved / "a.h5ad")]) == 1
        assert main([*embed, "--h5mu", str(saved / "moved.h5mu"), "--out", str(saved / "b.h5ad"),
                     "--memory-budget", "1K"]) == 0
    errors = _errors(caplog)
    assert len(errors) == 1, errors
    assert "this query has RNA alone: leave --remap-peaks out" in errors[0], errors[0]
    assert not (saved / "a.h5ad").exists() and ad.read_h5ad(saved / "b.h5ad").n_obs == 200
