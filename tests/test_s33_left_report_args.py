"""Session 33 (left): arguments of the report helpers checked, in one line naming them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jae.report import table_markdown


def _table():
    return pd.DataFrame({"nmi": [0.5, 0.25], "overall": [0.5, np.nan]}, index=["a*b*", "c"])


@pytest.mark.parametrize("escape", ["no", "", None])
def test_table_markdown_refuses_escape_not_true_or_false(escape):
    """escape='no' (truthy) escaped the names, escape='' left them as they are."""
    with pytest.raises(TypeError, match=r"^escape must be True or False, not "):
        table_markdown(_table(), escape=escape)


@pytest.mark.parametrize("digits", [-1, 1.5, "4", True])
def test_table_markdown_refuses_digits_not_a_count(digits):
    """digits=-1 failed in the format string ("Format specifier missing precision")."""
    with pytest.raises(ValueError, match=r"^digits must be a whole number >= 0"):
        table_markdown(_table(), digits=digits)


def test_table_markdown_valid_arguments_unchanged():
    text = table_markdown(_table(), digits=np.int64(2), escape=False)
    assert "| a*b* | **0.50** | **0.50** |" in text and "| c | 0.25 | n/a |" in text
    assert "a\\*b\\*" in table_markdown(_table(), digits=0)


@pytest.mark.parametrize("bad", [{"title": None}, {"description": 3}, {"embeddings": [np.zeros((4, 2))]}])
def test_write_report_refuses_bad_texts_before_any_file(bad, tmp_path, monkeypatch):
    """title=None crashed in html.escape after every UMAP was drawn; a list of embeddings had no .items()."""
    import jae.report as report

    monkeypatch.setattr(report, "umap_coordinates", lambda *a, **k: pytest.fail("a UMAP was drawn first"))
    kwargs = dict(embeddings={"a": np.zeros((4, 2))}, cell_type=["x", "x", "y", "y"], progress_bar=False) | bad
    with pytest.raises(TypeError, match=r"^(title|description) must be a text|^embeddings must be a mapping"):
        report.write_report(_table(), out_dir=tmp_path / "rep", **kwargs)
    assert not (tmp_path / "rep").exists()


def test_write_report_refuses_an_unusable_device_before_any_umap(tmp_path, monkeypatch):
    """device='cuda' on a machine without a GPU failed in the first UMAP's kNN search with torch's assertion
    ("Torch not compiled with CUDA enabled"); device='gpu' with torch's own words."""
    import torch

    import jae.report as report

    monkeypatch.setattr(report, "umap_coordinates", lambda *a, **k: pytest.fail("a UMAP was drawn first"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for device, said in (("cuda", r"device='cuda', but torch sees no CUDA GPU"), ("gpu", r"device='gpu' is not a")):
        with pytest.raises(ValueError, match=said):
            report.write_report(_table(), {"a": np.zeros((4, 2))}, tmp_path / "rep", cell_type=list("xxyy"),
                                device=device, progress_bar=False)
    assert not (tmp_path / "rep").exists()


def test_evaluate_protects_one_path_given_alone(tmp_path):
    """jae.evaluate(..., protect='metrics.csv') read the path as its characters and wrote over the protected file."""
    import jae
    from jae.datasets import simulate

    m = simulate(60, kind="cite", n_genes=200, n_proteins=5, n_cell_types=2, n_batches=2, seed=0)
    inp = tmp_path / "rep" / "metrics.csv"
    inp.parent.mkdir()
    inp.write_text("the user's file")
    E = np.random.default_rng(0).normal(size=(m.n_obs, 3))
    with pytest.raises(ValueError, match="refusing to overwrite input file"):
        jae.evaluate(m, {"e": E}, report_dir=inp.parent, report=False, overwrite=True, protect=str(inp),
                     device="cpu", progress_bar=False)
    assert inp.read_text() == "the user's file"


@pytest.mark.parametrize("n", [2, 3])
def test_umap_of_two_or_three_cells_is_drawn(n):
    """umap_coordinates (and so write_report) of 2 or 3 cells failed in scipy: "Cannot use scipy.linalg.eigh for
    sparse A with k >= N"; its own check lets 2 cells through."""
    from jae.report import umap_coordinates

    E = np.random.default_rng(0).normal(size=(n, 3))
    xy = umap_coordinates(E, device="cpu", seed=1)
    assert xy.shape == (n, 2) and np.isfinite(xy).all()
    assert np.array_equal(xy, umap_coordinates(E, device="cpu", seed=1))  # seeded
