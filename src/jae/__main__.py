"""``python -m jae ...``: the ``jae`` command without the console script."""

from __future__ import annotations

from .cli import run

if __name__ == "__main__":
    run()
