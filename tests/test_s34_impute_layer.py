"""Session 34 audit of jae.imputation's layer writer (``jae embed --impute-modality``): edge inputs."""

from __future__ import annotations

import logging

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest

from jae.imputation import add_imputed_layer


def _imputed(var_names, cells) -> ad.AnnData:
    rng = np.random.default_rng(0)
    out = ad.AnnData(X=rng.normal(size=(len(cells), len(var_names))).astype(np.float32),
                     obs=pd.DataFrame(index=pd.Index(cells)), var=pd.DataFrame(index=pd.Index(var_names)))
    out.uns["jae_imputed"] = {"modality": "atac", "kind": "ATAC", "method": "decoder", "scale": "log", "from": "rna"}
    return out


def test_peaks_named_with_other_separators_get_their_prediction_by_interval(caplog):
    """The model's peaks chr1-100-200 and the file's chr1:100-200 (embed matches them by interval): the layer holds
    the prediction in those columns, where it refused them as 'sharing no feature' (or left them NaN)."""
    model_peaks = [f"chr1-{100 * k}-{100 * k + 50}" for k in range(1, 7)]
    file_peaks = [p.replace("-", ":", 1) for p in model_peaks[::-1]] + ["chr2:5-9"]  # another order, one extra
    cells = [f"c{i}" for i in range(5)]
    atac = ad.AnnData(X=np.full((5, len(file_peaks)), np.nan, dtype=np.float32),
                      obs=pd.DataFrame(index=cells), var=pd.DataFrame(index=file_peaks))
    mdata = md.MuData({"atac": atac})
    imputed = _imputed(model_peaks, cells[1:4])
    with caplog.at_level(logging.INFO, logger="jae"):
        add_imputed_layer(mdata, imputed, "atac")
    layer = mdata["atac"].layers["jae_imputed"]
    np.testing.assert_array_equal(layer[1:4, :6], imputed.X[:, ::-1])
    assert np.isnan(layer[[0, 4]]).all() and np.isnan(layer[:, 6]).all()
    assert "matched by their interval" in caplog.text


def test_a_half_matching_peak_set_fills_the_rest_by_interval():
    """Some of the file's peaks share the model's names, others only its intervals: none is left NaN."""
    model_peaks = [f"chr1-{100 * k}-{100 * k + 50}" for k in range(1, 5)]
    file_peaks = model_peaks[:2] + [p.replace("-", ":", 1) for p in model_peaks[2:]]
    atac = ad.AnnData(X=np.zeros((2, 4), dtype=np.float32), obs=pd.DataFrame(index=["a", "b"]),
                      var=pd.DataFrame(index=file_peaks))
    mdata = md.MuData({"atac": atac})
    imputed = _imputed(model_peaks, ["b"])
    add_imputed_layer(mdata, imputed, "atac")
    np.testing.assert_array_equal(mdata["atac"].layers["jae_imputed"][1], imputed.X[0])


def test_features_sharing_neither_name_nor_interval_are_still_refused():
    atac = ad.AnnData(X=np.zeros((2, 2), dtype=np.float32), obs=pd.DataFrame(index=["a", "b"]),
                      var=pd.DataFrame(index=["chr9:1-2", "chr9:3-4"]))
    with pytest.raises(ValueError, match="none of the 3 features predicted"):
        add_imputed_layer(md.MuData({"atac": atac}), _imputed(["chr1-1-2", "chr1-3-4", "chr1-5-6"], ["a"]), "atac")


def test_impute_with_an_unfitted_model_says_so():
    """jae.impute(JAE(), data) crashed with IndexError: list index out of range; now embed's one line."""
    import jae
    from jae.datasets import simulate

    q = simulate(20, kind="cite", n_genes=200, n_proteins=5, n_cell_types=2, n_batches=1, seed=0)
    with pytest.raises(RuntimeError, match=r"^this JAE model is not fitted yet; call model.fit\(data\) or "
                                           r"JAE.load\(path\) first$"):
        jae.impute(jae.JAE(), q["rna"], modality="prot")
    with pytest.raises(RuntimeError, match="not fitted yet"):
        jae.impute(jae.JAE(), q["rna"])


def test_a_new_modality_of_cells_the_mudata_lacks_is_refused_and_the_mudata_left_as_it_was():
    """add_imputed_layer(mdata, prediction of other cells, 'atac') added those cells to mdata (its n_obs grew, their
    RNA rows empty) without a word; now refused in one line, mdata unchanged."""
    rna = ad.AnnData(X=np.ones((3, 2), dtype=np.float32), obs=pd.DataFrame(index=["a", "b", "c"]),
                     var=pd.DataFrame(index=["g1", "g2"]))
    mdata = md.MuData({"rna": rna})
    with pytest.raises(ValueError, match=r"^mdata lacks 2 of the 3 imputed cells \(e.g. \['x', 'y'\]\): impute the "
                       r"cells of this mdata, or write the prediction to its own file \(imputed.write_h5ad\(FILE\)\)$"):
        add_imputed_layer(mdata, _imputed(["chr1-1-2"], ["a", "x", "y"]), "atac")
    assert list(mdata.mod) == ["rna"] and list(mdata.obs_names) == ["a", "b", "c"]
    add_imputed_layer(mdata, _imputed(["chr1-1-2"], ["c", "a"]), "atac")  # its own cells: added as before
    assert list(mdata["atac"].obs_names) == ["c", "a"] and mdata.n_obs == 3


def test_a_prediction_without_its_record_is_refused_in_one_line():
    """Predictions of two batches joined by anndata.concat (which drops uns) crashed with KeyError: 'jae_imputed'."""
    cells = ["a", "b"]
    atac = ad.AnnData(X=np.zeros((2, 2), dtype=np.float32), obs=pd.DataFrame(index=cells),
                      var=pd.DataFrame(index=["chr1-1-2", "chr1-3-4"]))
    mdata = md.MuData({"atac": atac})
    joined = ad.concat([_imputed(["chr1-1-2", "chr1-3-4"], ["a"]), _imputed(["chr1-1-2", "chr1-3-4"], ["b"])])
    with pytest.raises(ValueError, match=r"^imputed must be jae.impute's AnnData, whose uns\['jae_imputed'\] records "
                       r"what was predicted \(this AnnData has none; anndata.concat of predictions drops it unless "
                       r"uns_merge='same'\)$"):
        add_imputed_layer(mdata, joined, "atac")
    assert "jae_imputed" not in mdata["atac"].layers
    joined = ad.concat([_imputed(["chr1-1-2", "chr1-3-4"], ["a"]), _imputed(["chr1-1-2", "chr1-3-4"], ["b"])],
                       uns_merge="same")
    add_imputed_layer(mdata, joined, "atac")
    np.testing.assert_array_equal(mdata["atac"].layers["jae_imputed"], joined.X)
