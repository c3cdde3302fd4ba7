"""What a fresh interpreter has imported after some of jae ran: the child processes of the startup tests
(test_s53_startup_lazy, test_s54_lazyimp_heavy_imports, test_s56_startup_refusals). The test process itself has
imported everything, so each question is asked of a new interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: The packages whose import a command that refuses or prints help should not pay for (each 0.3-3 s).
HEAVY = ("torch", "numba", "anndata", "scanpy", "mudata", "h5py", "sklearn")

#: A process alone, as a user's shell: one thread for the libraries, no torchrun variables.
ENV = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")} | {"OMP_NUM_THREADS": "1"}


def loaded(code: str, *args: str, heavy=HEAVY, env: dict | None = None, cwd=None) -> dict:
    """Run ``code`` (which sets ``out``, a dict of JSON values) in a fresh interpreter given ``args`` (its
    ``sys.argv[1:]``); ``out`` with 'heavy': those of ``heavy`` loaded at its end. ``env``: the environment
    (default :data:`ENV`)."""
    tail = (f"\nimport json as _j, sys as _s\n"
            f"print(_j.dumps({{**out, 'heavy': [m for m in {tuple(heavy)!r} if m in _s.modules]}}))")
    proc = subprocess.run([sys.executable, "-c", code + tail, *args], env=ENV if env is None else env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


_CLI = """
import contextlib, io, json, logging, sys
from jae.cli import main
out = {}
for argv in json.loads(sys.argv[1]):
    said = io.StringIO()
    for handler in logging.getLogger().handlers:  # the one main configured for the first argv: its lines here too
        handler.setStream(said)
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    out[" ".join(argv)] = {"code": code, "text": said.getvalue(), "heavy": [m for m in HEAVY if m in sys.modules]}
"""


def cli_runs(argvs, *, heavy=HEAVY, env: dict | None = None, cwd=None) -> dict[str, dict]:
    """Each argv of ``argvs`` given in turn to ``jae.cli.main`` in one fresh interpreter: ``" ".join(argv)`` ->
    ``{"code": its status, "text": what it wrote to stdout and stderr, its log lines included, "heavy": those of
    ``heavy`` loaded by then (by it or an argv before)}``."""
    code = f"HEAVY = {tuple(heavy)!r}\n" + _CLI
    out = loaded(code, json.dumps([list(argv) for argv in argvs]), heavy=heavy, env=env, cwd=cwd)
    out.pop("heavy")
    return out
