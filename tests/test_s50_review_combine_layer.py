"""jae.combine_samples of samples as scanpy users hold them, counts in ``.raw`` and ``.X`` log-normalised: a MuData
sample's normalised ``.X`` was stacked as the combined counts, in silence (fit then refused the combined object,
whose ``.raw`` was gone); an AnnData sample was refused with the fix ``pass layer='raw'``, an argument
combine_samples did not take. It now takes ``layer=`` as fit does (``'raw'``: each sample's ``.raw``, its genes),
refuses values that are no counts naming the sample and that argument, and its default reads as before."""

import warnings

import mudata as md
import numpy as np
import pandas as pd
import pytest

import jae


def _scanpy_rna(rna):
    """``rna`` as scanpy leaves it: the counts in ``.raw`` (every gene), ``.X`` log-normalised and cut to a third of
    the genes (highly variable), no layers."""
    import scanpy as sc

    rna = rna.copy()
    del rna.layers["counts"]
    rna.raw = rna.copy()
    sc.pp.normalize_total(rna)
    sc.pp.log1p(rna)
    return rna[:, ::3].copy()


@pytest.fixture(scope="module")
def samples():
    mdata = jae.simulate(240, kind="cite", n_genes=240, n_proteins=8, n_cell_types=3, n_batches=2, seed=7)
    out = {}
    for name, rows in (("a", slice(0, 120)), ("b", slice(120, 240))):
        rna = _scanpy_rna(mdata["rna"][rows])
        prot = mdata["prot"][rows].copy()
        prot.X = prot.layers["counts"].copy()  # the proteins' counts in .X, as Cell Ranger's and muon's readers
        del prot.layers["counts"]
        out[name] = (rna, prot, mdata)
    return out


def _mudatas(samples):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # mudata's pull_on_update notice
        return {n: md.MuData({"rna": rna.copy(), "prot": prot.copy()}) for n, (rna, prot, _) in samples.items()}


def _anndatas(samples):
    out = {}
    for n, (rna, prot, _) in samples.items():
        adata = rna.copy()
        counts = prot.X.toarray() if hasattr(prot.X, "toarray") else np.asarray(prot.X)
        adata.obsm["protein_expression"] = pd.DataFrame(counts, index=adata.obs_names, columns=prot.var_names)
        out[n] = adata
    return out


def test_mudata_normalised_x_is_refused_naming_the_sample_and_layer(samples):
    with pytest.raises(ValueError, match=r"^combine_samples: the RNA of sample 'a' holds values that are no counts "
                                         r"\(e\.g\. [0-9.]+, read from \.X\), so it looks normalised: pass layer=\.\.\. "
                                         r"naming where the samples keep their raw counts \(its \.raw may hold them: "
                                         r"layer='raw'\)$"):
        jae.combine_samples(_mudatas(samples))


@pytest.mark.parametrize("make", [_mudatas, _anndatas])
def test_layer_raw_combines_every_gene_of_raw(samples, make):
    given = make(samples)
    combined = jae.combine_samples(given, layer="raw")
    mdata = samples["a"][2]
    assert list(combined["rna"].var_names) == list(mdata["rna"].var_names)  # .raw's 240 genes, not .X's 80
    expected = mdata["rna"].layers["counts"]
    got = combined["rna"].layers["counts"]
    np.testing.assert_array_equal(np.asarray(got.todense()), np.asarray(
        expected.todense() if hasattr(expected, "todense") else expected, dtype=np.float32))
    assert list(combined.obs["batch"].cat.categories) == ["a", "b"]
    first = next(iter(given.values()))
    assert (first["rna"] if hasattr(first, "mod") else first).n_vars == 80  # the inputs as they were


def test_anndata_refusal_names_an_argument_combine_samples_takes(samples):
    with pytest.raises(KeyError, match=r"combine_samples: sample 'a': the AnnData has no layer 'counts'.*pass "
                                       r"layer='raw' if those are the raw counts"):
        jae.combine_samples(_anndatas(samples))
    jae.combine_samples(_anndatas(samples), layer="raw")  # which combine_samples now takes


def test_default_reads_counts_layer_then_x_as_before(samples):
    mdata = samples["a"][2]
    given = {}
    for n, rows in (("a", slice(0, 120)), ("b", slice(120, 240))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            given[n] = md.MuData({"rna": mdata["rna"][rows].copy(), "prot": samples[n][1].copy()})
    combined = jae.combine_samples(given)  # rna: layers['counts']; prot: .X (no such layer)
    assert combined["rna"].n_vars == 240 and combined["prot"].n_vars == 8
    np.testing.assert_array_equal(np.asarray(combined["prot"].X.todense()), np.vstack(
        [np.asarray(samples[n][1].X.todense() if hasattr(samples[n][1].X, "todense") else samples[n][1].X)
         for n in ("a", "b")]).astype(np.float32))
