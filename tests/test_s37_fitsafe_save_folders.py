"""``JAE.save('a/b/c')`` created the missing folders a and a/b without a word, while ``jae.fit_files`` refuses a
missing folder ("... does not exist; create it first"). The rule: saving an object creates missing folders, as
scvi-tools' save does, and names the outermost one it created at INFO (a typo in the path is seen); runners given
paths refuse them before the work."""

from __future__ import annotations

import logging

import pytest

import jae


@pytest.fixture(scope="module")
def model(default_fit):
    return default_fit()[0]  # jae.JAE(jae.JAEConfig(max_epochs=1)).fit(jae.simulate(n_cells=300, seed=0))


def test_save_creates_missing_folders_and_says_so(model, tmp_path, caplog):
    target = tmp_path / "a" / "b" / "c"
    with caplog.at_level(logging.INFO, logger="jae"):
        model.save(target)
    assert (target / "model.json").is_file()
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and "created the missing folder" in
            r.getMessage()]
    assert said == [f"created the missing folder {tmp_path / 'a'} for {target}"]


def test_save_into_an_existing_folder_says_nothing_about_folders(model, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="jae"):
        model.save(tmp_path / "m")
    assert not any("created the missing folder" in r.getMessage() for r in caplog.records)


def test_fit_files_refuses_a_missing_folder_before_the_work(tmp_path):
    mdata = jae.simulate(n_cells=100, seed=0)
    path = tmp_path / "in.h5mu"
    mdata.write(path)
    with pytest.raises(FileNotFoundError, match=r"does not exist; create it first or choose another"):
        jae.fit_files(jae.io.InputFiles(h5mu=path), tmp_path / "nope" / "model")
    assert not (tmp_path / "nope").exists()
