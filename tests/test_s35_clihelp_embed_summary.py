"""jae embed --h5mu FILE --out OUT.h5mu --impute-modality NAME (no --impute-out) wrote the imputed values as
layers['jae_imputed'] of that modality in the copy, but its summary said only 'written to OUT.h5mu', as if nothing
was imputed; it now names the modality and the layer."""

from __future__ import annotations

import mudata as md

from jae.cli import main
from jae.datasets import simulate


def test_embed_summary_says_where_the_imputed_modality_went(own_cite_model, capsys):
    folder, _ = own_cite_model("s35_embed_summary")
    m = simulate(40, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=5)
    rna = md.MuData({"rna": m["rna"].copy()})
    rna.obs["batch"] = m.obs["batch"].values
    rna.write(folder / "rna.h5mu")
    out = folder / "out.h5mu"
    assert main(["-q", "embed", "--model", str(folder / "model"), "--h5mu", str(folder / "rna.h5mu"), "--out", str(out),
                 "--impute-modality", "prot", "--device", "cpu"]) == 0
    said = capsys.readouterr().out
    assert "prot imputed in its layers['jae_imputed']" in said, said
    assert "jae_imputed" in md.read_h5mu(out)["prot"].layers  # what the line says
