"""Session 34 audit of jae simulate / jae.datasets: refusals that name the right fix."""

from __future__ import annotations

import pytest

from jae.cli import main
from jae.datasets import write_simulated


@pytest.mark.parametrize("name", ["x.mod1.h5ad", "x.mod2.h5ad"])
def test_a_competition_file_name_as_prefix_suggests_the_prefix(name, tmp_path, caplog):
    """``jae simulate x.mod1.h5ad`` suggested the prefix ``x.mod1`` (which writes x.mod1.mod1.h5ad); it now suggests
    ``x``, whose files are x.mod1.h5ad and x.mod2.h5ad."""
    with pytest.raises(ValueError, match=rf"pass e\.g\. {tmp_path / 'x'} to write x\.mod1\.h5ad and \.mod2\.h5ad$"):
        write_simulated(tmp_path / name, n_cells=50, preset=None, progress_bar=False)
    assert main(["-q", "simulate", str(tmp_path / name), "--n-cells", "50", "--preset", "none"]) == 1
    assert f"pass e.g. {tmp_path / 'x'} to write x.mod1.h5ad and .mod2.h5ad" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_an_h5ad_name_as_prefix_still_suggests_its_stem(tmp_path):
    with pytest.raises(ValueError, match=rf"pass e\.g\. {tmp_path / 'sim'} to write sim\.mod1\.h5ad and \.mod2\.h5ad$"):
        write_simulated(tmp_path / "sim.h5ad", n_cells=50, preset=None, progress_bar=False)


def _little_memory(monkeypatch, n_bytes: int) -> None:
    """Make the simulator see ``n_bytes`` of available memory (its design's and one block's checks pass)."""
    import jae.datasets.design as design
    import jae.datasets.sampling as sampling

    monkeypatch.setattr(design, "available_memory", lambda: n_bytes)
    monkeypatch.setattr(sampling, "available_memory", lambda: n_bytes, raising=False)  # added by this fix


def test_simulate_refuses_cells_whose_counts_exceed_the_memory(monkeypatch):
    """``jae.simulate(5_000_000)`` on a 24 GB machine passed the design's check, then drew counts until numpy's
    MemoryError (a traceback) or the system's kill; the counts held at once are now checked before they are drawn."""
    from jae.datasets import simulate

    _little_memory(monkeypatch, 16 * 10**6)  # 5,000 default cells hold about 45 MB of values while drawn
    with pytest.raises(ValueError, match=r"^n_cells=5000: holding the counts of 5,000 cells in memory at once needs "
                       r"about \d\d MB, more than the 16 MB available; simulate fewer cells, or stream them"):
        simulate(5000, seed=0)
    assert simulate(1000, seed=0).n_obs == 1000  # 1,000 cells fit: nothing refused


def test_run_demo_refuses_cells_whose_counts_exceed_the_memory_before_training(monkeypatch, tmp_path, caplog):
    import jae.joint

    _little_memory(monkeypatch, 16 * 10**6)
    monkeypatch.setattr(jae.joint.JAE, "fit", lambda *a, **k: pytest.fail("trained"))
    assert main(["-q", "demo", "--out", str(tmp_path / "d"), "--n-cells", "5000", "--device", "cpu"]) == 1
    assert "--n-cells 5000: holding the counts of 5,000 cells in memory at once" in caplog.text
    assert not (tmp_path / "d").exists()


def test_write_simulated_refuses_a_chunk_whose_counts_exceed_the_memory(monkeypatch, tmp_path, caplog):
    """``jae simulate --chunk-size`` of every cell drew them all at once (a MemoryError's traceback for a large
    OUT); now refused in one line naming --chunk-size, with nothing written; a smaller chunk writes the same cells."""
    _little_memory(monkeypatch, 16 * 10**6)
    with pytest.raises(ValueError, match=r"^chunk_size=5000: holding the counts of 5,000 cells .* pass a smaller "
                       r"chunk_size \(default 4096\)"):
        write_simulated(tmp_path / "sim", n_cells=5000, chunk_size=5000, preset=None, progress_bar=False)
    assert main(["-q", "simulate", str(tmp_path / "sim"), "--n-cells", "5000", "--chunk-size", "5000",
                 "--preset", "none"]) == 1
    assert "--chunk-size 5000: holding the counts of 5,000 cells" in caplog.text
    assert "pass a smaller --chunk-size (default 4096)" in caplog.text
    assert list(tmp_path.iterdir()) == []
    paths = write_simulated(tmp_path / "sim", n_cells=5000, chunk_size=1024, preset=None, progress_bar=False)
    assert [p.name for p in paths] == ["sim.mod1.h5ad", "sim.mod2.h5ad"]


@pytest.mark.parametrize("make, kwargs, match", [
    (lambda d: (d / "sim.mod1.h5ad").write_text("mine"), {}, r"sim\.mod1\.h5ad exists; pass overwrite=True"),
    (lambda d: None, {"format": "H5MU"}, r"unknown format 'H5MU'"),
    (lambda d: None, {"format": "h5mu"}, r"format='h5mu' writes a \.h5mu file"),
])
def test_write_simulated_refuses_its_outputs_before_drawing_the_design(make, kwargs, match, tmp_path, monkeypatch):
    """``jae simulate sim --n-cells 2000000`` over an earlier sim (no --overwrite), or an unknown format / a path of
    the wrong kind, was refused only after the design of every cell was drawn (3.5 s and about 1 GB for two million
    cells, more for more); the outputs are now checked first."""
    import jae.datasets.write as write

    monkeypatch.setattr(write, "make_design", lambda *a, **k: pytest.fail("the design was drawn before the refusal"))
    make(tmp_path)
    with pytest.raises((ValueError, FileExistsError), match=match):
        write_simulated(tmp_path / "sim", n_cells=2_000_000, progress_bar=False, **kwargs)
    assert [p.name for p in tmp_path.iterdir()] == (["sim.mod1.h5ad"] if not kwargs else [])


@pytest.mark.parametrize("kind, flag", [("cite", "--n-genes"), ("multiome", "--n-peaks")])
def test_a_full_disk_names_the_features_of_the_kind(kind, flag, tmp_path, monkeypatch, caplog):
    """``jae simulate --kind cite`` on a disk without room was told to write fewer features with --n-peaks, a flag
    that --kind cite refuses; it now names --n-genes (the genes fill a CITE-seq file), --n-peaks for multiome."""
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")(10**9, 10**9 - 10**4, 10**4)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage)
    assert main(["-q", "simulate", str(tmp_path / "sim"), "--n-cells", "50", "--preset", "none", "--kind", kind]) == 1
    assert f"write fewer cells, fewer features ({flag} N) or to another disk" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_the_feature_distributions_kept_are_bounded_and_the_counts_unchanged(monkeypatch):
    """The design kept every group's feature distribution for the whole run: (types + 16) x batches x 3 phases of them
    over every gene, and as many over every peak (about 7 GB for the competition preset with 100 cell types and 50
    batches, on top of what the memory check counts); they are now capped, the oldest recomputed when needed, with
    the same counts."""
    import numpy as np

    import jae.datasets.design as design
    from jae.datasets.design import SimulationParams, make_design
    from jae.datasets.sampling import sample_block

    sizes = dict(kind="multiome", n_genes=300, n_peaks=400, n_proteins=10, n_cell_types=8, n_batches=4,
                 organism="human", seed=2, params=SimulationParams())
    free = make_design(2500, **sizes)
    expected = sample_block(free, 0, 2500)
    cap = 5 * 400 * 8  # five peak distributions
    monkeypatch.setattr(design, "_CDF_CACHE_BYTES", cap, raising=False)  # added by this fix
    capped = make_design(2500, **sizes)
    counts = sample_block(capped, 0, 2500)
    assert sum(c.nbytes for c in capped._cdf_cache.values()) <= cap < sum(c.nbytes for c in free._cdf_cache.values())
    for mod in ("rna", "atac"):
        assert (counts[mod] != expected[mod]).nnz == 0
        np.testing.assert_array_equal(counts[mod].indptr, expected[mod].indptr)
