"""New cells' SVD projections put back on the reference cells' scale (issue 15, session 40; a prototype, src unchanged).

Why: the SVD bases are fitted on the reference cells, so those cells' projections carry their own noise along every
component, while a new cell's projection carries only a random direction's share of its noise: new cells are less
spread along the trailing components and neighbour each other rather than the reference cells of their type
(``unknown_selection.md``, session 40). Candidate: divide each SVD column of a new cell by the component's shrink
factor ``r_j = sqrt(m_out_j / m_in_j)``, the second moment of cells outside a basis's fit over that of the cells
inside it, from a cross-fit over the reference cells (90% / 10% folds, enough folds for about 2,000 held-out cells or
all cells once). Measured on the leave-one-type-out protocol's fits (``_unknown_select.protocol_split``: the same
references, 20% test cells and left-out types, 30-epoch fits), the test cells embedded both ways: label transfer on
the known test cells, the unknown call's AUROC and balanced accuracy, and how many of a known test cell's 10 nearest
cells are reference cells (voters), over the share expected.

    OMP_NUM_THREADS=1 python benchmarks/_new_cell_shrink.py --sets bmmc_multiome bmmc_cite --min-cells 30 --seeds 0 1 2 3 4 --jsonl s.jsonl
    OMP_NUM_THREADS=1 python benchmarks/_new_cell_shrink.py --sets reapseq_pbmc pbmc10k_cite snare_mouse_cortex --max-ref 6000 --seeds 0 1 2 3 4 --jsonl s.jsonl
    python benchmarks/_new_cell_shrink.py --report --jsonl s.jsonl

``--mapped``: the test cells mapped onto the reference as one new batch (``map_query``), as now and with every feature
matrix of the query divided (the shift learned on the divided columns), and the hybrid: labels and embedding of the
divided run, the unknown call of the run as now (``unknown_selection.md``, session 40).

``--built`` (session 41): the same split mapped by ``map_query`` as jae does it since the hybrid was built (the
held-out scale measured at fit, :mod:`jae.preprocess.held_out`) and as before it; labels and the unknown call from
``predict_cell_type``.

``--built-new`` (session 42): the test cells embedded and labelled by the reference model itself, without mapping, as
jae reads new cells since it tells them from the fit's own (:mod:`jae.query.fit_cells`: divided by the held-out scale,
the unknown call's features not) and as before.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
import warnings
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _quality_data import check_sets  # noqa: E402
from _unknown_select import protocol_arguments, protocol_split  # noqa: E402
from _unknown_types import _md  # noqa: E402
from mapping import _with, voter_share  # noqa: E402

from jae import JAE, JAEConfig  # noqa: E402
from jae.labels.unknown import unknown_scores  # noqa: E402
from jae.preprocess.svd import fit_svd  # noqa: E402

#: held-out cells the cross-fit aims for (all cells once on smaller references)
HELD_OUT = 2000


def shrink_factors(normed, k: int, seed: int) -> np.ndarray:
    """``(k,)``: per rank, sqrt(second moment of held-out cells / of in-fold cells) on bases fitted to 90% folds."""
    n = normed.shape[0]
    folds = min(10, math.ceil(HELD_OUT / max(0.1 * n, 1)))
    fold = np.random.default_rng(seed).permutation(n) % 10
    m_in, m_out = np.zeros(k), np.zeros(k)
    for f in range(folds):
        basis = fit_svd(normed[fold != f], k, seed=seed)
        kk = basis.n_components
        m_in[:kk] += (basis.transform(normed[fold != f]).astype(np.float64) ** 2).mean(axis=0)
        m_out[:kk] += (basis.transform(normed[fold == f]).astype(np.float64) ** 2).mean(axis=0)
    return np.sqrt(np.where(m_in > 0, m_out / np.maximum(m_in, 1e-30), 1.0))


def divisors(model, counts: list, seed: int) -> np.ndarray:
    """``(n_input,)`` float32: each SVD column's shrink factor from the reference ``counts`` (1 for other columns)."""
    pre = model.preprocessor
    out, col = np.ones(pre.n_output, np.float32), 0
    for i, width in enumerate(pre.widths):
        if pre.bases[i] is not None:
            r = shrink_factors(pre.normalise(i, counts[i]), pre.bases[i].n_components, seed)
            out[col:col + width] = np.clip(r, 1e-3, None)
        col += width
    return out


@contextmanager
def features_divided(by: np.ndarray):
    """Inside the block every feature matrix :func:`jae.query.query_features` makes (map_query's, embed's) is divided
    by ``by``: a mapped model's query cells as a per-column scale beside its shift would place them."""
    import jae.joint
    import jae.query.features

    real = jae.query.features.query_features

    def scaled(model, data, **kw):
        found = real(model, data, **kw)
        return type(found)(found[0] / by, *found[1:])

    jae.query.features.query_features = jae.joint.query_features = scaled
    try:
        yield
    finally:
        jae.query.features.query_features = jae.joint.query_features = real


def _scores(variant: str, labels, call, E, is_new, truth, vot, n_ct: int) -> dict:
    """One variant's row: label transfer on the known test cells, the call's AUROC and rates (``call`` > 1: unknown),
    and the known cells' voter share in the embedding ``E`` (columns after the ``n_ct`` cell-type ones)."""
    from sklearn.metrics import roc_auc_score

    known = ~is_new
    return {"variant": variant, "accuracy": float((np.asarray(labels)[known] == truth[known]).mean()),
            "AUROC": float(roc_auc_score(is_new, call)), "left-out flagged": float((call > 1)[is_new].mean()),
            "known flagged": float((call > 1)[known].mean()), "voter share": voter_share(vot, E[known, n_ct:])}


def _mapped_rows(model, data, by: np.ndarray, is_new, truth, vot) -> list[dict]:
    """The test cells mapped onto ``model`` as one new batch (map_query), with their features as now and divided by
    ``by``; the hybrid takes the labels of the divided run and the unknown call of the run as now."""
    data = data.copy()
    data.obs["batch"] = "new cells"
    n_ct, out = model.layout.n_cell_type, {}
    for variant in ("mapped as now", "mapped shrink-corrected"):
        with features_divided(by) if variant.endswith("corrected") else nullcontext():
            mapped = model.map_query(data, batch_key="batch", progress_bar=False)
            E = mapped.embed(data, key_added=None)
            pred = mapped.predict_cell_type(data, embedding=E)["cell_type"].astype(str).to_numpy()
        out[variant] = (E, pred, unknown_scores(mapped, E)["head_or_far"])
    out["mapped hybrid"] = (out["mapped shrink-corrected"][0], out["mapped shrink-corrected"][1],
                            out["mapped as now"][2])
    return [_scores(variant, pred, call, E, is_new, truth, vot, n_ct) for variant, (E, pred, call) in out.items()]


def _built_rows(model, data, is_new, truth, vot) -> list[dict]:
    """``--built``: the test cells mapped as one new batch by ``map_query`` as jae now does it (the embedding's and
    labels' features divided by the held-out scale the fit measured, the unknown call's not; session 41), and as
    before it (the scale left out: ``held_out_scale_of`` made to find none); labels and call from
    ``predict_cell_type``."""
    from unittest import mock

    import jae.mapping.train

    data = data.copy()
    data.obs["batch"] = "new cells"
    n_ct, rows = model.layout.n_cell_type, []
    for variant in ("mapped as before", "mapped, held-out scale"):
        with mock.patch.object(jae.mapping.train, "held_out_scale_of", return_value=None) if variant.endswith(
                "before") else nullcontext():
            mapped = model.map_query(data, batch_key="batch", progress_bar=False)
        E = mapped.embed(data, key_added=None)
        pred = mapped.predict_cell_type(data)
        rows.append(_scores(variant, pred["cell_type"].astype(str).to_numpy(), pred["unknown_score"].to_numpy(), E,
                            is_new, truth, vot, n_ct))
    return rows


def _built_new_rows(model, data, is_new, truth, vot) -> list[dict]:
    """``--built-new`` (session 42): the test cells embedded and labelled by the reference model itself, unmapped, as
    jae now reads new cells (divided by the held-out scale, the call's features not: :mod:`jae.query.fit_cells`) and as
    before (the model's fitted cells forgotten: every cell read as it is); labels and call from
    ``predict_cell_type``."""
    n_ct, rows, kept = model.layout.n_cell_type, [], model.fit_cells
    for variant in ("unmapped as before", "unmapped, new cells scaled"):
        model.fit_cells = None if variant.endswith("before") else kept
        E = model.embed(data, key_added=None)
        pred = model.predict_cell_type(data)
        rows.append(_scores(variant, pred["cell_type"].astype(str).to_numpy(), pred["unknown_score"].to_numpy(), E,
                            is_new, truth, vot, n_ct))
    model.fit_cells = kept
    return rows


def _counts(model, mdata) -> list:
    """Each modality's counts of ``mdata`` in the model's feature order."""
    pre = model.preprocessor
    out = []
    for name, names in zip(list(mdata.mod), pre.var_names):
        a = mdata[name]
        X = a.layers["counts"] if "counts" in a.layers else a.X
        out.append(X[:, pd.Index(a.var_names).get_indexer(pd.Index(names))])
    return out


def run(name: str, seed: int, n_types: int, min_cells: int, max_ref: int | None,
        mapped: bool = False, built: bool = False, built_new: bool = False) -> list[dict]:
    qset, label, ref_rows, test, chosen = protocol_split(name, seed, n_types, min_cells, max_ref)
    lab = label.astype(str).to_numpy()
    config = replace(JAEConfig(), max_epochs=30)
    rows = []
    for novel in chosen:
        t = time.perf_counter()
        fit_rows = ref_rows & ~test & (lab != novel)
        ref = _with(qset, label.where(fit_rows))[fit_rows].copy()
        model = JAE(config, seed=seed, device="cpu").fit(ref, cell_type_key="ct", progress_bar=False)
        pos, neg = ref_rows & (lab == novel), ref_rows & test & (lab != novel)
        data = qset.mdata[pos | neg].copy()
        X = model._features(data, layer="counts")[0]
        is_new, truth = pos[pos | neg], lab[pos | neg]
        n_ct = model.layout.n_cell_type
        vot = model.embed_transformed(model.voters.features)[:, n_ct:]
        if built or built_new or mapped:  # the modes that embed and label the test cells themselves
            found = (_built_rows(model, data, is_new, truth, vot) if built else
                     _built_new_rows(model, data, is_new, truth, vot) if built_new else
                     _mapped_rows(model, data, divisors(model, _counts(model, ref), seed), is_new, truth, vot))
            rows += [{"set": name, "seed": seed, "left-out": novel, **r, "s": round(time.perf_counter() - t, 1)}
                     for r in found]
            print(json.dumps(rows[-1]), flush=True)
            continue
        by = divisors(model, _counts(model, ref), seed)
        variants = {"as now": X, "shrink-corrected": X / by}
        for variant, Xv in variants.items():
            E = model.embed_transformed(Xv)
            call = unknown_scores(model, E)["head_or_far"]
            pred = model.predict_cell_type(data, embedding=E)["cell_type"].astype(str).to_numpy()
            rows.append({"set": name, "seed": seed, "left-out": novel,
                         **_scores(variant, pred, call, E, is_new, truth, vot, n_ct),
                         "s": round(time.perf_counter() - t, 1)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def report(df: pd.DataFrame) -> str:
    df = df.copy()
    df["balanced accuracy"] = (df["left-out flagged"] + 1 - df["known flagged"]) / 2
    text = [f"{df.groupby(['set', 'seed']).ngroups} set-seeds, {len(df) // df['variant'].nunique()} fits\n"]
    for what in ("accuracy", "AUROC", "balanced accuracy", "known flagged", "left-out flagged", "voter share"):
        t = df.groupby(["variant", "set"])[what].mean().unstack("set")
        t["mean"] = t.mean(axis=1)
        t["worst"] = t.drop(columns="mean").min(axis=1)
        text.append(f"## {what}\n\n" + _md(t) + "\n")
    per_seed = df.pivot_table(index=["set", "seed"], columns="variant", values="accuracy")
    for new, old in (("shrink-corrected", "as now"), ("mapped hybrid", "mapped as now"),
                     ("mapped, held-out scale", "mapped as before"),
                     ("unmapped, new cells scaled", "unmapped as before")):
        if new in per_seed and old in per_seed:
            diff = (per_seed[new] - per_seed[old]).unstack("seed").round(3)
            text.append(f"## accuracy, {new} minus {old}, per set and seed\n\n" + _md(diff) + "\n")
    return "\n".join(text)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sets", nargs="+", default=[])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    protocol_arguments(p)
    p.add_argument("--jsonl", type=Path, required=True, help="rows appended here")
    p.add_argument("--report", action="store_true", help="only report the rows in --jsonl")
    p.add_argument("--mapped", action="store_true",
                   help="map the test cells as one new batch (map_query) as now, divided, and the hybrid")
    p.add_argument("--built", action="store_true",
                   help="map the test cells with map_query as jae now does (held-out scale) and as before it")
    p.add_argument("--built-new", action="store_true",
                   help="embed and label the test cells with the reference model, unmapped, as jae now reads new "
                        "cells (held-out scale, session 42) and as before")
    args = p.parse_args(argv)
    if args.report:
        if not args.jsonl.is_file():  # else a ValueError traceback from pandas ('Expected object or value')
            p.error(f"--report: no {args.jsonl}; pass the --jsonl of an earlier run")
        print(report(pd.read_json(args.jsonl, lines=True)))
        return 0
    if not args.sets:  # else nothing ran and nothing was said
        p.error("--sets: name at least one set (or pass --report to read --jsonl)")
    check_sets(p, args.sets, None)
    if not args.jsonl.resolve().parent.is_dir():  # else the first fit ran, then a traceback
        p.error(f"--jsonl {args.jsonl}: folder {args.jsonl.parent} does not exist")
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    for name in args.sets:
        for seed in args.seeds:
            with args.jsonl.open("a") as fh:
                for row in run(name, seed, args.types, args.min_cells, args.max_ref, args.mapped, args.built,
                               args.built_new):
                    fh.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
