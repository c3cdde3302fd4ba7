"""jae.count_fragments on simulated Multiome (session 46): a fragments file written to reproduce the cells' peak counts
(10x's layout: sorted by chromosome and start, with fragments outside every peak and of barcodes that are no
cells) counts back to those counts exactly, and the model embeds the counted cells exactly as the original ones."""

from __future__ import annotations

import gzip

import mudata as md
import numpy as np
import pandas as pd
import scipy.sparse as sp

import jae
from jae.io.features import _INTERVAL


def write_fragments(path, atac, *, seed: int = 0) -> None:
    """A gzipped 10x fragments file whose cut sites (start and end column) give ``atac.layers['counts']``: per count
    pair one fragment with both ends in the peak, an odd count's last site a fragment ending at the peak's end (a
    position outside it); per cell one fragment between peaks, and fragments of barcodes no cell has."""
    rng = np.random.default_rng(seed)
    parts = pd.Series(np.asarray(atac.var_names)).str.extract(_INTERVAL)
    chrom, s, e = parts[0].to_numpy(), parts[2].astype(int).to_numpy(), parts[4].astype(int).to_numpy()
    counts = sp.coo_matrix(atac.layers["counts"])
    cell, peak, n = counts.row, counts.col, counts.data.astype(int)
    rows = []
    pairs = np.repeat(np.arange(len(n)), n // 2)  # fragments with both cut sites inside the peak
    w = (e - s)[peak[pairs]]
    a = s[peak[pairs]] + rng.integers(0, w // 3)
    rows.append((peak[pairs], a, e[peak[pairs]] - 1 - rng.integers(0, w // 3), cell[pairs]))
    odd = np.flatnonzero(n % 2)  # one site inside: the end column at the peak's end is outside (gaps are > 100 bp)
    rows.append((peak[odd], s[peak[odd]] + rng.integers(0, (e - s)[peak[odd]]), e[peak[odd]], cell[odd]))
    between = rng.integers(0, len(s), atac.n_obs)  # outside every peak: after one, before the next
    rows.append((between, e[between] + 10, e[between] + 60, np.arange(atac.n_obs)))
    frame = pd.concat([pd.DataFrame({"peak": p, "start": a, "end": b, "cell": c}) for p, a, b, c in rows])
    barcodes = np.asarray(atac.obs_names, dtype=object)[frame["cell"].to_numpy()]
    other = pd.DataFrame({"peak": peak[:50], "start": s[peak[:50]], "end": e[peak[:50]] - 1,
                          "barcode": [f"BACKGROUND{i}-1" for i in range(50)]})
    frame = pd.concat([frame.assign(barcode=barcodes).drop(columns="cell"), other])
    frame["chrom"] = chrom[frame["peak"].to_numpy()]
    order = {c: i for i, c in enumerate(dict.fromkeys(chrom))}  # the reference's order, as 10x sorts
    frame = frame.assign(rank=frame["chrom"].map(order)).sort_values(["rank", "start", "end"], kind="stable")
    frame["dup"] = rng.integers(1, 4, len(frame))
    with gzip.open(path, "wt") as f:
        f.write("# id=simulated\n# primary_contig=chr1\n")
        frame[["chrom", "start", "end", "barcode", "dup"]].to_csv(f, sep="\t", header=False, index=False)


def test_counted_fragments_give_back_the_counts_and_the_same_embedding(default_fit, tmp_path):
    model, mdata = default_fit()
    atac = mdata["atac"]
    path = tmp_path / "atac_fragments.tsv.gz"
    write_fragments(path, atac)
    counted = jae.count_fragments(path, model, cells=mdata["rna"].obs_names, progress_bar=False, chunk_size=20_000)
    assert counted.obs_names.equals(mdata["rna"].obs_names)
    assert counted.var_names.equals(atac.var_names)
    assert (counted.layers["counts"] != sp.csr_matrix(atac.layers["counts"]).astype(np.int32)).nnz == 0

    expected = model.embed(mdata.copy(), key_added=None)
    got = model.embed(md.MuData({"rna": mdata["rna"].copy(), "atac": counted}), key_added=None)
    np.testing.assert_array_equal(got, expected)


def test_every_barcode_when_no_cells_are_given(default_fit, tmp_path):
    _, mdata = default_fit()
    path = tmp_path / "atac_fragments.tsv.gz"
    write_fragments(path, mdata["atac"], seed=1)
    counted = jae.count_fragments(path, mdata["atac"].var_names, progress_bar=False)
    background = counted.obs_names.str.startswith("BACKGROUND")
    assert background.sum() == 50 and counted[background].X.sum() == 100  # both ends in the peak: 2 each
    cells = counted[mdata.obs_names]
    assert (cells.X != sp.csr_matrix(mdata["atac"].layers["counts"]).astype(np.int32)).nnz == 0


def test_real_bmmc_peaks_and_counts_round_trip(data_dir, tmp_path):
    """The BMMC Multiome starter's own peaks (a GL000205.2 contig among them, in the file's unsorted order) and its
    Cell Ranger ARC counts."""
    import anndata as ad

    atac = ad.read_h5ad(data_dir / "neurips2021_starter/joint_embedding/multiome/openproblems_bmmc_multiome_starter"
                                   ".mod2.h5ad")
    path = tmp_path / "atac_fragments.tsv.gz"
    write_fragments(path, atac, seed=2)
    counted = jae.count_fragments(path, atac.var_names, cells=atac.obs_names, progress_bar=False)
    assert counted.var_names.equals(atac.var_names) and counted.obs_names.equals(atac.obs_names)
    assert (counted.X != sp.csr_matrix(atac.layers["counts"]).astype(np.int32)).nnz == 0
