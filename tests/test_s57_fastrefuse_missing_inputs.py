"""A plain mistake in the paths given to jae fit, map, embed, evaluate or predict (an input file or model folder that
is not there, an output in the way) is refused in its one line without importing torch or numba, by the CLI and by
the Python calls it makes (jae.fit_files, ...), with the words it had before.

Before: each verb's first expensive step came before its paths were looked at (JAE(...)'s device check, the model's
load, jae.mapping.train's import for a check of seed and epochs, the modality predictor's module, jae evaluate's device
check and its report's figures), so a mistyped path was said after 3-10 s of importing torch and numba. Now
:meth:`jae.io.InputFiles.check_paths` and the model folder's checks of the load (jae.checkpoint.read_description:
model.json, not the weights) come before them, and jae evaluate's output checks live apart from the report's figures
(jae.io.report_files). A model given in memory (torch imported with it) keeps its checks first."""

from __future__ import annotations

from pathlib import Path

import pytest
from _imports import cli_runs, loaded  # tests/ is on sys.path

import jae

KERNELS = ("numba", "torch")
FIXTURES = Path(__file__).parent / "fixtures"
MODEL = FIXTURES / "model_v6" / "model"  # a saved joint model
PREDICTOR = FIXTURES / "predictor_v6" / "jae"  # a saved modality predictor
QUERY = FIXTURES / "predictor_v1_query.h5ad"  # an .h5ad that is there


def _cases(t: Path) -> dict[tuple[str, ...], str]:
    """argv -> its whole one-line refusal (each as the code before said it)."""
    s = str
    return {
        ("fit", "--h5mu", s(t / "no.h5mu"), "--out", s(t / "m")):
            f"--h5mu file {t / 'no.h5mu'} does not exist; check the path",
        ("fit", "--mod1", s(QUERY), "--mod2", s(t / "no2.h5ad"), "--out", s(t / "m")):
            f"--mod2 file {t / 'no2.h5ad'} does not exist; check the path",
        ("map", "--mod1", s(t / "q.h5ad"), "--model", s(MODEL), "--out", s(t / "m")):
            f"--mod1 file {t / 'q.h5ad'} does not exist; check the path",
        ("map", "--h5mu", s(t / "no.h5mu"), "--model", s(t / "nomodel"), "--out", s(t / "m")):
            f"--model {t / 'nomodel'} does not exist; pass the folder a model was saved to (written by jae fit, "
            "jae map or JAE.save)",
        ("embed", "--h5mu", s(t / "no.h5mu"), "--model", s(MODEL), "--out", s(t / "e.h5mu")):
            f"--h5mu file {t / 'no.h5mu'} does not exist; check the path",
        ("embed", "--mod1", s(QUERY), "--annotations", s(t / "ann.h5ad"), "--model", s(MODEL), "--out",
         s(t / "e.h5ad")):
            f"--annotations file {t / 'ann.h5ad'} does not exist; check the path",
        ("embed", "--mod1", s(QUERY), "--model", s(MODEL.parent), "--out", s(t / "e.h5ad")):
            f"{MODEL.parent} is not a jae model folder: expected model.json and weights.pt in it; it holds one: pass "
            f"{MODEL}",
        ("evaluate", "--h5mu", s(t / "no.h5mu"), "--obsm", "X_jae", "--out", s(t / "ev")):
            f"--h5mu file {t / 'no.h5mu'} does not exist; check the path",
        ("evaluate", "--10x", s(t / "no.h5"), "--obsm", "X_jae", "--out", s(t / "ev")):
            f"--10x file {t / 'no.h5'} does not exist; check the path",
        ("predict", "--train-mod1", s(t / "a.h5ad"), "--train-mod2", s(t / "b.h5ad"), "--test-mod1", s(t / "c.h5ad"),
         "--output", s(t / "p.h5ad")): f"--train-mod1 file {t / 'a.h5ad'} does not exist; check the path",
        ("predict", "--model", s(PREDICTOR), "--test-mod1", s(t / "c.h5ad"), "--output", s(t / "p.h5ad")):
            f"--test-mod1 file {t / 'c.h5ad'} does not exist; check the path",
        ("predict", "--model", s(t / "nomodel"), "--test-mod1", s(QUERY), "--output", s(t / "p.h5ad")):
            f"model folder {t / 'nomodel'} does not exist; pass --model FOLDER, a folder written by --save-model",
        ("predict", "--model", s(MODEL), "--test-mod1", s(t / "c.h5ad"), "--output", s(t / "p.h5ad")):  # its kind first
            f"{MODEL} holds a 'jae' model, not a 'predictor' one; it was written by jae fit or jae map; pass a folder "
            "written by jae predict --save-model",
    }


@pytest.mark.parametrize("verb", ["fit", "map", "embed", "evaluate", "predict"])
def test_a_missing_input_is_refused_in_its_own_words_without_torch_or_numba(tmp_path, verb):
    cases = {argv: line for argv, line in _cases(tmp_path).items() if argv[0] == verb}
    runs = cli_runs(list(cases), heavy=KERNELS)  # one interpreter: each argv's 'heavy' holds those before it too
    for argv, line in cases.items():
        case = runs[" ".join(argv)]
        said = [text.split(" ERROR jae: ", 1)[-1] for text in case["text"].splitlines() if "ERROR" in text]
        assert case["code"] == 1 and said == [line], (argv, case)
        assert case["heavy"] == [], (argv, case)  # was: ['numba', 'torch']
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


def test_outputs_in_the_way_are_refused_without_torch_or_numba(tmp_path):
    """An output that is there without --overwrite, or of the wrong suffix, is refused so too (jae evaluate's earlier
    report among them: its check lived in jae.report, whose figures import numba, after the device check)."""
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "metrics.csv").write_text("x\n")
    (tmp_path / "e.h5ad").write_text("x\n")
    t, q = tmp_path, str(QUERY)
    cases = {
        ("evaluate", "--mod1", q, "--obsm", "X_jae", "--out", str(t / "rep")):
            f"--out {t / 'rep'} exists; pass --overwrite to replace its earlier report (metrics.csv; other files there "
            "are kept) or choose another --out",
        ("embed", "--mod1", q, "--model", str(MODEL), "--out", str(t / "e.h5ad")):
            f"--out {t / 'e.h5ad'} exists; pass --overwrite to replace it or choose another --out",
        ("predict", "--model", str(PREDICTOR), "--test-mod1", q, "--output", str(t / "p.csv")):
            "--output must end in .h5ad, not 'p.csv'; choose another --output",
    }
    runs = cli_runs(list(cases), heavy=KERNELS)
    for argv, line in cases.items():
        case = runs[" ".join(argv)]
        said = [text.split(" ERROR jae: ", 1)[-1] for text in case["text"].splitlines() if "ERROR" in text]
        assert case["code"] == 1 and said == [line] and case["heavy"] == [], (argv, case)
    assert (t / "e.h5ad").read_text() == "x\n" and sorted(p.name for p in (t / "rep").iterdir()) == ["metrics.csv"]


def test_the_python_calls_refuse_so_too(tmp_path):
    """The checks live in the public API the CLI calls: jae.fit_files, map_files, embed_files, evaluate_files and
    predict_files refuse a missing path in their own (Python) words, importing neither torch nor numba."""
    out = loaded("""
import sys
from pathlib import Path
import jae
t, model, predictor = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
calls = {
    'fit': lambda: jae.fit_files(jae.io.InputFiles(mod1=t / 'a.h5ad', mod2=t / 'b.h5ad'), t / 'm'),
    'map': lambda: jae.map_files(jae.io.InputFiles(h5mu=t / 'q.h5mu'), model, t / 'm'),
    'map_model': lambda: jae.map_files(jae.io.InputFiles(h5mu=t / 'q.h5mu'), t / 'nomodel', t / 'm'),
    'embed': lambda: jae.embed_files(jae.io.InputFiles(tenx={'s1': t / 's1.h5', 's2': t / 's2.h5'}), model,
                                     t / 'e.h5ad'),
    'evaluate': lambda: jae.evaluate_files(jae.io.InputFiles(h5ad=t / 'x.h5ad'), ['X_jae'], t / 'ev'),
    'predict': lambda: jae.predict_files(None, None, t / 'c.h5ad', t / 'p.h5ad', model=predictor),
}
out = {}
for name, call in calls.items():
    try:
        call()
        said = None
    except (OSError, ValueError) as err:
        said = f'{type(err).__name__}: {err}'
    out[name] = [said, [m for m in ('numba', 'torch') if m in sys.modules]]
""", str(tmp_path), str(MODEL), str(PREDICTOR), heavy=KERNELS)
    t = tmp_path
    assert out.pop("heavy") == []
    assert out == {
        "fit": [f"FileNotFoundError: mod1 file {t / 'a.h5ad'} does not exist; check the path", []],
        "map": [f"FileNotFoundError: .h5mu file {t / 'q.h5mu'} does not exist; check the path", []],
        "map_model": [f"FileNotFoundError: {t / 'nomodel'} does not exist; pass the folder a model was saved to "
                      "(written by jae fit, jae map or JAE.save)", []],
        "embed": [f"FileNotFoundError: Cell Ranger .h5 file {t / 's1.h5'} does not exist; check the path", []],
        "evaluate": [f"FileNotFoundError: .h5ad file {t / 'x.h5ad'} does not exist; check the path", []],
        "predict": [f"FileNotFoundError: test_mod1 file {t / 'c.h5ad'} does not exist; check the path", []],
    }
    assert list(tmp_path.iterdir()) == []


def test_check_paths_says_the_data_files_first_then_the_annotations(tmp_path):
    """The order the reading reaches them: a missing data file before a missing annotation file; a file that is
    there (whatever it holds) is left to its reader; RNA alone for fitting is refused as fitting refuses it."""
    files = jae.io.InputFiles(mod1=tmp_path / "a.h5ad", mod2=tmp_path / "b.h5ad", annotations=[tmp_path / "s.h5ad"])
    with pytest.raises(FileNotFoundError, match=r"^mod1 file .*a\.h5ad does not exist; check the path$"):
        files.check_paths()
    (tmp_path / "a.h5ad").write_text("not read here\n")
    (tmp_path / "b.h5ad").mkdir()  # a folder: its reader says what it is
    with pytest.raises(FileNotFoundError, match=r"^annotation file .*s\.h5ad does not exist; check the path$"):
        files.check_paths()
    (tmp_path / "s.h5ad").write_text("x\n")
    files.check_paths()  # all there: nothing said
    with pytest.raises(ValueError, match="^fitting needs both modalities"):
        jae.io.InputFiles(mod1=tmp_path / "no.h5ad").check_paths(fitting=True)
    with pytest.raises(FileNotFoundError, match=r"^Cell Ranger matrix file .*matrix\.mtx\.gz does not exist"):
        jae.io.InputFiles(tenx=tmp_path / "filtered" / "matrix.mtx.gz").check_paths()


def test_a_damaged_newer_or_other_kind_of_model_folder_is_refused_without_torch_or_numba(tmp_path):
    """map and embed read the model folder's model.json before the device check and the load (review: no test held
    them there): not JSON, a newer format, a modality predictor's folder."""
    import json
    import shutil

    bad, newer = tmp_path / "bad", tmp_path / "newer"
    for folder in (bad, newer):
        shutil.copytree(MODEL, folder)
    (bad / "model.json").write_text("{oops")
    description = json.loads((MODEL / "model.json").read_text())
    (newer / "model.json").write_text(json.dumps({**description, "format_version": 99}))
    q, out = str(QUERY), str(tmp_path / "out")
    cases = {
        ("embed", "--mod1", q, "--model", str(bad), "--out", out + ".h5ad"): f"{bad / 'model.json'} is not valid JSON (",
        ("map", "--mod1", q, "--model", str(bad), "--out", out): f"{bad / 'model.json'} is not valid JSON (",
        ("embed", "--mod1", q, "--model", str(newer), "--out", out + ".h5ad"):
            f"{newer}: model format_version 99, written by jae ",
        ("embed", "--mod1", q, "--model", str(PREDICTOR), "--out", out + ".h5ad"):
            f"{PREDICTOR} holds a 'predictor' model, not a 'jae' one; it was written by jae predict --save-model; pass "
            "a model folder written by jae fit or jae map",
    }
    runs = cli_runs(list(cases), heavy=KERNELS)
    for argv, start in cases.items():
        case = runs[" ".join(argv)]
        said = [text.split(" ERROR jae: ", 1)[-1] for text in case["text"].splitlines() if "ERROR" in text]
        assert case["code"] == 1 and len(said) == 1 and said[0].startswith(start), (argv, case)
        assert case["heavy"] == [], (argv, case)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "newer"]  # nothing written


def test_a_model_in_memory_keeps_its_checks_first(tmp_path):
    """A model given in memory brought torch with it: its own checks (the device among them) come before the paths,
    as before."""
    model = jae.JAE.load(MODEL, device="cpu")
    with pytest.raises(ValueError, match=r"^device='cuda:99'"):
        jae.embed_files(jae.io.InputFiles(mod1=tmp_path / "no.h5ad"), model, tmp_path / "e.h5ad", device="cuda:99")
