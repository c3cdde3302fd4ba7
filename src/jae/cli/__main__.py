"""``python -m jae.cli ...``: the ``jae`` command without the console script (e.g. from another interpreter)."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
