"""Session 55: jae evaluate --baseline of files opened lazily read the RNA counts twice when the RNA's .X holds
counts: the streamed SVD baseline read and log-normalised every block, then the cell-cycle reference read and
log-normalised them again. With every cell in the baseline's SVD (at most svd_fit_cells, 20,000), it already holds
them all normalised: the baseline now reduces the GEX last and hands them to the reference (jae.evaluate's held),
which slices them into the same blocks. The reference and the baseline are the same numbers, bit for bit.
Only where the counts are the RNA's .X: the reference reads .X (normalised values in competition files, whose
counts are in layers['counts']), so nothing is held for it otherwise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jae
import jae.baseline as jae_baseline
from jae.datasets import simulate
from jae.io.chunked import BackedCounts
from jae.preprocess.pipeline import BLOCK_ROWS


@pytest.fixture(scope="module")
def h5mu(tmp_path_factory):
    m = simulate(300, kind="multiome", n_genes=250, n_peaks=400, n_cell_types=3, n_batches=2, seed=5)
    m.obsm["X_mine"] = np.random.default_rng(1).normal(size=(m.n_obs, 6))
    folder = tmp_path_factory.mktemp("baseline_rna_once")
    jae.io.write_atomic(m, folder / "layer.h5mu")  # counts in layers['counts'] beside .X: the reference reads .X
    for a in m.mod.values():
        del a.layers["counts"]  # the counts are the .X (a Cell Ranger or muon file): read by both
    jae.io.write_atomic(m, folder / "d.h5mu")
    return folder / "d.h5mu"


def _evaluate(path, monkeypatch, *, share: bool):
    """The reference, the embeddings scored and the RNA counts' full passes (blocks of BLOCK_ROWS rows) of one
    jae.evaluate(open_h5mu(path), ['X_mine'], baseline=True); ``share=False``: as before (nothing held)."""
    import jae.metrics

    seen = {"refs": [], "embeddings": {}, "rna_reads": 0}
    blocks, reference, blocked = BackedCounts.blocks, jae.metrics.cell_cycle_reference_blocks, \
        jae_baseline.svd_baseline_blocks

    def counted(self, block_rows=BLOCK_ROWS, **kwargs):
        seen["rna_reads"] += self.modality == "rna" and block_rows == BLOCK_ROWS
        return blocks(self, block_rows, **kwargs)

    def kept(*args, **kwargs):
        seen["refs"].append(reference(*args, **kwargs))
        return seen["refs"][-1]

    def fake(E, **kwargs):
        seen["embeddings"][len(seen["embeddings"])] = E
        out = pd.Series({m: 0.5 for m in (*jae.metrics.METRICS, "overall")})
        out.attrs.update(averaged=list(jae.metrics.METRICS), skipped={}, notes=[])
        return out

    with monkeypatch.context() as patch:
        patch.setattr(BackedCounts, "blocks", counted)
        patch.setattr(jae.metrics, "cell_cycle_reference_blocks", kept)
        patch.setattr(jae.metrics, "evaluate_embedding", fake)
        if not share:
            patch.setattr(jae_baseline, "svd_baseline_blocks", lambda *a, held=None, **k: blocked(*a, **k))
        jae.evaluate(jae.io.open_h5mu(path), ["X_mine"], baseline=True, pseudotime_keys=[], progress_bar=False)
    return seen


def test_the_rna_is_read_once_and_the_numbers_are_the_same(h5mu, monkeypatch):
    shared = _evaluate(h5mu, monkeypatch, share=True)
    before = _evaluate(h5mu, monkeypatch, share=False)
    assert (shared["rna_reads"], before["rna_reads"]) == (1, 2)  # main read it twice: baseline, then reference
    (a,), (b,) = shared["refs"], before["refs"]
    assert a.batches == b.batches and a.n_comps == b.n_comps and a.n_genes == b.n_genes
    assert np.array_equal(a.before, b.before)
    for x, y, cx, cy in zip(a.covariates, b.covariates, a.cells, b.cells):
        assert np.array_equal(cx, cy) and np.array_equal(x, y)
    for i in shared["embeddings"]:  # the baseline, the GEX reduced last, and X_mine: equal
        assert np.array_equal(shared["embeddings"][i], before["embeddings"][i])


def test_the_baseline_holds_the_gex_only_when_asked_and_only_for_every_cell(h5mu):
    files = jae.io.open_h5mu(h5mu)
    held, few = {}, {}
    full = jae_baseline.svd_baseline_blocks(files.sources(), files.kinds, seed=0, held=held)
    assert np.array_equal(full, jae_baseline.svd_baseline_blocks(files.sources(), files.kinds, seed=0))
    assert list(held) == ["GEX"] and held["GEX"].shape == (300, 250)
    jae_baseline.svd_baseline_blocks(files.sources(), files.kinds, seed=0, svd_fit_cells=100, held=few)
    assert few == {}  # a sample's SVD: every cell is read again to project it, none held


def test_counts_in_a_layer_beside_the_x_are_not_held(h5mu, monkeypatch):
    from jae.evaluation.run import _held_gex

    assert _held_gex(jae.io.open_h5mu(h5mu), True) == {}
    assert _held_gex(jae.io.open_h5mu(h5mu.parent / "layer.h5mu"), True) is None  # .X read by the reference
    assert _evaluate(h5mu.parent / "layer.h5mu", monkeypatch, share=True)["rna_reads"] == 2  # nothing to share
