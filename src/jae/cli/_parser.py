"""The CLI's argument parser: argparse's, with each usage error said in one line that names its fix.

argparse answered a bad flag with its usage block, then the error, in the order it met the problems: a mistyped flag
(``jae fit --out-dir m``) was reported as the ``--out`` it left missing, and, given with every required flag, by the
top parser (``jae: error: unrecognized arguments``) rather than by the verb that got it. :class:`Parser` says every
usage error as ``PROG: error: PROBLEM; FIX`` alone on stderr (status 2, as argparse's): unknown flags first, by the
parser that got them, the fix a close flag or choice (difflib) and the ``--help`` that lists them. Its help is
argparse's own.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import os
import re
import sys

__all__ = ["Parser"]

#: The input flags of the verbs reading paired data (jae.cli._inputs), by a data file's ending.
_INPUT_FLAGS = {".h5mu": "--h5mu FILE", ".h5ad": "--mod1 FILE (RNA; with --mod2 FILE) or --h5ad FILE (one file holding "
                "both modalities)", ".h5": "--10x FILE (Cell Ranger's .h5)"}
#: argparse's "invalid choice: 'fitt' (choose from ...)": the value, as Python writes a string
_INVALID_CHOICE = re.compile(r"invalid choice: ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")


class Parser(argparse.ArgumentParser):
    """:class:`argparse.ArgumentParser` whose usage errors are one line each (see the module); the verbs' parsers,
    made by :meth:`add_subparsers`, are of this class too."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("exit_on_error", False)  # an ArgumentError reaches parse_known_args, which names its fix
        if sys.version_info >= (3, 14):  # argparse's own "maybe you meant" would repeat _close_choice's suggestion
            kwargs.setdefault("suggest_on_error", False)
        super().__init__(*args, **kwargs)
        self._holding = False  # while parsing: an error is raised as _Refused, to be said after the arguments left

    def error(self, message: str, fix: str | None = None):
        """Exit with status 2 after one line on stderr: ``message``, then ``fix`` (if any) and the help to read."""
        if self._holding:
            raise _Refused(message, fix)
        verbs = self._subcommands() is not None
        where = f"{self.prog} --help lists the {'verbs and flags' if verbs else 'flags'}"
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}; {f'{fix} ({where})' if fix else where}\n")

    def parse_known_args(self, args=None, namespace=None):
        args = list(sys.argv[1:] if args is None else args)
        try:
            unknown = self._unknown_flags(args)
        except argparse.ArgumentError as err:  # an ambiguous abbreviation (--m), where a Python release raises it here
            self.error(str(err))
        if unknown:  # before any other error: a mistyped flag also leaves its flag missing and its value unread
            self.error(f"unrecognized arguments: {' '.join(unknown)}", self._close_flags(unknown))
        verb = self._subcommands() is None  # a verb's parser: the arguments it leaves are its own, said in its name
        try:
            namespace, extras = self._parse(args, namespace)
        except _Refused as refused:  # a flag missing (jae fit x.h5mu: --out), a bad value (--seed abc), a bad verb
            extras = self._left_over(args) if verb else []
            if not extras:
                self.error(refused.message, refused.fix)
        if extras and verb:
            self.error(f"unrecognized arguments: {' '.join(extras)}", self._input_flag(extras))
        return namespace, extras

    def _parse(self, args: list[str], namespace):
        """argparse's parse, its errors raised as :class:`_Refused`."""
        self._holding = True
        try:
            return super().parse_known_args(args, namespace)
        except argparse.ArgumentError as err:
            raise _Refused(str(err), self._close_choice(err)) from None
        finally:
            self._holding = False

    def _left_over(self, args: list[str]) -> list[str]:
        """The arguments no flag takes, as argparse leaves them with every flag optional ([] where it refuses else)."""
        required = [action for action in self._actions if action.required]
        for action in required:
            action.required = False
        try:
            return self._parse(args, None)[1]
        except _Refused:
            return []
        finally:
            for action in required:
                action.required = True

    def _subcommands(self) -> argparse._SubParsersAction | None:
        return next((a for a in self._actions if isinstance(a, argparse._SubParsersAction)), None)

    def _unknown_flags(self, args: list[str]) -> list[str]:
        """The arguments this parser reads as flags it lacks (argparse's own reading); of the top parser those
        before the verb alone, the verb's parser reads the rest."""
        unknown = []
        takes_value = False  # the previous argument is a flag that takes one value: a '-...' here is its value
        for arg in args:
            if arg == "--":
                break
            found = self._parse_optional(arg)  # None: a value; (action, ...), or a list of them (Python >= 3.12.7)
            if found is None:
                if self._subcommands() is not None:
                    break
                takes_value = False
                continue
            options = found if isinstance(found, list) else [found]
            if all(option[0] is None for option in options):
                if not takes_value:  # (--seed -inf: argparse's "expected one argument" names the flag, said later)
                    unknown.append(arg)
                takes_value = False
                continue
            action, explicit = options[0][0], options[0][-1]  # (action, flag, [separator,] value given with '=')
            takes_value = len(options) == 1 and action is not None and action.nargs is None and explicit is None
        return unknown

    def _close_flags(self, unknown: list[str]) -> str | None:
        """'did you mean --out?' for the unknown flags close to this parser's (by their names: the dashes alike)."""
        flags = {flag.lstrip("-"): flag for action in self._actions for flag in action.option_strings}
        close = {arg: _either([flags[m] for m in match]) for arg in unknown
                 if (match := _closest(arg.split("=", 1)[0].lstrip("-"), flags))}
        if not close:
            return None
        if len(unknown) == 1:
            return f"did you mean {close[unknown[0]]}?"
        return "did you mean " + ", ".join(f"{flag} for {arg}" for arg, flag in close.items()) + "?"

    def _close_choice(self, err: argparse.ArgumentError) -> str | None:
        """'did you mean 'fit'?' for a verb or a flag's choice close to one the parser takes."""
        value = _INVALID_CHOICE.search(err.message)
        if value is None:
            return None
        value = ast.literal_eval(value.group(1))
        choices = [str(c) for a in self._actions if a.choices and err.argument_name in _names(a) for c in a.choices]
        match = _closest(value, choices)
        return f"did you mean {_either(list(map(repr, match)))}?" if match else None

    def _input_flag(self, extras: list[str]) -> str | None:
        """For data files among ``extras`` (given without their flag: jae fit x.h5mu), the flag that passes each."""
        verb = self.prog.rsplit(" ", 1)[-1]
        if verb not in ("fit", "map", "embed", "evaluate"):
            return None
        hints = {_INPUT_FLAGS[s] for a in extras if (s := os.path.splitext(a)[1].lower()) in _INPUT_FLAGS}
        return f"jae {verb} takes its input by flag: {' or '.join(sorted(hints))}" if hints else None


class _Refused(Exception):
    """A usage error met while :meth:`Parser.parse_known_args` parses: ``message`` and its ``fix``."""

    def __init__(self, message: str, fix: str | None) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


def _names(action: argparse.Action) -> set[str]:
    """The names an :class:`argparse.ArgumentError` may give ``action`` by (its flags, metavar or destination)."""
    return {name for name in ("/".join(action.option_strings), action.metavar, action.dest) if name}


def _closest(word: str, names) -> list[str]:
    """The names closest to ``word`` by difflib's ratio (at least its 0.6), all of them where several tie (--modl:
    --mod1 or --mode)."""
    scores = {name: difflib.SequenceMatcher(None, word, name).ratio() for name in names}
    best = max(scores.values(), default=0.0)
    return sorted(name for name, score in scores.items() if score == best) if best >= 0.6 else []


def _either(names: list[str]) -> str:
    """'--mod1, --mod2 or --mode'."""
    return " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
