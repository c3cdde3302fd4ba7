"""Optional peer tools for the quality benchmark: scvi-tools totalVI (CITE) and MultiVI (Multiome).

They join the table only when ``scvi`` is importable; the benchmark never installs them. Both are unsupervised:
one model per seed on all cells, whose latent representation is scored in both settings (on the query cells
for ``pretrained``, on all cells for ``online``).
"""

from __future__ import annotations

import importlib.util
import logging

import numpy as np

log = logging.getLogger(__name__)

MAX_EPOCHS = 200  # scvi-tools' own default cap for datasets of this size


def available() -> bool:
    """True when scvi-tools is importable."""
    return importlib.util.find_spec("scvi") is not None


def _totalvi(qset, seed: int) -> np.ndarray:
    import anndata as ad
    import scvi

    scvi.settings.seed = seed
    rna, prot = qset.mdata["rna"], qset.mdata["prot"]
    adata = ad.AnnData(rna.layers["counts"].copy(), obs=qset.obs[["batch"]].copy())
    adata.obsm["protein_expression"] = np.asarray(
        prot.layers["counts"].toarray() if hasattr(prot.layers["counts"], "toarray") else prot.layers["counts"]
    )
    scvi.model.TOTALVI.setup_anndata(adata, batch_key="batch", protein_expression_obsm_key="protein_expression")
    model = scvi.model.TOTALVI(adata)
    model.train(max_epochs=MAX_EPOCHS, accelerator="cpu")
    return np.asarray(model.get_latent_representation(), dtype=np.float32)


def _multivi(qset, seed: int) -> np.ndarray:
    """MultiVI through its MuData setup (scvi-tools >= 1.4 ignores ``setup_anndata`` for MultiVI)."""
    import anndata as ad
    import mudata as md
    import scipy.sparse as sp
    import scvi

    scvi.settings.seed = seed
    mods = {
        name: ad.AnnData(sp.csr_matrix(qset.mdata[name].layers["counts"]), obs=qset.obs[["batch"]].copy(),
                         var=qset.mdata[name].var[[]].copy())
        for name in ("rna", "atac")
    }
    mdata = md.MuData(mods)
    scvi.model.MULTIVI.setup_mudata(
        mdata, batch_key="batch", modalities={"rna_layer": "rna", "atac_layer": "atac", "batch_key": "rna"}
    )
    model = scvi.model.MULTIVI(mdata)
    model.train(max_epochs=MAX_EPOCHS, accelerator="cpu")
    return np.asarray(model.get_latent_representation(), dtype=np.float32)


def peer_embeddings(qset, *, seed: int) -> dict[str, dict[str, np.ndarray]]:
    """``{setting: {method: (n_cells, d) embedding of all cells}}``; empty when scvi-tools is not installed."""
    if not available():
        return {}
    if "prot" in qset.mdata.mod:
        name, fn = "totalvi", _totalvi
    elif "atac" in qset.mdata.mod:
        name, fn = "multivi", _multivi
    else:
        return {}
    try:
        Z = fn(qset, seed)
    except Exception as err:  # a peer tool failing must not sink the benchmark; the log says why
        log.warning("%s on %s failed: %s", name, qset.name, err)
        return {}
    return {"pretrained": {name: Z}, "online": {name: Z}}
