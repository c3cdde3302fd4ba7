"""The text of a model folder's ``model.json``: standard JSON, which every JSON reader accepts.

Python's :func:`json.dumps` writes an infinite float as ``Infinity``, a token JSON does not have (``jq``, R's
``jsonlite`` and JavaScript's ``JSON.parse`` refuse the file). An infinite value is written instead as the number
``1e999`` (``-1e999``), standard JSON beyond a double's range, which Python's :func:`json.loads` reads back as
infinity: the model loads exactly as before. A NaN has no such number; the writers store it as null where their
loaders read null as NaN (the history, the optional calibration thresholds, a predictor's target ``var``).
"""

from __future__ import annotations

import json
import re

__all__ = ["json_text"]

# a JSON string (kept as it is: a feature may be named 'Infinity'), or the bare token json.dumps writes for infinity
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(-?)Infinity')


def json_text(description: dict, *, indent: int = 1) -> str:
    """``description`` as indented JSON text, its infinite floats as ``1e999`` / ``-1e999``."""
    text = json.dumps(description, indent=indent)
    return _TOKEN.sub(lambda m: m.group(0) if m.group(1) is None else f"{m.group(1)}1e999", text)
