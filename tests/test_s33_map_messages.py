"""Session 33 audit of reference mapping: messages and edge inputs of map_query / jae map."""

from __future__ import annotations

import pandas as pd
import pytest

from jae.io.features import feature_overlap


def test_overlap_just_below_the_threshold_is_not_shown_as_the_threshold():
    """149 of 300 features were refused as '(50%; ...) below the 50%': the share shown read as the threshold itself."""
    expected = pd.Index([f"G{i:03d}" for i in range(300)])
    with pytest.raises(ValueError, match=r"has 149 of the model's 300 features \(49\.6%;.*below the 50%") as err:
        feature_overlap(expected[:149], expected, name="modality 'rna'")
    assert "(50%" not in str(err.value)
    with pytest.raises(ValueError, match=r"has 10 of the model's 300 features \(3%;"):  # far below: whole percent
        feature_overlap(expected[:10], expected, name="modality 'rna'")
    assert len(feature_overlap(expected[:150], expected, name="modality 'rna'").missing) == 150  # at it: accepted


def test_jae_map_refuses_seed_with_epochs_0_before_loading_the_reference(tmp_path, monkeypatch, caplog):
    """jae map --epochs 0 --seed 3 loaded the reference and opened the query before refusing the seed; it is now
    refused first (the reference is never read), with the same one line."""
    import jae.workflows.joint as workflows
    from jae import simulate
    from jae.cli import main

    simulate(40, kind="multiome", n_genes=200, n_peaks=60, seed=0).write(tmp_path / "q.h5mu")

    def never(*args, **kwargs):
        raise AssertionError("the reference was loaded")

    monkeypatch.setattr(workflows, "_model_and_path", never)
    assert main(["map", "--model", str(tmp_path / "ref"), "--h5mu", str(tmp_path / "q.h5mu"), "--out",
                 str(tmp_path / "m"), "--epochs", "0", "--seed", "3", "-q"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= 40]
    assert len(errors) == 1 and "--seed seeds the training of the shifts, which --epochs 0 skips" in errors[0]
    assert not (tmp_path / "m").exists()


def test_map_query_of_no_cells_says_so():
    """map_query of a query with 0 cells was refused as 'every query batch in obs['batch'] () is already known to the
    model ... rename them'; it now says the query holds no cells."""
    from jae import JAE, JAEConfig, simulate

    m = simulate(120, kind="multiome", n_genes=200, n_peaks=60, n_batches=2, seed=0)
    ref = m[(m.obs["batch"] == m.obs["batch"].iloc[0]).to_numpy()].copy()
    model = JAE(JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu").fit(ref, progress_bar=False)
    with pytest.raises(ValueError, match=r"^the query holds no cells \(0 rows\), so there is nothing to map"):
        model.map_query(m[:0].copy(), batch_key="batch", progress_bar=False)


@pytest.fixture(scope="module")
def small():
    """A 1-epoch reference (one batch) and a query of another batch, both simulated Multiome."""
    from jae import JAE, JAEConfig, simulate

    m = simulate(160, kind="multiome", n_genes=200, n_peaks=80, n_batches=2, seed=1)
    first = (m.obs["batch"] == m.obs["batch"].iloc[0]).to_numpy()
    model = JAE(JAEConfig(max_epochs=1, n_svd=8), seed=0, device="cpu").fit(m[first].copy(), progress_bar=False)
    return model, m[~first].copy()


@pytest.mark.parametrize("kept", [200, 150])
def test_cells_with_counts_only_in_unknown_features_are_refused_in_one_line(small, kept):
    """Query cells whose RNA counts all lay in genes the model does not know failed with 'log_normalize: some cells
    have zero total counts; remove them first' (every model gene present) or were silently placed at the reference's
    mean (some missing); both now refuse with the count, the modality and the fix."""
    import anndata as ad
    import mudata as md
    import numpy as np
    import scipy.sparse as sp

    model, query = small
    rna = query["rna"]
    X = rna.layers["counts"].toarray()[:, :kept]
    X[[2, 5]] = 0
    extra = np.full((rna.n_obs, 4), 2.0)
    var = pd.DataFrame(index=list(rna.var_names[:kept]) + [f"NEW{i}" for i in range(4)])
    counts = sp.csr_matrix(np.hstack([X, extra]).astype(np.float32))
    genes = ad.AnnData(X=counts.copy(), obs=rna.obs.copy(), var=var, layers={"counts": counts})
    data = md.MuData({"rna": genes, "atac": query["atac"].copy()})
    data.obs["batch"] = query.obs["batch"].to_numpy()
    with pytest.raises(ValueError, match=rf"^2 cells of modality 'rna' \(the first at its row 2\) have no counts in the "
                                         rf"{kept} of its features the model knows .*the 4 features it does not know"):
        model.map_query(data, progress_bar=False)
    with pytest.raises(ValueError, match=r"^2 cells of modality 'rna'"):
        model.embed(data, key_added=None)


def test_jae_map_refuses_a_bad_memory_budget_before_loading_the_reference(tmp_path, monkeypatch, caplog):
    """jae map --memory-budget banana loaded the reference before refusing the size; it is now refused first."""
    import jae.workflows.joint as workflows
    from jae import simulate
    from jae.cli import main

    simulate(40, kind="multiome", n_genes=200, n_peaks=60, seed=0).write(tmp_path / "q.h5mu")

    def never(*args, **kwargs):
        raise AssertionError("the reference was loaded")

    monkeypatch.setattr(workflows, "_model_and_path", never)
    assert main(["map", "--model", str(tmp_path / "ref"), "--h5mu", str(tmp_path / "q.h5mu"), "--out",
                 str(tmp_path / "m"), "--memory-budget", "banana", "-q"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= 40]
    assert len(errors) == 1 and errors[0].startswith("--memory-budget banana is not a size")


def test_jae_map_of_one_cell_says_one_cell(small, tmp_path, capsys, caplog):
    """jae map of a one-cell query printed 'mapped 1 cells of 1 new batch ...' and logged 'mapping 1 query cells';
    the count now takes the noun in the number it needs."""
    import logging

    from jae.cli import main

    model, query = small
    model.save(tmp_path / "ref")
    query[:1].copy().write(tmp_path / "q.h5mu")
    with caplog.at_level(logging.INFO, logger="jae.mapping.train"):
        assert main(["map", "--model", str(tmp_path / "ref"), "--h5mu", str(tmp_path / "q.h5mu"), "--out",
                     str(tmp_path / "m"), "--epochs", "1", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mapped 1 cell of 1 new batch (") and ": 1 step, seed 2\n" in out, out
    assert any(r.getMessage().startswith("mapping 1 query cell of 1 new batch (") for r in caplog.records)


def test_map_query_with_epochs_0_draws_no_empty_bar(small, capsys):
    """map_query(epochs=0) drew an empty 'mapping query: 0step' bar (twice on a terminal); with no step it draws none,
    and a bar is still drawn when there are steps."""
    model, query = small
    model.map_query(query, batch_key="batch", epochs=0, progress_bar=True)
    assert "mapping query" not in capsys.readouterr().err
    model.map_query(query, batch_key="batch", epochs=1, progress_bar=True)
    assert "mapping query" in capsys.readouterr().err


def test_map_query_of_many_batches_names_five_in_its_log_line(small, caplog):
    """A query of a batch per donor was named batch by batch in the mapping's log line (2,500 characters for 217
    batches) and in jae map's summary; five are named now, then how many there are in all."""
    import logging

    model, query = small
    q = query.copy()
    q.obs["batch"] = [f"donor_{i:02d}" for i in range(q.n_obs)]
    with caplog.at_level(logging.INFO, logger="jae.mapping.train"):
        mapped = model.map_query(q, batch_key="batch", epochs=1, progress_bar=False)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("mapping "))
    assert f"(donor_00, donor_01, donor_02, donor_03, donor_04, ... ({q.n_obs} in all))" in line and "donor_05" not in line
    assert len(mapped.adapter.batches) == q.n_obs  # every batch still mapped
