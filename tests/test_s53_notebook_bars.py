"""A finished ``model.fit`` in a notebook left its preprocessing bar on screen (full, green with ipywidgets) while the
pretraining's and fine-tuning's bars, drawn after it, were gone: the cell showed a bar of preprocessing alone; and
``map_query`` left its bar where evaluate's goes. Every bar of a fit and of a mapping is now gone once done, as
evaluate's is; a bar stopped short (an interrupt) stays, as tqdm shows it."""

from __future__ import annotations

import numpy as np

import jae


def _on_screen(err: str) -> list[str]:
    """The lines a terminal (or a notebook's text output) shows of ``err``: each line's text after its last ``\\r``."""
    return [line.split("\r")[-1] for line in err.split("\n") if line.split("\r")[-1].strip()]


def test_a_finished_fit_or_mapping_leaves_no_bar(capsys, monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    mdata = jae.simulate(200, n_genes=300, n_peaks=400, seed=0)
    mdata.obs["cell_type"] = mdata.obs["cell_type"].astype(object)
    mdata.obs.loc[mdata.obs["batch"] == mdata.obs["batch"].iloc[-1], "cell_type"] = np.nan  # a query: fine-tuned
    model = jae.JAE(jae.JAEConfig(max_epochs=2), seed=0).fit(mdata)
    query = mdata[mdata.obs["batch"] == mdata.obs["batch"].iloc[0]].copy()
    query.obs["batch"] = "query_" + query.obs["batch"].astype(str)
    model.map_query(query, epochs=1)
    err = capsys.readouterr().err
    for desc in ("preprocessing", "jae pretrain", "jae finetune", "mapping query"):
        assert f"{desc}: " in err  # drawn while it ran
    left = [line for line in _on_screen(err) if "%|" in line]
    assert not left, left
