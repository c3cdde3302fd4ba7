"""A server process that imports jae once and runs each CLI call in a fresh fork of itself.

A verb of ``python -m jae`` spends ~5 s importing torch before doing anything; tests that drive the CLI in a process
of its own per case fork from this server instead, so each case is a real process (own exit code, stdout, stderr,
signals) that starts in milliseconds. ``import jae`` imports its names on first use (jae._lazy): the server reads
them before forking, so each case starts with what ``import jae`` imported before (all but the metrics, the baseline
and the report).

Before forking, the server also imports what the verbs import on first use (torch's optimizers, which import
torch._dynamo; scikit-learn, scanpy, umap, pynndescent; jae's metrics and report): each case paid ~6 s for them
(a 2-epoch fit + embed of 240 cells: 7.3 s forked from a server that imported jae alone, 2.1 s from a warm one).
A case must still see what a user's process shows: when these imports print or warn anything, the server is
started again without them (:data:`CLIServer.warm` says which one runs).
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
from pathlib import Path

_SERVER = r"""
import contextlib, io, json, os, sys, traceback, warnings
from jae.cli import build_parser, main
build_parser()  # import every verb module once, before forking
import jae, jae.io
for module, name in [(jae, n) for n in jae.__all__] + [(jae.io, n) for n in jae.io.__all__]:
    if name not in ("metrics", "baseline", "report", "svd_baseline"):  # what import jae imported before jae._lazy
        getattr(module, name)
reply = sys.stdout
shown = ""
if sys.argv[1] == "warm":  # what the verbs import on first use (see the module's docstring)
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err, \
            warnings.catch_warnings(record=True) as caught:
        import torch
        torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])  # its first construction imports torch._dynamo
        import matplotlib.backends.backend_agg, matplotlib.figure, pynndescent, scanpy, scipy.stats, umap
        import sklearn.metrics, sklearn.neighbors
        import jae.baseline, jae.cli._messages, jae.metrics, jae.preprocess.streaming, jae.report
    shown = out.getvalue() + err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)
print(json.dumps({"shown": shown}), file=reply, flush=True)
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:  # the case: a process of its own, running the CLI's entry point
        code = 1
        try:
            os.chdir(req["cwd"])
            for fd, name in ((1, "stdout"), (2, "stderr")):
                os.dup2(os.open(req[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
            code = main(req["argv"])
        except SystemExit as err:
            code = err.code if isinstance(err.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(json.dumps({"pid": pid}), file=reply, flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"rc": os.waitstatus_to_exitcode(status)}), file=reply, flush=True)
"""


class CLIServer:
    """Runs ``jae ARGS`` in a fresh process forked from a server that imported jae once."""

    def __init__(self, env: dict[str, str], *, wait: bool = True) -> None:
        self.warm, self.env, self._ready = True, env, False
        self.proc = self._start(env, "warm")
        if wait:
            self.ready()

    def ready(self) -> CLIServer:
        """Waits until the server has imported what it imports (``wait=False`` started it without waiting)."""
        if not self._ready:
            self._ready = True
            if json.loads(self.proc.stdout.readline())["shown"]:  # a user's process would show it: no warm-up
                self.close()
                self.warm, self.proc = False, self._start(self.env, "cold")
                json.loads(self.proc.stdout.readline())
        return self

    @staticmethod
    def _start(env: dict[str, str], mode: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", _SERVER, mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, env=env)

    def __call__(self, argv: list[str], *, cwd: Path, logs: Path) -> tuple[int, str, str]:
        self.ready()
        logs.mkdir(parents=True, exist_ok=True)
        req = {"argv": [str(a) for a in argv], "cwd": str(cwd), "stdout": str(logs / "stdout"),
               "stderr": str(logs / "stderr")}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        json.loads(self.proc.stdout.readline())  # the pid
        rc = json.loads(self.proc.stdout.readline())["rc"]
        return rc, (logs / "stdout").read_text(), (logs / "stderr").read_text()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.proc.stdout.close()


_SHARED: dict[str, CLIServer] = {}


def shared_server(env: dict[str, str], *, wait: bool = True) -> CLIServer:
    """One server for the whole test session (started on first use, closed at exit); ``wait=False`` starts it without
    waiting for its imports (test_cli_hostile's ``start_early``, at the session's start: the first use waits)."""
    if "server" not in _SHARED or _SHARED["server"].proc.poll() is not None:
        _SHARED["server"] = CLIServer(env, wait=wait)
        atexit.register(_SHARED["server"].close)
    return _SHARED["server"].ready() if wait else _SHARED["server"]
