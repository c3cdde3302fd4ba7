"""benchmarks/scale_map.py --source: a folder without jae/ in it (a typo, or /tmp/base instead of /tmp/base/src as the
help's 'tar -x -C /tmp/base' example invites) was put on PYTHONPATH, and the stages ran the installed jae without a
word, recorded as the other version's figures. It is now refused in one line before anything is simulated."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import scale_map  # noqa: E402


class Reached(Exception):
    pass


@pytest.fixture
def never_runs(monkeypatch):
    monkeypatch.setattr(scale_map, "_run", lambda args: (_ for _ in ()).throw(Reached(args.source)))


def _argv(tmp_path, source):
    return ["--stages", "fit", "--label", "before", "--results", str(tmp_path / "r.json"),
            "--data-dir", str(tmp_path / "d"), "--source", str(source)]


@pytest.mark.parametrize("where", ["base", "absent"])
def test_a_source_without_jae_is_refused_before_any_stage(capsys, never_runs, tmp_path, where):
    source = tmp_path / where
    if where == "base":
        (source / "src" / "jae").mkdir(parents=True)  # 'git archive BASE src | tar -x -C base' made base/src/jae
        (source / "src" / "jae" / "__init__.py").write_text("")
    with pytest.raises(SystemExit) as stop:
        scale_map.main(_argv(tmp_path, source))
    assert stop.value.code == 2
    assert f"--source {source} holds no jae/__init__.py" in capsys.readouterr().err


def test_a_src_folder_reaches_the_stages(never_runs, tmp_path):
    src = tmp_path / "base" / "src"
    (src / "jae").mkdir(parents=True)
    (src / "jae" / "__init__.py").write_text("")
    with pytest.raises(Reached) as reached:
        scale_map.main(_argv(tmp_path, src))
    assert reached.value.args == (str(src),)
