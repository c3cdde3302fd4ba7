"""``python -m jae.cli ...``: the ``jae`` command without the console script (e.g. from another interpreter)."""

from __future__ import annotations

from . import run

if __name__ == "__main__":
    run()  # as ``jae`` and ``python -m jae``: the exit status after Ctrl-C (130) and a closed pipe is run()'s
