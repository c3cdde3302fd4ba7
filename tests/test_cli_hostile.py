"""The command line against hostile input: each case runs the CLI in its own process and must end with a non-zero
exit code, exactly one line on stderr naming the problem and the fix in CLI flags, no traceback, nothing written
and every input file unchanged.

Each case is a fresh process forked from one server process that imported jae once (a plain ``python -m jae`` per
case would spend ~5 s importing torch each time); the Ctrl-C case runs ``python -m jae`` itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

STEM = "neurips2021_starter/joint_embedding/multiome/openproblems_bmmc_multiome_starter"
PREDICT = "neurips2021_starter/predict_modality/cite/openproblems_bmmc_cite_starter"
from _cli_server import shared_server  # noqa: E402  (tests/ is on sys.path)

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

# Python-argument fixes that a CLI message must never give
PYTHON_FIX = re.compile(
    r"\b(?:other|rna|layer|kind|kinds|mod2_kind|other_kind|modalities|batch_key|cell_type_key|gex|overwrite|"
    r"annotations|weights_only|format)=|JAEConfig\("
)

class _Early:
    """The shared CLI server, started without waiting (its imports take seconds in which the tests go on)."""

    def close(self) -> None:  # the server is the session's: closed at exit (_cli_server.shared_server)
        pass


EARLY_FIXTURE = "cli"


def start_early(tmp_path_factory) -> _Early:
    """Starts the shared server (with this module's ENV) when the session starts (conftest's ``_early_starts``)."""
    shared_server(ENV, wait=False)
    return _Early()


@pytest.fixture(scope="module")
def cli():
    return shared_server(ENV)


@pytest.fixture(scope="module")
def shared(data_dir, tmp_path_factory, cli):
    """Files every case may read: the Multiome starter, a model fitted on it (2 epochs), a Cell Ranger file."""
    root = tmp_path_factory.mktemp("shared")
    prefix = data_dir / STEM
    files = {k: Path(f"{prefix}.{k}.h5ad") for k in ("mod1", "mod2", "solution")}
    files.update({k: Path(f"{data_dir / PREDICT}.{k}.h5ad") for k in ("train_mod1", "train_mod2", "test_mod1")})
    rc, _, err = cli(["-q", "fit", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations",
                      files["solution"], "--max-epochs", "2", "--out", root / "model"], cwd=root, logs=root / "logs")
    assert rc == 0, err
    files["model"] = root / "model"
    files["tenx"] = root / "filtered_feature_bc_matrix.h5"
    _write_10x(files["tenx"], files["mod1"], files["mod2"])
    return files


def _write_10x(path: Path, mod1: Path, mod2: Path) -> None:
    """A single-sample Cell Ranger ARC file (Gene Expression + Peaks) with the starter's counts."""
    gex, atac = ad.read_h5ad(mod1), ad.read_h5ad(mod2)
    X = sp.hstack([gex.layers["counts"], atac.layers["counts"]]).T.tocsc()  # features x cells
    names = list(gex.var_names) + list(atac.var_names)
    with h5py.File(path, "w") as f:
        g = f.create_group("matrix")
        g["data"], g["indices"], g["indptr"] = X.data.astype(np.int32), X.indices.astype(np.int64), X.indptr.astype(np.int64)
        g["shape"] = np.array(X.shape, dtype=np.int32)
        g["barcodes"] = np.array(list(gex.obs_names), dtype="S")
        feats = g.create_group("features")
        feats["id"] = np.array(names, dtype="S")
        feats["name"] = np.array(names, dtype="S")
        feats["feature_type"] = np.array(["Gene Expression"] * gex.n_vars + ["Peaks"] * atac.n_vars, dtype="S")
        feats["genome"] = np.array(["GRCh38"] * len(names), dtype="S")


def _digests(paths) -> dict[Path, str]:
    out = {}
    for p in paths:
        p = Path(p)
        for f in [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file()):
            out[f] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# ----------------------------------------------------------------------------------------------- the cases
# Each case: (setup, expected words in the message). setup(files, work) prepares files in the case's own folder
# ``work`` and returns the command line; every file in ``work`` and every shared file must be unchanged after.


def _fit(files, *extra):
    return ["fit", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", files["solution"],
            "--max-epochs", "2", "--out", "model", *extra]


def _embed(files, model, *extra):
    return ["embed", "--model", model, "--mod1", files["mod1"], "--mod2", files["mod2"], "--finetune-epochs", "0",
            "--out", "emb.h5ad", *extra]


def _predict(files, *, train_mod1=None, train_mod2=None, test_mod1=None, output="pred.h5ad"):
    """jae predict on the starter's files, any of them replaced."""
    return ["predict", "--train-mod1", train_mod1 or files["train_mod1"], "--train-mod2",
            train_mod2 or files["train_mod2"], "--test-mod1", test_mod1 or files["test_mod1"], "--method", "mean",
            "--output", output]


def truncated_input(files, work):
    data = files["mod1"].read_bytes()
    (work / "cut.mod1.h5ad").write_bytes(data[: len(data) // 2])
    return ["fit", "--mod1", "cut.mod1.h5ad", "--mod2", files["mod2"], "--out", "model"]


def text_as_input(files, work):
    (work / "notes.h5ad").write_text("cell,batch\nA,s1\n")
    return ["fit", "--mod1", files["mod1"], "--mod2", "notes.h5ad", "--out", "model"]


def gzip_as_input(files, work):
    """A gzip-compressed table (counts.csv.gz, as GEO serves counts) given as a data file."""
    import gzip

    (work / "counts.csv.gz").write_bytes(gzip.compress(b"cell,g1\nA,1\n"))
    return ["fit", "--mod1", "counts.csv.gz", "--mod2", files["mod2"], "--out", "model"]


def _model_copy(files, work) -> Path:
    return Path(shutil.copytree(files["model"], work / "m"))


def predictor_given_as_model(files, work):
    """A folder written by jae predict --save-model (its model.json says model_kind 'predictor')."""
    model = _model_copy(files, work)
    description = json.loads((model / "model.json").read_text())
    (model / "model.json").write_text(json.dumps({**description, "model_kind": "predictor"}))
    return _embed(files, model)


def weights_of_another_model(files, work):
    import torch

    model = _model_copy(files, work)
    tensors = torch.load(model / "weights.pt", weights_only=True)
    key = next(k for k in tensors if k.startswith("network.") and tensors[k].ndim == 2)
    tensors[key] = torch.zeros(tensors[key].shape[0] + 3, tensors[key].shape[1])
    torch.save(tensors, model / "weights.pt")
    return _embed(files, model)


def truncated_weights(files, work):
    model = _model_copy(files, work)
    data = (model / "weights.pt").read_bytes()
    (model / "weights.pt").write_bytes(data[: len(data) // 3])
    return _embed(files, model)


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def pickle_as_weights(files, work):
    model = _model_copy(files, work)
    with open(model / "weights.pt", "wb") as fh:
        pickle.dump({"network.x": _Payload(str(work / "PWNED"))}, fh)
    return _embed(files, model)


def model_json_without_layout(files, work):
    model = _model_copy(files, work)
    d = json.loads((model / "model.json").read_text())
    del d["layout"]
    (model / "model.json").write_text(json.dumps(d))
    return _embed(files, model)


def empty_modality(files, work):
    ad.read_h5ad(files["mod2"])[:, :0].copy().write_h5ad(work / "empty.mod2.h5ad")
    return ["fit", "--mod1", files["mod1"], "--mod2", "empty.mod2.h5ad", "--out", "model"]


def embed_over_existing_output(files, work):
    (work / "emb.h5ad").write_text("an earlier result")
    return _embed(files, files["model"])


def embed_labels_onto_an_input(files, work):
    return _embed(files, files["model"], "--labels-out", files["mod1"])


def embed_labels_over_existing_csv(files, work):
    (work / "labels.csv").write_text("earlier\n")
    return _embed(files, files["model"], "--labels-out", "labels.csv")


def embed_into_missing_folder(files, work):
    return ["embed", "--model", files["model"], "--mod1", files["mod1"], "--mod2", files["mod2"],
            "--out", "no/such/folder/emb.h5ad"]


def predict_over_existing_output(files, work):
    (work / "pred.h5ad").write_text("an earlier result")
    return _predict(files)


def predict_into_missing_folder(files, work):
    return _predict(files, output="missing/pred.h5ad")


def evaluate_over_earlier_report(files, work):
    (work / "report").mkdir()
    (work / "report" / "metrics.csv").write_text("earlier\n")
    return ["evaluate", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", files["solution"],
            "--baseline", "--out", "report"]


def evaluate_two_predictions_of_one_name(files, work):  # the first was silently dropped
    return ["evaluate", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", files["solution"],
            "--prediction", f"jae={files['mod1']}", "--prediction", f"jae={files['mod2']}", "--out", "report"]


def evaluate_prediction_named_as_the_baseline(files, work):  # it was silently replaced by the baseline
    return ["evaluate", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", files["solution"],
            "--prediction", f"svd_baseline={files['mod1']}", "--baseline", "--out", "report"]


def fit_out_is_an_input(files, work):
    return _fit(files)[:-1] + [files["solution"]]


def tenx_supervised(files, work):
    return ["fit", "--10x", files["tenx"], "--out", "model"]


def tenx_no_batch_column(files, work):
    return ["fit", "--10x", files["tenx"], "--mode", "unsupervised", "--out", "model"]


def missing_batch_column(files, work):
    return _fit(files, "--batch-key", "donor")


def missing_cell_type_column(files, work):
    return _fit(files, "--cell-type-key", "celltype")


def _annotations(files, work, edit) -> Path:
    sol = ad.read_h5ad(files["solution"])
    obs = edit(sol.obs.copy())
    path = work / "labels.h5ad"
    ad.AnnData(obs=obs).write_h5ad(path)
    return path


def one_cell_batch(files, work):
    def edit(obs):
        obs["site"] = obs["batch"].astype(str)
        obs.iloc[0, obs.columns.get_loc("site")] = "lonely"
        return obs

    path = _annotations(files, work, edit)
    return ["fit", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", path, "--batch-key", "site",
            "--out", "model"]


def no_labels_at_all(files, work):
    def edit(obs):
        obs["cell_type"] = pd.Categorical([None] * len(obs), categories=["B cell"])
        return obs

    path = _annotations(files, work, edit)
    return ["fit", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", path, "--out", "model"]


def one_labelled_cell_type(files, work):
    def edit(obs):
        obs["cell_type"] = pd.Categorical(["B cell"] * len(obs))
        return obs

    path = _annotations(files, work, edit)
    return ["fit", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", path, "--out", "model"]


def mod2_without_feature_types(files, work):
    mod2 = ad.read_h5ad(files["mod2"])
    del mod2.var["feature_types"]
    mod2.var_names = [f"feature{j}" for j in range(mod2.n_vars)]  # neither peak names nor a protein panel's size
    mod2.write_h5ad(work / "x.mod2.h5ad")
    return ["fit", "--mod1", files["mod1"], "--mod2", "x.mod2.h5ad", "--annotations", files["solution"],
            "--out", "model"]


def h5mu_with_missing_layer(files, work):
    from jae.io import make_mudata, write_atomic

    mods = {"rna": ad.read_h5ad(files["mod1"]), "atac": ad.read_h5ad(files["mod2"])}
    write_atomic(make_mudata(mods), work / "x.h5mu")
    return ["fit", "--h5mu", "x.h5mu", "--layer", "umi", "--mode", "unsupervised", "--out", "model"]


def h5mu_with_three_modalities(files, work):
    from jae.io import make_mudata, write_atomic

    rna, atac = ad.read_h5ad(files["mod1"]), ad.read_h5ad(files["mod2"])
    write_atomic(make_mudata({"rna": rna, "atac": atac, "atac2": atac.copy()}), work / "x.h5mu")
    return ["fit", "--h5mu", "x.h5mu", "--out", "model"]


def h5ad_holding_one_modality(files, work):
    return ["fit", "--h5ad", files["mod1"], "--out", "model"]  # the RNA alone: no feature types, no obsm proteins


def _h5mu(files, work) -> Path:
    from jae.io import make_mudata, write_atomic

    write_atomic(make_mudata({"rna": ad.read_h5ad(files["mod1"]), "atac": ad.read_h5ad(files["mod2"])}),
                 work / "x.h5mu")
    return work / "x.h5mu"


def h5mu_given_as_h5ad(files, work):
    return ["fit", "--h5ad", _h5mu(files, work), "--out", "model"]


def h5mu_given_as_mod1(files, work):
    return ["fit", "--mod1", _h5mu(files, work), "--mod2", files["mod2"], "--out", "model"]


def h5mu_given_to_predict(files, work):
    return _predict(files, train_mod1=_h5mu(files, work))


def h5mu_embedding_given_to_evaluate(files, work):
    return ["evaluate", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", files["solution"],
            "--prediction", f"jae={_h5mu(files, work)}", "--out", "report"]


def predict_output_given_to_evaluate(files, work):  # the hint was about a *.solution.h5ad and --annotations
    import jae

    jae.predict_files(files["train_mod1"], files["train_mod2"], files["test_mod1"], work / "pred.h5ad", method="mean",
                      progress_bar=False)
    return ["evaluate", "--mod1", files["mod1"], "--mod2", files["mod2"], "--annotations", files["solution"],
            "--prediction", "pred.h5ad", "--out", "report"]


def _unwritable(work) -> Path:
    """A folder no file can be created in: a read-only one, or /proc for root (who may write anywhere else)."""
    if os.geteuid() == 0:
        return Path("/proc")
    folder = work / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def fit_into_unwritable_folder(files, work):
    return _fit(files)[:-1] + [_unwritable(work) / "model"]


def embed_labels_into_unwritable_folder(files, work):  # the embedding must not be written either
    return _embed(files, files["model"], "--labels-out", _unwritable(work) / "labels.csv")


def simulate_into_unwritable_folder(files, work):
    return ["simulate", _unwritable(work) / "sim", "--n-cells", "100", "--preset", "none"]


def fit_out_inside_a_file(files, work):
    return _fit(files)[:-1] + [files["mod1"] / "model"]


def duplicated_gene_names(files, work):
    rna = ad.read_h5ad(files["mod1"])
    rna.var_names = [rna.var_names[0], *rna.var_names[1:-1], rna.var_names[0]]
    rna.write_h5ad(work / "dup.mod1.h5ad")
    return ["fit", "--mod1", "dup.mod1.h5ad", "--mod2", files["mod2"], "--annotations", files["solution"],
            "--out", "model"]


def predict_from_the_wrong_test_file(files, work):  # the test proteins given as --test-mod1
    return _predict(files, test_mod1=files["train_mod2"])


def predict_from_unpaired_training_files(files, work):
    target = ad.read_h5ad(files["train_mod2"])
    target.obs_names = [f"other_{name}" for name in target.obs_names]  # the target's modality, other cells
    target.write_h5ad(work / "other.mod2.h5ad")
    return _predict(files, train_mod2=work / "other.mod2.h5ad")


def predict_gex_from_gex(files, work):  # the test cells' GEX given as the training target
    return _predict(files, train_mod2=files["test_mod1"])


def embed_on_an_unknown_device(files, work):  # the model folder was called damaged for the user's --device
    return _embed(files, files["model"], "--device", "tpu9")


def map_on_an_unknown_device(files, work):
    return ["map", "--model", files["model"], "--mod1", files["test_mod1"], "--device", "tpu9", "--out", "mapped"]


def predict_with_a_saved_predictor_on_an_unknown_device(files, work):
    from jae import ModalityPredictor

    source, target = ad.read_h5ad(files["train_mod1"]), ad.read_h5ad(files["train_mod2"])
    ModalityPredictor("mean").fit(source, target, progress_bar=False).save(work / "predictor")
    return ["predict", "--model", work / "predictor", "--test-mod1", files["test_mod1"], "--device", "tpu9",
            "--output", "pred.h5ad"]


def map_onto_its_own_reference(files, work):  # the message named map_query, a Python method
    model = _model_copy(files, work)
    return ["map", "--model", model, "--mod1", files["test_mod1"], "--out", model, "--overwrite"]


def map_into_its_own_reference(files, work):
    model = _model_copy(files, work)
    return ["map", "--model", model, "--mod1", files["test_mod1"], "--out", model / "mapped"]


def predict_output_named_like_a_competition_file(files, work):  # its name was printed as pred.--test-mod1.h5ad
    (work / "pred.test_mod1.h5ad").write_text("an earlier prediction")
    return _predict(files, output="pred.test_mod1.h5ad")


def simulate_pair_to_an_h5mu_path(files, work):  # the fix named format='h5ad-pair', a Python argument
    return ["simulate", "sim.h5mu", "--n-cells", "100", "--preset", "none"]


def simulate_into_a_missing_folder(files, work):  # the folders were made silently; every other verb refuses
    return ["simulate", "new/sub/sim", "--n-cells", "100", "--preset", "none"]


def simulate_more_cell_types_than_cells(files, work):  # written: most of the 500 types had no cell
    return ["simulate", "sim", "--n-cells", "100", "--preset", "none", "--n-cell-types", "500"]


def simulate_with_zero_chunk_size(files, work):  # --chunk-size 0 or -5 was taken as 1024 without a word
    return ["simulate", "sim", "--n-cells", "100", "--preset", "none", "--chunk-size", "0"]


def simulate_cite_with_peaks(files, work):  # --n-peaks was ignored: the files held the preset's proteins
    return ["simulate", "sim", "--kind", "cite", "--n-cells", "100", "--preset", "none", "--n-peaks", "10"]


def h5ad_given_as_h5mu(files, work):
    return ["fit", "--h5mu", files["mod1"], "--out", "model"]


def map_without_batches(files, work):  # fit's "all cells one batch" does not apply: each new batch gets a shift
    return ["map", "--model", files["model"], "--mod1", files["mod1"], "--mod2", files["mod2"], "--batch-key", "none",
            "--out", "mapped"]


def map_a_query_of_known_batches(files, work):  # the fix read obs['batch'] = 'query_' + obs['batch'].astype(str)
    return ["map", "--model", files["model"], "--mod1", files["mod1"], "--mod2", files["mod2"], "--out", "mapped"]


def embed_with_negative_finetune_epochs(files, work):
    return _embed(files, files["model"], "--finetune-epochs", "-1")  # was read as 0: embedded without fine-tuning


def matrix_folder_as_10x(files, work):  # Cell Ranger's outs/ folder (read since session 50), its files cut to nothing
    folder = work / "filtered_feature_bc_matrix"
    folder.mkdir()
    for name in ("matrix.mtx.gz", "barcodes.tsv.gz", "features.tsv.gz"):
        (folder / name).write_bytes(b"")
    return ["fit", "--10x", "filtered_feature_bc_matrix", "--mode", "unsupervised", "--out", "model"]


def tenx_given_as_mod1(files, work):
    return ["fit", "--mod1", files["tenx"], "--mod2", files["mod2"], "--out", "model"]


def h5mu_given_as_10x(files, work):
    return ["fit", "--10x", _h5mu(files, work), "--mode", "unsupervised", "--out", "model"]


CASES = {
    truncated_input: ["--mod1 file cut.mod1.h5ad", "truncated", "copy"],
    text_as_input: ["--mod2 file notes.h5ad", "is a text table (CSV/TSV), not an HDF5 .h5ad", "anndata.read_csv"],
    gzip_as_input: ["--mod1 file counts.csv.gz", "is gzip-compressed", "read it into an AnnData first"],
    tenx_given_as_mod1: ["--mod1 file", "is a Cell Ranger feature-barcode matrix", "not an .h5ad", "--10x FILE"],
    h5mu_given_as_10x: ["--10x file", "is a MuData file", "--h5mu FILE"],
    matrix_folder_as_10x: ["Cell Ranger matrix filtered_feature_bc_matrix/matrix.mtx.gz cannot be read as a Matrix "
                           "Market file", "check the file"],
    weights_of_another_model: ["weights.pt", "does not match", "model.json", "jae fit"],
    predictor_given_as_model: ["'predictor' model", "jae predict --save-model", "written by jae fit or jae map"],
    truncated_weights: ["weights.pt", "not a valid jae weights file", "jae fit"],
    pickle_as_weights: ["weights.pt", "not a valid jae weights file"],
    model_json_without_layout: ["model.json", "'layout'", "jae fit"],
    empty_modality: ["empty.mod2.h5ad", "0 features"],
    embed_over_existing_output: ["--out", "exists", "--overwrite"],
    embed_labels_onto_an_input: ["--labels-out", "is an input file"],
    embed_labels_over_existing_csv: ["--labels-out", "exists", "--overwrite"],
    embed_into_missing_folder: ["--out", "does not exist"],
    embed_with_negative_finetune_epochs: ["--finetune-epochs", ">= 0", "-1"],
    predict_over_existing_output: ["--output", "exists", "--overwrite"],
    predict_into_missing_folder: ["--output", "does not exist"],
    evaluate_over_earlier_report: ["--out", "exists", "--overwrite"],
    evaluate_two_predictions_of_one_name: ["'jae'", "--prediction", "NAME=FILE"],
    evaluate_prediction_named_as_the_baseline: ["'svd_baseline'", "--prediction NAME=FILE"],
    fit_out_is_an_input: ["--out", "is an input file"],
    tenx_supervised: ["Cell Ranger", "--mode unsupervised", "--annotations"],
    tenx_no_batch_column: ["'batch'", "--batch-key none"],
    missing_batch_column: ["'donor'", "--batch-key"],
    missing_cell_type_column: ["'celltype'", "--cell-type-key", "--mode unsupervised"],
    one_cell_batch: ["'lonely' (1 cell)", "--batch-key none"],
    no_labels_at_all: ["0 labelled cells", "--mode unsupervised"],
    one_labelled_cell_type: ["all one cell type ('B cell')", "--mode unsupervised"],
    mod2_without_feature_types: ["feature_types", "--mod2-kind"],
    h5mu_with_missing_layer: ["'umi'", "--layer"],
    h5mu_with_three_modalities: ["atac2", "--other-mod"],
    h5ad_holding_one_modality: ["holds one modality", "--mod1 and --mod2", "--h5mu", "pass the file as --mod1 alone"],
    fit_into_unwritable_folder: ["--out", "is not writable", "choose another --out"],
    embed_labels_into_unwritable_folder: ["--labels-out", "is not writable"],
    simulate_into_unwritable_folder: ["sim.mod1.h5ad", "is not writable"],
    fit_out_inside_a_file: ["--out", "is a file"],
    duplicated_gene_names: ["modality 'rna' has 1 duplicated feature name", "var_names_make_unique()"],
    predict_from_the_wrong_test_file: ["--test-mod1 holds ADT features, but this model predicts ADT from GEX",
                                       "pass the query cells' GEX counts, not their ADT"],
    predict_from_unpaired_training_files: ["of --train-mod1's", "missing from --train-mod2"],
    predict_gex_from_gex: ["--train-mod1 and --train-mod2 are both GEX", "pass the other modality as --train-mod2"],
    h5ad_given_as_h5mu: ["--h5mu file", "is not a MuData file", "--mod1 and --mod2, one per modality",
                         "--h5ad, one holding both", "RNA alone (cells to embed, map or impute from): --mod1 alone"],
    map_a_query_of_known_batches: ["every query batch in the --batch-key column batch (", "is already known",
                                   "(jae embed --model MODEL --finetune-epochs 0)", "new names in column batch",
                                   "--annotations FILE"],
    map_without_batches: ["needs --batch-key", "--annotations FILE"],
    h5mu_given_as_h5ad: ["--h5ad file", "is a MuData file", "--h5mu FILE"],
    h5mu_given_as_mod1: ["--mod1 file", "is a MuData file", "--h5mu FILE"],
    h5mu_given_to_predict: ["--train-mod1 file", "is a MuData file", "one .h5ad per modality", "write_h5ad"],
    predict_output_given_to_evaluate: ["--prediction file pred.h5ad is a modality prediction, not an embedding",
                                       "as jae predict writes", "give --prediction an embedding of these cells",
                                       "jae embed --out", "scored against the measured modality"],
    h5mu_embedding_given_to_evaluate: ["--prediction file", "is a MuData file without obsm['X_jae']",
                                       "--obsm KEY"],
    embed_on_an_unknown_device: ["--device tpu9", "not a device torch knows", "--device auto, cpu"],
    map_on_an_unknown_device: ["--device tpu9", "not a device torch knows"],
    predict_with_a_saved_predictor_on_an_unknown_device: ["--device tpu9", "not a device torch knows"],
    map_onto_its_own_reference: ["--out is the reference model folder", "choose another --out"],
    map_into_its_own_reference: ["inside the reference model folder", "choose another --out outside it"],
    predict_output_named_like_a_competition_file: ["--output pred.test_mod1.h5ad exists", "--overwrite"],
    simulate_pair_to_an_h5mu_path: ["--format h5ad-pair", "sim.h5mu", "sim.mod1.h5ad"],
    simulate_into_a_missing_folder: ["the folder", "new/sub", "of OUT new/sub/sim.mod1.h5ad does not exist",
                                     "create it first or choose another OUT"],
    simulate_more_cell_types_than_cells: ["--n-cell-types 500 is more than --n-cells 100", "--n-cell-types <= 100"],
    simulate_with_zero_chunk_size: ["--chunk-size 0 is no number of cells", "pass --chunk-size >= 1"],
    simulate_cite_with_peaks: ["--n-peaks does not apply to --kind cite", "--n-proteins N", "--kind multiome"],
}
# words a case's message must not hold (a wrong diagnosis beside the right words)
NOT_IN = {
    predict_output_given_to_evaluate: ["solution", "--annotations"],
    map_a_query_of_known_batches: ["obs[", "astype", "JAE.embed", "'"],
    embed_on_an_unknown_device: ["model.json", "damaged"],
    map_on_an_unknown_device: ["model.json", "damaged"],
    predict_with_a_saved_predictor_on_an_unknown_device: ["model.json", "damaged"],
    map_onto_its_own_reference: ["map_query"],
    map_into_its_own_reference: ["map_query"],
}


@pytest.mark.parametrize("case", list(CASES), ids=[c.__name__ for c in CASES])
def test_hostile_input_gets_one_line_naming_the_fix(case, cli, shared, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    argv = ["-q", *case(shared, work)]
    inputs = [work, *(v for k, v in shared.items())]
    before, listing = _digests(inputs), _listing(work)
    rc, out, err = cli(argv, cwd=work, logs=tmp_path / "logs")
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc != 0 and rc != 2, (rc, err)  # 2 would be argparse refusing the command line itself
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    message = lines[0]
    assert "ERROR" in message, message
    for word in CASES[case]:
        assert word in message, (word, message)
    for word in NOT_IN.get(case, ()):
        assert word not in message, (word, message)
    assert not PYTHON_FIX.search(message), message
    assert out == ""
    assert _listing(work) == listing, "output or temporary files were left behind"
    assert _digests(inputs) == before, "an input file was modified"
    assert not (work / "PWNED").exists()


def test_validation_happens_before_any_preprocessing(monkeypatch):
    """A missing column, a 1-cell batch or no labels at all fail before the SVD is fitted."""
    import jae
    import jae.preprocess.pipeline as pipeline
    from jae.datasets import simulate

    def tripwire(*args, **kwargs):
        raise AssertionError("preprocessing ran before the annotations were checked")

    monkeypatch.setattr(jae.Preprocessor, "fit", tripwire)
    monkeypatch.setattr(pipeline, "preprocess", tripwire, raising=False)
    m = simulate(60, n_genes=200, n_peaks=90, n_cell_types=2, n_batches=2, seed=0)
    with pytest.raises(KeyError, match=r"batch_key=None"):
        jae.JAE().fit(m, batch_key="donor")
    m.obs["lonely"] = m.obs["batch"].astype(str)
    m.obs.iloc[0, m.obs.columns.get_loc("lonely")] = "x"
    with pytest.raises(ValueError, match=r"'x' \(1 cell\)"):
        jae.JAE().fit(m, batch_key="lonely")
    m.obs["none"] = pd.Series(np.nan, index=m.obs_names, dtype=object)
    with pytest.raises(ValueError, match=r"0 labelled cells.*mode='unsupervised'"):
        jae.JAE().fit(m, cell_type_key="none")
    with pytest.raises(KeyError, match=r"cell_type_key=<column>"):
        jae.JAE().fit(m, cell_type_key="celltype")


def test_ctrl_c_exits_130_with_one_line_and_no_output(data_dir, tmp_path):
    prefix = data_dir / STEM
    argv = [sys.executable, "-m", "jae", "fit", "--mod1", f"{prefix}.mod1.h5ad", "--mod2", f"{prefix}.mod2.h5ad",
            "--annotations", f"{prefix}.solution.h5ad", "--max-epochs", "1000", "--set", "patience=1000",
            "--out", "model"]
    before = _listing(tmp_path)
    # Ctrl-C in a terminal: the process starts with SIGINT's default action, even when this test runs under a
    # shell that started it in the background (which ignores SIGINT in its children, and Python keeps it ignored)
    proc = subprocess.Popen(argv, cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        seen, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until training has started
            line = proc.stderr.readline()
            seen.append(line)
            if "latent layout" in line or not line:
                break
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # never leave a fit running into the next tests
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, "".join(seen) + rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    # after the signal: one message line (progress-bar redraws aside)
    lines = [s for s in re.split(r"[\r\n]+", rest) if s.strip() and "jae pretrain" not in s]
    assert len(lines) == 1 and "interrupted" in lines[0], rest
    assert out == ""
    assert _listing(tmp_path) == before  # no model folder, no temporary folder


@pytest.fixture
def small_disk(tmp_path):
    """A 64 kB tmpfs: every output larger than that fails while it is written, after all the work (root only)."""
    folder = tmp_path / "work" / "small"
    folder.mkdir(parents=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def _on_small_disk(files, work):
    """Commands whose last output overflows the small disk; every output before it is on a disk with room."""
    return {
        "fit": _fit(files)[:-1] + ["small/model"],  # torch.save said only "unexpected pos ..." (a traceback)
        "embed": _embed(files, files["model"])[:-1] + ["small/emb.h5ad"],  # h5py's RuntimeError (a traceback)
        "predict": _predict(files) + ["--save-model", "small/predictor"],  # pred.h5ad was left behind
        "impute": ["embed", "--model", files["model"], "--mod1", files["mod1"], "--finetune-epochs", "0", "--out",
                   "emb.h5ad", "--labels-out", "labels.csv", "--impute-out", "small/imputed.h5ad"],
        "demo": ["demo", "--out", "small/demo", "--n-cells", "200", "--max-epochs", "1"],  # an empty folder was left
        # refused before any file is made (an h5py traceback was printed while the first file failed)
        "simulate": ["simulate", "small/sim", "--n-cells", "300", "--preset", "none"],
    }


def test_a_full_disk_late_in_the_run_gets_one_line_and_leaves_nothing(cli, shared, small_disk, tmp_path):
    work = small_disk.parent
    for verb, argv in _on_small_disk(shared, work).items():
        before, listing = _digests([*(v for v in shared.values())]), _listing(work)
        rc, out, err = cli(["-q", *argv], cwd=work, logs=tmp_path / f"logs_{verb}")
        lines = [line for line in err.splitlines() if line.strip() and " WARNING " not in line]  # demo: few cells
        assert rc == 1 and "Traceback" not in err and len(lines) == 1, (verb, rc, err)
        said = ("need about", "are free on small") if verb == "simulate" else ("ran out of space", "nothing was written")
        assert all(words in lines[0] for words in said), (verb, lines[0])
        assert out == ""
        assert _listing(work) == listing, (verb, "outputs or temporaries were left behind")
        assert _digests([*(v for v in shared.values())]) == before
