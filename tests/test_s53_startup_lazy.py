"""``import jae`` imports nothing heavy; ``jae --help``, ``jae VERB --help``, ``jae --version`` and argparse's
refusals answer before torch, anndata, scanpy, mudata, h5py or numba load; and Ctrl-C while jae's modules import is
jae's one line with status 130, not a traceback.

Before: ``import jae`` imported every subpackage (torch, anndata, numba: 2-7 s), so each of these commands paid for
them, and Ctrl-C in those seconds printed Python's KeyboardInterrupt traceback (the handlers of ``jae.cli.main``
were not in place yet)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from _imports import cli_runs, loaded  # tests/ is on sys.path

HEAVY = ("torch", "anndata", "scanpy", "mudata", "h5py", "numba")
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}

CASES = {  # argv -> argparse's exit status
    ("--help",): 0, ("--version",): 0, ("fit", "--help"): 0, ("map", "--help"): 0, ("embed", "--help"): 0,
    ("predict", "--help"): 0, ("evaluate", "--help"): 0, ("simulate", "--help"): 0, ("demo", "--help"): 0,
    ("fit", "--no-such-flag"): 2,  # an unknown flag
    ("fit", "--h5mu", "x.h5mu", "--max-epochs", "ten"): 2,  # a bad value of a typed flag
    ("predict", "--train-mod1", "a.h5ad"): 2,  # a missing required flag (--test-mod1)
    ("fit", "x.h5mu"): 2,  # a data file without its flag
}


def test_help_version_and_refusals_import_nothing_heavy():
    seen = cli_runs(CASES, heavy=HEAVY)
    for argv, code in CASES.items():
        case = seen[" ".join(argv)]
        assert case["code"] == code, (argv, case)
        assert case["heavy"] == [], (argv, case)  # was: torch, anndata, mudata, h5py, numba, before parsing
        assert case["text"].strip(), argv  # each still says something: its help, version or refusal
    assert "--test-mod1" in seen["predict --train-mod1 a.h5ad"]["text"]
    assert "--max-epochs" in seen["fit --h5mu x.h5mu --max-epochs ten"]["text"]
    assert "--h5mu FILE" in seen["fit x.h5mu"]["text"]


def test_import_jae_is_light_and_names_resolve_on_first_use_to_the_same_objects():
    out = loaded("""
import sys
import jae
out = {'after_import': [m for m in HEAVY if m in sys.modules]}
from jae import JAE
assert 'torch' in sys.modules  # the name's module, imported when the name is read
import jae.joint, jae.io.readers, jae.datasets, jae.evaluation.run, jae.prediction.api, jae.workflows
assert JAE is jae.JAE is jae.joint.JAE
assert jae.read_h5mu is jae.io.read_h5mu is jae.io.readers.read_h5mu
assert jae.simulate is jae.datasets.simulate and callable(jae.simulate)
assert jae.evaluate is jae.evaluation.run.evaluate and jae.predict is jae.prediction.api.predict
assert jae.fit_files is jae.workflows.fit_files
for name in jae.__all__:
    assert name in dir(jae), name
    getattr(jae, name)
for name in ('joint', 'train', 'checkpoint', '_device', 'config'):  # submodules, bound by import jae before
    assert name in dir(jae) and getattr(jae, name).__name__ == 'jae.' + name
import jae.io.annotations
assert jae.io.annotations.__name__ == 'jae.io.annotations'
try:
    jae.no_such_name
except AttributeError as err:
    assert "no attribute 'no_such_name'" in str(err)
else:
    raise AssertionError('jae.no_such_name')
import pydoc
assert 'JAE' in pydoc.render_doc(jae)
""".replace("HEAVY", repr(HEAVY)), heavy=HEAVY)
    assert out["after_import"] == []


#: A finder that, when ``target`` is first imported, presses Ctrl-C: SIGINT to its own process, Python's handler
#: installed as in a terminal (a shell running the tests in the background starts its children ignoring SIGINT).
_INTERRUPTED = """
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
target = sys.argv.pop(1)

class Interrupt:
    def find_spec(self, name, path=None, module=None):
        if name == target:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(60)  # the KeyboardInterrupt is raised here, while the module imports
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv[0] = "jae"
"""

LAUNCHES = {  # how the process starts jae: python -m jae, and the console script (jae = "jae.cli:run")
    "python -m jae": _INTERRUPTED + "import runpy; runpy.run_module('jae', run_name='__main__', alter_sys=True)",
    "console script": _INTERRUPTED + "from jae.cli import run; sys.exit(run())",
}


@pytest.mark.parametrize("launch", LAUNCHES)
@pytest.mark.parametrize("target", ["torch", "jae.cli.fit"])  # in the verb's imports; while the parser is built
def test_ctrl_c_while_modules_import_is_one_line_and_status_130(tmp_path, launch, target):
    argv = [sys.executable, "-c", LAUNCHES[launch], target, "fit", "--h5mu", "x.h5mu", "--out", "model"]
    (tmp_path / "x.h5mu").write_bytes(b"")  # an input that exists: a missing one is refused before torch (s57)
    proc = subprocess.run(argv, cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr, proc.stderr  # was: a traceback
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "ERROR jae: interrupted; no output was written" in lines[0], proc.stderr
    assert proc.returncode == 130, proc.stderr
    assert proc.stdout == "" and [p.name for p in tmp_path.iterdir()] == ["x.h5mu"]
