"""jae map --help on --batch-key's default, against what a mapped model reads (s37 audit).

The help said the default was "the column the reference model was fitted with, else batch"; a model made by jae map
(which --model takes, its mappings kept) reads the column its mapping read instead, and refuses any other: a model
mapped by 'sample' and mapped again without --batch-key reads 'sample', not the fit column the help named.
"""

from __future__ import annotations

import io
import logging
from contextlib import redirect_stdout


def _help() -> str:
    from jae.cli import build_parser

    out = io.StringIO()
    with redirect_stdout(out):
        try:
            build_parser().parse_args(["map", "--help"])
        except SystemExit:
            pass
    return " ".join(out.getvalue().split())


def test_the_help_names_the_mapped_models_column_and_a_mapped_model_reads_it(own_cite_model, caplog):
    from jae.datasets import simulate

    said = _help()
    assert ("(default: for a model made by 'jae map', the column its mapping read, which is the only one it takes; "
            "else the column the reference model was fitted with, else batch)") in said
    _, reference = own_cite_model("s37_map_help")
    first = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=7)
    first.obs["sample"] = "lib_a"
    mapped = reference.map_query(first, batch_key="sample", epochs=1, progress_bar=False)
    second = simulate(60, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=1, seed=8)
    second.obs["sample"] = "lib_b"  # its 'batch' column names a batch too: not read
    with caplog.at_level(logging.INFO, logger="jae.mapping.batches"):
        again = mapped.map_query(second, epochs=1, progress_bar=False)
    assert "the query's batches are read from obs['sample'], the column the reference was mapped by" in caplog.text
    assert again.mappings[-1]["batches"] == ["lib_b"] and reference.batch_key == "batch"
