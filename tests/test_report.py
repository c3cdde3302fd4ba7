"""jae.report (table, figures, index) and the ``jae evaluate`` command on the BMMC starter sets."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from jae.cli import main
from jae.io import write_embedding_h5ad
from jae.metrics import evaluate_embedding
from jae.report import metrics_table, table_markdown, write_report

FIXTURES = Path(__file__).parent / "fixtures" / "scib"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text())


def _blobs(n_per=60, k=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=8, size=(k, 10))
    types = np.repeat(np.arange(k), n_per)
    batch = np.tile(["b1", "b2"], len(types) // 2)
    good = centres[types] + rng.normal(size=(len(types), 10))
    noisy = good + rng.normal(scale=8, size=good.shape)
    return {"good": good.astype(np.float32), "noisy": noisy.astype(np.float32)}, types.astype(str), batch


def test_table_markdown_marks_best_and_na():
    embs, types, batch = _blobs()
    results = {name: evaluate_embedding(E, cell_type=types, batch=batch, progress_bar=False) for name, E in embs.items()}
    table = metrics_table(results)
    assert list(table.index) == ["good", "noisy"] and table.shape == (2, 7)
    md = table_markdown(table)
    good_row = next(line for line in md.splitlines() if line.startswith("| good"))
    assert good_row.count("**") >= 2 and "n/a" in good_row  # best nmi in bold; cc_cons and ti_cons undefined
    assert "good: overall = mean of nmi, asw_label, asw_batch, graph_conn; n/a: cc_cons" in md


def test_write_report_files_and_pictures(tmp_path):
    embs, types, batch = _blobs()
    table = metrics_table({n: evaluate_embedding(E, cell_type=types, batch=batch, progress_bar=False)
                           for n, E in embs.items()})
    index = write_report(table, embs, tmp_path / "rep", cell_type=types, batch=batch, progress_bar=False)
    files = sorted(p.name for p in (tmp_path / "rep").iterdir())
    assert files == ["diagnostics.csv", "index.html", "metrics.csv", "metrics.md", "metrics.png", "umap_good.png",
                     "umap_noisy.png"]
    html = index.read_text()
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert (tmp_path / "rep" / src).is_file(), src
    csv = pd.read_csv(tmp_path / "rep" / "metrics.csv", index_col=0)
    np.testing.assert_allclose(csv.loc["good", "nmi"], table.loc["good", "nmi"], rtol=1e-5)
    assert np.isnan(csv.loc["good", "ti_cons"])
    for png in ("umap_good.png", "metrics.png"):
        img = imread(tmp_path / "rep" / png)
        assert img.shape[0] > 300 and img.shape[1] > 600 and img[..., :3].std() > 0.05  # a real, non-blank picture
    umap = imread(tmp_path / "rep" / "umap_good.png")
    assert umap.shape[1] > 1.8 * umap.shape[0]  # two panels side by side
    with pytest.raises(ValueError, match="refusing to overwrite input"):
        write_report(table, embs, tmp_path / "rep", cell_type=types, batch=batch, progress_bar=False,
                     protect=[tmp_path / "rep" / "metrics.csv"], overwrite=True)


def test_report_figures_leave_the_callers_matplotlib_backend_and_figures_alone(tmp_path):
    """The figures switched matplotlib to "Agg" for the whole session (matplotlib.use), so after jae.evaluate with a
    report a notebook's or a Qt session's plt.show() showed nothing."""
    import matplotlib
    import matplotlib.pyplot as plt

    from jae.report.figures import plot_metric_bars, plot_umaps

    embs, types, batch = _blobs(n_per=10)
    table = metrics_table({"good": evaluate_embedding(embs["good"], cell_type=types, batch=batch, progress_bar=False)})
    previous = matplotlib.get_backend()
    plt.switch_backend("pdf")  # a backend other than the figures' own, as an interactive session's would be
    try:
        figures = plt.get_fignums()
        plot_metric_bars(table, tmp_path / "bars.png")
        plot_umaps(embs["good"][:, :2], types, batch, tmp_path / "umap.png", title="good")
        assert matplotlib.get_backend() == "pdf" and plt.get_fignums() == figures
        assert imread(tmp_path / "bars.png").ndim == 3 and imread(tmp_path / "umap.png").ndim == 3
    finally:
        plt.switch_backend(previous)


def test_embeddings_whose_names_share_a_file_name_get_one_umap_each(tmp_path):
    """'jae v1' and 'jae_v1' both made umap_jae_v1.png: the second overwrote the first, and the report showed the
    second embedding's UMAP under both names."""
    embs, types, batch = _blobs()
    embs = {"jae v1": embs["good"], "jae_v1": embs["noisy"]}
    table = metrics_table({n: evaluate_embedding(E, cell_type=types, batch=batch, progress_bar=False)
                           for n, E in embs.items()})
    index = write_report(table, embs, tmp_path / "rep", cell_type=types, batch=batch, progress_bar=False)
    images = re.findall(r'<img src="(umap_[^"]+)"', index.read_text())
    assert images == ["umap_jae_v1.png", "umap_jae_v1_2.png"]
    assert all((tmp_path / "rep" / png).is_file() for png in images)


def test_report_shows_the_diagnostics_table(tmp_path):
    embs, types, batch = _blobs()
    mixed = embs["good"].copy()
    apart = embs["good"] + np.where(batch == "b1", 0.0, 40.0)[:, None]  # batches far apart: iLISI 0
    columns = [f"free:{i}" for i in range(8)] + ["pc:8", "pc:9"]
    results = {name: evaluate_embedding(E, cell_type=types, batch=batch, column_names=columns, progress_bar=False)
               for name, E in {"mixed": mixed, "apart": apart}.items()}
    results["plain"] = evaluate_embedding(mixed, cell_type=types, batch=batch, progress_bar=False, diagnostics=False)
    table = metrics_table(results)
    diag = table.attrs["diagnostics"]
    assert set(diag) == {"mixed", "apart"} and diag["mixed"]["ilisi"] > 0.8
    assert diag["apart"]["ilisi"] == pytest.approx(0, abs=1e-9)
    var = mixed.var(axis=0)
    assert diag["mixed"]["share:free"] == pytest.approx(var[:8].sum() / var.sum(), rel=1e-5)
    # Markdown: the metrics table, then the diagnostics table with one row per embedding that has diagnostics
    md = table_markdown(table)
    head, tail = md.split("Diagnostics (not in overall):")
    assert "| mixed |" in head and "| plain |" in head
    rows = [line for line in tail.splitlines() if line.startswith("| ")]
    assert rows[0] == "| embedding | ilisi | clisi | cc_before | cc_after | share:free | share:pc |"
    assert rows[1].startswith("| mixed | 0.9") and rows[2].startswith("| apart | 0.0000 | 1.0000 | n/a | n/a |")
    assert len(rows) == 3
    # the report: diagnostics.csv and a diagnostics section in index.html
    index = write_report(table, {"mixed": mixed}, tmp_path / "rep", cell_type=types, batch=batch, progress_bar=False)
    csv = pd.read_csv(tmp_path / "rep" / "diagnostics.csv", index_col=0)
    assert list(csv.index) == ["mixed", "apart"]
    np.testing.assert_allclose(csv.loc["apart", "clisi"], diag["apart"]["clisi"], rtol=1e-5)
    page = index.read_text()
    section = page[page.index("<h2>Diagnostics</h2>"):page.index("<h2>UMAPs</h2>")]
    assert "<th>ilisi</th>" in section and "<th>share:pc</th>" in section and "<td>apart</td>" in section
    assert "not part of overall" in section and "<td>plain</td>" not in section
    assert '<a href="diagnostics.csv">' in section  # the table file is linked as the metrics' files are


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_evaluate_cli_on_the_multiome_starter(data_dir, tmp_path):
    spec = importlib.util.spec_from_file_location("scib_recipes", FIXTURES / "recipes.py")
    recipes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipes)
    prefix = data_dir / "neurips2021_starter/joint_embedding/multiome/openproblems_bmmc_multiome_starter"
    mod1, mod2, sol = (Path(f"{prefix}.{s}.h5ad") for s in ("mod1", "mod2", "solution"))
    before = {p: _digest(p) for p in (mod1, mod2, sol)}
    # a competition-format prediction: the GEX-only SVD of the scib fixtures
    E = recipes.embeddings(data_dir, "multiome")["gex_svd20"]
    cells = ad.read_h5ad(mod1, backed="r").obs_names
    pred = write_embedding_h5ad(E, cells, tmp_path / "gex.h5ad", dataset_id="x", method_id="gex_svd20")
    out = tmp_path / "eval"
    args = ["-q", "evaluate", "--mod1", str(mod1), "--mod2", str(mod2), "--annotations", str(sol),
            "--prediction", str(pred), "--baseline", "--out", str(out)]
    assert main(args) == 0
    table = pd.read_csv(out / "metrics.csv", index_col=0)
    assert list(table.index) == ["gex_svd20", "svd_baseline"]
    expected = REFERENCE["tasks"]["multiome"]
    for name in table.index:
        for metric in ("nmi", "asw_label", "cc_cons", "ti_cons", "asw_batch", "graph_conn", "overall"):
            assert table.loc[name, metric] == pytest.approx(expected[name][metric], abs=0.01), (name, metric)
    assert {"index.html", "metrics.md", "metrics.png", "umap_gex_svd20.png", "umap_svd_baseline.png"} <= {
        p.name for p in out.iterdir()}
    assert before == {p: _digest(p) for p in (mod1, mod2, sol)}  # inputs untouched
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    # refusals: nothing to evaluate, output onto an input
    assert main(["-q", "evaluate", "--mod1", str(mod1), "--mod2", str(mod2), "--out", str(tmp_path / "x")]) == 1
    assert main(args[:-1] + [str(sol)]) == 1
    assert before == {p: _digest(p) for p in (mod1, mod2, sol)}


def test_evaluate_cli_obsm_of_an_h5mu(data_dir, tmp_path, caplog):
    from jae.baseline import svd_baseline_from
    from jae.io import read_competition, write_atomic

    prefix = data_dir / "neurips2021_starter/joint_embedding/cite/openproblems_bmmc_cite_starter"
    mdata = read_competition(f"{prefix}.mod1.h5ad", f"{prefix}.mod2.h5ad", annotations=f"{prefix}.solution.h5ad")
    mdata.obsm["X_svd"] = svd_baseline_from(mdata, seed=0)
    path = write_atomic(mdata, tmp_path / "cite.h5mu")
    out = tmp_path / "eval"
    assert main(["-q", "evaluate", "--h5mu", str(path), "--obsm", "X_svd", "--no-report", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["metrics.csv", "metrics.md"]
    row = pd.read_csv(out / "metrics.csv", index_col=0).loc["X_svd"]
    expected = REFERENCE["tasks"]["cite"]["svd_baseline"]
    for metric in ("nmi", "asw_label", "cc_cons", "ti_cons", "asw_batch", "graph_conn", "overall"):
        assert row[metric] == pytest.approx(expected[metric], abs=0.01), metric
    assert main(["-q", "evaluate", "--h5mu", str(path), "--obsm", "X_nope", "--out", str(out)]) == 1
    # no embedding named: the refusal names the file's embeddings in CLI words, and nothing is written
    caplog.clear()
    assert main(["-q", "evaluate", "--h5mu", str(path), "--out", str(tmp_path / "none")]) == 1
    err = caplog.text
    assert "nothing to evaluate: give --obsm KEY (the data's obsm holds 'X_svd'), --prediction FILE" in err
    assert "embeddings=" not in err and not (tmp_path / "none").exists()


def test_the_bar_chart_of_twenty_embeddings_stays_readable(tmp_path):
    """The chart grew ~9 inches wider per embedding pair: 20 embeddings gave a 10,000 x 530 pixel strip whose bars
    and labels could not be read on any screen."""
    from jae.report import COLUMNS
    from jae.report.figures import plot_metric_bars

    rng = np.random.default_rng(0)
    names = [f"method_{i:02d}" + ("_with_a_long_descriptive_benchmark_name" if i % 3 == 0 else "") for i in range(20)]
    table = pd.DataFrame(rng.uniform(0.2, 0.9, size=(20, len(COLUMNS))), index=names, columns=list(COLUMNS))
    img = imread(plot_metric_bars(table, tmp_path / "bars.png"))
    height, width = img.shape[:2]
    assert width <= 3000 and width <= 4 * height, img.shape


def test_an_embedding_name_with_a_pipe_keeps_the_markdown_tables_intact():
    """An embedding named 'scVI|harmony' split its row of metrics.md (and the CLI's printed table) into one cell
    too many, shifting every value under the wrong metric."""
    embs, types, batch = _blobs(n_per=20)
    table = metrics_table({"scVI|harmony": evaluate_embedding(embs["good"], cell_type=types, batch=batch,
                                                              progress_bar=False)})
    rows = [line for line in table_markdown(table).splitlines() if line.startswith("|")]
    header, diag_header = rows[0], next(r for r in rows[1:] if r.startswith("| embedding"))
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)
        expected = header if rows.index(row) < rows.index(diag_header) else diag_header
        assert len(cells) == len(expected.split("|")), row
    assert "scVI\\|harmony" in rows[2]


def test_a_very_long_embedding_name_gets_a_umap_file_the_file_system_accepts(tmp_path):
    """A 300-character name (a benchmark's parameter string) made umap_<name>.png longer than the 255 bytes a file
    name may have: the report failed with OSError "File name too long" after every metric was computed."""
    embs, types, batch = _blobs(n_per=15)
    long_a, long_b = "scvi_" + "n_latent=30,gene_likelihood=nb," * 10, "scvi_" + "n_latent=30,gene_likelihood=nb," * 11
    embs = {long_a: embs["good"], long_b: embs["noisy"]}
    table = metrics_table({n: evaluate_embedding(E, cell_type=types, batch=batch, progress_bar=False,
                                                 diagnostics=False) for n, E in embs.items()})
    index = write_report(table, embs, tmp_path / "rep", cell_type=types, batch=batch, progress_bar=False)
    images = re.findall(r'<img src="(umap_[^"]+)"', index.read_text())
    assert len(set(images)) == 2 and all(len(png) <= 120 and (tmp_path / "rep" / png).is_file() for png in images)
    assert long_a in index.read_text()
