"""The diagnostics jae.evaluate / jae evaluate report beside the metrics."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest

import jae
from jae.datasets import simulate
from jae.metrics import embedding_variance_shares


@pytest.fixture(scope="module")
def embedded(own_cite_model):
    """Cells like the model's reference, embedded by it (obsm['X_jae'], its record in uns['jae']), and the same
    cells' embedding file as jae embed writes it."""
    d, model = own_cite_model("diag")  # the shared reference (conftest), copied: this module's own
    folder = d / "model"
    m = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    model.embed(m)
    files = jae.io.InputFiles(h5mu=_h5mu(m, folder.parent))
    for out in (folder.parent / "embedding.h5mu", folder.parent / "embedding.h5ad"):
        jae.embed_files(files, folder, out, finetune_epochs=0)
    return m, model, out


def _h5mu(m, where):
    from jae.io import write_atomic

    path = where / "data.h5mu"
    write_atomic(m, path)
    return path


def _shares(diagnostics: dict) -> dict:
    return {k: v for k, v in diagnostics.items() if k.startswith("share:")}


def test_jae_embeddings_report_their_block_variance_shares(embedded, tmp_path):
    """The report's note explains share:<block> 'when the column names are known', but jae.evaluate never passed
    them: the shares of jae's blocks were missing for its own embeddings, whose names it records beside them."""
    m, model, path = embedded
    expected = embedding_variance_shares(m.obsm["X_jae"], model.column_names)
    assert len(expected) >= 2
    frame = pd.DataFrame(m.obsm["X_jae"], index=m.obs_names, columns=model.column_names)
    table = jae.evaluate(m, {"stored": "X_jae", "file": str(path), "frame": frame, "array": m.obsm["X_jae"]},
                         device="cpu", progress_bar=False, report_dir=tmp_path / "r", report=False)
    diagnostics = table.attrs["diagnostics"]
    for name in ("stored", "file", "frame"):  # the file: the same cells embedded without fine-tuning
        got = _shares(diagnostics[name])
        assert list(got) == [f"share:{b}" for b in expected.index]
        np.testing.assert_allclose(list(got.values()), expected.to_numpy(), rtol=1e-4)
    assert not _shares(diagnostics["array"])  # no names: no shares
    written = (tmp_path / "r" / "metrics.md").read_text()
    assert "| share:" in written and "n/a" in written.split("Diagnostics (not in overall):")[1]
    # jae embed's .h5mu scored on disk (jae evaluate --h5mu FILE --obsm X_jae): its record is read from the file
    on_disk = jae.evaluate_files(jae.io.InputFiles(h5mu=path.with_suffix(".h5mu")), ["X_jae"], device="cpu",
                                 progress_bar=False)
    np.testing.assert_allclose(list(_shares(on_disk.attrs["diagnostics"]["X_jae"]).values()), expected.to_numpy(),
                               rtol=1e-4)


def test_an_embedding_without_block_names_gets_no_share_column(embedded):
    m, _, _ = embedded
    pca = pd.DataFrame(m.obsm["X_jae"][:, :5], index=m.obs_names, columns=[f"PC{i}" for i in range(5)])
    table = jae.evaluate(m, {"pca": pca}, device="cpu", progress_bar=False)
    assert not _shares(table.attrs["diagnostics"]["pca"])


def test_na_diagnostics_say_why_in_the_table_and_the_report(tmp_path):
    """Diagnostics n/a (ilisi of one batch, cc_before / cc_after without cell-cycle genes) showed 'n/a' with no reason
    anywhere; the reason given for cc_before / cc_after, where kept, told jae evaluate's user to 'pass gex='."""
    from jae.io import make_mudata

    m = simulate(120, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=1)
    rna = m.mod["rna"].copy()
    rna.var_names = [f"g{i}" for i in range(rna.n_vars)]  # no cell-cycle gene among them
    data = make_mudata({"rna": rna, "prot": m.mod["prot"].copy()})
    data.obs = m.obs.copy()
    E = m.obs["cell_type"].cat.codes.to_numpy()[:, None] + np.random.default_rng(0).normal(size=(m.n_obs, 4))
    table = jae.evaluate(data, {"e": E}, batch_key=None, device="cpu", progress_bar=False, report_dir=tmp_path / "r",
                         umap_max_cells=60)
    cc_reason = table.attrs["skipped"]["e"]["cc_cons"]
    assert table.attrs["diagnostics_skipped"]["e"] == {"ilisi": "no batch labels given", "cc_before": cc_reason,
                                                       "cc_after": cc_reason}
    line = f"e: n/a: ilisi (no batch labels given); cc_before, cc_after ({cc_reason})"
    assert f"- {line}\n" in (tmp_path / "r" / "metrics.md").read_text()
    assert f"<li>{html.escape(line)}</li>" in (tmp_path / "r" / "index.html").read_text()
