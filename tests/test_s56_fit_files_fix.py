"""Session 56: jae.fit_files' refusal of an .h5mu whose RNA is named otherwise names jae.fit_files itself (a row of
jae.io.call_fixes, as jae.map_files and jae.embed_files have), with the options given: it said 'pass rna=<name>'.
The fix, run as written, fits; a batch_key=None given (fit_files' default is 'batch') is repeated in it."""

from __future__ import annotations

import re

import mudata
import pytest

import jae
from jae import JAE, JAEConfig
from jae.io import InputFiles


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    m = jae.simulate(300, kind="cite", n_genes=200, n_proteins=15, n_cell_types=3, n_batches=2, seed=0)
    path = tmp_path_factory.mktemp("s56fitfiles") / "named.h5mu"
    md = mudata.MuData({"genes": m["rna"].copy(), "prot": m["prot"].copy()})
    for key in ("cell_type", "batch"):
        md.obs[key] = m.obs[key].to_numpy()
    md.write(path)
    return str(path)


@pytest.mark.parametrize("batch_key", ["batch", None])
def test_fit_files_refusal_names_fit_files_and_its_fix_fits(named, tmp_path, batch_key):
    out = str(tmp_path / "model")
    config = JAEConfig(max_epochs=2)
    with pytest.raises(KeyError) as info:
        jae.fit_files(InputFiles(h5mu=named), out, config=config, batch_key=batch_key, progress_bar=False)
    line = info.value.args[0]
    fix = re.search(r"call (jae\.fit_files\(.*\))$", line)
    assert fix and "\n" not in line, line
    assert ("batch_key=None" in fix.group(1)) == (batch_key is None), line
    written = fix.group(1).replace("<name>", "'genes'").replace("<your config>", "config")
    result = eval(written, {"jae": jae, "config": config})  # the fix as written
    model = JAE.load(out, device="cpu")
    assert result.n_cells == 300 and model.batch_key == batch_key
