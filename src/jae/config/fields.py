"""Every number with meaning in JAE lives here, in one frozen dataclass, with where its default comes from.

A user's values are read and checked by :mod:`jae.config.values` (:func:`as_seed`, :func:`as_epochs`,
:func:`typed_numbers`, importable from :mod:`jae.config` as well); the warning of a setting the mode does not read
is :mod:`jae.config.unread`'s.
"""

from __future__ import annotations

import abc
import difflib
import inspect
import json
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal

from .._words import changed_fields_line
from .readout_check import warn_narrow_principal
from .unread import _ONE_MODE, _QUIET_UNREAD, _quiet_unread, _unread_pairs, _warn_unread
from .values import _BOOLEANS, _FORMS, _example, _whole_number, typed_numbers

__all__ = ["JAEConfig", "OtherCalls", "keyword_arguments", "model_arguments", "named_fields", "fields_signature",
           "unknown_field"]

Mode = Literal["supervised", "unsupervised"]
ReadoutKind = Literal["components", "principal", "latent"]
ProteinNorm = Literal["log", "clr", "clr_depth"]


def unknown_field(name: str, *, fix: str = "", config: type | None = None) -> str:
    """The message for a setting ``name`` that is no field of ``config`` (default :class:`JAEConfig`): the closest
    fields (a misspelt one: max_epoch -> max_epochs) or, with none close, all of them; ``fix`` leads the suggestion
    (e.g. how to pass the field)."""
    config = JAEConfig if config is None else config
    names = sorted(f.name for f in fields(config))
    close = difflib.get_close_matches(str(name).lower(), names, n=3, cutoff=0.6)  # LR=... is lr's (fields: lower case)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"fields: {', '.join(names)}"
    return f"{config.__name__} has no field {name!r}; {fix}{hint}"


def named_fields(cls, settings: dict, args: tuple = (), positional: int = 0) -> None:
    """Refuse a keyword that is no field of the dataclass ``cls``, naming the closest fields (:func:`unknown_field`),
    before Python's bare "unexpected keyword argument" (the settings classes' ``__new__``), and settings by position
    beyond the first ``positional`` fields (``JAEConfig("unsupervised", 50)`` had set ``n_svd``)."""
    if len(args) > positional:
        name, value = fields(cls)[positional].name, args[positional]
        first = f"after the first ({fields(cls)[0].name}) " if positional else ""
        raise TypeError(f"{cls.__name__} takes its settings {first}by name, e.g. {cls.__name__}({name}={value!r}); "
                        f"{len(args)} given by position")
    names = {f.name for f in fields(cls)}
    unknown = [name for name in settings if name not in names]
    if unknown:
        raise TypeError(unknown_field(unknown[0], config=cls))


def fields_signature(cls):
    """Decorate a settings dataclass whose ``__new__`` takes ``(*args, **settings)`` (to name a misspelt field,
    :func:`named_fields`) so that ``inspect.signature`` and ``help()`` show its fields, as ``__init__`` takes them,
    instead of ``(*args, **settings)``."""
    import inspect

    init = inspect.signature(cls.__init__)
    cls.__signature__ = init.replace(parameters=list(init.parameters.values())[1:])
    return cls


def _refusing(function, refusal):
    """``function`` (its signature kept) refusing a keyword that is no argument of it in one line, before Python's
    bare "unexpected keyword argument": ``refusal(args, given, unknown, arguments)`` gives the line."""
    import functools
    import inspect

    arguments = tuple(p for p in inspect.signature(function).parameters if p != "self")

    @functools.wraps(function)
    def checked(*args, **given):
        unknown = [k for k in given if k not in arguments]
        if unknown:
            raise TypeError(refusal(args, given, unknown, arguments))
        return function(*args, **given)

    return checked


def model_arguments(init):
    """Decorate ``__init__`` of :class:`jae.JAE` (its signature kept) to refuse a keyword that is no argument of it
    in one line, before Python's bare "unexpected keyword argument": a :class:`JAEConfig` field
    (``JAE(max_epochs=5)``) is named with the call that passes it (``JAE(JAEConfig(max_epochs=5))``), anything else
    with the closest arguments or fields."""
    return _refusing(init, lambda args, settings, unknown, arguments: _not_an_argument(
        type(args[0]).__name__, arguments, args[1:], settings, unknown))


#: Other tools' names of an argument of jae's calls, as scvi-tools users (``setup_anndata(labels_key=)``,
#: ``train(max_epochs=)``) and scib / scib-metrics users (``label_key=``, ``embedding_obsm_keys=``, ``labels=``) pass
#: them, and jae's name of it: named in the refusal where the call has that argument.
_OTHER_NAMES = {"labels_key": "cell_type_key", "label_key": "cell_type_key", "max_epochs": "epochs",
                "n_epochs": "epochs", "embedding_obsm_keys": "embeddings", "embed": "embeddings",
                "labels": "cell_type"}

#: Other tools' names of a call of jae's model, as scvi-tools users make them (``SCVI.setup_anndata(adata, ...)``,
#: ``model.train()``, ``get_latent_representation()``, scANVI's ``predict()``, ``SCVI.load_query_data(query, ref)``),
#: and jae's call that does that job.
_OTHER_CALLS = {
    "setup_anndata": "none is needed, model.fit(data, batch_key=..., cell_type_key=...) reads the columns it is "
                     "given (raw counts from layers['counts'] by default, layer=... for others)",
    "train": "model.fit(data, batch_key=..., cell_type_key=...)",
    "get_latent_representation": "model.embed(data), which also stores it in data.obsm['X_jae']",
    "predict": "model.predict_cell_type(data) for cell types (also stored in data.obs with key_added='jae'); "
               "jae.ModalityPredictor for one modality from another",
    "load_query_data": "reference = jae.JAE.load(FOLDER); mapped = reference.map_query(query)",
}


def _other_call(owner: str, name: str, obj) -> AttributeError:
    """Python's AttributeError for ``name``, with jae's call named when ``name`` is another tool's
    (:data:`_OTHER_CALLS`); ``name`` and ``obj`` kept, so that Python still suggests close names."""
    ours = f" ({name} is scvi-tools' call); in jae: {_OTHER_CALLS[name]}" if name in _OTHER_CALLS else ""
    return AttributeError(f"{owner} has no attribute {name!r}{ours}", name=name, obj=obj)


class _OtherCallsType(abc.ABCMeta):  # (ABCMeta: a subclass may derive from an abstract base class too)
    """The metaclass of :class:`OtherCalls`: an attribute the class lacks (``JAE.setup_anndata``) is refused as
    Python refuses it, naming jae's call where it is another tool's name for one."""

    def __getattr__(cls, name: str):
        raise _other_call(f"type object {cls.__name__!r}", name, cls)


class OtherCalls(metaclass=_OtherCallsType):
    """Base of :class:`jae.JAE`: an attribute a model lacks (``model.get_latent_representation``) is refused as
    Python refuses it, naming jae's call where it is another tool's name for one (:data:`_OTHER_CALLS`). Reached only
    after normal lookup fails, so the model's own attributes, pickling and copying are unchanged."""

    def __getattr__(self, name: str):
        found = inspect.getattr_static(type(self), name, None)
        if hasattr(found, "__get__"):  # a property whose code raised AttributeError: that error, not 'no attribute'
            return found.__get__(self, type(self))
        raise _other_call(f"{type(self).__name__!r} object", name, self)


def keyword_arguments(*, name: str | None = None, settings: bool = False):
    """Decorate a public call (its signature kept) to refuse a keyword that is no argument of it in one line, before
    Python's bare "unexpected keyword argument": other tools' names (:data:`_OTHER_NAMES`) with the call's own; with
    ``settings`` (:meth:`jae.JAE.fit`, which reads the model's :class:`JAEConfig`), a field of it
    (``fit(mdata, max_epochs=5)``, as scvi-tools' ``train(max_epochs=5)``) with the model call that takes it;
    anything else with the closest argument, or all of them. ``name``: the call's, for a function (``jae.evaluate``);
    a method of :class:`jae.JAE` is named by its class (``JAE.fit``)."""
    def decorate(function):
        def refusal(args, given, unknown, arguments):
            owner = name or f"{type(args[0]).__name__}.{function.__name__}"
            config = getattr(args[0], "config", None) if settings else None
            return _not_a_keyword(owner, arguments, given, unknown, config)

        return _refusing(function, refusal)

    return decorate


def _not_a_keyword(owner: str, arguments: tuple, given: dict, unknown: list, config) -> str:
    name = unknown[0]
    ours = _OTHER_NAMES.get(str(name))
    if ours in arguments:
        value = repr(given[name])
        value = value if len(value) <= 60 and "\n" not in value else "..."  # a Series or an array: not printed
        return f"{owner} has no argument {name!r}; its name here is {ours!r}: pass {ours}={value}"
    moved = [k for k in unknown if k in {f.name for f in fields(JAEConfig)}] if config is not None else []
    if moved:
        values = ", ".join(f"{k}={given[k]!r}" for k in moved)
        model = (f"JAE(JAEConfig({values}))" if config == JAEConfig() else
                 f"JAE(dataclasses.replace(model.config, {values}))")
        return (f"{', '.join(moved)} {'is a JAEConfig field' if len(moved) == 1 else 'are JAEConfig fields'}, not "
                f"{'an argument' if len(moved) == 1 else 'arguments'} of {owner}: give "
                f"{'it' if len(moved) == 1 else 'them'} to the model, {model}.{owner.rpartition('.')[2]}(...)")
    close = difflib.get_close_matches(str(name), arguments, n=1, cutoff=0.6)
    return (f"{owner} has no argument {name!r}; " + (f"did you mean {close[0]!r}?" if close else
            f"its arguments are {', '.join(arguments)}"))


def _not_an_argument(owner: str, arguments: tuple, args: tuple, settings: dict, unknown: list) -> str:
    names = {f.name for f in fields(JAEConfig)}
    moved = [k for k in unknown if k in names]
    if moved:
        given = ", ".join(f"{k}={settings[k]!r}" for k in moved)
        has_config = (args and args[0] is not None) or settings.get("config") is not None
        fix = f"dataclasses.replace(config, {given})" if has_config else f"JAEConfig({given})"
        kept = "".join(f", {k}={settings[k]!r}" for k in arguments[1:] if k in settings)
        return (f"{', '.join(moved)} {'is a JAEConfig field' if len(moved) == 1 else 'are JAEConfig fields'}, not "
                f"{'an argument' if len(moved) == 1 else 'arguments'} of {owner}: pass {owner}({fix}{kept})")
    name = unknown[0]
    close = difflib.get_close_matches(str(name), arguments, n=1, cutoff=0.6)
    field = difflib.get_close_matches(str(name), sorted(names), n=1, cutoff=0.6)
    hint = (f"did you mean {close[0]!r}?" if close else
            f"did you mean the JAEConfig field {field[0]!r}, passed as {owner}(JAEConfig({field[0]}=...))?" if field else
            f"its arguments are {', '.join(arguments)}; settings go in {owner}(JAEConfig(...))")
    return f"{owner} has no argument {name!r}; {hint}"


@fields_signature
@dataclass(frozen=True)
class JAEConfig:
    """Hyper-parameters of the joint-embedding autoencoder.

    Defaults marked "seed" come from the winning submission's slides (``../shared/seed``) and the issue that
    specified them; "jae" marks our own choices.
    """

    #: "supervised": cell-type labels of reference cells shape the latent space (the seed's pretraining).
    #: "unsupervised": no labels anywhere; the cell-type block is dropped (jae).
    mode: Mode = "supervised"
    # --- preprocessing ---------------------------------------------------------------------------------------
    n_svd: int = 100  # seed: TruncatedSVD to 100 dims per modality (proteins are kept without SVD)
    #: How protein (ADT) counts are normalised with labels. The seed's "log": as every modality (L1 x 1e4,
    #: log10(1 + x)); "clr": their centred log-ratio per cell (jae.preprocess.normalize.clr), as the competition's and
    #: Seurat's normalised proteins; jae's default "clr_depth": the same after scaling each cell's proteins to the
    #: fitted cells' median total, so the CLR's pseudocount weighs the same at every depth (tuning.md, round 48:
    #: validation margin over the eleven shapes +0.031 -> +0.034, worst -0.002 -> +0.006, every leave-one-set-out
    #: fold passes; the plain CLR failed three folds, round 47).
    protein_norm: ProteinNorm = "clr_depth"
    #: jae: the same in unsupervised mode: "clr" (benchmarks/results/tuning.md, round 47: the log normalisation's
    #: 1e4 scale turns a protein's stray single counts into large values on narrow panels; the CLR keeps them near
    #: 0, and the unsupervised embedding, the input's principal components, separates the cell types better:
    #: validation margin +0.003 -> +0.022 over the CITE-seq shapes, +0.008 -> +0.019 over all eleven; "clr_depth"
    #: there: mean -0.0008 against "clr", round 47).
    protein_norm_unsupervised: ProteinNorm = "clr"
    # --- network -------------------------------------------------------------------------------------------------
    hidden: tuple[int, ...] = (150, 120, 100)  # seed (scDEC-derived encoder widths); decoder mirrors them
    dropout: float = 0.1  # seed
    batch_norm: bool = True  # seed
    # --- latent layout: cell type (one unit per type) | batch (one per batch) | phase | free ------------------
    n_phase: int = 2  # seed: S and G2M scores
    n_free: int = 30  # seed: 5; tuned on validation splits to 30 (benchmarks/results/tuning.md, round 8)
    n_free_unsupervised: int = 20  # unsupervised mode (no cell-type block); tuned: benchmarks/results/tuning.md
    # --- loss weights --------------------------------------------------------------------------------------------
    w_reconstruction: float = 0.7  # seed
    w_cell_type: float = 0.2  # seed
    #: jae: weight of each cell type's cells in the cell-type term, ``(n / (k * n_t)) ** type_balance`` (k types,
    #: n_t training cells of type t; :func:`jae.model.loss.type_weights`): 0 weighs every cell alike (the seed's loss),
    #: 1 gives every type the same total weight. Round 54 (tuning.md): 0.5 raised the validation margin a little
    #: (+0.0018 mean, worst shape +0.0025) but lowered the unknown call's AUROC 0.839 -> 0.810 (a missing type's
    #: cells land confidently in the small types' widened regions), so 0; raise it for small types' place in the
    #: embedding at the unknown call's cost.
    type_balance: float = 0.0
    w_batch: float = 0.05  # seed: cross-entropy of the batch block against a uniform target
    w_phase: float = 0.05  # seed: MSE on S / G2M scores
    #: jae: weight of a learnt batch classifier on the whole latent vector that the encoder is trained to leave at
    #: a uniform guess (the seed's uniform-target batch term, made adversarial); 0 turns it off.
    w_adversary: float = 0.0
    #: jae: the decoder also receives the batch (one-hot over the reference batches, zeros for any other batch),
    #: so the latent vector need not carry batch effects for the reconstruction's sake.
    decoder_batch: bool = False
    #: jae: a linear path beside the encoder and decoder, started at a PCA of the training features: the free units
    #: begin as the top principal components and the non-linear branches begin at zero, so training starts from
    #: the linear solution instead of a random one (benchmarks/results/tuning.md, round 17).
    pca_init: bool = True
    #: jae: how the embedding is read off the network (jae.model.readout). "principal": the cell-type probabilities
    #: scaled to the between-type variance the head resolves (tuning.md, rounds 20, 27) beside the free units and
    #: then the input's next principal components up to n_principal columns (round 28: with that scale the trained
    #: free units beat the components themselves, mean validation margin +0.013 -> +0.017, worst -0.009 -> -0.008);
    #: "components": the same probabilities beside the input's top n_principal principal components (rounds 24-27,
    #: format-3 files); "latent": the seed's raw latent vector (cell-type logits | batch | phase | free).
    readout: ReadoutKind = "principal"
    #: jae: the readout in unsupervised mode: "components" too (the input's top n_principal principal components; no
    #: cell-type part). Round 22 chose "principal" (free units + components) over the raw latent on the real sets
    #: plus the small and simulated shapes; round 26 found the components themselves better still (the free units,
    #: trained on reconstruction alone, drift from the subspace they start in); files keep what they were saved with.
    readout_unsupervised: ReadoutKind = "components"
    #: jae: columns of the principal part of the readout (principal components, or free units + components; the
    #: "principal" readout keeps every free unit, so it is at least n_free wide: a narrower setting is warned of).
    n_principal: int = 50
    #: jae: fit the principal axes (the PCA start and the readout's principal part) on every cell given to ``fit``,
    #: the unlabelled query cells too (from the within-batch covariance, so no batch's mean defines an axis), not on
    #: the reference cells alone. On a few hundred reference cells the top axes fit those cells' own noise, so new
    #: cells' principal parts come out about half as spread as the reference cells' (tuning.md, round 33). False
    #: leaves it to the small-reference rule below (the default); True forces it.
    principal_all_cells: bool = False
    #: jae: shrink the readout's cell-type part along the directions the reference cells' S/G2M scores predict, each
    #: keeping the share of its variance the scores do not explain (:class:`jae.model.readout.Readout`), so the cell
    #: cycle is counted once, in the principal part (round 33). False leaves it to the rule below; True forces it.
    type_cycle_shrink: bool = False
    #: jae: the small-reference rule (tuning.md, round 38). When a fit has unlabelled cells and the reference cells'
    #: top principal axes keep less than this share of their variance on reference cells outside their fit
    #: (:func:`jae.model.readout.axes_carry`, a seeded 2-fold cross-fit), both settings above are on for that fit
    #: (:func:`jae.model.readout.fit_principal_axes`). Validation margin over the eight selection sets +0.0167 ->
    #: +0.0281, worst -0.0081 -> -0.0034 (round 38, at 0.85). Round 40 measured the gap between 0.76 and 0.88 that
    #: 0.85 was placed in: shapes at 0.84-0.88 gain with the rule (2,600 PBMC cells +0.032, REAP-seq +0.004), the
    #: PBMC10k reference at 0.92 loses (-0.016), so 0.90. The 150,000-cell shapes (0.99) are unchanged. 0: rule off.
    axes_carry_min: float = 0.90
    #: jae: every fit's principal axes (the PCA start and the readout's principal part: a supervised fit's reference
    #: cells, every cell of an unsupervised fit or under the small-reference rule above) come from the within-batch
    #: covariance, each cell centred on its batch's mean for the fit only (the projection keeps every cell's
    #: position), so that no difference between batch means defines an axis (tuning.md, rounds 38, 39 and 43). A
    #: reference of one batch gets the plain covariance, bit for bit. False: the plain covariance everywhere.
    principal_within_batch: bool = True
    #: jae: the readout's cell-type probabilities are the equal mixture of the network's cell-type head and a linear
    #: classifier (an L2 logistic regression, :mod:`jae.model.linear`) of the reference cells' labels on the
    #: embedding's other columns, fitted with the readout; the head alone when False (files before round 46).
    #: The classifier never sees the held-out cells the label calibration is fitted on. Validation margin over the
    #: eleven selection shapes +0.0280 -> +0.0312, worst -0.0039 -> -0.0015 (tuning.md, round 46).
    type_linear: bool = True
    # --- pretraining -------------------------------------------------------------------------------------------
    lr: float = 1e-4  # seed
    batch_size: int = 32  # seed
    max_epochs: int = 500  # seed
    patience: int = 5  # seed: early stopping on the validation loss
    #: jae: most training cells per epoch (pretraining and fine-tuning). Above it an epoch is a round of this many
    #: cells (the next slice of the pass's seeded order; in pretraining followed by validation), so ``patience``,
    #: ``max_epochs`` and the fine-tuning epochs measure the same amount of training at a million cells as at the
    #: competition's tens of thousands, where the seed's settings were chosen (issue 16: a 5-epoch patience at
    #: 900,000 training cells is 4.5M cells past the best). 2**17 leaves every set up to 131,072 cells as before.
    epoch_cells: int = 131_072
    #: jae: above ``epoch_cells``, a round counts as an improvement for early stopping only when the validation loss
    #: falls by more than this fraction (0.1%) of the last improving round's. On a million cells the loss of 100,000
    #: held-out cells kept falling by about 0.01% per round for 78 rounds (10 million cells, no stop with the seed's
    #: any-decrease rule); with 0.1% over up to 5 rounds it stopped after 35 (4.6 million cells). Whole epochs of a
    #: fit with labels keep the seed's rule: the same tolerance there cost 0.030 of mean margin on the selection sets
    #: (tuning.md, round 30).
    round_tolerance: float = 1e-3
    #: jae: the same bar for whole epochs of an unsupervised fit (0: the seed's any-decrease rule), so that a fit
    #: without labels stops by one rule at every size. Its default embedding (the principal components) does not read
    #: the network; ``latent``, ``impute`` and ``map_query`` do, and the seed's rule trained them 8-184 epochs while
    #: the validation loss crept down by a few hundredths of a percent per epoch (SNARE-seq: 133-184 epochs, 107-200 s).
    #: With the bar SNARE-seq stops after 56-61 epochs; mapped-query scores, the latent's score and imputation R²
    #: moved by at most 0.012 on any set or seed, in either direction (tuning.md, round 53).
    epoch_tolerance_unsupervised: float = 1e-3
    #: jae: the batch-size rule for large references (:func:`jae.train.batch_scale`): a stage whose epoch (or round)
    #: has enough cells takes minibatches of ``batch_size * k`` cells, k a power of two up to this, keeping at least
    #: 500 steps per epoch; pretraining's learning rate is ``lr * sqrt(k)`` (Adam's square-root rule), fine-tuning
    #: keeps the seed's. Up to 32,000 training cells per epoch k is 1 (every shared set: the seed's batch 32),
    #: 32,000-64,000 give 2, a 131,072-cell round 4. 1 turns it off.
    max_batch_scale: int = 4
    val_fraction: float = 0.1  # seed: 10% validation split (seeded here)
    weight_decay: float = 0.0  # seed: plain Adam
    # --- fine-tuning on query cells (reconstruction loss only) -------------------------------------------------
    finetune_lr: float = 2e-5  # seed
    finetune_epochs_atac: int = 2  # seed: Multiome fine-tuned for 2 epochs
    finetune_epochs_adt: int = 1  # seed: CITE-seq fine-tuned for 1 epoch

    def __new__(cls, *args, **settings):
        named_fields(cls, settings, args, positional=1)  # the mode alone by position; a misspelt field is named
        return super().__new__(cls)

    def __post_init__(self) -> None:
        typed_numbers(self)
        if isinstance(self.hidden, (str, bytes)) or not isinstance(self.hidden, Sequence):
            raise TypeError(f"hidden must be a sequence of layer widths, e.g. hidden=(256, 128), not {self.hidden!r}")
        if self.mode not in ("supervised", "unsupervised"):
            raise ValueError(f"mode must be 'supervised' or 'unsupervised', not {self.mode!r}")
        if any(isinstance(h, bool) or not isinstance(h, numbers.Integral) for h in self.hidden):  # 1.5 was cut to 1
            raise TypeError(f"hidden must hold whole numbers (layer widths), e.g. hidden=(256, 128), not "
                            f"{self.hidden!r}")
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise ValueError(f"hidden must be a non-empty tuple of positive widths, not {self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        for name in ("lr", "finetune_lr"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout}")
        for name in ("round_tolerance", "epoch_tolerance_unsupervised"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), not {getattr(self, name)}")
        if not 0 <= self.axes_carry_min <= 1:
            raise ValueError(f"axes_carry_min must be in [0, 1], not {self.axes_carry_min}")
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must be in (0, 1), not {self.val_fraction}")
        for name in ("protein_norm", "protein_norm_unsupervised"):
            if getattr(self, name) not in ("log", "clr", "clr_depth"):
                raise ValueError(f"{name} must be 'log', 'clr' or 'clr_depth', not {getattr(self, name)!r}")
        for name in ("readout", "readout_unsupervised"):
            if getattr(self, name) not in ("components", "principal", "latent"):
                raise ValueError(f"{name} must be 'components', 'principal' or 'latent', not {getattr(self, name)!r}")
        for name in ("batch_size", "max_epochs", "patience", "n_svd", "n_principal", "epoch_cells", "max_batch_scale"):
            least = 2 if name == "epoch_cells" else 1  # a round of one cell holds no minibatch: nothing would train
            if getattr(self, name) < least:
                raise ValueError(f"{name} must be >= {least}, not {getattr(self, name)}")
        if self.n_phase not in (0, 2):  # the phase block holds the S and G2M scores, or nothing
            raise ValueError(f"n_phase must be 2 (the S and G2M scores) or 0 (no cell-cycle units), not {self.n_phase}")
        for name in ("w_reconstruction", "w_cell_type", "type_balance", "w_batch", "w_phase", "w_adversary", "n_free",
                     "n_free_unsupervised", "weight_decay", "finetune_epochs_atac", "finetune_epochs_adt"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if not _QUIET_UNREAD.get():  # JAEConfig(mode='unsupervised', n_free=10) would fit with n_free_unsupervised
            defaults = {f.name: f.default for f in fields(self)}
            _warn_unread(self.mode, {k: getattr(self, k) for k in (*_unread_pairs(self.mode), *_ONE_MODE[self.mode])
                                     if getattr(self, k) != defaults[k]}, python=True)
            warn_narrow_principal(self, python=True)

    def readout_for(self, mode: str | None = None) -> str:
        """The readout used in ``mode`` (default: this config's mode)."""
        return self.readout if (mode or self.mode) == "supervised" else self.readout_unsupervised

    def protein_norm_for(self, mode: str | None = None) -> str:
        """The protein normalisation used in ``mode`` (default: this config's mode)."""
        return self.protein_norm if (mode or self.mode) == "supervised" else self.protein_norm_unsupervised

    def finetune_epochs(self, kind: str) -> int:
        """Seed default fine-tuning epochs for the second modality's kind ``kind`` ('ATAC' or 'ADT')."""
        return self.finetune_epochs_adt if kind == "ADT" else self.finetune_epochs_atac

    def with_overrides(self, assignments: Sequence[str]) -> "JAEConfig":
        """A copy with the ``assignments``, ``FIELD=VALUE`` strings, applied, e.g. ``['lr=3e-4', 'hidden=256,128']``.

        Values are parsed by the field's type (tuples as comma-separated ints, booleans as true/false/1/0/yes/no,
        whole numbers also with an exponent: ``epoch_cells=1e5``), without spaces or quotes around them
        (``mode='unsupervised'``).
        One ``FIELD=VALUE`` string alone is one override (not a sequence of its characters).
        """
        defaults = self.to_dict()
        if isinstance(assignments, str):  # its characters were read as overrides: "'l': write ... as FIELD=VALUE"
            assignments = [assignments]
        given = assignments if isinstance(assignments, Mapping) or assignments is None else list(assignments)
        odd = given if not isinstance(given, list) else next((a for a in given if not isinstance(a, str)), "")
        if not isinstance(odd, str):  # a dict's keys were read as overrides; a (field, value) pair failed in .partition
            raise TypeError(f"with_overrides takes FIELD=VALUE strings, e.g. ['lr=3e-4'], not {odd!r}; to set values "
                            "as they are, use dataclasses.replace(config, lr=3e-4, ...)")
        assignments = given
        out = {}
        for item in assignments:
            key, sep, value = item.partition("=")
            key, value = key.strip(), value.strip().strip("'\"")  # quoted as in Python: mode='unsupervised'
            if not sep:
                raise ValueError(f"{item!r}: write config overrides as FIELD=VALUE, e.g. lr=3e-4")
            if key not in defaults:
                raise KeyError(f"{item!r}: {unknown_field(key)}")
            if key in out:  # the last would win, the earlier dropped unsaid (jae fit refuses two --set of a field too)
                raise ValueError(f"{key} is given more than once ({item!r} after an earlier {key}=): give each field once")
            current = defaults[key]
            try:
                if isinstance(current, list):  # 256,128; also as Python writes it: [256, 128] or (256, 128)
                    out[key] = tuple(_whole_number(v) for v in value.strip().strip("[]()").split(",") if v.strip())
                elif isinstance(current, bool):
                    if value.strip().lower() not in _BOOLEANS:
                        raise ValueError(value)
                    out[key] = _BOOLEANS[value.strip().lower()]
                elif isinstance(current, int):  # 1e5 too (a whole number written with an exponent), not 1.5e0
                    out[key] = _whole_number(value)
                else:  # numbers are read with spaces around them (lr = 1e-3); texts too (mode = unsupervised)
                    out[key] = type(current)(value.strip() if isinstance(current, str) else value)
            except ValueError as err:
                raise ValueError(f"{item!r}: {value!r} is not a valid {type(current).__name__} for {key}; write it "
                                 f"as {_FORMS[type(current)]}, e.g. {key}={_example(current)}") from err
        with _quiet_unread():  # said here of the overrides alone, as FIELD=VALUE
            result = replace(self, **out)
        _warn_unread(result.mode, out, python=False)  # a field the mode does not read would be ignored unsaid
        warn_narrow_principal(result, python=False)
        return result

    def to_dict(self) -> dict:
        """Every field as a JSON-ready ``{name: value}`` dict (``hidden`` as a list), as ``model.json`` stores it."""
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "JAEConfig":
        """The config of a :meth:`to_dict` dict ``d``; missing fields take today's defaults, unknown ones raise."""
        if not isinstance(d, Mapping):
            text = "; JSON text: JAEConfig.from_dict(json.loads(text))" if isinstance(d, (str, bytes)) else ""
            raise TypeError(f"JAEConfig.from_dict takes a dict of settings (as JAEConfig.to_dict() gives), not a "
                            f"{type(d).__name__}{text}")
        if isinstance(d.get("config"), Mapping) and "format_version" in d:  # a model folder's whole model.json
            raise ValueError("this is a whole model.json (a model folder's description); its settings are its "
                             "'config' entry: JAEConfig.from_dict(d['config'])")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known, key=str)
        if unknown:
            close = {str(k): difflib.get_close_matches(str(k), sorted(known), n=1, cutoff=0.6) for k in unknown}
            hint = ", ".join(f"{k!r} -> {c[0]!r}" for k, c in close.items() if c)
            hint = f" (misspelt? {hint})" if hint else ""
            raise ValueError(f"unknown JAEConfig fields {unknown}{hint}; this file was written by another jae version "
                             "or edited")
        d = dict(d)
        if isinstance(d.get("hidden"), list):  # anything else is named by the field's own check
            d["hidden"] = tuple(d["hidden"])
        with _quiet_unread():  # a saved model's settings: said when they were set
            return cls(**d)

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2)

    def __repr__(self) -> str:  # every field was a ~780-character line; to_dict() and to_json() still hold them all
        return changed_fields_line(self)

    @classmethod
    def given(cls, config) -> "JAEConfig":
        """A user's ``config=`` argument: the defaults for None, a JAEConfig as it is; anything else (a dict of
        settings) refused in one line naming the fix, not kept to fail in ``fit``."""
        if config is None:
            return cls()
        if not isinstance(config, cls):
            hint = " (a dict of settings: JAEConfig(**settings))" if isinstance(config, Mapping) else ""
            raise TypeError(f"config must be a jae.JAEConfig, not {type(config).__name__}{hint}; e.g. "
                            "JAE(JAEConfig(max_epochs=50)), or None for the defaults")
        return config


