"""jae.evaluate given the embeddings a user already has, in the forms they hold them (s33 audit)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate


@pytest.fixture(scope="module")
def data():
    m = simulate(120, n_genes=250, n_peaks=200, n_cell_types=3, n_batches=2, seed=1)
    m.obsm["X_scVI"] = np.random.default_rng(0).normal(size=(m.n_obs, 8)).astype(np.float32)
    return m


def _never(*args, **kwargs):
    raise AssertionError("the metrics ran before the arguments were checked")


def test_an_anndata_given_as_an_embedding_is_refused_naming_what_to_pass(data, monkeypatch):
    """A competition prediction held in memory (X = embedding) failed in numpy: 'setting an array element with a
    sequence. The requested array would exceed the maximum number of dimension of 64', naming no embedding."""
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    pred = ad.AnnData(X=np.asarray(data.obsm["X_scVI"]), obs=pd.DataFrame(index=data.obs_names))
    with pytest.raises(TypeError, match=r"embedding 'scvi' is an AnnData, not an embedding; pass the embedding itself"
                                        r".*pandas\.DataFrame\(adata\.X, index=adata\.obs_names\)"):
        jae.evaluate(data, {"scvi": pred}, progress_bar=False)
    with pytest.raises(TypeError, match=r"embedding 'm' is a MuData"):
        jae.evaluate(data, {"m": data}, progress_bar=False)


def test_an_obsm_key_given_as_a_prediction_file_names_the_key_and_the_flag(data, tmp_path, monkeypatch, caplog):
    """``--prediction scVI=X_scVI`` said only "--prediction file X_scVI does not exist; check the path", although the
    data's obsm holds X_scVI."""
    from pathlib import Path

    from jae.cli import main
    from jae.io import InputFiles

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    data.write_h5mu(tmp_path / "d.h5mu")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"^embedding file X_scVI does not exist, but the data's obsm holds 'X_scVI': "
                                         r"pass it as an obsm key \(text, not a path\): embeddings=\{'s': 'X_scVI'\}$"):
        jae.evaluate_files(InputFiles(h5mu="d.h5mu"), {"s": Path("X_scVI")}, "out")
    assert main(["evaluate", "--h5mu", "d.h5mu", "--prediction", "scVI=X_scVI", "--out", "out", "--quiet"]) == 1
    assert caplog.records[-1].getMessage() == (
        "--prediction file X_scVI does not exist, but the data's obsm holds 'X_scVI': give it as --obsm X_scVI "
        "(--prediction takes files)")
    assert not (tmp_path / "out").exists()


def test_the_baseline_on_files_without_counts_is_refused_before_they_are_read_whole(data, tmp_path, monkeypatch,
                                                                                    caplog):
    """--baseline on an .h5mu holding normalised values only (no counts layer) read every file whole, then said
    "modality 'rna' (layer 'counts') has ... non-integer values", naming a layer the file lacks."""
    from jae.cli import main
    from jae.io import InputFiles
    from jae.io.paired_files import FilesOnDisk

    m = data.copy()
    for a in m.mod.values():
        del a.layers["counts"]
        a.X = np.log1p(a.X * 1.5)
    m.write_h5mu(tmp_path / "norm.h5mu")
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    monkeypatch.setattr(FilesOnDisk, "load", _never)
    with pytest.raises(ValueError, match=r"^modality 'rna' \(X\) has \d+ non-integer values .*so it looks normalised; "
                                         r"jae needs raw counts: .*; or pass baseline=False to score the given "
                                         r"embeddings alone$"):
        jae.evaluate_files(InputFiles(h5mu=tmp_path / "norm.h5mu"), ["X_scVI"], baseline=True, progress_bar=False)
    assert main(["evaluate", "--h5mu", str(tmp_path / "norm.h5mu"), "--obsm", "X_scVI", "--baseline", "--out",
                 str(tmp_path / "out"), "--quiet"]) == 1
    assert caplog.records[-1].getMessage().endswith("; or drop --baseline to score the given embeddings alone")
    assert not (tmp_path / "out").exists()


def _fake_scores(E, *, cell_type, **kwargs):
    out = pd.Series({m: 0.5 for m in (*jae.metrics.METRICS, "overall")})
    out.attrs.update(averaged=list(jae.metrics.METRICS), skipped={}, notes=[])
    return out


def test_embeddings_named_alike_but_for_case_get_umap_files_apart_on_any_file_system(data, tmp_path, monkeypatch):
    """'X_pca' and 'X_PCA' were drawn to umap_X_pca.png and umap_X_PCA.png: one file on macOS and Windows, so the
    second UMAP replaced the first and index.html showed it for both."""
    import re

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _fake_scores)
    Z = np.asarray(data.obsm["X_scVI"])
    jae.evaluate(data, {"X_pca": Z, "X_PCA": Z[:, ::-1].copy()}, report_dir=tmp_path / "r", progress_bar=False)
    shown = re.findall(r'<img src="(umap_[^"]+\.png)"', (tmp_path / "r" / "index.html").read_text())
    assert len(shown) == 2 and len({p.lower() for p in shown}) == 2, shown
    assert all((tmp_path / "r" / p).is_file() for p in shown)


def test_the_help_of_obsm_names_every_input_whose_obsm_is_read(capsys):
    """--obsm's help said 'embedding stored in the --h5mu's obsm', although the obsm of an --h5ad (scanpy's) and of
    --mod1 / --mod2 are read the same way: a scanpy user read that --obsm was not for them."""
    from jae.cli import main

    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    start = text.index("--obsm KEY embedding")  # the option's help, not the usage line
    obsm = text[start:text.index("--prediction [NAME=]FILE", start)]
    for flag in ("--h5mu", "--h5ad", "--mod1", "--mod2"):
        assert flag in obsm, obsm


def test_keys_given_as_an_iterator_are_scored_not_used_up_by_the_checks(data, tmp_path, monkeypatch):
    """jae.evaluate(mdata, filter(...)) (or a generator of keys) said 'nothing to evaluate': the argument checks
    had read the iterator to its end before the keys were taken from it."""
    from jae.io import InputFiles

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _fake_scores)
    table = jae.evaluate(data, filter(lambda k: k.startswith("X_"), data.obsm), progress_bar=False)
    assert list(table.index) == ["X_scVI"]
    data.write_h5mu(tmp_path / "d.h5mu")
    table = jae.evaluate_files(InputFiles(h5mu=tmp_path / "d.h5mu"), (k for k in ["X_scVI"]), progress_bar=False)
    assert list(table.index) == ["X_scVI"]


def test_an_anndata_of_annotations_and_embeddings_alone_is_scored_with_cc_cons_na(data, tmp_path, monkeypatch, caplog):
    """An AnnData holding only obs and obsm (X=None, no genes: a file slimmed to its embeddings) failed with
    "AttributeError: 'NoneType' object has no attribute 'shape'" (a traceback from jae evaluate --h5ad)."""
    from jae.cli import main

    seen = []

    def fake(E, *, cell_type, **kwargs):
        seen.append(kwargs["no_cell_cycle"])
        return _fake_scores(E, cell_type=cell_type)

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", fake)
    slim = ad.AnnData(obs=data.obs.copy(), obsm={"X_scVI": np.asarray(data.obsm["X_scVI"])})
    table = jae.evaluate(slim, ["X_scVI"], progress_bar=False)
    assert list(table.index) == ["X_scVI"]
    assert "holds no expression values (0 genes, no .X nor layers['counts'])" in seen[-1]
    slim.write_h5ad(tmp_path / "slim.h5ad")
    assert main(["evaluate", "--h5ad", str(tmp_path / "slim.h5ad"), "--obsm", "X_scVI", "--no-report",
                 "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert (tmp_path / "out" / "metrics.csv").is_file()
    assert any("cc_cons is n/a" in r.getMessage() for r in caplog.records)


def test_the_baseline_check_of_counts_stored_csc_reads_no_matrix_whole(data, tmp_path, monkeypatch, caplog):
    """The check of the counts before the baseline read a CSC-stored matrix whole (with the log line of the
    streaming readers, 'stored CSC ... the whole matrix is read into memory') only to look at 200 of its rows;
    the data was then read whole for the baseline anyway (since session 37 only the baseline reads them, once)."""
    import logging

    import scipy.sparse as sp

    from jae.io import InputFiles

    m = data.copy()
    for a in m.mod.values():
        a.layers["counts"] = sp.csc_matrix(a.layers["counts"])
    m.write_h5mu(tmp_path / "csc.h5mu")
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _fake_scores)
    with caplog.at_level(logging.DEBUG, logger="jae"):  # a small matrix: its line is DEBUG (session 37)
        table = jae.evaluate_files(InputFiles(h5mu=tmp_path / "csc.h5mu"), ["X_scVI"], baseline=True,
                                   progress_bar=False)
    assert list(table.index) == ["X_scVI", "svd_baseline"]
    # session 37: the files stay on disk, streamed in row blocks for the baseline (and the RNA for cc_cons), so a
    # CSC matrix is read whole only by those readers, and the log line that says so (with the way to stream it) is
    # now true; the check before them added none (one line per read: the RNA's two, the second modality's one)
    csc = [r.getMessage() for r in caplog.records if "stored CSC" in r.getMessage()]
    assert sorted(line.split(":")[0] for line in csc) == sorted(["rna", "rna", [n for n in m.mod if n != "rna"][0]])
    assert all("store it CSR" in line for line in csc)


def test_a_frame_read_from_csv_without_its_index_names_the_text_column_and_the_fix(data, tmp_path, monkeypatch):
    """pandas.read_csv(FILE) without index_col=0 keeps the cell names as a column: the message said the embedding
    'holds object values, not real numbers; pass its coordinates as numbers, e.g. np.asarray(Z,
    dtype=np.float32)', which fails on the names."""
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    pd.DataFrame(np.asarray(data.obsm["X_scVI"]), index=data.obs_names).to_csv(tmp_path / "emb.csv")
    frame = pd.read_csv(tmp_path / "emb.csv")
    first = str(data.obs_names[0])
    with pytest.raises(ValueError, match=rf"^embedding 'scvi' has a column of text, 'Unnamed: 0' \(e\.g\. '{first}'\), "
                                         r"beside its coordinates; .*frame\.set_index\('Unnamed: 0'\) \(or "
                                         r"pandas\.read_csv\(FILE, index_col=0\)\)$"):
        jae.evaluate(data, {"scvi": frame}, progress_bar=False)
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _fake_scores)  # the fix it names works
    assert list(jae.evaluate(data, {"scvi": frame.set_index("Unnamed: 0")}, progress_bar=False).index) == ["scvi"]


@pytest.mark.parametrize("given", ["jae=", "", "jae= "])
def test_a_prediction_naming_no_file_names_the_flag_text(data, tmp_path, monkeypatch, caplog, given):
    """--prediction jae=$EMB with EMB empty was read as the folder '.': "--prediction file . is a folder, not a
    file; pass one of the files in it (...)", naming no text the user typed."""
    from jae.cli import main

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    data.write_h5mu(tmp_path / "d.h5mu")
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", "--h5mu", "d.h5mu", "--prediction", given, "--out", "out", "--quiet"]) == 1
    assert caplog.records[-1].getMessage() == (f"--prediction {given!r} names no file; give --prediction FILE or "
                                               "--prediction NAME=FILE")
    assert not (tmp_path / "out").exists()


def test_the_check_of_an_embeddings_values_makes_no_float64_copy_of_it():
    """Checking that every scored row is finite cast the embedding to float64 first: a transient copy twice the size
    of a float32 embedding (16 GB for 1M cells x 2,000 dims) before anything was scored."""
    import importlib
    import tracemalloc

    from jae.evaluation.checks import check_values

    importlib.import_module("jae.metrics.suite")  # imported by check_values: its import is not the copy measured
    E = np.random.default_rng(0).normal(size=(4000, 500)).astype(np.float32)  # 8 MB
    scored = np.ones(len(E), dtype=bool)
    names = pd.Index([f"c{i}" for i in range(len(E))])
    tracemalloc.start()
    try:
        check_values("wide", E, names, scored)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * E.nbytes, peak  # E[scored] (one float32 copy) at most, not 2 x E.nbytes more
    E[7, 3] = np.nan
    with pytest.raises(ValueError, match=r"^embedding 'wide' has NaN or infinite values in 1 of 4000 cells"):
        check_values("wide", E, names, scored)


def test_an_obsm_key_held_by_two_modalities_says_whose_is_scored(data, tmp_path, monkeypatch, caplog):
    """--obsm X_pca on a MuData whose 'rna' and 'atac' both hold obsm['X_pca'] (muon's tutorials compute one per
    modality) scored the first modality's silently, in a row named X_pca."""
    import logging

    from jae.io import InputFiles

    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _fake_scores)
    m = data.copy()
    rng = np.random.default_rng(1)
    for name in m.mod:
        m.mod[name].obsm["X_pca"] = rng.normal(size=(m.n_obs, 5)).astype(np.float32)
    m.write_h5mu(tmp_path / "two.h5mu")
    for run in (lambda: jae.evaluate(m, ["X_pca"], progress_bar=False),
                lambda: jae.evaluate_files(InputFiles(h5mu=tmp_path / "two.h5mu"), ["X_pca"], progress_bar=False)):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="jae"):
            run()
        lines = [r.getMessage() for r in caplog.records if "is held by the modalities" in r.getMessage()]
        assert len(lines) == 1 and "['rna', 'atac']" in lines[0] and "is 'rna''s" in lines[0], lines
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):  # one modality's alone: nothing to say
        del m.mod["atac"].obsm["X_pca"]
        jae.evaluate(m, ["X_pca"], progress_bar=False)
    assert not [r for r in caplog.records if "is held by the modalities" in r.getMessage()]


def test_an_obsm_key_given_twice_is_refused_as_the_cli_refuses_it(data, monkeypatch):
    """``jae.evaluate(m, ['X_scVI', 'X_scVI'])`` scored it once without a word (one row for two names given), while
    ``jae evaluate --obsm X_scVI --obsm X_scVI`` refuses it."""
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    with pytest.raises(ValueError, match=r"^embeddings names 'X_scVI' more than once; give each obsm key or file "
                                         r"once$"):
        jae.evaluate(data, ["X_scVI", "X_scVI"], progress_bar=False)


@pytest.mark.parametrize("name", ["", "  "])
def test_an_embedding_without_a_name_is_refused(data, monkeypatch, name):
    """``jae.evaluate(m, {'': Z})`` gave a metrics row with an empty name (in metrics.csv and the report)."""
    monkeypatch.setattr(jae.metrics, "evaluate_embedding", _never)
    with pytest.raises(ValueError, match=rf"^an embedding is named {name!r}; give each embedding a name: "
                                         r"\{'name': Z\}$"):
        jae.evaluate(data, {name: data.obsm["X_scVI"]}, progress_bar=False)
