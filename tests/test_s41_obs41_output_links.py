"""Session 41: an output path that is a link (--out LINK --overwrite) had the link itself replaced by a file or folder
of jae's (jae embed, fit, map, predict --output / --save-model), its target left as it was, while jae evaluate's
report folder was written through its link. Every output is now written through a link, as a shell's '>', cp and
anndata's write_h5ad do: the target is replaced (or made), the link kept, with one log line saying so."""

from __future__ import annotations

import logging
import os

import anndata as ad
import pytest

import jae
from jae.cli import main

FIT = ["--max-epochs", "1", "--set", "n_svd=8", "--device", "cpu"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """a.h5ad (RNA) and b.h5ad (ADT) of 200 cells; q.h5ad their RNA as two new batches; 'model' fitted on them."""
    folder = tmp_path_factory.mktemp("links")
    m = jae.simulate(200, kind="cite", n_genes=200, n_proteins=12, n_cell_types=3, n_batches=2, seed=3)
    m["rna"].obs = m.obs.copy()
    m["prot"].obs = m.obs[["batch"]].copy()
    m["rna"].write_h5ad(folder / "a.h5ad")
    m["prot"].write_h5ad(folder / "b.h5ad")
    q = m["rna"].copy()
    q.obs["batch"] = "new_" + q.obs["batch"].astype(str)
    q.write_h5ad(folder / "q.h5ad")
    assert main(["-q", "fit", "--mod1", str(folder / "a.h5ad"), "--mod2", str(folder / "b.h5ad"), "--out",
                 str(folder / "model"), *FIT]) == 0
    return folder


def _pair(files):
    return ["--mod1", str(files / "a.h5ad"), "--mod2", str(files / "b.h5ad")]


def _linked(tmp_path, name: str, target_name: str, make) -> tuple:
    """A link ``name`` in tmp_path to ``target_name`` in another folder, made by ``make(target)``."""
    target = tmp_path / "elsewhere" / target_name
    target.parent.mkdir(exist_ok=True)
    make(target)
    link = tmp_path / name
    os.symlink(target, link)
    return link, target


def _same_tree(a, b) -> bool:
    return sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir()) and all(
        (a / p.name).read_bytes() == (b / p.name).read_bytes() for p in a.iterdir())


def test_fit_out_link_to_a_model_folder_replaces_the_target(files, tmp_path, caplog):
    import shutil

    link, target = _linked(tmp_path, "current", "model", lambda t: shutil.copytree(files / "model", t))
    caplog.set_level(logging.INFO, logger="jae")
    assert main(["fit", *_pair(files), "--out", str(link), "--overwrite", "--seed", "7", *FIT]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert jae.JAE.load(target, device="cpu").seed == 7  # the target holds the new model
    assert not _same_tree(target, files / "model")
    assert sorted(p.name for p in target.parent.iterdir()) == ["model"]  # nothing left beside it
    said = [r.getMessage() for r in caplog.records if "is a link" in r.getMessage()]
    assert said == [f"{link} is a link: writing through it to {target}"]


def test_fit_out_link_to_an_empty_folder_writes_the_model_there(files, tmp_path):
    link, target = _linked(tmp_path, "current", "model", lambda t: t.mkdir())
    assert main(["-q", "fit", *_pair(files), "--out", str(link), *FIT]) == 0
    assert link.is_symlink() and (target / "model.json").is_file()


def test_map_out_link_replaces_the_target(files, tmp_path):
    query = ["--mod1", str(files / "q.h5ad"), "--model", str(files / "model"), "--device", "cpu", "--epochs", "1"]
    assert main(["-q", "map", *query, "--out", str(tmp_path / "mapped"), "--seed", "4"]) == 0
    link, target = _linked(tmp_path, "mapped_link", "mapped", lambda t: os.rename(tmp_path / "mapped", t))
    assert main(["-q", "map", *query, "--out", str(link), "--overwrite", "--seed", "5"]) == 0
    assert link.is_symlink() and jae.JAE.load(target, device="cpu").mappings[-1]["seed"] == 5


def test_embed_out_and_labels_out_links_replace_their_targets(files, tmp_path):
    out, out_target = _linked(tmp_path, "e.h5ad", "emb.h5ad", lambda t: t.write_text("old"))
    labels, labels_target = _linked(tmp_path, "l.csv", "labels.csv", lambda t: t.write_text("old"))
    assert main(["-q", "embed", *_pair(files), "--model", str(files / "model"), "--device", "cpu", "--finetune-epochs",
                 "0", "--out", str(out), "--labels-out", str(labels), "--overwrite"]) == 0
    assert out.is_symlink() and labels.is_symlink()
    assert ad.read_h5ad(out_target).n_obs == 200 and labels_target.read_text().startswith("cell,")


def test_embed_out_link_to_nothing_makes_its_target_with_overwrite(files, tmp_path):
    out = tmp_path / "e.h5ad"
    os.symlink(tmp_path / "made.h5ad", out)
    assert main(["-q", "embed", *_pair(files), "--model", str(files / "model"), "--device", "cpu", "--finetune-epochs",
                 "0", "--out", str(out), "--overwrite"]) == 0
    assert out.is_symlink() and ad.read_h5ad(tmp_path / "made.h5ad").n_obs == 200


def test_predict_output_and_save_model_links_replace_their_targets(files, tmp_path):
    train = ["--train-mod1", str(files / "a.h5ad"), "--train-mod2", str(files / "b.h5ad"), "--test-mod1",
             str(files / "a.h5ad"), "--method", "mean"]
    assert main(["-q", "predict", *train, "--output", str(tmp_path / "p0.h5ad"), "--save-model",
                 str(tmp_path / "pm")]) == 0
    out, out_target = _linked(tmp_path, "p.h5ad", "pred.h5ad", lambda t: t.write_text("old"))
    saved, saved_target = _linked(tmp_path, "pm_link", "pm", lambda t: os.rename(tmp_path / "pm", t))
    before = (saved_target / "model.json").stat().st_mtime_ns
    assert main(["-q", "predict", *train, "--output", str(out), "--save-model", str(saved), "--overwrite"]) == 0
    assert out.is_symlink() and saved.is_symlink()
    assert ad.read_h5ad(out_target).n_obs == 200
    assert (saved_target / "model.json").stat().st_mtime_ns != before


def test_a_link_into_a_missing_folder_is_refused_before_any_work(files, tmp_path, caplog):
    out = tmp_path / "e.h5ad"
    os.symlink(tmp_path / "nowhere" / "e.h5ad", out)
    assert main(["embed", *_pair(files), "--model", str(files / "model"), "--device", "cpu", "--out", str(out),
                 "--overwrite"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and f"the folder {tmp_path / 'nowhere'} of --out {out} does not exist" in errors[0]
    assert "Traceback" not in errors[0] and out.is_symlink() and not (tmp_path / "nowhere").exists()
