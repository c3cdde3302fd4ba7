"""A new 10x Multiome sample mapped onto a jae reference, walked as a user would (session 46).

Builds, under OUT (never in the repository), cellranger-arc-shaped files from one simulation (``jae.simulate``,
human Multiome, peaks named ``chrN-s-e``; four batches, the fourth the new sample):

- ``reference.h5mu``: the reference cells (the first three batches, with ``batch`` and ``cell_type``);
- ``sample/filtered_feature_bc_matrix.h5``: the new sample's cells (Gene Expression + Peaks, barcodes like
  ``AAACAGCCAAACAACA-1``), its ATAC counted in peaks of its OWN, named ``chrN:s-e`` as cellranger-arc names them: the
  model's peaks shifted by a random fraction of their width, some merged in pairs, some split, some missing, some
  extra, never overlapping;
- ``sample/atac_fragments.tsv.gz``: its fragments in 10x's format (``#`` header lines, sorted by chromosome and
  start, bgzip), of the cells and of background barcodes, with fragments between peaks; their cut sites reproduce
  the cells' simulated counts in the model's peaks exactly (checked here), and the sample's own peak matrix above is
  those same fragments counted in its own peaks;
- ``sample_labels.csv`` (the cells' simulated types, with the sample's ``batch``) and ``sample_model_peaks.h5mu``
  (the same cells on the model's own peaks: the yardstick of the two routes).

Then (unless ``--build-only``) it runs the README's commands under ``/usr/bin/time -v`` (wall time, peak memory):
``jae fit`` of the reference, ``jae map --10x ... --fragments ...``, ``jae embed`` of the sample with ``--fragments``,
with ``--remap-peaks``, on the model's own peaks, and without either (the refusal); and compares the routes'
embeddings with the one on the model's own peaks (15-NN overlap) and their labels (agreement, accuracy).

    python benchmarks/new_sample_walkthrough.py /tmp/walk                     # small: a few minutes
    nice -n 10 python benchmarks/new_sample_walkthrough.py /tmp/walk --size full \\
        --results benchmarks/results/new_sample_walkthrough.md                # 116,490 peaks, 20,000 + 5,000 cells
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_text  # noqa: E402

SIZES = {
    "small": dict(n_ref=3_000, n_query=1_000, n_genes=2_000, n_peaks=20_000, n_cell_types=8),
    "full": dict(n_ref=20_000, n_query=5_000, n_genes=13_431, n_peaks=116_490, n_cell_types=22),
}
#: Background barcodes (not cells) per sample cell, and the most fragments one has: 10x's files hold far more
#: barcodes than cells, most of them with a handful of fragments.
BACKGROUND_PER_CELL, BACKGROUND_MAX = 8, 40


def _bgzip(text_chunks, path: Path) -> None:
    """Write ``text_chunks`` (bytes) BGZF-compressed, as htslib's ``bgzip`` writes it: gzip members of at most 64 KiB
    of input, each with the ``BC`` extra field, and the empty end-of-file member."""
    def block(data: bytes) -> bytes:
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = comp.compress(data) + comp.flush()
        head = struct.pack("<4BI2BH2BHH", 31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2, len(body) + 25)
        return head + body + struct.pack("<II", zlib.crc32(data), len(data))

    with open(path, "wb") as f:
        rest = b""
        for chunk in text_chunks:
            data = rest + chunk
            whole = len(data) - len(data) % 65280
            for lo in range(0, whole, 65280):
                f.write(block(data[lo:lo + 65280]))
            rest = data[whole:]
        if rest:
            f.write(block(rest))
        f.write(bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000"))


def _intervals(names):
    parts = pd.Series(np.asarray(names, dtype=str)).str.extract(r"^(.+?)[-:_](\d+)[-_](\d+)$")
    return parts[0].to_numpy(), parts[1].astype(np.int64).to_numpy(), parts[2].astype(np.int64).to_numpy()


def own_peaks(model_peaks, rng) -> list[str]:
    """The sample's own peaks, named ``chrN:s-e``: each model peak shifted by up to half its width (58%), merged with
    the next one (10%), split in two (12%), dropped (10%) or kept as it is (10%); plus extra peaks between the model's
    (8% as many); overlaps trimmed so that no two overlap (as 10x's never do)."""
    chrom, start, end = _intervals(model_peaks)
    order = np.lexsort((start, pd.factorize(chrom)[0]))
    chrom, start, end = chrom[order], start[order], end[order]
    width = end - start
    fate = rng.choice(5, size=len(start), p=[0.58, 0.10, 0.12, 0.10, 0.10])
    peaks: list[tuple[str, int, int]] = []
    i = 0
    while i < len(start):
        f, c, s, e, w = fate[i], chrom[i], int(start[i]), int(end[i]), int(width[i])
        if f == 0:
            move = int(rng.uniform(-0.5, 0.5) * w)
            peaks.append((c, max(s + move, 0), e + move))
        elif f == 1 and i + 1 < len(start) and chrom[i + 1] == c:
            peaks.append((c, s, int(end[i + 1])))
            i += 1
        elif f == 2 and w >= 200:
            cut = s + int(w * rng.uniform(0.3, 0.7))
            peaks += [(c, s, cut), (c, cut + 20, e)]
        elif f != 3:
            peaks.append((c, s, e))
        if rng.random() < 0.08 and i + 1 < len(start) and chrom[i + 1] == c and start[i + 1] - e > 600:
            extra = e + int(rng.integers(100, start[i + 1] - e - 400))
            peaks.append((c, extra, extra + int(rng.integers(150, 300))))
        i += 1
    frame = pd.DataFrame(peaks, columns=["c", "s", "e"])
    frame["rank"] = frame["c"].map({c: k for k, c in enumerate(dict.fromkeys(chrom))})
    frame = frame.sort_values(["rank", "s", "e"], kind="stable").reset_index(drop=True)
    # each start moved past every earlier peak's end (a merged pair can reach past the next peak): none overlaps
    reach = frame.groupby("rank")["e"].cummax().groupby(frame["rank"]).shift(1).fillna(0).astype(np.int64)
    frame["s"] = np.maximum(frame["s"].to_numpy(), reach.to_numpy())
    frame = frame[frame["s"] < frame["e"]]
    return [f"{c}:{s}-{e}" for c, s, e in zip(frame["c"], frame["s"], frame["e"])]


def fragments_table(atac, barcodes, rng) -> pd.DataFrame:
    """The cells' fragments whose cut sites (start and end) give ``atac``'s counts in its peaks (as
    ``tests/test_s46_frag_roundtrip.py`` writes them), a fragment between peaks per cell, and background barcodes."""
    chrom, s, e = _intervals(atac.var_names)
    counts = sp.coo_matrix(atac.layers["counts"])
    cell, peak, n = counts.row, counts.col, counts.data.astype(np.int64)
    pairs = np.repeat(np.arange(len(n)), n // 2)  # both cut sites inside the peak
    pp = peak[pairs]
    w = (e - s)[pp]
    parts = [(pp, s[pp] + rng.integers(0, w // 3), e[pp] - 1 - rng.integers(0, w // 3), cell[pairs])]
    odd = np.flatnonzero(n % 2)  # one site inside: the end column at the peak's end is outside (gaps are >= 100 bp)
    po = peak[odd]
    parts.append((po, s[po] + rng.integers(0, (e - s)[po]), e[po], cell[odd]))
    between = rng.integers(0, len(s), atac.n_obs)  # outside every peak: after one, before the next
    parts.append((between, e[between] + 10, e[between] + 60, np.arange(atac.n_obs)))
    frame = pd.concat([pd.DataFrame({"peak": p, "start": a, "end": b, "cell": c}) for p, a, b, c in parts])
    frame["barcode"] = np.asarray(barcodes, dtype=object)[frame["cell"].to_numpy()]
    names = _barcodes((BACKGROUND_PER_CELL + 1) * atac.n_obs, rng)
    names = names[~np.isin(names, np.asarray(barcodes, dtype=object))][:BACKGROUND_PER_CELL * atac.n_obs]
    per = rng.integers(1, BACKGROUND_MAX + 1, len(names))  # a few fragments each, near peaks or not
    bg_peak = rng.integers(0, len(s), int(per.sum()))
    bg_start = np.maximum(s[bg_peak] + rng.integers(-300, 300, len(bg_peak)), 0)
    bg = pd.DataFrame({"peak": bg_peak, "start": bg_start, "end": bg_start + rng.integers(50, 600, len(bg_peak)),
                       "barcode": np.repeat(names, per)})
    frame = pd.concat([frame.drop(columns="cell"), bg], ignore_index=True)
    frame["chrom"] = chrom[frame["peak"].to_numpy()]
    order = {c: i for i, c in enumerate(dict.fromkeys(chrom))}
    frame["rank"] = frame["chrom"].map(order)
    frame = frame.sort_values(["rank", "start", "end"], kind="stable")
    frame["dup"] = rng.integers(1, 6, len(frame))
    return frame[["chrom", "start", "end", "barcode", "dup"]]


def _barcodes(n: int, rng) -> np.ndarray:
    """``n`` distinct 16-nucleotide barcodes with ``-1``, as Cell Ranger names them."""
    codes = np.unique(rng.integers(0, 4 ** 16, size=int(n * 1.1) + 10, dtype=np.uint64))
    codes = rng.permutation(codes)[:n]
    letters = np.array(list("ACGT"))
    digits = np.stack([letters[((codes >> np.uint64(2 * (15 - j))) & np.uint64(3)).astype(np.intp)]
                       for j in range(16)], axis=1)
    return np.array(["".join(r) + "-1" for r in digits], dtype=object)


def write_fragments(frame: pd.DataFrame, path: Path) -> None:
    header = ("# id=new_sample\n# description=simulated by benchmarks/new_sample_walkthrough.py\n#\n"
              "# pipeline_name=cellranger-arc\n# pipeline_version=cellranger-arc-2.0.2\n#\n"
              "# reference_path=/refdata-cellranger-arc-GRCh38-2020-A-2.0.0\n# reference_fasta_hash=b6f131840f9f3\n"
              "# reference_gtf_hash=3b4c36ca3bade\n# reference_version=2020-A\n# mkref_version=cellranger-arc-2.0.2\n"
              "#\n# primary_contig=chr1\n")

    def chunks():
        yield header.encode()
        for lo in range(0, len(frame), 2_000_000):
            yield frame.iloc[lo:lo + 2_000_000].to_csv(sep="\t", header=False, index=False).encode()

    _bgzip(chunks(), path)


def write_10x(path: Path, rna, atac_own, barcodes) -> None:
    """Cell Ranger ARC's ``filtered_feature_bc_matrix.h5``: Gene Expression (Ensembl-like ids, symbols as names) then
    Peaks (id = name = ``chrN:s-e``, with the ``interval`` tag), features x cells CSC int32."""
    import h5py

    X = sp.hstack([sp.csr_matrix(rna.layers["counts"]), sp.csr_matrix(atac_own.X)]).tocsc().T.tocsc()
    X = sp.csc_matrix(X.astype(np.int32))
    genes, peaks = list(rna.var_names), list(atac_own.var_names)
    ids = [f"ENSG{i:011d}" for i in range(len(genes))] + peaks
    names = genes + peaks
    types = ["Gene Expression"] * len(genes) + ["Peaks"] * len(peaks)
    interval = ["chr1:1-2"] * len(genes) + peaks
    with h5py.File(path, "w") as f:
        g = f.create_group("matrix")
        g["data"], g["indices"], g["indptr"] = X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)
        g["shape"] = np.array(X.shape, dtype=np.int32)
        g["barcodes"] = np.array(list(barcodes), dtype="S")
        feats = g.create_group("features")
        for key, values in (("id", ids), ("name", names), ("feature_type", types), ("genome", ["GRCh38"] * len(ids)),
                            ("interval", interval)):
            feats[key] = np.array(values, dtype="S")
        feats["_all_tag_keys"] = np.array([b"genome", b"interval"])


def build(out: Path, size: dict, seed: int) -> dict:
    import mudata as md

    md.set_options(pull_on_update=False)
    import jae
    from jae.io.readers import make_mudata

    out.mkdir(parents=True, exist_ok=True)
    (out / "sample").mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    timings = {}
    t = time.perf_counter()
    per_batch = max(size["n_ref"] // 3, size["n_query"]) + 1
    n_total = int(per_batch * 4 * 1.15)
    mdata = jae.simulate(n_total, kind="multiome", n_genes=size["n_genes"], n_peaks=size["n_peaks"],
                         n_cell_types=size["n_cell_types"], n_batches=4, seed=seed)
    batch = mdata.obs["batch"].astype(str).to_numpy()
    names = sorted(set(batch))
    ref_rows = np.flatnonzero(np.isin(batch, names[:3]))[:size["n_ref"]]
    q_rows = np.flatnonzero(batch == names[3])[:size["n_query"]]
    timings["simulate s"] = time.perf_counter() - t

    ref = mdata[ref_rows].copy()
    ref.write(out / "reference.h5mu")
    query = mdata[q_rows].copy()
    del mdata
    barcodes = _barcodes(len(q_rows), rng)
    rna = query["rna"].copy()
    rna.obs_names = barcodes
    atac = query["atac"].copy()
    atac.obs_names = barcodes
    truth = make_mudata({"rna": rna, "atac": atac})
    for col in ("batch", "cell_type"):
        truth.obs[col] = query.obs[col].astype(str).to_numpy()
    truth.write(out / "sample_model_peaks.h5mu")
    pd.DataFrame({"cell": barcodes, "batch": truth.obs["batch"].to_numpy(),
                  "cell_type": truth.obs["cell_type"].to_numpy()}).to_csv(out / "sample_labels.csv", index=False)
    ann = pd.DataFrame({"batch": truth.obs["batch"].to_numpy()}, index=pd.Index(barcodes, dtype=object))
    import anndata as ad

    ad.AnnData(obs=ann).write_h5ad(out / "sample_batch.h5ad")

    t = time.perf_counter()
    frame = fragments_table(atac, barcodes, rng)
    frag = out / "sample" / "atac_fragments.tsv.gz"
    write_fragments(frame, frag)
    timings["fragments written s"] = time.perf_counter() - t
    n_frag, n_bc = len(frame), frame["barcode"].nunique()
    del frame
    t = time.perf_counter()
    back = jae.count_fragments(frag, atac.var_names, cells=barcodes, progress_bar=False)
    timings["check count s"] = time.perf_counter() - t
    exact = (back.X != sp.csr_matrix(atac.layers["counts"]).astype(np.int32)).nnz == 0
    if not exact:
        raise RuntimeError("the fragments do not count back to the model-peak counts")
    own = own_peaks(atac.var_names, rng)
    t = time.perf_counter()
    own_counts = jae.count_fragments(frag, own, cells=barcodes, progress_bar=False)
    timings["own peaks counted s"] = time.perf_counter() - t
    write_10x(out / "sample" / "filtered_feature_bc_matrix.h5", rna, own_counts, barcodes)
    return {"reference cells": len(ref_rows), "sample cells": len(q_rows), "genes": size["n_genes"],
            "model peaks": size["n_peaks"], "sample's own peaks": len(own), "cell types": size["n_cell_types"],
            "reference batches": ", ".join(names[:3]), "sample batch": names[3],
            "fragments": n_frag, "fragment barcodes": n_bc,
            "fragments file MB": round(frag.stat().st_size / 1e6, 1),
            "ATAC counts per cell (median)": float(np.median(np.asarray(atac.X.sum(axis=1)).ravel())),
            "counts back exact": exact, **{k: round(v, 1) for k, v in timings.items()}}


def timed(name: str, argv: list[str], log: Path, *, expect_fail: bool = False) -> dict:
    """Run ``argv`` under ``/usr/bin/time -v``; wall seconds, peak RSS GB, exit status, and its log."""
    cmd = ["/usr/bin/time", "-v", *argv]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    log.write_text(proc.stdout + proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    failed = proc.returncode != 0
    if failed != expect_fail:
        sys.stderr.write(proc.stderr[-4000:])
        raise RuntimeError(f"{name}: exit status {proc.returncode}")
    return {"step": name, "command": " ".join(shlex.quote(a) for a in argv), "wall s": round(wall, 1),
            "peak GB": round(int(rss.group(1)) / 1e6, 2) if rss else None, "rc": proc.returncode}


def walk(out: Path, epochs: int | None) -> tuple[list[dict], dict]:
    import anndata as ad

    jae_cmd = [sys.executable, "-m", "jae"]
    s = out / "sample"
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    steps = []
    fit = [*jae_cmd, "fit", "--h5mu", str(out / "reference.h5mu"), "--out", str(out / "jae_model"), "--overwrite"]
    if epochs is not None:
        fit += ["--max-epochs", str(epochs)]
    steps.append(timed("jae fit (reference)", fit, logs / "fit.log"))
    sample = ["--10x", str(s / "filtered_feature_bc_matrix.h5"), "--annotations", str(out / "sample_batch.h5ad")]
    steps.append(timed("jae map --fragments", [*jae_cmd, "map", "--model", str(out / "jae_model"), *sample,
                                               "--fragments", str(s / "atac_fragments.tsv.gz"),
                                               "--out", str(out / "mapped_model"), "--overwrite"], logs / "map.log"))
    embeds = {
        "fragments": ["--fragments", str(s / "atac_fragments.tsv.gz")],
        "remap-peaks": ["--remap-peaks"],
    }
    for what, extra in embeds.items():
        steps.append(timed(f"jae embed --{what}", [*jae_cmd, "embed", "--model", str(out / "mapped_model"), *sample,
                                                   *extra, "--out", str(out / f"emb_{what}.h5ad"), "--overwrite"],
                           logs / f"embed_{what}.log"))
    steps.append(timed("jae embed (model's own peaks)", [
        *jae_cmd, "embed", "--model", str(out / "mapped_model"), "--h5mu", str(out / "sample_model_peaks.h5mu"),
        "--out", str(out / "emb_model_peaks.h5mu"), "--overwrite"], logs / "embed_model_peaks.log"))
    steps.append(timed("jae embed (own peaks, neither flag)", [
        *jae_cmd, "embed", "--model", str(out / "mapped_model"), *sample, "--out", str(out / "emb_refused.h5ad")],
        logs / "embed_refused.log", expect_fail=True))

    import mudata as md
    from mapping import knn_overlap  # (imports jae: only once the walk has run)

    base = md.read_h5mu(out / "emb_model_peaks.h5mu")
    truth = pd.read_csv(out / "sample_labels.csv", index_col="cell")["cell_type"]
    ref_emb = np.asarray(base.obsm["X_jae"])
    ref_lab = base.obs["jae_cell_type"].astype(str)
    agree = {"model's own peaks: accuracy": float((ref_lab == truth.reindex(ref_lab.index)).mean())}
    for what in embeds:
        emb = ad.read_h5ad(out / f"emb_{what}.h5ad")
        emb = emb[base.obs_names]
        lab = emb.obs["jae_cell_type"].astype(str)
        agree[f"{what}: 15-NN overlap"] = knn_overlap(np.asarray(emb.X), ref_emb)
        agree[f"{what}: max abs difference"] = float(np.abs(np.asarray(emb.X) - ref_emb).max())
        agree[f"{what}: label agreement"] = float((lab.to_numpy() == ref_lab.to_numpy()).mean())
        agree[f"{what}: accuracy"] = float((lab == truth.reindex(lab.index)).mean())
    return steps, agree


def markdown(size_name: str, facts: dict, steps: list[dict], agree: dict, out: Path) -> str:
    lines = [f"# A new Multiome sample mapped onto a reference, walked from cellranger-arc's files ({size_name})", "",
             "Generated by `benchmarks/new_sample_walkthrough.py`; files under a scratch folder (`OUT` below).", "",
             "| what | value |", "|---|---|"]
    lines += [f"| {k} | {v:,} |" if isinstance(v, int) and not isinstance(v, bool) else f"| {k} | {v} |"
              for k, v in facts.items()]
    lines += ["", "| step | wall s | peak GB | exit |", "|---|---|---|---|"]
    lines += [f"| {s['step']} | {s['wall s']} | {s['peak GB']} | {s['rc']} |" for s in steps]
    lines += ["", "| comparison with the embedding on the model's own peaks | value |", "|---|---|"]
    lines += [f"| {k} | {v:.4g} |" for k, v in agree.items()]
    lines += ["", "Commands (`OUT` the scratch folder):", "", "```bash"]
    lines += [s["command"].replace(str(out), "OUT").replace(sys.executable, "python") for s in steps]
    lines += ["```", ""]
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="scratch folder for the files (not in the repository)")
    p.add_argument("--size", choices=sorted(SIZES), default="small",
                   help="small: 3,000 + 1,000 cells, 20,000 peaks (a few minutes); full: 20,000 + 5,000 cells, "
                        "13,431 genes, 116,490 peaks (default: small)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-epochs", type=int, default=None, help="jae fit --max-epochs (default: the model's own)")
    p.add_argument("--build-only", action="store_true", help="write the files, run no jae command")
    p.add_argument("--walk-only", action="store_true", help="run the commands on the files an earlier run built")
    p.add_argument("--results", type=Path, default=None, help="markdown file of the figures")
    p.add_argument("--overwrite", action="store_true",
                   help="replace --results, and the files of an earlier build in OUT")
    args = p.parse_args(argv)
    if args.build_only and args.walk_only:
        p.error("--build-only and --walk-only exclude each other: give one")
    if args.results is not None and args.results.exists() and not args.overwrite:
        p.error(f"--results {args.results} exists; pass --overwrite to replace it or choose another --results")
    if args.walk_only and not (args.out / "facts.json").is_file():
        p.error(f"--walk-only: {args.out} holds no earlier build (facts.json); run without --walk-only first")
    if not args.walk_only and (args.out / "reference.h5mu").exists() and not args.overwrite:
        p.error(f"{args.out} holds an earlier build; pass --overwrite to build again, --walk-only to reuse it, or "
                "choose another OUT")
    if args.walk_only:
        facts = json.loads((args.out / "facts.json").read_text())
    else:
        facts = build(args.out, SIZES[args.size], args.seed)
        (args.out / "facts.json").write_text(json.dumps(facts, indent=1))
    print(json.dumps(facts, indent=1))
    if args.build_only:
        return
    steps, agree = walk(args.out, args.max_epochs)
    text = markdown(args.size, facts, steps, agree, args.out)
    print(text)
    if args.results is not None:
        write_text(args.results, text)


if __name__ == "__main__":
    main()
