"""Session 43 user pass: `jae evaluate --out metrics.csv` made a folder named metrics.csv holding metrics.csv (and
`jae fit --out model.pt` a model folder so named); a new output folder whose name ends like a file is refused in one
line naming a folder name instead. An existing folder so named (the user's) is still written into."""

from __future__ import annotations

import pytest

import jae
from jae.io import InputFiles
from jae.io.outputs import check_outputs


@pytest.mark.parametrize("name", ["metrics.csv", "report.html", "model.pt"])
def test_new_folder_output_ending_like_a_file_is_refused(tmp_path, name):
    stem = name.split(".")[0]
    with pytest.raises(ValueError, match=rf"out .*{name} names the folder the files are written into, but ends like "
                                         rf"a file \('\.\w+'\); choose a folder name for out, e.g. .*{stem}$"):
        check_outputs([("out", tmp_path / name)], inputs=(), overwrite=False, folders=("out",))
    assert not (tmp_path / name).exists()
    (tmp_path / name).mkdir()  # the user's own folder of that name: written into as before
    check_outputs([("out", tmp_path / name)], inputs=(), overwrite=False, folders=("out",))


def test_evaluate_and_fit_files_refuse_it_before_reading(tmp_path):
    files = InputFiles(h5mu=tmp_path / "x.h5mu")  # never read: the outputs are checked first
    with pytest.raises(ValueError, match=r"ends like a file \('\.csv'\)"):
        jae.evaluate_files(files, ["X_jae"], tmp_path / "ev.csv")
    with pytest.raises(ValueError, match=r"ends like a file \('\.pt'\)"):
        jae.fit_files(files, tmp_path / "model.pt")
    assert not (tmp_path / "ev.csv").exists() and not (tmp_path / "model.pt").exists()
