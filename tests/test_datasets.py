"""The simulator: shapes, determinism, sparsity, and that the simulated biology is really there."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import spearmanr
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from jae.datasets import SimulationParams, simulate, write_simulated
from jae.datasets.design import make_design
from jae.datasets.sampling import BLOCK_CELLS, sample_block
from jae.io import validate_counts
from jae.preprocess import fit_svd, log_normalize
from jae.preprocess.cell_cycle import cell_cycle_genes, score_cell_cycle


@pytest.fixture(scope="module")
def multiome():
    return simulate(1500, n_genes=1000, n_peaks=2000, seed=3)


def _embed(X, k=20):
    Y = log_normalize(X)
    return fit_svd(Y, n_components=k, seed=0).transform(Y)


def _knn_accuracy(Z, labels) -> float:
    return float(cross_val_score(KNeighborsClassifier(15), Z, labels, cv=3).mean())


@pytest.mark.parametrize("kind, second, ftype", [("multiome", "atac", "ATAC"), ("cite", "prot", "ADT")])
def test_shapes_layout_and_counts(kind, second, ftype):
    m = simulate(300, kind=kind, n_genes=400, n_peaks=700, n_proteins=25, n_cell_types=5, n_batches=2, seed=1)
    assert list(m.mod) == ["rna", second]
    n_second = 700 if kind == "multiome" else 25
    assert m["rna"].shape == (300, 400) and m[second].shape == (300, n_second)
    for name, ft in (("rna", "GEX"), (second, ftype)):
        a = m[name]
        assert sp.isspmatrix_csr(a.X) and a.X.dtype == np.float32
        assert a.layers["counts"] is a.X
        assert set(a.var["feature_types"]) == {ft}
        assert np.array_equal(a.X.data, np.round(a.X.data)) and a.X.data.min() >= 1
        validate_counts(a.X, name=name)  # no empty cells, integers, finite
        assert a.obs_names.equals(m.obs_names)
    assert m.obs_names.is_unique
    pt = f"pseudotime_order_{ftype}"
    assert {"batch", "cell_type", "phase", "pseudotime_order_GEX", pt} <= set(m.obs.columns)
    assert set(m.obs["batch"]) == {"s1d1", "s1d2"}
    assert m.obs["cell_type"].nunique() == 5
    assert set(m.obs["phase"]) <= {"G1", "S", "G2M"}
    assert m.uns["organism"] == "human" and m.uns["dataset_id"]
    s_genes, g2m_genes = cell_cycle_genes("human")
    assert set(s_genes) | set(g2m_genes) <= set(m["rna"].var_names)
    assert np.all(m["atac"].var_names.str.match(r"^chr[0-9XY]+-\d+-\d+$")) if kind == "multiome" else True


def test_same_seed_identical_other_seed_differs():
    a = simulate(400, n_genes=300, n_peaks=500, seed=7)
    b = simulate(400, n_genes=300, n_peaks=500, seed=7)
    c = simulate(400, n_genes=300, n_peaks=500, seed=8)
    for mod in ("rna", "atac"):
        assert (a[mod].X != b[mod].X).nnz == 0
        assert (a[mod].X != c[mod].X).nnz > 0
    assert a.obs.equals(b.obs)


def test_blocks_do_not_depend_on_chunking():
    design = make_design(
        3 * BLOCK_CELLS + 100, kind="multiome", n_genes=300, n_peaks=400, n_proteins=10, n_cell_types=4,
        n_batches=2, organism="mouse", seed=2, params=SimulationParams(),
    )
    whole = sample_block(design, 0, design.n_cells)
    parts = [sample_block(design, s, s + BLOCK_CELLS) for s in range(0, design.n_cells, BLOCK_CELLS)]
    for mod in ("rna", "atac"):
        stacked = sp.vstack([p[mod] for p in parts], format="csr")
        assert (stacked != whole[mod]).nnz == 0
    with pytest.raises(ValueError, match="multiple of BLOCK_CELLS"):
        sample_block(design, 5, 10)


def test_competition_sparsity_at_full_feature_counts():
    m = simulate(256, n_genes=13431, n_peaks=116490, n_cell_types=8, n_batches=4, seed=0)
    genes = np.diff(m["rna"].X.indptr)
    peaks = np.diff(m["atac"].X.indptr) / m["atac"].n_vars
    assert 1000 <= np.median(genes) <= 2000
    assert 0.05 <= np.median(peaks) <= 0.10
    # sparsity is tunable
    shallow = simulate(256, n_genes=13431, n_peaks=116490, seed=0, params=SimulationParams(rna_umis=500))
    assert np.median(np.diff(shallow["rna"].X.indptr)) < 0.5 * np.median(genes)


def test_batches_and_cell_types_are_visible_in_an_unintegrated_svd(multiome):
    n_batches = multiome.obs["batch"].nunique()
    # lineage types grade into each other along the trajectory; the discrete types must separate cleanly
    on_lineage = multiome.obs["pseudotime_order_GEX"].notna().to_numpy()
    coarse = np.where(on_lineage, "lineage", multiome.obs["cell_type"].astype(str))
    for mod in ("rna", "atac"):
        Z = _embed(multiome[mod].X)
        assert _knn_accuracy(Z, multiome.obs["batch"]) > 0.9 > 1.5 / n_batches
        assert _knn_accuracy(Z, coarse) > 0.93
        assert _knn_accuracy(Z, multiome.obs["cell_type"]) > 0.8


def test_batch_effect_scales_with_its_strength():
    kwargs = dict(n_genes=400, n_peaks=400, n_cell_types=4, n_batches=3, seed=5)
    none = simulate(900, params=SimulationParams(batch_strength=0.0, batch_depth_sd=0.0), **kwargs)
    strong = simulate(900, **kwargs)
    acc_none = _knn_accuracy(_embed(none["rna"].X), none.obs["batch"])
    acc_strong = _knn_accuracy(_embed(strong["rna"].X), strong.obs["batch"])
    assert acc_none < 0.5 < 0.75 < acc_strong  # chance is 1/3


def test_cycling_cells_express_cell_cycle_genes(multiome):
    rna = multiome["rna"]
    scores = score_cell_cycle(log_normalize(rna.X), rna.var_names, organism="human")
    phase = multiome.obs["phase"].to_numpy()
    assert {"G1", "S", "G2M"} == set(phase)
    s, g2m = scores["S_score"].to_numpy(), scores["G2M_score"].to_numpy()
    assert s[phase == "S"].mean() > s[phase == "G1"].mean() + 0.3
    assert g2m[phase == "G2M"].mean() > g2m[phase == "G1"].mean() + 0.3
    assert g2m[phase == "G2M"].mean() > g2m[phase == "S"].mean()
    # the phase is recoverable from the two scores
    called = np.where((s < 0.15) & (g2m < 0.15), "G1", np.where(s > g2m, "S", "G2M"))
    assert (called == phase).mean() > 0.8


def test_trajectory_pseudotime(multiome):
    obs = multiome.obs
    on = obs["pseudotime_order_GEX"].notna().to_numpy()
    assert 0 < on.sum() < len(obs)
    assert np.array_equal(on, obs["pseudotime_order_ATAC"].notna().to_numpy())
    # pseudotime belongs to whole cell types (the lineage), and lies in [0, 1]
    per_type = obs.groupby("cell_type", observed=True)["pseudotime_order_GEX"].apply(lambda v: v.notna().mean())
    assert set(per_type.round(6)) == {0.0, 1.0}
    assert obs.loc[on, "pseudotime_order_GEX"].between(0, 1).all()
    # the pseudotime is encoded in the expression of lineage cells, continuously (not only through the types)
    Z = _embed(multiome["rna"].X[on])
    t = obs.loc[on, "pseudotime_order_GEX"].to_numpy()
    pred = KNeighborsRegressor(15).fit(Z[::2], t[::2]).predict(Z[1::2])
    assert spearmanr(pred, t[1::2]).statistic > 0.9


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kind="rna"), "unknown kind"),
        (dict(n_genes=100), "n_genes"),
        (dict(organism="zebrafish"), "organism"),
        (dict(n_cell_types=1), "n_cell_types"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate(50, **kwargs)


def test_appending_a_block_past_two_billion_stored_values_does_not_wrap():
    """A million Multiome-shaped cells store more than 2**31 values; int32 block offsets must not overflow."""
    from jae.datasets.write import _append_csr

    class FakeDataset:  # records the sizes asked for instead of writing 2**31 values
        def __init__(self, n, values=None):
            self.shape, self.values = (n,), values

        def resize(self, shape):
            self.shape = shape

        def __setitem__(self, key, value):
            pass

        def __getitem__(self, i):
            return self.values[i]

    already = 2**31 - 10
    group = {
        "data": FakeDataset(already), "indices": FakeDataset(already),
        "indptr": FakeDataset(5, values=np.array([0, 1, 2, 3, already], dtype=np.int64)),
    }
    block = sp.random(3, 50, density=0.2, format="csr", random_state=0, dtype=np.float32)
    block.indptr = block.indptr.astype(np.int32)
    _append_csr(group, block)
    assert group["data"].shape == (already + block.nnz,) and already + block.nnz > 2**31
    assert group["indptr"].shape == (8,)


@pytest.mark.parametrize("given", ["out", "out/", "new/"])
def test_write_simulated_refuses_a_folder_as_the_file_prefix(tmp_path, monkeypatch, given):
    # the files landed beside the folder, as out.mod1.h5ad, not inside it
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    with pytest.raises(ValueError, match=r"takes a file prefix, got the folder .*pass e\.g\. .*sim to write"):
        write_simulated(given, n_cells=50, preset=None, progress_bar=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and not list((tmp_path / "out").iterdir())


def test_jae_simulate_refuses_a_folder_as_out_in_one_line(tmp_path, monkeypatch, caplog):
    import logging

    from jae.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "simulate", "out", "--n-cells", "50", "--preset", "none"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "--format h5ad-pair takes a file prefix, got the folder out" in errors[0], errors
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(depth_sd=-1), ValueError, "depth_sd=-1 is out of range: pass depth_sd >= 0"),  # numpy: 'scale < 0'
    (dict(batch_strength=-0.5), ValueError, "batch_strength=-0.5 is out of range"),
    (dict(rna_umis=float("nan")), TypeError, "rna_umis must be a finite number"),  # an IndexError deep inside
    (dict(rna_umis=0), ValueError, "rna_umis=0: a median count per cell must be >= 1"),  # silently 1 count a cell
    (dict(adt_counts=0.5), ValueError, r"adt_counts=0.5: a median count per cell must be >= 1 \(below, it was taken "
                                       r"as 1\)"),
    (dict(n_bins=0), ValueError, "n_bins=0 is out of range: pass n_bins >= 2"),  # silently 2
    (dict(cycling_fraction=1.5), ValueError, "cycling_fraction=1.5 is out of range"),
    (dict(program_strength="1.5"), TypeError, "program_strength must be a finite number, not '1.5'"),
])
def test_simulation_params_refuse_bad_values_naming_the_field(kwargs, error, match):
    with pytest.raises(error, match=match):
        SimulationParams(**kwargs)


def test_simulate_refuses_params_that_are_no_simulation_params():
    with pytest.raises(TypeError, match="params must be a jae.datasets.SimulationParams, not dict"):
        simulate(50, params={"depth_sd": 0.1})  # AttributeError: 'dict' object has no attribute 'program_strength'


def test_valid_simulation_params_are_accepted_unchanged():
    p = SimulationParams(rna_umis=500, adt_counts=3, batch_strength=0.0, cycling_fraction=1, n_bins=2,
                         program_strength=-1.0, cycle_strength=0)
    assert (p.rna_umis, p.adt_counts, p.cycling_fraction, p.n_bins) == (500, 3, 1, 2)
    m = simulate(60, n_genes=200, n_peaks=60, seed=1, params=p)
    assert m.n_obs == 60


def test_run_demo_refuses_too_few_cells_given_as_a_numpy_integer(tmp_path, monkeypatch):
    import jae

    def tripwire(*args, **kwargs):
        raise AssertionError("the demo simulated cells below its minimum")

    monkeypatch.setattr("jae.datasets.simulate", tripwire)
    with pytest.raises(ValueError, match="n_cells=50: the demo needs at least 200 cells"):
        jae.run_demo(tmp_path / "demo", n_cells=np.int64(50), progress_bar=False)
    assert not list(tmp_path.iterdir())


def test_more_batches_than_cells_is_refused_like_more_cell_types(tmp_path, monkeypatch, caplog):
    import logging

    from jae.cli import main

    # obs['batch'] had 30 categories, most of them without a cell
    with pytest.raises(ValueError, match="n_batches=30 is more than n_cells=20: .*pass n_batches <= 20"):
        simulate(20, n_batches=30, n_genes=200, n_peaks=50)
    assert simulate(20, n_batches=20, n_genes=200, n_peaks=50).obs["batch"].cat.categories.size == 20
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "simulate", "sim", "--n-cells", "20", "--n-batches", "30", "--preset", "none"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["--n-batches 30 is more than --n-cells 20: some batches would have no cell; pass --n-batches <= 20"]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("make, error, match", [
    (lambda out: (out / "model").mkdir() or (out / "model" / "notes.txt").write_text("mine"), FileExistsError,
     r"model exists and is not a jae model folder \(no model.json\), which is never replaced; move it or choose "
     "another out"),
    (lambda out: (out / "demo.h5mu").mkdir(), ValueError, r"demo.h5mu is a folder, where the demo writes a file"),
    (lambda out: (out / "report").write_text("x"), ValueError, r"report is a file, where the demo writes its report"),
])
def test_run_demo_overwrite_refuses_what_it_cannot_replace_before_training(tmp_path, monkeypatch, make, error, match):
    import jae

    def tripwire(*args, **kwargs):
        raise AssertionError("the demo simulated and trained before refusing an output it cannot replace")

    monkeypatch.setattr("jae.datasets.simulate", tripwire)
    out = tmp_path / "demo"
    out.mkdir()
    make(out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(error, match=match):
        jae.run_demo(out, overwrite=True, progress_bar=False)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_jae_demo_overwrite_names_out_when_model_is_no_jae_model(tmp_path, monkeypatch, caplog):
    import logging

    from jae.cli import main

    monkeypatch.setattr("jae.datasets.simulate", lambda *a, **k: (_ for _ in ()).throw(AssertionError("trained")))
    (tmp_path / "demo" / "model").mkdir(parents=True)
    (tmp_path / "demo" / "model" / "notes.txt").write_text("mine")
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "demo", "--out", str(tmp_path / "demo"), "--overwrite"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].endswith("move it or choose another --out"), errors


@pytest.mark.parametrize("setup, argv, expected", [
    (lambda: __import__("os").mkdir("x.h5mu"), ["x.h5mu", "--format", "h5mu", "--overwrite"],
     "OUT x.h5mu is a folder; give a file path for OUT"),
    (lambda: open("afile", "w").close(), ["afile/sim"], "the folder of OUT afile/sim.mod1.h5ad, is a file; choose another OUT"),
])
def test_jae_simulate_output_refusals_name_out_not_the_python_path(tmp_path, monkeypatch, caplog, setup, argv, expected):
    import logging

    from jae.cli import main
    from jae.cli._messages import cli_message

    monkeypatch.chdir(tmp_path)
    setup()
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "simulate", *argv, "--n-cells", "50", "--preset", "none"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].endswith(expected), errors  # said '... give a file path for path'
    assert cli_message("the folder /x of path x/sim.mod1.h5ad is not writable; choose another path in a folder you "
                       "can write to") == ("the folder /x of OUT x/sim.mod1.h5ad is not writable; choose another OUT "
                                           "in a folder you can write to")


def test_more_cells_than_memory_holds_is_refused_in_one_line_not_a_memory_error(tmp_path, monkeypatch, caplog):
    import logging

    import jae.datasets.design as design
    from jae.cli import main

    monkeypatch.setattr(design, "available_memory", lambda: 10**9)  # 1 GB: 2.5 million cells' design at most
    with pytest.raises(ValueError, match=r"^n_cells=5000000: the simulation's design needs about 2\.0 GB of memory .*"
                                         r"more than the 1\.0 GB available; simulate fewer cells, features"):
        simulate(5_000_000)
    with pytest.raises(ValueError, match=r"^n_genes=20000000: the simulation's design needs about"):
        simulate(100, n_genes=20_000_000)  # ran for minutes, building the names, before numpy ran out of memory
    with pytest.raises(ValueError, match=r"^n_cell_types=2000: the simulation's design needs about"):
        simulate(5000, n_cell_types=2000, n_genes=20_000)
    monkeypatch.setattr(design, "available_memory", lambda: None)  # unknown: not checked
    with pytest.raises(ValueError, match="n_genes"):
        simulate(5_000_000, n_genes=10)
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.ERROR, logger="jae"):  # numpy's MemoryError came with a traceback
        assert main(["-q", "simulate", "sim", "--n-cells", str(10**11), "--preset", "none"]) == 1
        assert main(["-q", "simulate", "sim", "--n-cells", "100", "--preset", "none", "--n-peaks", str(10**12)]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2 and errors[0].startswith(f"--n-cells {10**11}: the simulation's design needs"), errors
    assert errors[1].startswith(f"--n-peaks {10**12}: the simulation's design needs"), errors
    assert not list(tmp_path.iterdir())


def test_depths_whose_counts_exceed_memory_are_refused_in_one_line_not_a_memory_error(tmp_path, monkeypatch, caplog):
    import logging

    import jae.datasets.design as design
    from jae.cli import main

    monkeypatch.setattr(design, "available_memory", lambda: 10**9)
    with pytest.raises(ValueError, match=r"^SimulationParams rna_umis=1000000.0: drawing the counts of 100 cells at a "
                                         r"time \(about 1,000,000 a cell\) needs about 1\.8 GB of memory, more than the "
                                         r"1\.0 GB available; simulate shallower cells or fewer features$"):
        simulate(100, params=SimulationParams(rna_umis=1e6))  # numpy's MemoryError, with a traceback
    with pytest.raises(ValueError, match=r"^SimulationParams atac_fragments=1000000.0: drawing"):
        simulate(2000, params=SimulationParams(atac_fragments=1e6))
    simulate(100, kind="cite", n_genes=200, n_proteins=5, params=SimulationParams(atac_fragments=1e9))  # unused
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(design, "available_memory", lambda: 5 * 10**9)  # the design fits, its counts do not
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "simulate", "sim", "--n-cells", "1024", "--preset", "none", "--n-genes", "8000000"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("--n-genes 8000000: drawing the counts of 1024 cells at a time "
                                                     "(about 1,310,401 a cell, as the depth scales with the features)")
    assert not list(tmp_path.iterdir())


def test_jae_simulate_help_gives_every_size_of_each_preset(capsys):
    import re

    from jae.cli import main
    from jae.datasets import PRESETS
    from jae.datasets.write import _DEFAULTS

    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    preset = re.search(r"--preset \{competition,none\} (.*?)\(default: competition\)", text).group(1)
    # it gave the genes and the peaks or proteins, not the cell types and batches that refused --n-cells 30
    # ('--n-cell-types 45 is more than --n-cells 30') for a reason the help did not show
    for kind, sizes in {**PRESETS["competition"], "none": _DEFAULTS}.items():
        for key, value in sizes.items():
            noun = key[2:].replace("_", " ")
            assert f"{value:,} {noun}" in preset, (kind, key, preset)


def test_jae_simulate_prints_the_size_of_small_files_in_mb(tmp_path, monkeypatch, capsys):
    import re

    from jae.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["-q", "simulate", "sim", "--n-cells", "50", "--preset", "none", "--n-genes", "200",
                 "--n-peaks", "50"]) == 0
    out = capsys.readouterr().out
    sizes = re.findall(r"sim\.mod[12]\.h5ad \(([\d.]+) (MB|GB)\)", out)
    assert len(sizes) == 2 and all(unit == "MB" and float(v) > 0 for v, unit in sizes), out  # said '(0.00 GB)'
    assert [float(v) for v, _ in sizes] == [round((tmp_path / f"sim.mod{i}.h5ad").stat().st_size / 1e6, 1)
                                             for i in (1, 2)]


def test_jae_simulate_to_an_h5mu_path_names_format_h5mu(tmp_path, monkeypatch, caplog):
    import logging

    from jae.cli import main

    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.ERROR, logger="jae"):
        assert main(["-q", "simulate", "sim.h5mu", "--n-cells", "50", "--preset", "none"]) == 1
        assert main(["-q", "simulate", "sim.h5ad", "--n-cells", "50", "--preset", "none"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    # it said only 'pass e.g. sim to write sim.mod1.h5ad and .mod2.h5ad': not how to get the .h5mu asked for
    assert errors[0].endswith("sim.mod1.h5ad and .mod2.h5ad, or --format h5mu to write the one MuData file"), errors
    assert errors[1].endswith("sim.mod1.h5ad and .mod2.h5ad"), errors
    assert not list(tmp_path.iterdir())


def test_small_simulated_files_are_not_padded_to_megabytes(tmp_path):
    """The CSR arrays were stored in HDF5 chunks of 2**20 values whatever their size, and a chunk is stored whole: 400
    cells of 30 proteins made a 9 MB file. Chunks now follow the expected number of values; the values are the same."""
    import anndata as ad

    paths = write_simulated(tmp_path / "sim", n_cells=400, kind="cite", preset=None, n_genes=300, n_proteins=30,
                            seed=2, progress_bar=False)
    prot = [p for p in paths if p.name.endswith("mod2.h5ad")][0]
    assert prot.stat().st_size < 1_000_000, prot.stat().st_size
    expected = simulate(400, kind="cite", n_genes=300, n_proteins=30, seed=2)
    assert (ad.read_h5ad(prot).layers["counts"] != expected["prot"].layers["counts"]).nnz == 0
