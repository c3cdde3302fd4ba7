"""Issue 13, a user's first hour: the documented paths work on real files and the docs say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
from conftest import Processes  # tests/ is on sys.path

import jae
from jae import JAE, JAEConfig
from jae.cli._messages import cli_message
from jae.datasets import simulate
from jae.io import make_mudata, write_atomic

from _cli_server import shared_server  # noqa: E402  (tests/ is on sys.path)
from test_cli_hostile import ENV, PYTHON_FIX, STEM, _write_10x

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cli():
    return shared_server(ENV)


def _ok(cli, argv, cwd: Path) -> str:
    rc, out, err = cli(["-q", *map(str, argv)], cwd=cwd, logs=cwd / ".logs")
    assert rc == 0, err
    return out


# ------------------------------------------------------------------------------------ 1. no batch, Cell Ranger


def test_batch_key_none_fits_all_cells_as_one_batch():
    m = simulate(120, n_genes=200, n_peaks=150, n_cell_types=3, n_batches=2, seed=3)
    del m.obs["batch"]
    model = JAE(JAEConfig(max_epochs=2), seed=0).fit(m, batch_key=None, progress_bar=False)
    assert model.batches == ["all"] and model.layout.n_batch == 1
    assert model.embed(m).shape == (120, len(model.column_names))


def test_fit_on_a_single_sample_cell_ranger_file(cli, data_dir, tmp_path):
    prefix = data_dir / STEM
    h5 = tmp_path / "filtered_feature_bc_matrix.h5"
    _write_10x(h5, Path(f"{prefix}.mod1.h5ad"), Path(f"{prefix}.mod2.h5ad"))
    out = _ok(cli, ["fit", "--10x", h5, "--mode", "unsupervised", "--batch-key", "none", "--max-epochs", "2",
                    "--out", "model"], tmp_path)
    assert "model written to model" in out
    model = JAE.load(tmp_path / "model")
    assert model.batches == ["all"] and model.layout.n_cell_type == 0
    _ok(cli, ["embed", "--model", "model", "--10x", h5, "--out", "emb.h5ad"], tmp_path)
    assert ad.read_h5ad(tmp_path / "emb.h5ad").shape == (500, len(model.column_names))


# ----------------------------------------------------------------- 2 and 8. embed writes a copy, with the labels


def test_embed_h5mu_keeps_the_users_file_and_adds_the_documented_keys(cli, tmp_path):
    m = simulate(240, kind="cite", n_genes=200, n_cell_types=3, n_batches=2, seed=4)
    rna, adt = m.mod["rna"], m.mod["prot"]
    rna.obs["n_counts"] = np.asarray(rna.layers["counts"].sum(1)).ravel()
    src = make_mudata({"rna": rna, "adt": adt})
    src.obs = m.obs.copy()
    write_atomic(src, tmp_path / "in.h5mu")
    _ok(cli, ["fit", "--h5mu", "in.h5mu", "--max-epochs", "2", "--out", "model"], tmp_path)
    _ok(cli, ["embed", "--model", "model", "--h5mu", "in.h5mu", "--out", "out.h5mu"], tmp_path)
    before, after = md.read_h5mu(tmp_path / "in.h5mu"), md.read_h5mu(tmp_path / "out.h5mu")
    assert list(after.mod) == list(before.mod) == ["rna", "adt"]  # not renamed to 'prot'
    assert list(after.obs.columns) == list(before.obs.columns) + ["jae_cell_type", "jae_confidence", "jae_unknown",
                                                                 "jae_unknown_score"]
    for name in before.mod:
        assert list(after.mod[name].obs.columns) == list(before.mod[name].obs.columns)
        assert list(after.mod[name].layers) == list(before.mod[name].layers)
        assert (after.mod[name].X != before.mod[name].X).nnz == 0
    assert set(after.obsm) == set(before.obsm) | {"X_jae"}
    assert after.obs["jae_confidence"].between(0, 1).all()
    assert set(after.obs["jae_cell_type"]) <= set(m.obs["cell_type"].astype(str))
    # the competition format carries the same two columns, as `embed --help` says
    _ok(cli, ["embed", "--model", "model", "--h5mu", "in.h5mu", "--out", "emb.h5ad"], tmp_path)
    emb = ad.read_h5ad(tmp_path / "emb.h5ad")
    assert list(emb.obs.columns)[-4:] == ["jae_cell_type", "jae_confidence", "jae_unknown", "jae_unknown_score"]
    assert {"batch", "cell_type"} <= set(emb.obs.columns)  # and the input's own columns, to colour by
    np.testing.assert_array_equal(emb.obs["jae_cell_type"].astype(str), after.obs["jae_cell_type"].astype(str))
    rc, out, _ = cli(["embed", "--help"], cwd=tmp_path, logs=tmp_path / ".help")
    assert rc == 0 and "'jae_cell_type'" in out and "'jae_confidence'" in out


# ------------------------------------------------------------------------------------------------- 5. evaluate


def test_evaluate_detects_a_mouse_dataset_like_fit(cli, tmp_path):
    m = simulate(300, n_genes=300, n_peaks=200, n_cell_types=3, n_batches=2, organism="mouse", seed=5)
    m.uns.pop("organism", None)
    m.obsm["X_pca"] = np.random.default_rng(0).normal(size=(m.n_obs, 8)).astype(np.float32)
    write_atomic(m, tmp_path / "mouse.h5mu")
    _ok(cli, ["evaluate", "--h5mu", "mouse.h5mu", "--obsm", "X_pca", "--no-report", "--out", "eval"], tmp_path)
    table = pd.read_csv(tmp_path / "eval" / "metrics.csv", index_col=0)
    assert np.isfinite(table.loc["X_pca", "cc_cons"])  # human genes assumed: no S/G2M gene found, cc_cons n/a


def test_evaluate_warns_when_cc_cons_rests_on_few_genes(cli, data_dir, tmp_path):
    prefix = data_dir / STEM
    _ok(cli, ["evaluate", "--mod1", f"{prefix}.mod1.h5ad", "--mod2", f"{prefix}.mod2.h5ad", "--annotations",
              f"{prefix}.solution.h5ad", "--baseline", "--no-report", "--out", "eval"], tmp_path)
    text = (tmp_path / "eval" / "metrics.md").read_text()
    assert re.search(r"cc_cons rests on only \d S-phase and \d G2/M-phase marker genes", text), text


# ------------------------------------------------------------------------------------- 6. fixes in CLI flags

MESSAGES = {
    "read_h5mu other": "x.h5mu has modalities ['rna', 'a', 'b']; cannot tell which one to pair with 'rna': pass other=<name>",
    "read_h5mu rna": "x.h5mu has no modality 'gex'; available modalities: ['a']; pass rna=<name>",
    "read_h5mu kind": "modality 'b' is GEX like 'rna'; jae pairs RNA with ATAC or ADT: pass other=<name> or "
                      "other_kind='ATAC' / 'ADT'",
    "layer": "modality 'rna' has no layer 'umi' (layers: []); pass layer=... naming the layer with raw counts, or "
             "layer=None when .X holds them",
    "raw hint": "modality 'rna' (X) has 3 non-integer values (e.g. 0.5), so it looks normalised; jae needs raw "
                "counts: pass layer=... naming where they are (the default layer='counts'; layer=None for .X; "
                "layer='raw' for an AnnData's .raw)",
    "layer in raw": "modality 'rna' has no layer 'counts' (layers: []); pass layer=... naming the layer with raw "
                    "counts, or layer=None when .X holds them; its .raw may hold them: pass layer='raw' if those are "
                    "the raw counts",
    "modalities": "the data holds 3 modalities ['a', 'b', 'c']; jae pairs exactly two: choose them with "
                  "modalities=('a', 'b'), RNA first",
    "kinds": "modalities 'a' and 'b' are both GEX; jae pairs RNA (GEX) with ATAC or ADT: choose two different "
             "modalities or pass kinds=('GEX', 'ATAC') / ('GEX', 'ADT')",
    "kind": "unknown modality 'foo': jae handles GEX (RNA), ATAC (peaks) and ADT (proteins); pass the kind "
            "explicitly, e.g. kind='ATAC'",
    "mod2_kind": "x.mod2.h5ad has no var['feature_types'], so jae cannot tell ATAC from ADT; pass mod2_kind='ATAC' "
                 "or mod2_kind='ADT'",
    "mode": "supervised mode needs cell_type_key; pass one or use JAEConfig(mode='unsupervised')",
    "overwrite": "m exists; pass overwrite=True (CLI: --overwrite) or choose another folder",
    "predict kinds": "cannot tell the source modality's kind: var has no 'feature_types' column and its feature names "
                     "do not tell; pass source_kind='GEX', 'ATAC' or 'ADT'",
    "misordered": "a.h5ad and b.h5ad hold the same cells in different orders, and streaming reads rows in file order: "
                  "write both in one cell order (e.g. other[rna.obs_names].write_h5ad(...)), or pass "
                  "memory_budget=<bytes> large enough to read them whole",
}


@pytest.mark.parametrize("key", list(MESSAGES))
def test_cli_messages_name_flags_not_python_arguments(key):
    text = cli_message(MESSAGES[key])
    assert not PYTHON_FIX.search(text), text
    assert "--" in text, text


def test_library_messages_reach_the_cli_translated():
    """The messages in MESSAGES are the library's own: guard against them drifting apart."""
    sources = "".join(p.read_text() for p in (REPO / "src" / "jae").rglob("*.py"))
    for fragment in ("pass other=<name>", "pass rna=<name>", "other_kind='ATAC' / 'ADT'", "pass layer=... naming the layer with raw counts",
                     "pass layer=... naming where they are (the default layer='counts'", "pass layer='raw' if those are", "modalities={_two_of(names)!r}, RNA first", "kind='ATAC'",
                     "mod2_kind='ATAC'", "JAEConfig(mode='unsupervised')", "kinds=('GEX', 'ATAC') / ('GEX', 'ADT')",
                     "memory_budget=<bytes> large enough", "pass {arg}='GEX', 'ATAC' or 'ADT'"):
        assert fragment in sources, fragment


# --------------------------------------------------------------------------------------------- 8. docs vs code


def test_import_jae_gives_the_subpackages_the_readme_uses():
    import importlib

    for name in ("metrics", "baseline", "report", "prediction"):
        assert name in jae.__all__ and name in dir(jae)
        assert jae.__getattr__(name) is importlib.import_module(f"jae.{name}")  # imported on first use
    assert callable(jae.metrics.evaluate_embedding) and callable(jae.baseline.svd_baseline_from)
    assert callable(jae.report.write_report) and jae.prediction.ModalityPredictor is jae.ModalityPredictor


def test_readme_layout_lists_the_real_folders():
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    listed = set(re.findall(r"\b([a-z_]+)/", block)) - {"src", "jae", "results"}
    real = {p.name for p in (REPO / "src" / "jae").iterdir() if (p / "__init__.py").is_file()}
    real |= {"benchmarks"}
    assert listed == real - {"resources"}, (listed, real)


def test_predict_progress_bar_counts_real_epochs(capsys):
    from jae.prediction import PredictConfig
    from jae.prediction.train import train_ensemble

    rng = np.random.default_rng(0)
    S = rng.normal(size=(80, 6)).astype(np.float32)
    codes = (S[:, :3] + 0.1 * rng.normal(size=(80, 3))).astype(np.float32)
    config = PredictConfig(max_epochs=400, patience=2, n_members=2, dropout=0.1)
    ens = train_ensemble(S, codes, config=config, seed=0, progress_bar=True)
    trained = sum(len(h) for h in ens.histories)
    assert trained < 2 * config.max_epochs  # early stopping stopped the members
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()
    last = [line for line in bar if "predict: training" in line][-1]
    # session 37: one bar over the networks (a real total, so a true ETA), the current network's epoch in its postfix
    # (the number the log's 'early stop at epoch N' names); before, one count of epochs summed over the networks
    assert f"/{config.n_members}" in last and "network" in last, last
    shown = int(re.search(r"epoch=(\d+)", last).group(1))
    assert 1 <= shown <= max(len(h) for h in ens.histories), last
    assert f"/{2 * config.max_epochs}" not in last, last  # no fake total of epochs, so no false ETA


def _unconfigured_user(folder: Path, *, background: bool = False) -> tuple:
    """``(cells, paths, processes)``: files of 40 cells without a batch column (and an annotation file sharing no
    cell with them) written to ``folder``, and a Python without logging configuration scoring an embedding of them."""
    import sys

    m = simulate(40, kind="cite", n_genes=200, n_proteins=10, n_batches=1, seed=0)
    paths = [folder / "a.mod1.h5ad", folder / "a.mod2.h5ad", folder / "other.h5ad"]
    rna = m.mod["rna"].copy()
    rna.obs = pd.DataFrame({"cell_type": m.obs["cell_type"].to_numpy()}, index=rna.obs_names)  # no batch column
    rna.write_h5ad(paths[0])
    prot = m.mod["prot"].copy()
    del prot.var["feature_types"]  # read as ADT from its names, with an informational line
    prot.obs = pd.DataFrame(index=prot.obs_names)
    prot.write_h5ad(paths[1])
    other = ad.AnnData(obs=pd.DataFrame({"cell_type": ["x"] * 3}, index=["c1", "c2", "c3"]))
    other.write_h5ad(paths[2])
    code = ("import sys, numpy as np, jae; m = jae.read_competition(sys.argv[1], sys.argv[2]); "
            "m.obsm['X_e'] = np.random.default_rng(0).normal(size=(m.n_obs, 4)); "
            "jae.evaluate(m, ['X_e'], progress_bar=False)")
    return m, paths, Processes({"run": ([sys.executable, "-c", code, *map(str, paths)], {})}, background=background)


class _Started(tuple):
    def close(self) -> None:
        self[2].close()


#: What :func:`start_early` started when the session started (conftest's ``_early_starts``).
_EARLY: list[_Started] = []
EARLY_FIXTURE = "unconfigured_user"


def start_early(tmp_path_factory) -> _Started:
    """:func:`unconfigured_user`'s files and process, started in the background at the session's start (the same
    files, command and environment)."""
    _EARLY.append(_Started(_unconfigured_user(tmp_path_factory.mktemp("unconfigured_user"), background=True)))
    return _EARLY[-1]


@pytest.fixture
def unconfigured_user(tmp_path):
    """``(cells, paths, process)`` of :func:`_unconfigured_user`."""
    started = _EARLY.pop() if _EARLY else _Started(_unconfigured_user(tmp_path))
    yield started[0], started[1], started[2]["run"]
    started.close()


def test_library_warnings_reach_a_python_user_who_configured_no_logging(unconfigured_user):
    """In a notebook or script without logging.basicConfig, jae's warnings (here: scoring data without a batch
    column) are shown on stderr, as scanpy's are; informational lines stay quiet."""
    m, paths, run = unconfigured_user
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 0, stderr
    assert "no obs column 'batch': asw_batch is n/a" in stderr
    assert "has no var['feature_types']" not in stderr  # an INFO line: not shown without a configured level
    # an annotation file sharing no cell with the data: one error naming both's cell names and the fix
    with pytest.raises(ValueError) as err:
        jae.read_competition(paths[0], paths[1], annotations=paths[2])
    text = str(err.value)
    assert text.startswith(f"annotation file {paths[2]} shares no cell names with the data (a.mod1.h5ad): ")
    assert "'c1', 'c2', 'c3'" in text and repr(str(m.obs_names[0])) in text
    assert "give the annotation file of these cells" in text
