"""One flag for a run asked to stop (SIGTERM, by the CLI's handler), read by the writer that moves outputs into place
(:func:`jae.io.atomic._place_all`) and by the CLI after a verb returns. The handler also raises, but Python runs a
signal handler between any two bytecodes, and an exception raised inside a finalizer or a C extension's callback is
printed and dropped ("Exception ignored in ..."): the write then went on and its output was placed (``jae simulate``
under SIGTERM exited 0 in two of seven full test-suite runs in session 43). No imports: the CLI reads it before
it imports anything heavy."""

from __future__ import annotations

import threading

__all__ = ["STOP_REQUESTED", "StopRequested"]

#: Set when the process has been asked to stop: no output is moved into place after it.
STOP_REQUESTED = threading.Event()


class StopRequested(KeyboardInterrupt):
    """Raised instead of moving outputs into place once :data:`STOP_REQUESTED` is set (the CLI's SIGTERM)."""
