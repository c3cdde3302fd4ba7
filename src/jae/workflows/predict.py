"""Modality prediction on files: :func:`predict_files` (``jae predict``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from .._flags import check_flags
from ..io.outputs import ReadFolder, check_outputs
from ..io.samples_files import removes_temporary_files
from .joint import FilesResult

if TYPE_CHECKING:  # torch (2-5 s): imported once the arguments and paths are checked
    from ..prediction import ModalityPredictor

__all__ = ["predict_files"]

PathLike = str | os.PathLike


@removes_temporary_files  # a zarr store given as test_mod1, copied to stream: removed after
def predict_files(
    train_mod1: PathLike | None,
    train_mod2: PathLike | None,
    test_mod1: PathLike,
    output: PathLike,
    *,
    model=None,
    method: Literal["jae", "mean", "knn", "ridge"] | None = None,
    seed: int | None = None,
    device: str = "auto",
    output_format: Literal["auto", "dense", "sparse"] = "auto",
    save_model: PathLike | None = None,
    overwrite: bool = False,
    progress_bar: bool = True,
    source_kind: str | None = None,
    target_kind: str | None = None,
    layer: str | None = "counts",
) -> FilesResult:
    """Train on paired cells in files (or load a saved predictor) and write the predicted second modality of the
    test cells (``jae predict``).

    Parameters
    ----------
    train_mod1, train_mod2
        ``.h5ad`` files of the training cells: the source modality (raw counts at ``layer``)
        and the target modality of the same cells; None with ``model``.
    test_mod1
        ``.h5ad`` of the cells to predict, source modality only, with the training source's features (any order;
        others are ignored).
    output
        Prediction ``.h5ad`` to write, in the competition's format (:meth:`jae.ModalityPredictor.predict`), with
        ``test_mod1``'s ``obs`` columns (batch, ...); never an input, nor inside the folder ``model`` names.
    model
        Instead of training: a fitted :class:`jae.ModalityPredictor` or the folder of one saved by
        :meth:`jae.ModalityPredictor.save` (``jae predict --save-model``); ``method``, ``seed`` and the kinds are
        then the saved model's (given, they must equal them) and ``save_model`` is refused.
    method, seed, device
        As for :class:`jae.ModalityPredictor`; None: ``'jae'`` and ``0`` when training, the saved model's with
        ``model`` (``device``: also where a loaded ``model`` runs).
    output_format
        ``'dense'``, ``'sparse'`` or ``'auto'``, the ``output`` of :meth:`jae.ModalityPredictor.predict`.
    save_model
        Also save the fitted predictor to this folder; an existing path is replaced only when it holds a predictor
        and ``overwrite`` is given (never another folder, nor a joint model's folder).
    overwrite
        Replace existing files at ``output`` and ``save_model``.
    progress_bar
        One tqdm bar over the training epochs.
    source_kind, target_kind
        ``'GEX'``, ``'ATAC'`` or ``'ADT'`` when the files' ``var`` has no ``'feature_types'`` and the feature names do
        not tell (as for :meth:`jae.ModalityPredictor.fit`).
    layer
        Where the source files (``train_mod1``, ``test_mod1``) keep their raw counts, as for :func:`jae.fit_files`:
        a layer's name (the default ``'counts'``, else ``.X`` when the file has no such layer nor a ``.raw``), None
        for ``.X``, ``'raw'`` for the file's ``.raw`` (:meth:`jae.ModalityPredictor.fit`).

    Returns
    -------
    :class:`FilesResult`: ``prediction`` the AnnData written (test cells x target features), ``model`` the fitted
    :class:`jae.ModalityPredictor`, ``written`` (``output``, then ``save_model``; empty in the processes of a
    ``torchrun`` launch but process 0, which alone writes).
    """
    from .._device import usable_device
    from ..checkpoint import check_model_folder
    from ..io import normalize_kind, read_h5ad, write_atomic
    from ..io.atomic import atomic_outputs
    from ..io.files import _check_file
    from ..io.paths import user_path
    from ..io.raw import counts_names, names_read
    from ..io.zarr_stores import to_stream
    from ..prediction.checks import check_unique_features, layers_together, sources_checked, with_layer
    from ..prediction.streamed import TENX_FIX, open_source
    from .._launch import is_writer

    trained = train_mod1 is not None or train_mod2 is not None
    if (model is None) != trained or (trained and (train_mod1 is None or train_mod2 is None)):
        raise ValueError("pass train_mod1 and train_mod2 (paired cells to train on), or model=FOLDER (a predictor "
                         "saved by save_model) without them")
    if model is not None and save_model is not None:
        raise ValueError("save_model saves a predictor trained here; model=FOLDER is saved already: drop save_model")
    in_memory = model is not None and not isinstance(model, (str, os.PathLike))  # a folder: told without torch
    if in_memory:
        from ..prediction.api import ModalityPredictor

        if not isinstance(model, ModalityPredictor):
            raise TypeError(f"model must be a fitted jae.ModalityPredictor or the folder of a saved one (str or "
                            f"pathlib.Path), not {type(model).__name__}" + ("; a joint model imputes a modality "
                            "with jae.impute(model, data)" if type(model).__name__ == "JAE" else ""))
    out = user_path(output, name="output")
    names = ("train_mod1", "train_mod2", "test_mod1")
    folder = None if model is None or in_memory else user_path(model, name="model")
    named = [(n, p) for p, n in zip((train_mod1, train_mod2, test_mod1), names) if p is not None]
    inputs = [user_path(p, name=n) for n, p in named]  # an AnnData: told to call jae.predict
    inputs += [folder] if folder is not None else []
    save_model = None if save_model is None else user_path(save_model)
    check_flags(progress_bar=progress_bar)
    # before any file is read: an output inside save_model, or (a file left in a saved predictor's folder made a later
    # save_model=FOLDER, overwrite=True refuse it, as embed and map refuse an output in the model folder they read)
    # inside the predictor folder read, or inside another model folder; then an input inside save_model
    check_outputs(
        [("output", out), ("save_model", save_model)], inputs=inputs, overwrite=overwrite,
        # a predictor folder of the old layout (predictor.json) is one too, replaced with overwrite (as by save)
        models={"save_model": ("model.json", "predictor.json")}, kinds={"save_model": "predictor"},
        suffixes={"output": (".h5ad",)}, any_model="inside",
        read=ReadFolder(folder, what="predictor folder", why="only save_model writes (a stray file there stops "
                        "save_model with overwrite=True replacing it)", fix="choose a path for {flag} outside it",
                        kind="predictor"),
    )
    if save_model is not None:  # what ModalityPredictor.save refuses, refused before the training and the output
        check_model_folder(save_model, kind="predictor", overwrite=overwrite, name="save_model")
    if output_format not in ("auto", "dense", "sparse"):  # checked by predict, after the training
        raise ValueError(f"unknown output_format {output_format!r}; use 'auto', 'dense' or 'sparse'")
    for name, kind in (("source_kind", source_kind), ("target_kind", target_kind)):
        try:
            None if kind is None else normalize_kind(kind)
        except ValueError:
            raise ValueError(f"{name}={kind!r} is no modality kind; pass {name}='GEX', 'ATAC' or 'ADT', or None to "
                             "tell it from the features") from None
    if folder is not None:  # what loading it checks before reading a file (a missing folder, no model.json) ...
        _check_saved(folder)
    for (name, _), path in zip(named, inputs):  # ... and a missing input, each as said there: before torch's import
        if not in_memory and not os.path.exists(path):  # (a model in memory: its device and settings checked first)
            _check_file(path, what=name)
    from ..prediction.api import ModalityPredictor, training_kinds

    one_file = "prediction reads one .h5ad per modality: {save}"  # an .h5mu given for one (jae.io.read_h5ad)
    if model is None:
        model = ModalityPredictor("jae" if method is None else method, seed=0 if seed is None else seed,
                                  device=device)  # method, seed and device refused before reading
        train_source, train_target = (read_h5ad(p, what=n, mudata_fix=one_file, tenx_fix=TENX_FIX)
                                      for p, n in zip(inputs[:2], names))
    elif folder is not None:
        usable_device(device)  # the user's device refused as such, not as a malformed entry of the model's folder
        model = ModalityPredictor.load(folder, device=device)  # a damaged or joint model's folder: one line
    elif device != "auto" and usable_device(device) != model.device:  # it was ignored: the model ran where it was
        raise ValueError(f"device={device!r} cannot move the fitted predictor in model, which runs on {model.device}: "
                         "drop device, or pass model=FOLDER (a saved predictor) to load it there")
    if not trained:
        _check_fixed(model, method=method, seed=seed, source_kind=source_kind, target_kind=target_kind)
    read = counts_names(train_source, layer) if trained else model.source_features  # test_mod1's .raw: repeats read
    with names_read(read):  # refused (train_mod1's own are all among its names: every repeat refused)
        sources = layers_together(  # test_mod1 read in row blocks; a layer missing in both sources: one line
            train=lambda: with_layer(train_source, layer, name="train_mod1") if trained else None,
            test=lambda: open_source(  # a zarr store: streamed from an .h5ad copy
                to_stream(user_path(test_mod1), what=names[2], kind="AnnData", fix=one_file), what=names[2],
                mudata_fix=one_file, layer=layer))
    train_source, test_source = (sources["train"], sources["test"]) if trained else (None, sources["test"])
    if trained:
        kinds = training_kinds(train_source, train_target, source_kind, target_kind)  # before the training
        check_unique_features(train_source=train_source, train_target=train_target, query_source=test_source)
        sources_checked(test_source, train_source, kinds=kinds, layer=layer)  # and train_source's counts if refused
        # train_source was read at layer above (with_layer), and progress_bar checked: fit less those steps
        model._fit(train_source, train_target, seed=model.seed, source_kind=source_kind, target_kind=target_kind,
                   progress_bar=progress_bar, layer=layer)
    pred = model.predict(test_source, output=output_format, layer=layer)  # test cells' obs, the target's var
    written = []
    if is_writer():  # under torchrun only process 0 writes (the others wrote a temporary prediction, deleted)
        with atomic_outputs():  # a model that cannot be saved leaves no prediction behind either
            written.append(write_atomic(pred, out, protect=inputs, overwrite=overwrite))
            if save_model is not None:
                written.append(model.save(save_model, overwrite=overwrite))
    return FilesResult(model=model, written=tuple(written), n_cells=int(pred.n_obs), prediction=pred)



def _check_saved(folder) -> None:
    """Refuse a ``model=FOLDER`` that does not exist, holds no saved predictor or a ``model.json`` the load refuses
    (damaged, newer, a joint model's), as :meth:`jae.ModalityPredictor.load` would (a folder of the old layout is
    left to it)."""
    from ..checkpoint import read_description
    from ..prediction.saved import is_legacy

    if not folder.exists():
        raise FileNotFoundError(f"model folder {folder} does not exist; pass model=FOLDER, a folder written by "
                                "save_model")
    if not is_legacy(folder):
        read_description(folder, kind="predictor")


def _check_fixed(model: ModalityPredictor, **given) -> None:
    """Refuse the arguments given with a fitted or saved ``model`` that differ from what it was trained with (they
    were ignored): one line naming them, the model's values and the fix."""
    from ..io import normalize_kind

    kinds = {"source_kind", "target_kind"}
    differ = [(name, value, getattr(model, name, None)) for name, value in given.items() if value is not None
              and (normalize_kind(value) if name in kinds else value) != getattr(model, name, None)]
    if differ:
        names = " and ".join(name for name, _, _ in differ)
        asked = ", ".join(f"{name}={value!r}" for name, value, _ in differ)
        own = ", ".join(f"{name}={saved!r}" for name, _, saved in differ)
        raise ValueError(f"{asked} cannot change the predictor in model, trained with {own}: drop {names} (or pass "
                         "the model's), or train a new predictor with train_mod1 and train_mod2 instead of model")
