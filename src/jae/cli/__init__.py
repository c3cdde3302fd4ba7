"""Thin command-line interface over the public API: ``jae <verb> ...``.

Each verb lives in its own module ``jae.cli.<verb>`` exposing ``add_parser(subparsers)`` (which registers the
sub-command and sets ``func``) so verbs stay independent.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import logging
import os
import signal
import sys
import threading

from .._stop import STOP_REQUESTED, StopRequested

__all__ = ["main", "run"]

#: Verb modules, in the order ``jae --help`` lists them.
VERBS: tuple[str, ...] = ("demo", "fit", "map", "embed", "predict", "simulate", "evaluate")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    from ._parser import Parser

    parser = Parser(prog="jae", description="Joint embedding of paired single-cell data (JAE).")
    parser.add_argument("--version", action="version", version=f"jae {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only, no progress bars")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb in VERBS:
        importlib.import_module(f".{verb}", __name__).add_parser(sub)
    for verb_parser in sub.choices.values():  # also after the verb (jae map ... -q), where users put flags
        verb_parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                                 help="log debug messages (as jae -v VERB)")
        verb_parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                                 help="log warnings only, no progress bars (as jae -q VERB)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # a usage error: one line (jae.cli._parser), status 2
    if args.verb is None:  # a usage error (argparse's status 2), as a missing argument: its help goes to stderr
        parser.print_help(sys.stderr)
        return 2
    if args.quiet and args.verbose:  # else -v's debug messages were logged although -q promises warnings only
        parser.error("-q/--quiet (warnings only) and -v/--verbose (debug messages) contradict each other", "give one")
    configured = _log_levels(args)
    from ..io.atomic import quiet_h5py_teardown

    with quiet_h5py_teardown():  # a write that ran out of room: h5py's errors of freeing the file, once it is said
        return _run_verb(args, configured)


#: set when a verb's write ran out of room (:func:`jae.io.atomic.out_of_room`): HDF5, left holding a file it cannot
#: flush, crashed the interpreter as it exited (segmentation fault, status 139 instead of 1), so :func:`run` ends it
_OUT_OF_ROOM = threading.Event()


def _run_verb(args, configured: bool) -> int:
    """Run the verb ``args`` chose: its status, and for an error one line (no traceback). ``configured``: whether
    :func:`_log_levels` configured Python's logging."""
    from ..io.atomic import out_of_room
    from ..io.call_fixes import call_words
    from ._messages import cli_message, map_words

    _OUT_OF_ROOM.clear()
    try:  # ... and says what it wrote: the others write nothing
        from .._launch import is_writer  # torch only under torchrun: imported by the verb that needs it

        writer = is_writer(strict=False)  # a RANK that is no number: refused in one line by the verb
        if not writer:  # under torchrun process 0 alone logs progress and shows bars: the others' would repeat them
            args.quiet, args.verbose = True, False  # -v too: it set their jae logger to DEBUG after -q
            _log_levels(args, configured)
        quiet = contextlib.nullcontext() if writer else contextlib.redirect_stdout(io.StringIO())
        with _terminate_as_interrupt(), quiet, _warnings_in_cli_words(args.verb):
            _check_launch()
            from .._threads import limit_process_threads

            limit_process_threads()  # a Slurm job's or container's CPUs, not the host's: torch counts every core
            with call_words("cli"):  # the readers' fixes in their own words, put into flags by cli_message
                code = int(args.func(args) or 0)
            if STOP_REQUESTED.is_set():  # SIGTERM's exception dropped where Python could not raise it: said as one
                raise _Terminated()
            return code
    except BrokenPipeError:  # stdout closed early (jae evaluate ... | head): the outputs are written, nothing failed
        return 0
    except StopRequested:  # SIGTERM (a scheduler's time limit, scancel, kill): as Ctrl-C, the temporaries are removed
        logging.getLogger("jae").error("terminated (SIGTERM); no output was written (an earlier, complete output is "
                                       "kept)")
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        return _interrupted()
    except (ValueError, KeyError, OSError) as err:  # OSError: FileNotFoundError, FileExistsError, disk full, ...
        text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        text = cli_message(str(text))
        if args.verb == "map":  # the fix for cells with the second modality alone maps them, as the verb asked
            text = map_words(text, args)
        logging.getLogger("jae").error("%s", text)
        if out_of_room(err) is not None or out_of_room(err.__cause__) is not None:
            _OUT_OF_ROOM.set()
        return 1


_FORMAT = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s", "datefmt": "%H:%M:%S"}


def _log_levels(args: argparse.Namespace, configured: bool | None = None) -> bool:
    """Set the log levels of ``-q`` / ``-v``, configuring Python's logging where nothing has (True then), as soon as
    the flags are parsed: before torch imports, so that an interruption then is logged like any other. ``configured``:
    the answer of the first call, for the second (a torchrun process other than 0 made quiet)."""
    level = logging.WARNING if args.quiet else logging.INFO
    # other libraries' info lines only with --verbose (anndata's "... storing 'feature_types' as categorical" at
    # each write of a text column): the verbs' lines are jae's own
    root = logging.INFO if args.verbose else logging.WARNING
    if configured is None:
        configured = not logging.getLogger().handlers
        logging.basicConfig(level=root, **_FORMAT)
    elif configured:
        logging.getLogger().setLevel(root)
    # --verbose: jae's debug messages, not those of every library it imports (numba, matplotlib: ~10,000 lines)
    logging.getLogger("jae").setLevel(logging.DEBUG if args.verbose else level)
    return configured


def _interrupted() -> int:
    """Ctrl-C's one line and status (130), wherever it landed: in a verb, or while jae was still importing."""
    logging.basicConfig(**_FORMAT)  # an interruption before main set logging up: the same line (else nothing)
    # outputs are written to temporary names and moved into place, so nothing half-written is left
    logging.getLogger("jae").error("interrupted; no output was written (an earlier, complete output is kept)")
    return 130


class _CLIWarnings(logging.Filter):
    """Rewrites jae's warnings in the words of the CLI verb that shows them (:func:`cli_warning`: ``--set
    batch_size=2`` for jae fit where the library says ``JAEConfig(batch_size=2)``), and its INFO lines' JAEConfig
    settings so (:func:`cli_words`), once per record, whichever handler sees it first."""

    def __init__(self, verb: str) -> None:
        super().__init__()
        self.verb = verb

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno in (logging.INFO, logging.WARNING) and record.name.split(".")[0] == "jae" \
                and not hasattr(record, "jae_cli"):  # errors: main's own, translated there
            from ._messages import cli_warning, cli_words

            words = cli_warning if record.levelno == logging.WARNING else cli_words
            record.msg, record.args, record.jae_cli = words(record.getMessage(), self.verb), (), True
        return True


@contextlib.contextmanager
def _warnings_in_cli_words(verb: str):
    """:class:`_CLIWarnings` on the root logger's handlers (where jae's records go) while ``verb`` runs."""
    handlers, words = list(logging.getLogger().handlers), _CLIWarnings(verb)
    for handler in handlers:
        handler.addFilter(words)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(words)


def _check_launch() -> None:
    """Refuse ``JAE_DISTRIBUTED=0`` in a launch of several processes (torchrun): every process is given the same
    flags, so each would fit alone and write the same outputs, racing for them (a Python script can give each its own
    seed and output; the CLI cannot)."""
    from .._launch import launch_turned_off

    world = launch_turned_off()
    if world is not None:
        raise ValueError(f"JAE_DISTRIBUTED={os.environ['JAE_DISTRIBUTED'].strip()} turns data-parallel training off, "
                         f"but this is one of {world} processes torchrun started (WORLD_SIZE={world}), each of which "
                         "would run the same command alone and write the same outputs: unset JAE_DISTRIBUTED to train "
                         "them together, or run jae without torchrun to train one process alone")


class _Terminated(StopRequested):
    """SIGTERM received: raised like Ctrl-C's KeyboardInterrupt, so that the writers' cleanup runs."""


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM raises :class:`_Terminated` in the main thread while a verb runs (by default it ended the process at
    once, leaving the hidden temporary of an output being written, e.g. 0.8 GB of a half-written .h5mu); a handler
    someone else installed is kept. As for Ctrl-C, Python runs the handler between bytecodes: a process stuck in one
    C call that holds the GIL (h5py on a damaged file) ends when the call returns, or by SIGKILL (Slurm sends it
    after KillWait); a watchdog thread cannot help there, it needs the GIL too."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def terminated(signum, frame):
        STOP_REQUESTED.set()  # kept, should the exception below land where Python drops it (jae.io.atomic)
        raise _Terminated()

    previous = sys.unraisablehook

    def unraisable(info):
        if not isinstance(info.exc_value, _Terminated):  # a dropped SIGTERM: STOP_REQUESTED stops the run instead
            previous(info)

    STOP_REQUESTED.clear()
    signal.signal(signal.SIGTERM, terminated)
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.unraisablehook = previous
        STOP_REQUESTED.clear()


def run() -> None:
    """Console entry point (``jae`` and ``python -m jae``): :func:`main`, then exit with its status. ``import jae``
    imports nothing heavy (:mod:`jae._lazy`), so a Ctrl-C at any moment of startup lands here or in :func:`main`
    and is said in one line, with status 130, where it printed a traceback while ``import jae`` imported torch.

    After Ctrl-C the process ends with ``os._exit(130)`` once the interrupt has been handled and the streams
    flushed. A normal ``sys.exit(130)`` is not enough: when the interrupt lands while torch imports
    ``torch._dynamo`` lazily (inside code that ``dataclasses`` runs from a string), CPython 3.11 still ends the
    process by SIGINT at shutdown although :func:`main` caught the interrupt, so the status depended on where
    the interrupt landed (seen as -2 instead of 130 in CI, reproduced here about once in ten tries). After a write
    that ran out of room it ends so too, with status 1: HDF5's own exit handler, flushing the file it could not write,
    crashed the interpreter (status 139).
    """
    try:
        code = main()
    except KeyboardInterrupt:  # while the parser's modules imported, before main's own handling: the same line
        code = _interrupted()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader of stdout left (see main): the interpreter's last flush would report it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if _OUT_OF_ROOM.is_set():  # Python's exit handlers run (temporary files removed); HDF5's, which crashed, do not
        import atexit

        atexit._run_exitfuncs()
    if code == 130 or _OUT_OF_ROOM.is_set():
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
