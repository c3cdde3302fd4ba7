"""The README's 'Evaluate, predict, simulate' bash block, run as written on tiny simulated files (s37 audit).

Each command runs in a process of its own (forked from the shared CLI server). The only changes to the commands
are the file names, which name files in the test's folder, and ``--n-cells 70000``, which becomes 30 (the
competition preset's 116,490 peaks make 70,000 cells 6 GB). Before, the block had no test that ran it: the
tests of its verbs (tests/test_report.py, test_predict_real.py, test_streaming.py) run other commands.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from _cli_server import shared_server  # noqa: E402  (tests/ is on sys.path)
from test_cli_hostile import ENV

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands() -> list[str]:
    text = README.read_text().split("### Evaluate, predict, simulate", 1)[1]
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).replace("\\\n", " ")
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip().startswith("jae ")]


@pytest.fixture(scope="module")
def cli():
    return shared_server(ENV)


def _inputs(folder: Path) -> None:
    """The files the block names: the competition files with annotations, an embedding of their cells, and a
    train / test split for the predictor (one batch trains, the other is predicted)."""
    from jae.datasets import simulate

    m = simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=1)
    for part, mod in (("mod1", "rna"), ("mod2", "prot")):
        adata = m[mod].copy()
        adata.obs = m.obs[["batch"]].copy()
        adata.write_h5ad(folder / f"x.{part}.h5ad")
    ad.AnnData(obs=m.obs.copy()).write_h5ad(folder / "x.solution.h5ad")
    rng = np.random.default_rng(0)
    ad.AnnData(rng.normal(size=(m.n_obs, 8)).astype(np.float32), obs=pd.DataFrame(index=m.obs_names)).write_h5ad(
        folder / "embedding.h5ad")
    train = (m.obs["batch"] == m.obs["batch"].cat.categories[0]).to_numpy()
    for part, mod, rows in (("train_mod1", "rna", train), ("train_mod2", "prot", train), ("test_mod1", "rna", ~train)):
        m[mod][rows].copy().write_h5ad(folder / f"{part}.h5ad")


def test_the_readmes_evaluate_predict_simulate_block_runs_and_writes_what_it_says(cli, tmp_path):
    commands = _commands()
    assert [c.split()[1] for c in commands] == ["evaluate", "predict", "simulate"]
    _inputs(tmp_path)
    for command in commands:
        command = command.replace("--n-cells 70000", "--n-cells 30")
        rc, out, err = cli(shlex.split(command)[1:], cwd=tmp_path, logs=tmp_path / ".logs")
        assert rc == 0, (command, err)
        assert "Traceback" not in err
        if command.startswith("jae evaluate"):  # "metrics table + UMAPs + bar chart"
            written = {p.name for p in (tmp_path / "report").iterdir()}
            assert {"index.html", "metrics.csv", "metrics.md", "metrics.png", "umap_jae.png",
                    "umap_svd_baseline.png"} <= written
            table = pd.read_csv(tmp_path / "report" / "metrics.csv", index_col=0)
            assert {"jae", "svd_baseline"} <= set(table.index)
            assert "written to report" in out
        elif command.startswith("jae predict"):  # GEX -> ADT: the test cells, the target's features
            pred = ad.read_h5ad(tmp_path / "prediction.h5ad")
            test, target = ad.read_h5ad(tmp_path / "test_mod1.h5ad"), ad.read_h5ad(tmp_path / "train_mod2.h5ad")
            assert list(pred.obs_names) == list(test.obs_names) and list(pred.var_names) == list(target.var_names)
            assert np.isfinite(np.asarray(pred.X)).all()
            assert "predicted 15 ADT features for 140 cells from GEX with jae" in out
        else:  # "sim.mod1/mod2.h5ad"
            mod1, mod2 = (ad.read_h5ad(tmp_path / f"sim.{k}.h5ad", backed="r") for k in ("mod1", "mod2"))
            assert mod1.n_obs == mod2.n_obs == 30 and mod2.n_vars == 116_490  # the competition preset's peaks
            assert "wrote 30 simulated multiome cells" in out
