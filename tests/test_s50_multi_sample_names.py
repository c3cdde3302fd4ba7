"""Samples of one ``cellranger multi`` run are named by their folder under ``per_sample_outs/``: every sample's file is
``sample_filtered_feature_bc_matrix.h5``, so naming by the file's stem gave them one name and refused them."""

import numpy as np
import pytest

import jae
from jae.io.inputs import name_samples
from jae.io.samples import sample_name

from conftest import write_10x


def _multi(root, sample, seed):
    rng = np.random.default_rng(seed)
    n_genes, n_prot = 60, 5
    X = rng.poisson(2.0, size=(30, n_genes + n_prot))
    names = [f"G{i}" for i in range(n_genes)] + [f"P{i}" for i in range(n_prot)]
    types = ["Gene Expression"] * n_genes + ["Antibody Capture"] * n_prot
    folder = root / "run" / "outs" / "per_sample_outs" / sample / "count"
    folder.mkdir(parents=True)
    return write_10x(folder / "sample_filtered_feature_bc_matrix.h5", X, names, types)


def test_a_multi_runs_samples_are_named_by_their_folder(tmp_path):
    a, b = _multi(tmp_path, "donorA", 0), _multi(tmp_path, "donorB", 1)
    assert sample_name(a) == "donorA" and sample_name(b) == "donorB"
    assert sample_name(a.parent / "sample_filtered_feature_bc_matrix") == "donorA"  # its matrix folder
    assert list(name_samples([(None, a), (None, b)])) == ["donorA", "donorB"]


def test_combined_through_the_file_inputs_with_the_folder_names(tmp_path):
    a, b = _multi(tmp_path, "donorA", 0), _multi(tmp_path, "donorB", 1)
    mdata = jae.io.InputFiles(tenx=[a, b]).read()
    assert mdata.n_obs == 60
    assert set(mdata.obs["batch"]) == {"donorA", "donorB"}
    assert all(n.endswith(("-donorA", "-donorB")) for n in mdata.obs_names)


@pytest.mark.parametrize("parts", [("x", "count"), ("per_sample_outs", "x")])
def test_other_folders_keep_the_stem(tmp_path, parts):
    path = tmp_path.joinpath(*parts, "sample_filtered_feature_bc_matrix.h5")
    assert sample_name(path) == "sample_filtered_feature_bc_matrix"


def test_samples_holding_the_batch_column_are_counted_in_words(tmp_path):
    def sample(seed):
        mdata = jae.read_10x_h5(_multi(tmp_path / f"x{seed}", "s", seed))
        mdata.obs["batch"] = "donor"
        return mdata

    with pytest.raises(ValueError) as err:
        jae.combine_samples({"a": sample(0), "b": sample(1)})
    assert "(and 1 more sample)" in str(err.value) and "1 more samples" not in str(err.value)
