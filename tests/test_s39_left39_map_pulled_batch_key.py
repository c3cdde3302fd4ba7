"""Session 39 (leftover): a 'prot:batch' style key (MuData's name for a modality's column once pulled into
mdata.obs) given to jae map / jae.map_files on a two-modality .h5mu was refused with the fix to write an annotation
file holding a column 'prot:pbatch' (a column jae would then read, duplicating the one the file holds), where fit,
evaluate and map_query on the same file name the key to pass (batch_key='pbatch'). map_files now names it too; a
column the query lacks under any name is refused as before."""

from __future__ import annotations

import mudata
import pytest

from jae import JAE, JAEConfig, simulate
from jae.cli import main
from jae.io import InputFiles
from jae.workflows import map_files


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("pulled")
    m = simulate(160, kind="cite", n_genes=200, n_proteins=10, n_cell_types=3, n_batches=2, seed=0)
    model = JAE(JAEConfig(max_epochs=1, n_svd=10), seed=0, device="cpu").fit(m, progress_bar=False,
                                                                              finetune=False)
    rna, prot = m["rna"].copy(), m["prot"].copy()
    prot.obs["pbatch"] = ("q_" + m.obs["batch"].astype(str)).to_numpy()
    mudata.MuData({"rna": rna, "prot": prot}).write(d / "q.h5mu")
    model.save(d / "model")
    return d, model


def test_map_files_names_the_key_to_pass(setup):
    d, model = setup
    with pytest.raises(ValueError, match=r"the query has no obs column 'prot:pbatch' for batch_key; 'prot:pbatch' is "
                                         r"how MuData names .* pass batch_key='pbatch'$") as err:
        map_files(InputFiles(h5mu=d / "q.h5mu"), model, d / "out", batch_key="prot:pbatch", progress_bar=False)
    assert "annotation" not in str(err.value) and not (d / "out").exists()


def test_the_cli_names_the_flag(setup, caplog):
    d, _ = setup
    assert main(["map", "--model", str(d / "model"), "--h5mu", str(d / "q.h5mu"), "--batch-key", "prot:pbatch",
                 "--out", str(d / "out2"), "-q"]) != 0
    err = caplog.text
    assert "pass --batch-key='pbatch'" in err and "samples.h5ad" not in err and "Traceback" not in err


def test_a_column_missing_under_any_name_keeps_its_fix(setup):
    d, model = setup
    with pytest.raises(ValueError, match=r"no obs column 'nope' for batch_key; pass batch_key=<column> or "
                                         r"InputFiles\(\.\.\., annotations=FILE\)"):
        map_files(InputFiles(h5mu=d / "q.h5mu"), model, d / "out3", batch_key="nope", progress_bar=False)
