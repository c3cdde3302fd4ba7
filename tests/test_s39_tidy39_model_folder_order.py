"""Session 39: three checks refused an output in a model folder (inside another output written as one, inside the
folder read, inside any model folder), called in a different order by each verb. 'jae predict --output OTHER/p.h5ad',
OTHER a saved model and p.h5ad there already, said "exists; pass --overwrite", and with --overwrite then said it lies
inside a model folder; an --output not ending in .h5ad there was told its ending. jae embed, fit and map said at once
that it lies inside a model folder. Now one check, in one order, runs first for every verb (overwrite helps none)."""

from __future__ import annotations

import pytest

from jae import embed_files, fit_files
from jae.datasets import simulate
from jae.io import InputFiles
from jae.io.outputs import ReadFolder, check_model_folders
from jae.prediction import ModalityPredictor
from jae.workflows.predict import predict_files

from test_predict import paired  # noqa: E402  (tests/ is on sys.path)

SAID = (r"^{} .*other/{} lies inside .*other, a model folder \(model\.json and weights\.pt\), which only jae fit, "
        r"jae map and jae predict --save-model write \(a stray file there stops them replacing it with overwrite=True\)"
        r": choose another {} outside it$")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("s39_tidy39_model_folder_order")
    simulate(40, kind="cite", n_genes=200, n_proteins=8, n_cell_types=2, n_batches=2, seed=0)["rna"].write_h5ad(
        d / "rna.h5ad")
    source, target = paired(40, seed=0)
    source.write_h5ad(d / "tr1.h5ad")
    target.write_h5ad(d / "tr2.h5ad")
    ModalityPredictor("mean", seed=0, device="cpu").fit(source, target, progress_bar=False).save(d / "other")
    (d / "other" / "old.h5ad").write_bytes(b"")  # a file left there before the check existed
    return d


@pytest.mark.parametrize("name", ["old.h5ad", "p.csv"])
def test_every_verb_says_the_same_for_an_output_in_another_model_folder(files, name):
    with pytest.raises(ValueError, match=SAID.format("output", name, "output")):
        predict_files(files / "tr1.h5ad", files / "tr2.h5ad", files / "tr1.h5ad", files / "other" / name,
                      method="mean", progress_bar=False)
    with pytest.raises(ValueError, match=SAID.format("out", name, "out")):
        embed_files(InputFiles(mod1=files / "rna.h5ad"), files / "no_model", files / "other" / name,
                    progress_bar=False)
    with pytest.raises(ValueError, match=SAID.format("out", name, "out")):
        fit_files(InputFiles(mod1=files / "rna.h5ad"), files / "other" / name, progress_bar=False)


def test_one_order_of_the_three_refusals(files):
    """An output inside an output written as a model folder is said first, then one inside the folder read, then one
    inside any model folder."""
    other = files / "other"
    read = ReadFolder(other, what="predictor folder", why="only save_model writes", fix="choose a path for {flag} "
                      "outside it")
    outputs = [("output", other / "p.h5ad"), ("save_model", other)]
    with pytest.raises(ValueError, match=r"lies in the model folder save_model .*, which is written as a whole"):
        check_model_folders(outputs, models={"save_model"}, read=read, any_model="inside")
    with pytest.raises(ValueError, match=r"lies inside the predictor folder .*other, which only save_model writes: "
                                         r"choose a path for output outside it$"):
        check_model_folders(outputs[:1], models={"save_model"}, read=read, any_model="inside")
    with pytest.raises(ValueError, match=SAID.format("output", "p.h5ad", "output")):
        check_model_folders(outputs[:1], models={"save_model"}, any_model="inside")
    with pytest.raises(ValueError, match=r"^out .*other is a model folder"):
        check_model_folders([("out", other)], any_model="is or inside")
    check_model_folders([("out", other)], any_model="inside")  # a model folder written as a whole: itself passes
    check_model_folders([("out", files / "p.h5ad"), ("x", None)], any_model="is or inside")
