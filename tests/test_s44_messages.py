"""Session 44: refusals that name the user's own data in their fix."""

from __future__ import annotations

import anndata as ad
import mudata as md
import numpy as np
import pytest
import scipy.sparse as sp

import jae
from jae.cli._messages import cli_message


def _mod(n_obs: int, n_vars: int, prefix: str, seed: int) -> ad.AnnData:
    rng = np.random.default_rng(seed)
    a = ad.AnnData(sp.csr_matrix(rng.poisson(1.0, (n_obs, n_vars)).astype(np.float32)))
    a.var_names = [f"{prefix}{i}" for i in range(n_vars)]
    a.obs_names = [f"c{i}" for i in range(n_obs)]
    return a


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("names, pair", [(("rna", "adt", "hto", "extra"), ("rna", "adt")),
                                         (("ADT", "GEX", "extra"), ("GEX", "ADT")),
                                         (("a", "b", "c"), ("a", "b"))])
def test_more_than_two_modalities_suggest_a_pair_of_the_datas_own_names(names, pair):
    """Three or more modalities were refused with "modalities=('rna', 'atac')" whatever the data held (a CITE-seq
    MuData was told to pick an ATAC modality it does not have); the example now pairs the data's RNA modality (by
    name, else the first) with another of its modalities, hashtags left out."""
    mdata = md.MuData({n: _mod(60, 30, n, i) for i, n in enumerate(names)})
    with pytest.raises(ValueError) as err:
        jae.JAE().fit(mdata, batch_key=None)
    text = str(err.value)
    assert f"modalities={pair!r}, RNA first" in text, text
    assert "atac" not in text.lower(), text
    assert "--rna-mod NAME and --other-mod NAME" in cli_message(text)


def test_a_mapped_batchs_embedding_reads_a_shift_only_on_models_mapped_the_old_ways():
    """The warning about cells of a batch a mapped model does not know says what they miss: on models mapped since
    session 43 only the unknown call's shift (their embedding is a mapped batch's); on models whose mapped batches'
    embedding reads a trained shift (no held-out scale, a second shift trained before) that shift too. A batch mapped
    with epochs=0 has a zero shift and reads none (session 45: it was counted as reading one)."""
    from jae.mapping import QueryAdapter

    shift, scale, zero = np.ones((1, 4), np.float32), np.full(4, 2.0, np.float32), np.zeros((1, 4), np.float32)
    assert not QueryAdapter("batch", ("q",), shift, scale, zero).shifts_embedding
    assert QueryAdapter("batch", ("q",), shift).shifts_embedding  # before the held-out scale
    assert not QueryAdapter("batch", ("q",), zero).shifts_embedding  # before the scale, mapped with epochs=0
    assert QueryAdapter("batch", ("q",), shift, scale, 0.1 * shift).shifts_embedding  # the second shift
    assert not QueryAdapter("batch", ("q", "r"), np.vstack([shift, zero]), scale, np.vstack([zero, zero]),
                            ("r",)).shifts_embedding  # r mapped with epochs=0 beside a scaled q
    assert QueryAdapter("batch", ("q", "r"), np.vstack([zero, shift]), scale, np.vstack([zero, shift]),
                        ("r",)).shifts_embedding  # r mapped before the scale, q after


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_cells_of_an_unknown_batch_beside_an_epochs_0_mapping_are_told_only_the_call_lacks_a_shift(caplog):
    """A model mapped with the scale, then again with epochs=0: the epochs=0 batch embeds exactly as the reference
    model does, so cells of a batch neither mapped nor fitted lack only the unknown call's shift; the warning said
    they were 'embedded without the shift its mapped batches' embedding reads'."""
    import logging

    m = jae.simulate(450, kind="cite", n_genes=200, n_proteins=8, n_cell_types=3, n_batches=3, seed=1)
    b = m.obs["batch"].astype(str).to_numpy()
    names = sorted(set(b))
    model = jae.JAE(seed=0, config=jae.JAEConfig(max_epochs=2))
    with caplog.at_level(logging.ERROR):
        model.fit(m[b == names[0]].copy(), batch_key="batch", cell_type_key="cell_type", progress_bar=False)
        mapped = model.map_query(m[b == names[1]].copy(), batch_key="batch", progress_bar=False)
        mapped = mapped.map_query(m[b == names[2]].copy(), batch_key="batch", epochs=0, progress_bar=False)
    third = m[b == names[2]].copy()
    np.testing.assert_array_equal(mapped.embed(third), model.embed(third))  # epochs=0: the reference's reading
    third.obs["batch"] = "elsewhere"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="jae"):
        mapped.embed(third)
    text = " ".join(r.getMessage() for r in caplog.records if "neither mapped nor" in r.getMessage())
    assert "lacks the shift map_query trains for it" in text, caplog.text
    assert "embedded without the shift" not in text, text


def test_a_cell_ranger_file_read_as_mudata_is_named_by_its_path_not_as_an_h5mu_file(tmp_path):
    """``model.embed('x.h5')`` or ``jae.read_h5mu('x.h5')`` on a Cell Ranger matrix said '.h5mu file x.h5 is a Cell
    Ranger feature-barcode matrix': the user's .h5 was called an .h5mu. Python names the path; the CLI, the flag it
    came by."""
    import h5py

    path = tmp_path / "filtered_feature_bc_matrix.h5"
    with h5py.File(path, "w") as f:
        f.create_group("matrix").create_dataset("barcodes", data=np.array([b"AAAC-1"]))
    with pytest.raises(ValueError) as err:
        jae.read_h5mu(path)
    text = str(err.value)
    assert text.startswith(f"{path} is a Cell Ranger feature-barcode matrix"), text
    assert ".h5mu file" not in text and "read it with jae.read_10x_h5" in text, text
    assert cli_message(text).startswith(f"--h5mu file {path} is a Cell Ranger"), cli_message(text)
    assert "pass it as --10x FILE" in cli_message(text)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_a_second_modality_named_like_hashtags_is_told_how_to_pair_it(tmp_path):
    """A MuData of rna + 'multiplexing' (a name cell hashing goes by) was refused as RNA with hashtags, with no way
    to say the modality holds proteins: the refusal now names the pair to pass, in memory and from a file."""
    mdata = md.MuData({"rna": _mod(60, 30, "g", 0), "multiplexing": _mod(60, 8, "CD", 1)})
    with pytest.raises(ValueError) as err:
        jae.JAE().fit(mdata, batch_key=None)
    assert "name the pair: modalities=('rna', 'multiplexing'))" in str(err.value), str(err.value)
    assert "--rna-mod NAME and --other-mod NAME" in cli_message(str(err.value))
    mdata.write(tmp_path / "x.h5mu")
    with pytest.raises(ValueError, match=r"if 'multiplexing' holds proteins or peaks, pass other=<name>\)"):
        jae.read_h5mu(tmp_path / "x.h5mu")
