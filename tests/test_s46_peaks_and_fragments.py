"""The two routes to a model's peaks together (session 46's merge): the refusal of a query on its own peaks names
both (jae.remap_peaks and jae.count_fragments in Python; --remap-peaks and --fragments in the CLI), and giving both at
once is refused in one line before the query is read."""

from __future__ import annotations

import logging

import pytest

import jae
from jae import JAE, JAEConfig
from jae.cli import main
from jae.datasets import simulate

from conftest import peaks_moved  # tests/ is on sys.path


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A model fitted on simulated Multiome cells and saved; the cells on peaks moved by 7 bases, in an .h5mu; a
    fragments file that exists (its content is never read: the refusal comes first)."""
    folder = tmp_path_factory.mktemp("s46_both")
    m = simulate(150, kind="multiome", n_genes=200, n_peaks=200, n_cell_types=3, n_batches=2, seed=7)
    model = JAE(JAEConfig(max_epochs=2, n_svd=8), seed=0, device="cpu").fit(m, progress_bar=False)
    model.save(folder / "model")
    moved = peaks_moved(m)
    moved.write(folder / "moved.h5mu")
    (folder / "fragments.tsv").write_text("chr1\t10\t60\tAAAC-1\t1\n")
    return folder, model, moved


def test_the_python_refusal_names_both_routes(saved):
    _, model, moved = saved
    with pytest.raises(ValueError) as err:
        model.embed(moved)
    said = str(err.value)
    assert "jae.remap_peaks(data, model)" in said, said
    assert "jae.count_fragments(fragments_file, model, cells=data.obs_names)" in said, said
    assert "\n" not in said


def test_the_cli_refusal_names_both_flags(saved, caplog):
    folder, _, _ = saved
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "embed", "--model", str(folder / "model"), "--h5mu", str(folder / "moved.h5mu"),
                     "--out", str(folder / "refused.h5ad"), "--device", "cpu"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert "--remap-peaks" in errors[0] and "--fragments FILE (jae embed, jae map" in errors[0], errors
    assert "count_fragments(fragments_file" not in errors[0], errors
    assert not (folder / "refused.h5ad").exists()


@pytest.mark.parametrize("verb", ["embed", "map"])
def test_fragments_and_remap_peaks_together_are_refused_in_one_line(saved, caplog, verb):
    folder, _, _ = saved
    out = folder / f"both_{verb}{'.h5ad' if verb == 'embed' else ''}"
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", verb, "--model", str(folder / "model"), "--h5mu", str(folder / "moved.h5mu"),
                     "--out", str(out), "--device", "cpu", "--fragments", str(folder / "fragments.tsv"),
                     "--remap-peaks"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("--fragments counts the query's ATAC in the model's peaks and "
                                                     "--remap-peaks puts"), errors
    assert "give one" in errors[0] and not out.exists()


def test_the_workflow_refuses_both_before_reading_the_query(saved, tmp_path):
    folder, _, _ = saved
    inputs = jae.io.InputFiles(h5mu=tmp_path / "no_such.h5mu")  # never opened: the refusal comes first
    with pytest.raises(ValueError, match=r"^fragments= counts the query's ATAC .* give one"):
        jae.embed_files(inputs, folder / "model", tmp_path / "out.h5ad", fragments=folder / "fragments.tsv",
                        remap_peaks=True)
