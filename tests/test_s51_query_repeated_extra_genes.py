"""A query whose gene names repeat among genes the model does not read (Cell Ranger's symbols repeat a few, e.g. read by
scanpy without var_names_make_unique()) was refused as if the model needed them; such names are now extra features,
ignored as any other, and only a repeated name the model reads is refused (session 51)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pytest

# anndata's own warning on repeated names (what the user sees reading such data), not jae's
pytestmark = pytest.mark.filterwarnings("ignore:Variable names are not unique")

from jae.cli import main


def _with_repeats(rna, names):
    """``rna`` with two more genes, both named each of ``names`` (counts of seeded noise)."""
    rng = np.random.default_rng(0)
    extra = ad.AnnData(rng.poisson(1.0, size=(rna.n_obs, 2 * len(names))).astype(np.float32),
                       obs=rna.obs[[]].copy())
    extra.var_names = [n for n in names for _ in range(2)]
    out = ad.concat([rna, extra], axis=1, merge="first")
    out.obs = rna.obs.copy()
    return out


@pytest.fixture(scope="module")
def fitted(default_fit):
    model, mdata = default_fit()
    rna = mdata["rna"].copy()
    rna.obs["batch"] = mdata.obs["batch"].astype(str).to_numpy()
    return model, rna


def test_a_name_repeated_among_genes_the_model_ignores_is_an_extra_feature(fitted):
    model, rna = fitted
    plain = model.embed(rna.copy(), key_added=None)
    repeated = _with_repeats(rna, ["TBCE", "HSPA14"])
    assert not repeated.var_names.is_unique
    assert np.array_equal(model.embed(repeated, key_added=None), plain)


def test_a_repeated_name_the_model_reads_is_still_refused(fitted):
    model, rna = fitted
    used = str(rna.var_names[3])
    with pytest.raises(ValueError, match=rf"1 duplicated feature name \(e\.g\. '{used}'\).*var_names_make_unique"):
        model.embed(_with_repeats(rna, ["TBCE", used]), key_added=None)


def test_the_cli_embeds_a_file_with_repeats_among_ignored_genes(fitted, tmp_path, default_fit):
    model, rna = fitted
    model.save(tmp_path / "model")
    _with_repeats(rna, ["TBCE"]).write_h5ad(tmp_path / "q.h5ad")
    rna.write_h5ad(tmp_path / "plain.h5ad")
    for name in ("q", "plain"):
        assert main(["-q", "embed", "--model", str(tmp_path / "model"), "--mod1", str(tmp_path / f"{name}.h5ad"),
                     "--out", str(tmp_path / f"{name}.emb.h5ad")]) == 0
    a, b = (ad.read_h5ad(tmp_path / f"{n}.emb.h5ad") for n in ("q", "plain"))
    assert np.array_equal(a.X, b.X)


def test_rna_alone_with_too_few_genes_is_refused_in_one_line(fitted):
    """Against a Multiome model, RNA alone with too few of its genes is also checked as the model's peaks (data read as
    RNA alone that holds the second modality): building that message crashed in pandas (all names not intervals, the
    chromosome column float after mapping) instead of the RNA's one-line refusal."""
    model, rna = fitted
    with pytest.raises(ValueError, match=r"^modality 'rna' has 300 of the model's \d+ features \(\d+%.*below the 50%"):
        model.embed(rna[:, :300].copy(), key_added=None)
