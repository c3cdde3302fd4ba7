"""``jae demo``: the whole pipeline on built-in simulated data, no download."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo", help="run pretrain -> fine-tune -> embed on built-in simulated data",
        description="Simulate paired RNA+ATAC (or RNA+protein) counts with cell types, batch effects and cell "
        "cycle; hide the labels of the last batch; pretrain JAE on the labelled batches, fine-tune on the hidden "
        "one, embed every cell, score the embedding against the SVD baseline and write everything to --out, with an "
        "evaluation report (UMAPs of jae beside the SVD baseline, a metrics chart, index.html) in --out/report.",
    )
    p.add_argument("--out", type=Path, default=Path("jae_demo_output"), help="output folder (default: jae_demo_output)")
    p.add_argument("--kind", choices=("multiome", "cite"), default="multiome")
    p.add_argument("--n-cells", type=int, default=3000)
    p.add_argument("--max-epochs", type=int, default=None, help="cap on pretraining epochs (default: the seed's 500)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--overwrite", action="store_true", help="replace the files of an earlier demo in --out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from .. import JAE, JAEConfig
    from ..baseline import svd_baseline_from
    from ..datasets import simulate
    from ..io import write_atomic, write_embedding_h5ad
    from ..report import write_report

    t0 = time.perf_counter()
    out = Path(args.out)
    files = {"data": out / "demo.h5mu", "model": out / "model", "embedding": out / "embedding.h5ad",
             "report": out / "report"}
    if not args.overwrite and any(f.exists() for f in files.values()):
        raise FileExistsError(f"{out} already holds demo output; pass --overwrite or choose another --out")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder; choose a folder path for --out")
    if not out.resolve().parent.is_dir():
        raise FileNotFoundError(f"the folder {out.resolve().parent} of --out {out} does not exist; create it first")
    mdata = simulate(args.n_cells, kind=args.kind, seed=args.seed)
    batches = sorted(mdata.obs["batch"].unique())
    query = (mdata.obs["batch"] == batches[-1]).to_numpy()
    mdata.obs["cell_type_reference"] = mdata.obs["cell_type"].astype(object).where(~query)
    print(
        f"simulated {mdata.n_obs} cells ({args.kind}: {', '.join(f'{k} {v.n_vars} features' for k, v in mdata.mod.items())}), "
        f"{len(batches)} batches, {mdata.obs['cell_type'].nunique()} cell types; "
        f"labels hidden for batch {batches[-1]} ({int(query.sum())} query cells)"
    )
    config = JAEConfig() if args.max_epochs is None else JAEConfig(max_epochs=args.max_epochs)
    model = JAE(config, seed=args.seed, device=args.device).fit(
        mdata, cell_type_key="cell_type_reference", progress_bar=not args.quiet
    )
    Z = model.embed(mdata)
    mdata.obsm["X_svd_baseline"] = svd_baseline_from(mdata, seed=args.seed)
    pred = model.predict_cell_type(mdata, embedding=Z)
    mdata.obs["jae_cell_type"] = pred["cell_type"].to_numpy()
    mdata.obs["jae_confidence"] = pred["confidence"].to_numpy()
    acc = float(np.mean(pred["cell_type"].to_numpy()[query] == mdata.obs["cell_type"].astype(str).to_numpy()[query]))
    n_pre = int((model.history["stage"] == "pretrain").sum())
    n_fine = int((model.history["stage"] == "finetune").sum())
    print(f"pretrained {n_pre} epochs on {int((~query).sum())} reference cells, fine-tuned {n_fine} epochs on the query")
    print(f"embedding: {Z.shape[0]} cells x {Z.shape[1]} dims ({model})")
    print(f"label transfer accuracy on the query batch: {acc:.3f}")
    table = _scores(mdata, Z, seed=args.seed)
    print("competition metrics on all cells (higher is better):")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    model.save(files["model"], overwrite=args.overwrite)
    write_atomic(mdata, files["data"], overwrite=args.overwrite)
    write_embedding_h5ad(Z, mdata.obs_names, files["embedding"], dataset_id="jae_demo", method_id="jae",
                         overwrite=args.overwrite)
    index = write_report(
        table, {"jae": Z, "svd_baseline": mdata.obsm["X_svd_baseline"]}, files["report"],
        cell_type=mdata.obs["cell_type"], batch=mdata.obs["batch"], title="jae demo: jae vs the SVD baseline",
        description=f"{mdata.n_obs} simulated {args.kind} cells; labels hidden for batch {batches[-1]}.",
        seed=args.seed, progress_bar=not args.quiet,
    )
    print(f"wrote {files['data']} (obsm['X_jae'], obsm['X_svd_baseline'], obs['jae_cell_type'])")
    print(f"wrote {files['model']}/ (model.json + weights.pt) and {files['embedding']} (competition format)")
    print(f"wrote the evaluation report to {files['report']}/: UMAPs of jae and the SVD baseline, metrics chart; "
          f"open {index}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _scores(mdata, Z, *, seed: int):
    """The competition's metric suite for jae and the baseline, side by side (rows: embeddings)."""
    from ..metrics import cell_cycle_reference, evaluate_embedding
    from ..preprocess import log_normalize
    from ..report import metrics_table

    obs = mdata.obs
    rna = mdata.mod["rna"]
    cc = cell_cycle_reference(log_normalize(rna.layers["counts"]), rna.var_names, obs["batch"], seed=seed)
    pseudotime = obs[[c for c in obs.columns if c.startswith("pseudotime_order_")]]
    rows = {}
    for name, emb in (("jae", Z), ("svd_baseline", mdata.obsm["X_svd_baseline"])):
        rows[name] = evaluate_embedding(
            emb, cell_type=obs["cell_type"], batch=obs["batch"], pseudotime=pseudotime, cell_cycle=cc,
            seed=seed, progress_bar=False,
        )
    return metrics_table(rows)
