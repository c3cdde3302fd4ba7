"""README / help promises checked in session 33: a model made by jae map is not fine-tuned unless asked."""

from __future__ import annotations

import jae
from jae.cli import build_parser
from jae.datasets import simulate


def _help(verb: str) -> str:
    """The verb's description and its options' help texts, unwrapped (argparse wraps at hyphens)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    p = sub.choices[verb]
    return " ".join([p.description or ""] + [a.help or "" for a in p._actions])


def test_a_mapped_model_is_fine_tuned_only_when_finetune_epochs_asks(own_cite_model, tmp_path):
    _, ref = own_cite_model("s33_readme_mapped")
    query = simulate(120, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=2)
    query.obs["batch"] = "q_" + query.obs["batch"].astype(str)
    for name in query.mod:
        query[name].obs["batch"] = query.obs["batch"]
    mapped = ref.map_query(query, epochs=1, progress_bar=False)
    mapped.save(tmp_path / "mapped")
    query.write(tmp_path / "q.h5mu")
    files = jae.io.InputFiles(h5mu=tmp_path / "q.h5mu")
    plain = jae.embed_files(files, tmp_path / "mapped", tmp_path / "a.h5ad", progress_bar=False)
    assert plain.model.provenance()["finetune_seeds"] == []  # the default: embedded as mapped
    asked = jae.embed_files(files, tmp_path / "mapped", tmp_path / "b.h5ad", finetune_epochs=1, seed=5,
                            progress_bar=False)
    assert asked.model.provenance()["finetune_seeds"] == [5]  # --finetune-epochs N fine-tunes it, --seed seeds it
    # so the help does not say it is never fine-tuned, nor that --seed never goes with it
    assert "never fine-tuned" not in _help("map")
    assert "not fine-tuned unless --finetune-epochs N" in _help("map")
    assert "written by 'jae map' without --finetune-epochs N" in _help("embed")
