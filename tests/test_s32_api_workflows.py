"""The file workflows (jae.fit_files, map_files, embed_files, evaluate_files) given arguments of the wrong kind:
one line naming the argument and the fix, before any file is read."""

from __future__ import annotations

import pytest

import jae


@pytest.mark.parametrize("verb", ["fit_files", "map_files", "embed_files"])
@pytest.mark.parametrize("given", ["path", "mudata"])
def test_workflows_refuse_inputs_that_are_no_input_files_naming_the_argument(verb, given, tmp_path):
    inputs = str(tmp_path / "x.mod1.h5ad") if given == "path" else jae.simulate(40, n_genes=200, n_peaks=300)
    call = {"fit_files": lambda: jae.fit_files(inputs, tmp_path / "out"),
            "map_files": lambda: jae.map_files(inputs, str(tmp_path / "model"), tmp_path / "out"),
            "embed_files": lambda: jae.embed_files(inputs, str(tmp_path / "model"), tmp_path / "out.h5ad")}[verb]
    with pytest.raises(TypeError, match=r"^inputs must be jae\.io\.InputFiles .*, not (str|MuData); for data in "
                                        r"memory call .*(fit|map_query|embed)\(mdata\)") as info:
        call()
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.h5ad").exists()


@pytest.mark.parametrize("verb", ["map_files", "embed_files"])
def test_map_and_embed_files_name_the_model_argument_when_it_is_no_model(verb, tmp_path):
    files = jae.io.InputFiles(mod1=tmp_path / "x.mod1.h5ad", mod2=tmp_path / "x.mod2.h5ad")
    call = {"map_files": lambda: jae.map_files(files, 3, tmp_path / "out"),
            "embed_files": lambda: jae.embed_files(files, 3, tmp_path / "out.h5ad")}[verb]
    fix = r"^model must be a fitted jae\.JAE or the folder of a saved one \(str or pathlib\.Path\), not int$"
    with pytest.raises(TypeError, match=fix):
        call()


@pytest.mark.parametrize("one", ["X_jae", "emb.h5ad", "path"])
def test_evaluate_files_refuses_one_embedding_not_in_a_list_instead_of_reading_its_letters(one, tmp_path):
    files = jae.io.InputFiles(mod1=tmp_path / "x.mod1.h5ad", mod2=tmp_path / "x.mod2.h5ad")
    value = tmp_path / "emb.h5ad" if one == "path" else one
    kind = "path" if one == "path" else "string"
    with pytest.raises(TypeError, match=rf"^embeddings must be a list .*, not one {kind}; pass \['.*(emb\.h5ad|X_jae)'\]$"):
        jae.evaluate_files(files, value, out=tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_evaluate_refuses_one_embedding_path_not_in_a_list_naming_the_argument(tmp_path):
    with pytest.raises(TypeError, match=r"^embeddings must be a list .*, not one path; pass \['.*emb\.h5ad'\]$"):
        jae.evaluate(jae.simulate(40, n_genes=200, n_peaks=300), tmp_path / "emb.h5ad")


def test_fit_files_refuses_an_organism_without_cell_cycle_genes_before_reading_the_files(tmp_path, monkeypatch):
    files = jae.io.InputFiles(mod1=tmp_path / "x.mod1.h5ad", mod2=tmp_path / "x.mod2.h5ad")

    def read(*args, **kwargs):
        raise AssertionError("the files were opened before organism was checked")

    monkeypatch.setattr(jae.io.InputFiles, "open", read)
    with pytest.raises(ValueError, match=r"^organism='fish': jae has the cell-cycle genes of human and mouse only"):
        jae.fit_files(files, tmp_path / "model", organism="fish")
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize("model", [3, "joint"])
def test_predict_files_names_what_model_takes_when_it_is_no_predictor(model, tmp_path):
    if model == "joint":
        model = jae.JAE()
    tail = r"JAE; a joint model imputes a modality with jae\.impute\(model, data\)$" if model != 3 else r"int$"
    with pytest.raises(TypeError, match=r"^model must be a fitted jae\.ModalityPredictor or the folder of a saved one "
                                        r"\(str or pathlib\.Path\), not " + tail):
        jae.predict_files(None, None, tmp_path / "test.h5ad", tmp_path / "prediction.h5ad", model=model)
