"""Query files in the shapes users bring them to ``jae embed`` / ``jae map`` (``jae.embed_files`` /
``jae.map_files``): an ``.h5mu`` holding RNA alone."""

from __future__ import annotations

import warnings

import anndata as ad
import mudata as md
import numpy as np
import pytest

import jae
from jae import JAE, JAEConfig
from jae.cli import main
from jae.io import InputFiles

FAST = JAEConfig(max_epochs=2, n_svd=10)


@pytest.fixture(scope="module")
def setup(own_cite_model):
    """A CITE-seq reference fitted in memory and saved; the query: another simulation's cells (batches renamed
    ``q_<batch>``) as an RNA ``.h5ad`` and as an ``.h5mu`` holding RNA alone (the batch in the global ``obs``)."""
    from jae.datasets import simulate

    d, model = own_cite_model("query_files")  # the shared reference (conftest), copied: this module's own
    q = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    rna = q["rna"].copy()
    rna.obs["batch"] = ("q_" + q.obs["batch"].astype(str)).to_numpy()
    rna.write_h5ad(d / "q.rna.h5ad")
    alone = md.MuData({"rna": ad.AnnData(X=rna.X, layers=dict(rna.layers), var=rna.var)})
    alone.obs["batch"] = rna.obs["batch"].to_numpy()
    alone.write(d / "q.rna.h5mu")
    return model, d


def test_an_h5mu_holding_rna_alone_embeds_and_maps_as_the_rna_file_alone(setup, tmp_path):
    model, d = setup
    h5mu, h5ad = InputFiles(h5mu=d / "q.rna.h5mu"), InputFiles(mod1=d / "q.rna.h5ad")
    got = jae.embed_files(h5mu, d / "model", tmp_path / "a.h5mu", finetune_epochs=1, progress_bar=False)
    want = jae.embed_files(h5ad, d / "model", tmp_path / "b.h5ad", finetune_epochs=1, progress_bar=False)
    np.testing.assert_array_equal(got.embedding, want.embedding)
    written = md.read_h5mu(tmp_path / "a.h5mu")
    assert list(written.mod) == ["rna"] and written.obsm["X_jae"].shape == got.embedding.shape
    mapped = jae.map_files(h5mu, model, tmp_path / "mapped", epochs=1, progress_bar=False)
    assert len(mapped.model.adapter.batches) == 2 and all(b.startswith("q_") for b in mapped.model.adapter.batches)
    np.testing.assert_array_equal(
        mapped.model.adapter.shift,
        jae.map_files(h5ad, model, tmp_path / "mapped2", epochs=1, progress_bar=False).model.adapter.shift)
    # in Python, the path itself
    np.testing.assert_array_equal(model.embed(str(d / "q.rna.h5mu"), key_added=None),
                                  model.embed(md.read_h5mu(d / "q.rna.h5mu"), key_added=None))


def test_fitting_an_h5mu_holding_rna_alone_is_still_refused(setup, tmp_path, caplog):
    _, d = setup
    assert main(["fit", "--h5mu", str(d / "q.rna.h5mu"), "--out", str(tmp_path / "m"), "--mode", "unsupervised"]) == 1
    assert "holds one modality" in caplog.text and "second modality" in caplog.text
    # the fix names what takes this file as it is, not an RNA .h5ad it does not need
    assert "embeds or maps this .h5mu as it is (jae embed / jae map" in caplog.text
    assert "model.embed(path)" not in caplog.text and "jae.embed_files" not in caplog.text  # Python calls: not CLI
    assert "mod1 alone" not in caplog.text
    assert not (tmp_path / "m").exists()


def test_open_h5mu_of_rna_alone_says_embed_and_map_take_the_file_as_it_is(setup):
    _, d = setup
    with pytest.raises(ValueError) as err:
        jae.io.open_h5mu(d / "q.rna.h5mu")
    assert "holds one modality ['rna']" in str(err.value)
    assert "embeds or maps this .h5mu as it is" in str(err.value) and "model.embed(path)" in str(err.value)
    assert "mod1 alone" not in str(err.value)


@pytest.mark.parametrize("verb", ["fit", "embed", "map", "evaluate"])
def test_h5mu_help_says_which_verbs_take_rna_alone(verb, capsys):
    with pytest.raises(SystemExit):
        main([verb, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--h5mu FILE MuData file (or MuData zarr store) with an RNA and an ATAC or protein modality (jae fit needs " \
           "both; embed, map and evaluate also take one holding RNA alone)" in text


def test_jae_embed_and_map_take_an_h5mu_holding_rna_alone(setup, tmp_path, capsys):
    _, d = setup
    assert main(["embed", "--model", str(d / "model"), "--h5mu", str(d / "q.rna.h5mu"), "--out",
                 str(tmp_path / "e.h5ad"), "--finetune-epochs", "0", "-q"]) == 0
    assert ad.read_h5ad(tmp_path / "e.h5ad").n_obs == 200
    assert main(["map", "--model", str(d / "model"), "--h5mu", str(d / "q.rna.h5mu"), "--out",
                 str(tmp_path / "mapped"), "--epochs", "1", "-q"]) == 0
    assert "of 2 new batches (q_" in capsys.readouterr().out


def test_finetune_seeds_are_recorded_in_the_history_and_the_output(setup, tmp_path):
    model, d = setup
    inputs = InputFiles(h5mu=d / "q.rna.h5mu")
    got = jae.embed_files(inputs, d / "model", tmp_path / "a.h5ad", finetune_epochs=1, seed=7, progress_bar=False)
    tuned = got.model.history[got.model.history["stage"] == "finetune"]
    assert len(tuned) == 1 and tuned["seed"].tolist() == [7]
    assert list(ad.read_h5ad(tmp_path / "a.h5ad").uns["jae"]["finetune_seeds"]) == [7]
    # default seed (the model's + 1), a second fine-tuning after it, and the record kept through save / load
    again = got.model.finetune(md.read_h5mu(d / "q.rna.h5mu"), epochs=1, progress_bar=False)
    assert again.provenance()["finetune_seeds"] == [7, model.seed + 1]
    again.save(tmp_path / "m")
    assert JAE.load(tmp_path / "m", device="cpu").provenance()["finetune_seeds"] == [7, model.seed + 1]
    assert model.provenance()["finetune_seeds"] == []  # fitted without query cells: never fine-tuned
    out = jae.embed_files(inputs, d / "model", tmp_path / "b.h5mu", finetune_epochs=0, progress_bar=False)
    assert out.model.provenance()["finetune_seeds"] == []
    assert len(md.read_h5mu(tmp_path / "b.h5mu").uns["jae"]["finetune_seeds"]) == 0


@pytest.mark.parametrize("suffix", [".h5mu", ".h5ad"])
def test_replaced_label_columns_are_named_in_one_log_line(setup, tmp_path, caplog, suffix):
    """An .h5mu input already holding jae's columns (embedded before) had them replaced in the .h5mu output without
    a word (the .h5ad output said so, one line per column)."""
    import logging

    model, d = setup
    first = tmp_path / "first.h5mu"
    jae.embed_files(InputFiles(h5mu=d / "q.rna.h5mu"), model, first, finetune_epochs=0, progress_bar=False)
    before = md.read_h5mu(first)
    assert {"jae_cell_type", "jae_confidence", "jae_unknown"} <= set(before.obs.columns)
    with caplog.at_level(logging.INFO, logger="jae.workflows"):
        jae.embed_files(InputFiles(h5mu=first), model, tmp_path / f"second{suffix}", finetune_epochs=0,
                        progress_bar=False)
    lines = [r.getMessage() for r in caplog.records if "replaced in the output" in r.getMessage()]
    assert len(lines) == 1, lines
    assert "obs columns 'jae_cell_type', 'jae_confidence', 'jae_unknown'" in lines[0]
    assert ("obsm['X_jae']" in lines[0]) == (suffix == ".h5mu") and "the input file is unchanged" in lines[0]
    assert md.read_h5mu(first).obs.equals(before.obs)  # the input is never modified


@pytest.fixture(scope="module")
def duplicated(setup):
    """The query's RNA (200 cells) with cells 0-4 renamed as cells 5-9: 5 names held by 10 cells; and its proteins."""
    from jae.datasets import simulate

    _, d = setup
    q = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    names = np.array(q.obs_names)
    names[:5] = names[5:10]
    rna, prot = q["rna"].copy(), q["prot"].copy()
    for a in (rna, prot):
        a.obs_names = names
        a.obs["batch"] = "q_new"
    rna.write_h5ad(d / "dup.rna.h5ad")
    prot.write_h5ad(d / "dup.prot.h5ad")
    return rna, prot


@pytest.mark.parametrize("case", ["mudata", "rna_anndata", "map_rna", "files", "rna_file", "h5mu_file"])
def test_duplicated_cell_names_are_refused_with_the_count_and_the_fix(setup, duplicated, tmp_path, case):
    model, d = setup
    rna, prot = duplicated
    with warnings.catch_warnings():  # mudata warns of the duplicated names: the user's data as given
        warnings.simplefilter("ignore", UserWarning)
        paired, alone = md.MuData({"rna": rna, "prot": prot}), md.MuData({"rna": rna})
        if case == "h5mu_file":
            paired.write(tmp_path / "dup.h5mu")
    run = {
        "mudata": lambda: model.embed(paired, key_added=None),
        "rna_anndata": lambda: model.embed(rna, key_added=None),
        "map_rna": lambda: model.map_query(alone, epochs=1, progress_bar=False),
        "files": lambda: jae.embed_files(InputFiles(mod1=d / "dup.rna.h5ad", mod2=d / "dup.prot.h5ad"), model,
                                         tmp_path / "e.h5ad", progress_bar=False),
        "rna_file": lambda: jae.map_files(InputFiles(mod1=d / "dup.rna.h5ad"), model, tmp_path / "m",
                                          progress_bar=False),
        "h5mu_file": lambda: jae.embed_files(InputFiles(h5mu=tmp_path / "dup.h5mu"), model, tmp_path / "e.h5ad",
                                             progress_bar=False),
    }[case]
    with pytest.raises(ValueError) as info:
        run()
    message = str(info.value)
    assert "has 5 duplicated cell names (e.g. " in message and "(10 cells carry them)" in message, message
    assert "obs_names_make_unique()" in message and "\n" not in message
    assert ("write the file again" in message) == case.endswith(("file", "files"))
    assert not (tmp_path / "e.h5ad").exists() and not (tmp_path / "m").exists()


def test_layer_is_honoured_for_h5mu_paths(setup, tmp_path):
    """model.embed('x.h5mu', layer=None) read layers['counts'] all the same (only in-memory data read the layer
    asked for), and its refusal told the user to pass the layer= they had passed."""
    import scipy.sparse as sp
    from jae.datasets import simulate

    model, _ = setup
    q = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=5)
    q.obs["batch"] = np.where(np.arange(q.n_obs) % 2 == 0, "q_a", "q_b")  # new batches, two to fit on
    for k in q.mod:
        q[k].X = q[k].layers["counts"].copy()
        q[k].layers["other"] = q[k].layers["counts"].copy()
        q[k].layers["counts"] = sp.csr_matrix(q[k].layers["counts"] * 0.5)  # no raw counts there
    path = tmp_path / "layers.h5mu"
    q.write(path)
    for layer in (None, "other"):
        np.testing.assert_array_equal(model.embed(str(path), key_added=None, layer=layer),
                                      model.embed(q, key_added=None, layer=layer))
        np.testing.assert_array_equal(
            model.map_query(str(path), epochs=1, layer=layer, progress_bar=False).adapter.shift,
            model.map_query(q, epochs=1, layer=layer, progress_bar=False).adapter.shift)
    fitted = JAE(FAST, seed=0, device="cpu").fit(str(path), layer="other", progress_bar=False)
    expected = JAE(FAST, seed=0, device="cpu").fit(q, layer="other", progress_bar=False)
    np.testing.assert_array_equal(fitted.embed(q, key_added=None, layer="other"),
                                  expected.embed(q, key_added=None, layer="other"))
    with pytest.raises(ValueError, match="non-integer values"):  # the layer asked for is read: here no counts
        model.embed(str(path), key_added=None, layer="counts")


def test_an_h5mu_with_all_nan_rows_says_how_to_stream_it(setup, tmp_path):
    """jae's in-memory mosaic layout (unmeasured cells as all-NaN rows) in an .h5mu file was refused while streamed
    with 'NaN or infinite values; ... pass layer=...', a fix that does not apply; the message now names the cells and
    the rewrite that streams, and that rewrite embeds as the same data in memory does."""
    import scipy.sparse as sp
    from jae.datasets import simulate

    model, _ = setup
    q = simulate(100, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=6)
    X = q["prot"].layers["counts"].toarray().astype(np.float32)
    X[:30] = np.nan
    q["prot"].layers["counts"] = sp.csr_matrix(X)
    q["prot"].X = q["prot"].layers["counts"].copy()
    q.write(tmp_path / "nan.h5mu")
    with pytest.raises(ValueError, match=r"modality 'prot' \(cells 0-99\) has 30 cells whose row is all NaN .*"
                                         r"write the file again without them in 'prot'"):
        jae.embed_files(InputFiles(h5mu=tmp_path / "nan.h5mu"), model, tmp_path / "e.h5ad", finetune_epochs=0,
                        progress_bar=False)
    unmeasured = np.isnan(X).all(axis=1)
    q.mod["prot"] = q["prot"][~unmeasured].copy()
    q.update()
    q.write(tmp_path / "dropped.h5mu")
    got = jae.embed_files(InputFiles(h5mu=tmp_path / "dropped.h5mu"), model, tmp_path / "e.h5ad", finetune_epochs=0,
                          progress_bar=False)
    assert got.embedding.shape[0] == 100 and np.isfinite(got.embedding).all()


def test_a_modality_every_cell_has_gets_no_have_no_line(setup, tmp_path, caplog):
    """Mosaic queries log how many cells lack each modality; a modality no cell lacks is not said ('0 of 200 cells
    have no ADT measurements' was logged), in memory and from files alike."""
    import logging

    from jae.datasets import simulate
    from jae.io import make_mudata, write_atomic

    model, d = setup
    q = simulate(200, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    mosaic = md.MuData({"rna": q["rna"][20:].copy(), "prot": q["prot"].copy()})  # 20 cells without RNA
    write_atomic(make_mudata({"rna": q["rna"][20:].copy(), "prot": q["prot"].copy()}), tmp_path / "m.h5mu")
    for data in (mosaic, str(tmp_path / "m.h5mu")):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="jae.query.features"):
            model.embed(data, key_added=None)
        assert "20 of 200 cells have no GEX measurements" in caplog.text
        assert "have no ADT" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="jae.query.features"):
        model.embed(ad.read_h5ad(d / "q.rna.h5ad"), key_added=None)  # RNA alone: every cell lacks ADT, said
    assert "200 of 200 cells have no ADT measurements" in caplog.text
