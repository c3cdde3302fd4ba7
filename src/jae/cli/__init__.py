"""Thin command-line interface over the public API: ``jae <verb> ...``.

Each verb lives in its own module ``jae.cli.<verb>`` exposing ``add_parser(subparsers)`` (which registers the
sub-command and sets ``func``) so verbs stay independent.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

__all__ = ["main"]

#: Verb modules, in the order ``jae --help`` lists them.
VERBS: tuple[str, ...] = ("demo", "fit", "map", "embed", "predict", "simulate", "evaluate")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="jae", description="Joint embedding of paired single-cell data (JAE).")
    parser.add_argument("--version", action="version", version=f"jae {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only, no progress bars")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb in VERBS:
        importlib.import_module(f".{verb}", __name__).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help()
        return 2
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    from ._messages import cli_message

    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        # outputs are written to temporary names and moved into place, so nothing half-written is left
        logging.getLogger("jae").error("interrupted; no output was written (an earlier, complete output is kept)")
        return 130
    except (ValueError, KeyError, OSError) as err:  # OSError: FileNotFoundError, FileExistsError, disk full, ...
        text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        logging.getLogger("jae").error("%s", cli_message(str(text)))
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
