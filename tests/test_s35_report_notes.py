"""Session 35: a metrics table whose notes were not recorded with it (pd.concat of two jae.evaluate tables drops
their attrs, as does reading metrics.csv back) said every embedding's overall was the "mean of nothing"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jae.report import metrics_table, table_markdown


def _result(nmi: float) -> pd.Series:
    values = {"nmi": nmi, "asw_label": 0.5, "cc_cons": np.nan, "ti_cons": np.nan, "asw_batch": 0.9,
              "graph_conn": 0.8}
    result = pd.Series({**values, "overall": np.nanmean(list(values.values()))})
    result.attrs["averaged"] = ["nmi", "asw_label", "asw_batch", "graph_conn"]
    result.attrs["skipped"] = {"cc_cons": "no RNA modality", "ti_cons": "no pseudotime given"}
    return result


def test_tables_joined_by_concat_do_not_claim_overall_averages_nothing(tmp_path):
    joined = pd.concat([metrics_table({"a": _result(0.3)}), metrics_table({"b": _result(0.4)})])
    assert not joined.attrs  # pandas drops attrs that differ: the notes are not recorded with the joined table
    text = table_markdown(joined)
    assert "mean of nothing" not in text
    assert "- a: n/a: cc_cons, ti_cons (why is not recorded with this table)" in text
    joined.to_csv(tmp_path / "metrics.csv")
    back = table_markdown(pd.read_csv(tmp_path / "metrics.csv", index_col=0))
    assert "mean of nothing" not in back and "- b: n/a: cc_cons, ti_cons" in back


def test_recorded_notes_are_unchanged():
    text = table_markdown(metrics_table({"a": _result(0.3)}))
    assert "- a: overall = mean of nmi, asw_label, asw_batch, graph_conn; n/a: cc_cons (no RNA modality); " \
           "ti_cons (no pseudotime given)" in text
