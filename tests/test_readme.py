"""The README's quick starts, run verbatim on the BMMC Multiome starter (the placeholder file names substituted).

The command-line quick start runs through the CLI, each command in a process of its own, with ``--set
max_epochs=3`` added to the ``jae fit`` commands (the README's ``...`` takes the first fit's arguments); the
Python quick start is executed as written. The evaluate / predict / simulate commands below it are covered by
tests/test_report.py, tests/test_predict_real.py and tests/test_streaming.py (the README's simulate command
writes 70,000 cells).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import anndata as ad
import pandas as pd
import pytest

from _cli_server import shared_server  # noqa: E402  (tests/ is on sys.path)
from test_cli_hostile import ENV, STEM

README = Path(__file__).resolve().parents[1] / "README.md"


def _block(heading: str, language: str) -> str:
    text = README.read_text().split(f"## {heading}", 1)[1]
    return re.search(rf"```{language}\n(.*?)```", text, re.S).group(1)


def _files(data_dir) -> dict[str, str]:
    prefix = data_dir / STEM
    return {f"x.{k}.h5ad": f"{prefix}.{k}.h5ad" for k in ("mod1", "mod2", "solution")}


def _commands(block: str) -> list[str]:
    """The ``jae ...`` commands of a bash block, continuation lines joined, comments dropped."""
    joined = block.replace("\\\n", " ")
    return [line.split("#", 1)[0].strip() for line in joined.splitlines() if line.strip().startswith("jae ")]


@pytest.fixture(scope="module")
def cli():
    return shared_server(ENV)


def test_readme_command_line_quick_start(cli, data_dir, tmp_path):
    files = _files(data_dir)
    commands = _commands(_block("Quick start (command line)", "bash"))
    assert [c.split()[1] for c in commands] == ["fit", "embed", "fit", "--help"]
    first_fit = commands[0]
    for command in commands:
        if " ... " in command:  # the README's placeholder for the arguments of the first fit
            command = command.replace(" ... ", " " + first_fit.split(" ", 2)[2].replace("jae_model", "jae_model_tuned") + " ")
        if command.startswith("jae fit"):
            command += " --set max_epochs=3"  # seconds, not minutes
        for placeholder, path in files.items():
            command = command.replace(placeholder, path)
        rc, out, err = cli(shlex.split(command)[1:], cwd=tmp_path, logs=tmp_path / ".logs")
        assert rc == 0, (command, err)
    emb = ad.read_h5ad(tmp_path / "embedding.h5ad")
    labels = pd.read_csv(tmp_path / "labels.csv", index_col=0)
    assert emb.n_obs == len(labels) == 500
    assert list(emb.obs.columns)[-3:] == ["jae_cell_type", "jae_confidence", "jae_unknown"]
    assert "batch" in emb.obs.columns  # the input file's own obs columns are kept, to colour by
    assert (tmp_path / "jae_model" / "model.json").is_file() and (tmp_path / "jae_model_tuned" / "model.json").is_file()


def test_readme_python_quick_start(data_dir, tmp_path, monkeypatch):
    import jae

    code = _block("Quick start (Python)", "python")
    for placeholder, path in _files(data_dir).items():
        code = code.replace(f'"{placeholder}"', repr(path))
    monkeypatch.chdir(tmp_path)
    files = _files(data_dir)
    namespace = {"new_mdata": jae.read_competition(files["x.mod1.h5ad"], files["x.mod2.h5ad"])}
    exec(compile(code, "README.md (Quick start, Python)", "exec"), namespace)
    model, emb, labels = namespace["model"], namespace["emb"], namespace["labels"]
    assert emb.shape == (500, len(model.column_names)) and len(labels) == 500
    assert (tmp_path / "jae_model" / "model.json").is_file()
