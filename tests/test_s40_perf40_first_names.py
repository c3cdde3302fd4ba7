"""'The first five names and how many more' was written by hand in seven places (label transfer's two warnings, the
model folder's and the report folder's refusals, the report's absent types, the query batch names, the mapped-cells
warning), each with its own slicing and count. One helper, jae._words.first_names, writes them all now; these are the
messages as they read before, word for word."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from jae._words import first_names


def test_first_names_says_the_first_n_and_how_many_more_or_in_all():
    names = [f"t{i}" for i in range(8)]
    assert first_names(names) == "t0, t1, t2, t3, t4 and 3 more"
    assert first_names(names, 3) == "t0, t1, t2 and 5 more"
    assert first_names(names, rest="in all") == "t0, t1, t2, t3, t4, ... (8 in all)"
    assert first_names(iter(names[:5])) == "t0, t1, t2, t3, t4"  # exactly n: all of them, no count
    assert first_names(names[:5], rest="in all") == "t0, t1, t2, t3, t4"
    assert first_names([]) == ""


def test_label_transfer_names_five_unsure_types_and_how_many_more(caplog):
    from jae.labels.transfer import _say_unsure

    types = [f"type{i}" for i in range(7)]
    labels = pd.DataFrame({"cell_type": pd.Categorical(types), "unknown": np.ones(7, bool)})
    with caplog.at_level(logging.WARNING, logger="jae"):
        _say_unsure(labels, [(t, 10, 0.9) for t in types])
    assert "labelled 'type0', 'type1', 'type2', 'type3', 'type4' and 2 more, reference types" in caplog.text


def test_folder_refusals_name_the_first_files_and_how_many_more(tmp_path):
    from jae.checkpoint import check_model_folder
    from jae.report import check_earlier_report

    model = tmp_path / "model"
    model.mkdir()
    (model / "model.json").write_text("{}")
    for name in ("a.txt", "b.txt", "c.txt", "d.txt", "e.txt"):
        (model / name).write_text("")
    with pytest.raises(FileExistsError, match=r"holds a.txt, b.txt, c.txt and 2 more besides the model"):
        check_model_folder(model, kind="jae", overwrite=True)
    report = tmp_path / "report"
    report.mkdir()
    for name in ("index.html", "metrics.csv", "metrics.md", "metrics.png", "diagnostics.csv"):
        (report / name).write_text("")
    with pytest.raises(FileExistsError, match=r"earlier report \(index.html, metrics.csv, metrics.md, metrics.png "
                                              r"and 1 more; other files there are kept\)"):
        check_earlier_report(report, overwrite=False)


def test_batch_names_say_how_many_in_all():
    from jae.mapping.batches import batch_names

    assert batch_names([str(i) for i in range(12)][::-1]) == "0, 1, 2, 3, 4, ... (12 in all)"
    assert batch_names(["b", "a"]) == "b, a"  # text names as given
