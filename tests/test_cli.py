"""The command line end to end: real BMMC starter sets (competition layout) and the built-in demo."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from jae import JAEConfig
from jae.cli import main

STARTER = {
    "multiome": ("joint_embedding/multiome/openproblems_bmmc_multiome_starter", 21, 2),
    "cite": ("joint_embedding/cite/openproblems_bmmc_cite_starter", 41, 2),
}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(STARTER))
def test_fit_then_embed_on_the_starter_sets(name, data_dir, tmp_path):
    stem, n_types, n_batches = STARTER[name]
    prefix = data_dir / "neurips2021_starter" / stem
    mod1, mod2, sol = (prefix.with_name(prefix.name + s) for s in (".mod1.h5ad", ".mod2.h5ad", ".solution.h5ad"))
    before = {p: _digest(p) for p in (mod1, mod2, sol)}
    model = tmp_path / "model"
    args = ["-q", "fit", "--mod1", str(mod1), "--mod2", str(mod2), "--annotations", str(sol), "--out", str(model)]
    assert main(args + ["--max-epochs", "8", "--set", "n_free=3", "--set", "decoder_batch=true"]) == 0
    config = json.loads((model / "model.json").read_text())["config"]
    assert config["n_free"] == 3 and config["decoder_batch"] is True and config["max_epochs"] == 8
    out = tmp_path / "embedding.h5ad"
    labels = tmp_path / "labels.csv"
    assert main(["-q", "embed", "--model", str(model), "--mod1", str(mod1), "--mod2", str(mod2),
                 "--out", str(out), "--labels-out", str(labels)]) == 0
    emb = ad.read_h5ad(out)
    cells = ad.read_h5ad(mod1, backed="r").obs_names
    assert emb.shape == (len(cells), n_types + JAEConfig().n_principal)  # cell types + principal part
    assert emb.obs_names.equals(cells) and np.isfinite(emb.X).all()
    assert emb.uns["method_id"] == "jae" and emb.uns["dataset_id"].startswith("openproblems_bmmc")
    pred = pd.read_csv(labels, index_col=0)
    assert list(pred.columns) == ["cell_type", "confidence", "unknown", "unknown_score"] and len(pred) == len(cells)
    assert emb.obs["jae_unknown"].dtype == bool  # issue 15: the unknown call next to label and confidence
    assert {p: _digest(p) for p in before} == before  # inputs untouched
    # the model folder is not replaced silently, and an input file is never an output
    assert main(args) == 1
    assert main(["-q", "embed", "--model", str(model), "--mod1", str(mod1), "--mod2", str(mod2), "--out", str(mod1)]) == 1
    assert _digest(mod1) == before[mod1]


def test_demo_runs_on_built_in_data(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["-q", "demo", "--out", str(out), "--n-cells", "200", "--max-epochs", "1"]) == 0  # its smallest run
    printed = capsys.readouterr().out
    assert "label transfer accuracy" in printed and str(out) in printed
    emb = ad.read_h5ad(out / "embedding.h5ad")
    assert emb.n_obs == 200 and emb.n_vars == 6 + JAEConfig().n_principal  # cell types + principal part
    assert (out / "model" / "model.json").is_file()
    # the evaluation report: UMAPs of jae beside the SVD baseline, the metric chart, index.html; and where it is
    report = out / "report"
    assert {"index.html", "metrics.png", "umap_jae.png", "umap_svd_baseline.png"} <= {p.name for p in report.iterdir()}
    assert str(report / "index.html") in printed
    assert main(["-q", "demo", "--out", str(out), "--n-cells", "200", "--max-epochs", "1"]) == 1  # no silent overwrite


def test_embed_writes_a_copy_of_an_h5mu_input(tmp_path):
    from jae.datasets import simulate
    from jae.io import write_atomic

    src = tmp_path / "in.h5mu"
    write_atomic(simulate(300, n_genes=250, n_peaks=300, n_cell_types=3, n_batches=2, seed=2), src)
    model, out = tmp_path / "model", tmp_path / "out.h5mu"
    assert main(["-q", "fit", "--h5mu", str(src), "--max-epochs", "2", "--out", str(model)]) == 0
    assert main(["-q", "embed", "--model", str(model), "--h5mu", str(src), "--out", str(out)]) == 0
    import mudata as md

    result = md.read_h5mu(out)
    assert result.obsm["X_jae"].shape == (300, 3 + JAEConfig().n_principal)
    assert result.obs["jae_confidence"].between(0, 1).all() and result.obs["jae_cell_type"].notna().all()
    assert "X_jae" not in md.read_h5mu(src).obsm  # the input is untouched


def test_help_lists_the_verbs(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    printed = capsys.readouterr().out
    for verb in ("demo", "fit", "embed"):
        assert verb in printed


def test_every_flag_with_a_default_states_it_in_its_help():
    """``jae VERB --help`` says each flag's real default: a flag whose default is a value (not None, off or an
    empty list) must have help text containing ``default: <that value>``."""
    import argparse

    from jae.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for verb, parser in sub.choices.items():
        for action in parser._actions:
            if not action.option_strings or action.default in (None, False, [], argparse.SUPPRESS):
                continue
            if f"default: {action.default}" not in (action.help or ""):
                missing.append(f"jae {verb} {action.option_strings[-1]} (default {action.default!r}): {action.help!r}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("module", ["jae", "jae.cli"])
def test_python_dash_m_runs_the_cli(module):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "jae" in out.stdout + out.stderr


def test_verbose_shows_jaes_debug_messages_not_every_librarys(tmp_path):
    """'jae -v evaluate ...' printed ~10,700 lines, 99% numba and matplotlib debug output, burying jae's own."""
    code = (
        "import logging, sys\n"
        "from jae.cli import main\n"
        f"assert main(['-v', 'simulate', {str(tmp_path / 'sim')!r}, '--n-cells', '50', '--preset', 'none']) == 0\n"
        "import matplotlib.pyplot\n"
        "print(logging.getLogger('jae.io').getEffectiveLevel(), logging.getLogger('numba.core').getEffectiveLevel(),"
        " logging.getLogger('matplotlib.font_manager').getEffectiveLevel())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    jae_level, numba_level, mpl_level = map(int, out.stdout.split()[-3:])
    assert jae_level == logging.DEBUG and numba_level > logging.DEBUG and mpl_level > logging.DEBUG
    assert "DEBUG matplotlib" not in out.stderr and "DEBUG numba" not in out.stderr


def test_quiet_and_verbose_are_accepted_after_the_verb(tmp_path):
    """'jae map ... -q' stopped at 'unrecognized arguments: -q' (the flag was accepted before the verb only)."""
    from jae.cli import build_parser

    parser = build_parser()
    verb = ["simulate", "s", "--n-cells", "50"]
    for argv in (["-q", *verb], [*verb, "-q"], [*verb, "--quiet"]):
        args = parser.parse_args(argv)
        assert args.quiet is True and args.verbose is False
    assert parser.parse_args([*verb, "-v"]).verbose is True
    assert parser.parse_args(verb).quiet is False
    assert main(["simulate", str(tmp_path / "sim"), "--n-cells", "50", "--preset", "none", "-q"]) == 0


def test_every_flags_default_is_the_library_calls_default():
    """The defaults that ``jae VERB --help`` states are the code's: each flag whose destination is an argument of the
    library call the verb makes has that argument's default (the flags' help states them: the test above)."""
    import argparse
    import inspect

    import jae
    from jae.cli import build_parser
    from jae.datasets import write_simulated

    calls = {"fit": (jae.fit_files, jae.JAE), "predict": (jae.predict_files,), "simulate": (write_simulated,),
             "demo": (jae.run_demo,)}
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    differ, compared = [], 0
    for verb, functions in calls.items():
        params = {}
        for function in functions:
            params.update(inspect.signature(function).parameters)
        for action in sub.choices[verb]._actions:
            param = params.get(action.dest)
            if param is None or param.default is inspect.Parameter.empty or not action.option_strings:
                continue
            compared += 1
            if str(action.default) != str(param.default):
                differ.append(f"jae {verb} {action.option_strings[-1]}: {action.default!r}, code {param.default!r}")
    assert compared >= 20 and not differ, "\n".join(differ)
    epochs = f"{jae.JAEConfig().max_epochs}"
    for verb in ("fit", "demo"):
        action = next(a for a in sub.choices[verb]._actions if a.dest == "max_epochs")
        assert epochs in action.help, action.help


def test_fit_says_model_written_only_in_the_process_that_wrote_it(monkeypatch, capsys, tmp_path):
    """Under torchrun every rank runs jae fit; only the writer (process 0, whose result lists the model) says so."""
    import jae

    class Result:
        model = "JAE(stub)"
        written = ()

    monkeypatch.setattr(jae, "fit_files", lambda *a, **k: Result())
    args = ["-q", "fit", "--mod1", str(tmp_path / "a.h5ad"), "--mod2", str(tmp_path / "b.h5ad"), "--out",
            str(tmp_path / "m")]
    assert main(args) == 0 and capsys.readouterr().out == ""
    Result.written = (tmp_path / "m",)
    assert main(args) == 0 and "model written to" in capsys.readouterr().out
