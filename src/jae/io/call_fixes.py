"""The fixes of a reader's refusals of an input file, in the words of the call the user made.

An ``.h5mu`` whose modalities the readers cannot pair (:func:`jae.io.modality.pick_modalities`: proteins alone, the
RNA named otherwise, several second modalities) or a second modality's file given alone as RNA
(:func:`jae.io.rna_files.check_rna_alone`) is refused with a fix. :func:`jae.io.open_h5mu`, :func:`jae.io.read_h5mu`
and :class:`jae.io.InputFiles` take the arguments it names (``rna=``, ``other=``); the calls that take the file's path
(``model.embed``, ``model.predict_cell_type``, ``model.map_query``) or read it from an :class:`jae.io.InputFiles`
(``jae.embed_files``, ``jae.map_files``) name their own call instead, built here from one table (:data:`_CALLS`) with
the file, the model and the other arguments the user gave (a layer to ``open_h5mu``, which keeps it), so that the fix
runs as written; other calls of a path (``model.latent``, ``model.finetune``, ``jae.impute``) name the data to give.
The outermost call names it (:func:`call_words`); jae's verbs (``'cli'``) keep the readers' words, which
:mod:`jae.cli._messages` puts in flags.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["call_words", "called_as", "called_file", "calling", "carried", "argument_fix", "memory_call", "data_path",
           "differing"]

# entry point: (its call of the file opened with the argument named, {opened}; its call of the file read into
# memory, {read}); {key}: ', batch_key=...' when given; {model}: the model argument as given, {loaded}: the model
# itself (a folder's jae.JAE.load(...), with the device given); {out}: the output given
# {rest}: the other arguments the user gave (as given where short), {layer}: the layer given (also inside open_h5mu,
# {opened}, which keeps it; for jae.io.InputFiles, its layer, which the call in memory takes); {save}: ',
# overwrite=True' when given; {mapping}: map_files' arguments that map_query takes. An InputFiles' other options go
# into {inputs}, its annotations around {read} (jae.io.join_annotations). "data": a call without a row
# (model.latent, model.finetune, jae.impute of a path), named by its data alone
_CALLS = {
    "embed": ("model.embed({opened}{rest})", "model.embed({read}{rest}{layer})"),
    "predict_cell_type": ("model.predict_cell_type({opened}{rest})", "model.predict_cell_type({read}{rest}{layer})"),
    "map_query": ("model.map_query({opened}{key}{rest})", "model.map_query({read}{key}{rest}{layer})"),
    "embed_files": ("jae.embed_files({inputs}, {model}, {out}{rest})", "{loaded}.embed({read}{layer})"),
    "map_files": ("jae.map_files({inputs}, {model}, {out}{key}{rest})",
                  "{loaded}.map_query({read}{key}{mapping}{layer}).save({out}{save})"),
    # a model fitted from memory is the other entry point's (jae.JAE.fit): the files' fix alone
    "fit_files": ("jae.fit_files({inputs}, {out}{key}{rest})", None),
    "data": ("give the data as {opened}", "give the data as {read}"),
    # fit names both modalities in one argument; cells without RNA cannot be fitted from memory either (None: the
    # reader's own words, what a fitted model's calls do with them)
    "fit": ("model.fit({file}, modalities=(<name of the RNA>, <name of the other>){key}{rest}{layer})", None),
}
#: map_files' arguments that its call in memory, map_query, takes too (device: jae.JAE.load's)
_MAPPING = ("epochs", "seed", "progress_bar")
#: An entry's call of the file opened with a kind given (other_kind), where its own names other arguments
_KIND_CALLS = {"fit": "model.fit({opened}{key}{rest})"}
#: jae.io.InputFiles' names of the readers' arguments (the others: the same)
_INPUT_NAMES = {"other_kind": "mod2_kind"}
#: The calls of a jae.io.InputFiles, which holds the layer they read: the readers' fix "pass layer=..." names it
_FILES_CALLS = ("embed_files", "map_files", "fit_files")
_LAYER_FIX = re.compile(r"\bpass layer=(\.\.\.|None|'[^']*')")
#: jae.io.InputFiles' fields that name the data (the fix's file) and the modalities (the fix names one of them)
_SOURCES = ("mod1", "mod2", "h5mu", "tenx", "h5ad")
#: Arguments a fix leaves out: the data and what the table's templates place themselves.
_PLACED = ("self", "reference", "data", "inputs", "model", "out", "batch_key", "layer", "modalities", "annotations")


@dataclass(frozen=True)
class _Call:
    entry: str  # a key of _CALLS, or 'cli' (the readers' own words)
    path: str | None  # the file the user gave
    words: dict  # key, model, loaded, out


_CALL: ContextVar[_Call | None] = ContextVar("jae_call_fixes", default=None)


def data_path(data) -> str | None:
    """The file ``data`` is read from when it is a path or a backed MuData (the files the fixes name), else None."""
    if isinstance(data, (str, os.PathLike)):
        return str(data)
    return str(data.filename) if getattr(data, "isbacked", False) and getattr(data, "filename", None) else None


def _given(name: str, value) -> str:
    """``, name=value`` as the user can type it again (its repr when short and plain), else ``, name=<your name>``."""
    plain = value is None or isinstance(value, (str, bool, int, float, os.PathLike))
    text = repr(str(value) if isinstance(value, os.PathLike) else value)
    return f", {name}={text}" if plain and len(text) <= 60 else f", {name}=<your {name}>"


def _option(name: str, value) -> str:
    """``, name=value`` of an option of :class:`jae.io.InputFiles` as stored (paths as text: a list of them for
    ``annotations``), at any length, as the fix's file is."""
    if isinstance(value, (list, tuple)):
        value = [str(v) if isinstance(v, os.PathLike) else v for v in value]
    return f", {name}={str(value) if isinstance(value, os.PathLike) else value!r}"


def _input_options(inputs) -> dict:
    """The options of :class:`jae.io.InputFiles` ``inputs`` that differ from their defaults, beside the data's file
    (``rna``, ``other``, ``layer``, ``annotations``, ...): name -> ``, name=value``; the fix repeats them."""
    import dataclasses

    return {f.name: _option(f.name, getattr(inputs, f.name)) for f in dataclasses.fields(inputs)
            if f.name not in _SOURCES and not _default(f.default if f.default_factory is dataclasses.MISSING
                                                        else f.default_factory(), getattr(inputs, f.name))}


@contextmanager
def call_words(entry: str, data=None, *, batch_key: str | None = None, model=None, out=None, given=None):
    """Within it, the readers' fixes name the call ``entry`` (a key of :data:`_CALLS`, or ``'cli'``) of ``data`` (a
    path, a backed MuData, :class:`jae.io.InputFiles`: its ``.h5mu``, and its options, repeated), with ``batch_key``
    when given; ``model`` (a fitted model or its folder) and ``out`` for ``jae.embed_files`` / ``jae.map_files``;
    ``given``: the call's other arguments as the user gave them (repeated in the fix; ``annotations``, the files an
    InputFiles joins, around the read). A call within another keeps the outer's."""
    if _CALL.get() is not None:
        yield
        return
    from .inputs import InputFiles

    inputs = data if isinstance(data, InputFiles) else None
    path = data_path(getattr(data, "h5mu", None) if hasattr(data, "paths") else data)  # a pair of .h5ad: their own
    folder = None if model is None or not isinstance(model, (str, os.PathLike)) else repr(str(model))
    given = dict(given or {})
    options = {} if inputs is None else _input_options(inputs)
    layer = options.get("layer", "") if inputs is not None else (
        _given("layer", given["layer"]) if "layer" in given else "")
    annotations = inputs.annotations if inputs is not None else given.get("annotations")
    annotations = [str(p) for p in annotations] if annotations else None
    device = _given("device", given["device"]) if "device" in given else ""
    # batch_key=None given where the call's default names a column (jae.fit_files' 'batch') is repeated too
    key = "" if batch_key is None and "batch_key" not in given else f", batch_key={batch_key!r}"
    words = {"key": key, "model": folder or "model",
             "loaded": f"jae.JAE.load({folder}{device})" if folder else "model", "out": repr(str(out)),
             "rest": "".join(_given(k, v) for k, v in given.items() if k not in _PLACED),
             "mapping": "".join(_given(k, given[k]) for k in _MAPPING if k in given), "layer": layer,
             "save": ", overwrite=True" if given.get("overwrite") is True else "",
             "options": options, "annotations": annotations,
             "modalities": given.get("modalities"),
             "memory": path is None and type(data).__name__ in ("MuData", "AnnData")}  # (mudata, anndata: not imported)
    token = _CALL.set(_Call(entry, path, words))
    try:
        yield
    finally:
        _CALL.reset(token)


def carried(f):
    """``f`` to run in another thread (a file's blocks read ahead) within the caller's :func:`call_words`: a refusal
    there names the same call (a thread starts without the caller's context)."""
    call = _CALL.get()

    def run(*args, **kwargs):
        token = _CALL.set(call)
        try:
            return f(*args, **kwargs)
        finally:
            _CALL.reset(token)
    return run


def calling() -> str | None:
    """The entry point of :data:`_CALLS` (or ``'cli'``) now running, None outside one."""
    call = _CALL.get()
    return None if call is None else call.entry


def called_file() -> str | bool:
    """The file the call now running reads (the path or backed MuData given to an entry point of :data:`_CALLS`, an
    :class:`jae.io.InputFiles`' ``.h5mu``); True for other files (a pair, files opened to stream, what the CLI
    reads); False for a MuData or AnnData in memory, or outside such a call."""
    call = _CALL.get()
    return False if call is None or call.words.get("memory") else call.path or True


def _called(path) -> tuple[_Call, str] | None:
    call = _CALL.get()
    if call is None or call.entry not in _CALLS:
        return None
    file = call.path or path  # the call's own file (a zarr store's, not the copy read), else the one refused
    return call, "FILE" if file is None else repr(str(file))


def _passing(call: _Call, file: str, argument: str, value: str) -> str:
    """The call ``call`` of ``file`` that passes ``argument=value`` to the reader: to :func:`jae.io.open_h5mu` (which
    takes ``rna``, ``other``, ``other_kind``), or to :class:`jae.io.InputFiles` (``other_kind`` is its ``mod2_kind``)
    with the options given; ``model.fit`` names its own ``modalities`` instead of ``rna`` / ``other``."""
    given = f"{argument}={value}"
    named = call.words.get("modalities")  # fit's modalities=(RNA, other) given: the file opened under those names
    if named and argument not in ("rna", "other") and isinstance(named, (tuple, list)) and len(named) == 2:
        given = f"rna={named[0]!r}, other={named[1]!r}, {given}"
    opened = f"jae.io.open_h5mu({file}, {given}{call.words['layer']})"  # files keep the layer they are opened with
    option = _INPUT_NAMES.get(argument, argument)
    options = "".join(text for name, text in call.words["options"].items() if name != option)
    template = _KIND_CALLS.get(call.entry, _CALLS[call.entry][0]) if argument not in ("rna", "other") else \
        _CALLS[call.entry][0]
    return template.format(opened=opened, inputs=f"jae.io.InputFiles(h5mu={file}, {option}={value}{options})",
                           file=file, **call.words)


def argument_fix(argument: str, path=None, *, name: str = "<name>", also: str | None = None) -> str:
    """The fix that names a reader's argument: ``pass rna=<name>`` (``argument`` 'rna', 'other' or 'other_kind'),
    or within :func:`call_words` the call that passes it, e.g. ``call model.embed(jae.io.open_h5mu('x.h5mu',
    rna=<name>))``, a value not yet a placeholder as one (``<'ATAC' or 'ADT'>``); ``also``: another such argument,
    ``'argument=value'``, the other way (``pass other=<name> or other_kind='ATAC' / 'ADT'``); ``path``: the file
    refused (the call's own file first)."""
    called = _called(path)
    if called is None:
        return f"pass {argument}={name}" + (f" or {also}" if also else "")
    call, file = called
    ways = [(argument, name)] + ([tuple(also.split("=", 1))] if also else [])
    text = " or ".join(_passing(call, file, a, v if v.startswith("<") else f"<{v}>") for a, v in ways)
    return text if call.entry == "data" else "call " + text


def memory_call(read: str, path=None) -> str | None:
    """Within :func:`call_words`, its call of the data in memory ``read`` (e.g. ``'mudata.read_h5mu({file})'``, the
    file refused filled in as ``file``), e.g. ``model.map_query(mudata.read_h5mu('x.h5mu'), batch_key='run')``;
    None outside it (the reader then names the calls that take it)."""
    called = _called(path)
    if called is None or _CALLS[called[0].entry][1] is None:
        return None
    call, file = called
    read, target = read.format(file=file), str(call.path or path or "")
    if "mudata.read_h5mu(" in read and (target.rstrip("/\\").endswith(".zarr") or os.path.isdir(target)):
        read = read.replace("mudata.read_h5mu(", "mudata.read_zarr(")  # a zarr store
    elif "mudata.read_h5mu(" in read and target.endswith(".h5ad"):
        return None  # a file of a pair: the reader's own words
    if call.words["annotations"]:  # the columns InputFiles joins (the batches, ...), joined in memory as it does
        read = f"jae.io.join_annotations({read}, {call.words['annotations']!r})"
    return _CALLS[call.entry][1].format(read=read, **call.words)


def _default(default, value) -> bool:
    """Whether ``value`` is the parameter's ``default`` (compared as such only where both are plain values)."""
    if default is inspect.Parameter.empty:
        return False
    plain = (type(None), str, bool, int, float)
    return value is default or (isinstance(value, plain) and isinstance(default, plain) and type(value) is type(
        default) and value == default)


def differing(call, values: dict) -> dict:
    """The ``values`` (argument name -> value) that differ from ``call``'s defaults for them (a function's, or a
    dataclass's such as :class:`jae.io.InputFiles`): what a fix repeats as the user gave it."""
    parameters = inspect.signature(call).parameters
    return {k: v for k, v in values.items() if not _default(parameters[k].default, v)}


def called_as(entry: str):
    """Decorate the function named ``entry`` in :data:`_CALLS`: each call runs within :func:`call_words` of its
    ``data`` (or ``inputs``), with its ``batch_key``, ``model`` and ``out``, so that a refusal while its input is
    opened or streamed names this call; for the calls of a :class:`jae.io.InputFiles`, a refusal's ``pass
    layer=...`` names the InputFiles' (``pass jae.io.InputFiles(..., layer=...)``), which the call takes none of."""
    def decorate(f):
        signature = inspect.signature(f)

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            try:
                given = signature.bind_partial(*args, **kwargs).arguments
            except TypeError:  # arguments it does not take: refused by the call itself, as without this
                return f(*args, **kwargs)
            # what differs from the defaults (the methods of jae.JAE pass every argument on, given or not)
            given = differing(f, given)
            outermost = _CALL.get() is None
            with call_words(entry, given.get("data", given.get("inputs")), batch_key=given.get("batch_key"),
                            model=given.get("model"), out=given.get("out"), given=given):
                try:
                    return f(*args, **kwargs)
                except (ValueError, KeyError) as err:  # the readers' layer=: the InputFiles' (the call takes none)
                    if outermost and entry in _FILES_CALLS and err.args and isinstance(err.args[0], str):
                        err.args = (_LAYER_FIX.sub(r"pass jae.io.InputFiles(..., layer=\1)", err.args[0]),
                                    *err.args[1:])
                    raise
        return wrapper
    return decorate
