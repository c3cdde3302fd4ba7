"""Every code block of the README and docs/*.md is classified, and the Python ones run as written (session 53).

The blocks are read from the pages when the test runs, so an edited example is run as it now reads. Each block is
found by a marker, a piece of text that block alone holds on its page, and is one of:

- ``Run``: executed as written, in document order with its page's other run blocks in one namespace (the README's
  later blocks use the ``model``, ``mdata`` and ``rna`` of earlier ones) in a temporary working folder, after the
  explicit substitutions of its entry (placeholder file names -> the BMMC Multiome starter, a fit's config -> a few
  epochs); ``provide`` puts in place what a reader brings (their new cells, a fragments file) and ``check`` asserts
  what the text around the block says it gives;
- ``Elsewhere``: a command-line block run as written by another test file, which must name the block's section;
- ``Illustrative``: not run here, with the reason (an install, GPUs, the layout tree).

A block without an entry, or an entry whose marker no longer finds exactly one block, fails
``test_every_block_of_the_docs_is_classified``: a new example cannot go untested unnoticed. Before this file, the
README's fragments block (``jae.count_fragments``) had never run, and as written it failed: ``mudata`` was never
imported.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import jae
from jae.io.peaks import model_atac
from jae.provenance import finetune_seeds
from test_cli_hostile import STEM

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^[ \t]*```(\S*)\n(.*?)^[ \t]*```[ \t]*$", re.S | re.M)  # indented too (in a list)
STARTER_FILES = {f'"x.{part}.h5ad"': f'STARTER + ".{part}.h5ad"' for part in ("mod1", "mod2", "solution")}


# ---------------------------------------------------------------- what a reader brings, and what the text promises

def _new_cells(ns: dict, tmp: Path) -> None:
    """The quick start's ``new_mdata`` ("new, unannotated cells"): the starter's cells read without annotations."""
    ns["new_mdata"] = jae.read_competition(ns["STARTER"] + ".mod1.h5ad", ns["STARTER"] + ".mod2.h5ad")


def _quick_start_says(ns: dict, tmp: Path) -> None:
    mdata, model, emb, labels = ns["mdata"], ns["model"], ns["emb"], ns["labels"]
    assert emb.shape == (mdata.n_obs, mdata.obs["cell_type"].nunique() + 50)  # (n_cells, n_cell_types + 50)
    np.testing.assert_array_equal(mdata.obsm["X_jae"], emb)  # also in mdata.obsm["X_jae"]
    assert list(labels.columns) == ["cell_type", "confidence", "unknown", "unknown_score"] and len(labels) == 500
    assert labels.index.equals(mdata.obs_names)
    assert (mdata.obs["jae_cell_type"].astype(str) == labels["cell_type"].astype(str)).all()  # also in mdata.obs
    assert {p.name for p in (tmp / "jae_model").iterdir()} == {"model.json", "weights.pt"}
    assert "format_version" in json.loads((tmp / "jae_model" / "model.json").read_text())
    assert len(finetune_seeds(model.history)) == 1  # the loaded model, fine-tuned once in place
    # "What jae stores where": the table's keys, as the quick start left them in mdata
    readme = (REPO / "README.md").read_text()
    stores = {key: set(re.findall(r"`([\w:<>]+)`", held)) for key, held in
              re.findall(r"^\| (`[^|]*`) \| (.*) \|$", readme.split("What jae stores where", 1)[1], re.M)}
    table = {re.findall(r"\[\"(\w+)\"\]", key)[0] if key.count("[") == 1 else key: held for key, held in stores.items()}
    assert {name.split(":")[0] + ":<" for name in model.column_names} == {
        name.split("<")[0] + "<" for name in table["X_jae"] if "<" in name}
    assert set(mdata.uns["jae"]) == table["jae"] - {"JAEConfig", "mapping"}  # the quick start maps no query
    label_key = next(k for k in stores if "jae_cell_type" in k)
    assert set(re.findall(r"\"(\w+)\"", label_key)) <= set(mdata.obs.columns)


def _query(ns: dict, tmp: Path) -> None:
    """``query_mdata``: the starter's cells as new samples (their batches renamed, so each gets its shift), read as
    the quick start reads its files; the reference's folder kept to compare after."""
    query = jae.read_competition(*(ns["STARTER"] + f".{p}.h5ad" for p in ("mod1", "mod2")),
                                 annotations=ns["STARTER"] + ".solution.h5ad")
    query.obs["batch"] = "new_" + query.obs["batch"].astype(str)
    ns["query_mdata"] = query
    ns["_reference_folder"] = {p.name: p.read_bytes() for p in (tmp / "jae_model").iterdir()}


def _mapping_says(ns: dict, tmp: Path) -> None:
    ref, mapped, query, rna = ns["ref"], ns["mapped"], ns["query_mdata"], ns["rna"]
    assert mapped is not ref and ref.adapter is None  # a new model; ref and its folder stay as they were
    assert {p.name: p.read_bytes() for p in (tmp / "jae_model").iterdir()} == ns["_reference_folder"]
    assert mapped.column_names == ref.column_names  # the reference's columns
    assert ns["emb_q"].shape == (query.n_obs, len(ref.column_names))
    np.testing.assert_array_equal(query.obsm["X_jae"], ns["emb_q"])  # also query_mdata.obsm["X_jae"]
    assert set(ns["labels_q"]["cell_type"].astype(str)) <= set(ref.cell_types)  # the reference's cell types
    assert "jae_cell_type" in query.obs and (tmp / "mapped_model" / "model.json").is_file()
    assert "batch" not in query["rna"].obs  # the copy got the batch, not the user's MuData
    np.testing.assert_array_equal(rna.obsm["X_jae"], ns["emb_rna"])  # also in rna.obsm["X_jae"]
    assert np.isfinite(ns["emb_rna"]).all()
    assert not np.allclose(ns["emb_q"], ref.embed(query, key_added=None))  # the shifts moved the query
    import scanpy as sc  # "use it as any representation"

    sc.pp.neighbors(rna, use_rep="X_jae")
    assert rna.obsp["connectivities"].shape == (rna.n_obs, rna.n_obs)


def _fragments(ns: dict, tmp: Path) -> None:
    """``atac_fragments.tsv.gz`` of the query's cells, written from their ATAC counts: one fragment per count, its
    start in the peak and its end at the peak's end (outside it: half-open), so each adds one cut site there."""
    atac = ns["query_mdata"]["atac"]
    counts = sp.csc_matrix(atac.layers["counts"])
    with gzip.open(tmp / "atac_fragments.tsv.gz", "wt") as out:
        for j, peak in enumerate(atac.var_names):
            chrom, start, end = peak.rsplit("-", 2)
            for i, n in zip(counts.indices[counts.indptr[j]:counts.indptr[j + 1]],
                            counts.data[counts.indptr[j]:counts.indptr[j + 1]]):
                out.write(f"{chrom}\t{start}\t{end}\t{atac.obs_names[i]}\t1\n" * int(n))


def _fragments_say(ns: dict, tmp: Path) -> None:
    atac, rna, model, query = ns["atac"], ns["rna"], ns["model"], ns["query_mdata"]
    peaks = model_atac(model)[0]
    assert atac.obs_names.equals(rna.obs_names) and atac.var_names.equals(peaks)  # AnnData: cells x model's peaks
    assert (atac.X != sp.csr_matrix(query["atac"][:, peaks].layers["counts"])).nnz == 0  # the counts written
    remapped = ns["query_on_model_peaks"]
    assert isinstance(remapped, md.MuData) and remapped is not query  # a new MuData
    assert set(remapped["atac"].var_names) <= set(peaks)  # on the model's peaks


def _scores_say(ns: dict, tmp: Path) -> None:
    scores = ns["scores"]  # the second call's: "the same metrics of one embedding, from arrays"
    assert list(scores.index) == ["nmi", "asw_label", "cc_cons", "ti_cons", "asw_batch", "graph_conn", "overall"]
    assert scores.notna().all(), scores.attrs.get("skipped")  # pseudotime and gex given: ti_cons, cc_cons defined
    table = jae.evaluate(ns["mdata"], {"jae": ns["emb"]}, progress_bar=False)  # the block's first call
    assert list(table.index) == ["jae"]
    pd.testing.assert_series_equal(scores, table.loc["jae"], check_names=False)  # "the same metrics"


# ------------------------------------------------------------------------------------------- the classification

@dataclass(frozen=True)
class Run:
    marker: str
    replace: dict[str, str] = field(default_factory=dict)  # placeholder -> its stand-in, each must occur
    provide: Callable[[dict, Path], None] | None = None
    check: Callable[[dict, Path], None] | None = None


@dataclass(frozen=True)
class Elsewhere:
    marker: str
    test_file: str


@dataclass(frozen=True)
class Illustrative:
    marker: str
    reason: str


BLOCKS = {
    "README.md": [
        Illustrative("bash install.sh && jae demo", "installs jae and runs the demo and the whole test suite"),
        Run("mdata = jae.read_competition(",
            {**STARTER_FILES, "jae.JAE(seed=0)": "jae.JAE(jae.JAEConfig(max_epochs=3), seed=0)"},  # seconds
            _new_cells, _quick_start_says),
        Run("mapped = ref.map_query(", {}, _query, _mapping_says),
        Run("atac = jae.count_fragments(", {}, _fragments, _fragments_say),
        Elsewhere("jae fit   --mod1 x.mod1.h5ad", "tests/test_readme.py"),
        Elsewhere("jae evaluate --mod1", "tests/test_s37_mapcli_readme_evaluate_block.py"),
        Run("scores = jae.evaluate(", {}, None, _scores_say),
        Illustrative("torchrun --nproc-per-node=4", "GPUs or several nodes; tests/test_distributed.py runs torchrun"),
        Illustrative("src/jae/\n  io/", "the Layout section's tree of folders, not code"),
    ],
}


def _blocks(page: Path) -> list[tuple[str, str, str]]:
    """``(language, code, section)`` of each fenced block of the page, in order; the section is the heading above."""
    text = page.read_text()
    blocks = []
    for m in FENCE.finditer(text):
        headings = re.findall(r"^#+ (.+)$", FENCE.sub("", text[:m.start()]), re.M)
        blocks.append((m.group(1), m.group(2), headings[-1] if headings else ""))
    fences = len(re.findall(r"^[ \t]*```", text, re.M))
    assert fences == 2 * len(blocks), f"{page.name}: a fence opens no block or closes none"
    return blocks


def _entries(page: Path) -> list[tuple[object, tuple[str, str, str]]]:
    """Each block of the page with its entry, in document order; fails on a block without an entry or an entry
    whose marker finds no block or several."""
    blocks, entries = _blocks(page), BLOCKS.get(page.name, [])
    found = {}
    for entry in entries:
        hits = [i for i, (_, code, _) in enumerate(blocks) if entry.marker in code]
        assert len(hits) == 1, f"{page.name}: marker {entry.marker!r} finds {len(hits)} blocks, not one"
        found[hits[0]] = entry
    unclassified = [code.splitlines()[0] for i, (_, code, _) in enumerate(blocks) if i not in found]
    assert not unclassified, (f"{page.name}: blocks not classified in {Path(__file__).name} (Run, Elsewhere or "
                              f"Illustrative): {unclassified}")
    return [(found[i], block) for i, block in enumerate(blocks)]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_block_of_the_docs_is_classified(page):
    for entry, (language, code, section) in _entries(page):
        if isinstance(entry, Run):
            assert language == "python", f"{page.name}: {entry.marker!r} is {language or 'plain'}, run as Python"
        elif isinstance(entry, Elsewhere):  # the test that runs it finds it by its section
            assert section in (REPO / entry.test_file).read_text(), (entry.test_file, section)


@pytest.mark.parametrize("page", [p for p in PAGES if any(isinstance(e, Run) for e in BLOCKS.get(p.name, []))],
                         ids=lambda p: p.name)
def test_python_blocks_run_as_written_in_document_order(page, data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns = {"STARTER": str(data_dir / STEM)}
    for entry, (_, code, _) in _entries(page):
        if not isinstance(entry, Run):
            continue
        for placeholder, stand_in in entry.replace.items():
            assert placeholder in code, f"{page.name}: {placeholder!r} is no longer in the block of {entry.marker!r}"
            code = code.replace(placeholder, stand_in)
        if entry.provide:
            entry.provide(ns, tmp_path)
        exec(compile(code, f"{page.name} ({entry.marker})", "exec"), ns)
        if entry.check:
            entry.check(ns, tmp_path)
