"""The README's quick starts, run verbatim on the BMMC Multiome starter (the placeholder file names substituted).

The command-line quick start runs through the CLI, each command in a process of its own, with ``--set
max_epochs=3`` added to the ``jae fit`` commands (the README's ``...`` takes the first fit's arguments); the
Python quick start is executed as written. The evaluate / predict / simulate commands below it are covered by
tests/test_report.py, tests/test_predict_real.py and tests/test_streaming.py (the README's simulate command
writes 70,000 cells).

The rest checks the README's names mechanically, so that it cannot drift from the code: every command-line flag is
in its verb's ``--help`` (and its value among the flag's choices), every ``jae.x.y`` name resolves and takes the
keywords shown, every JAEConfig setting is a field with a valid value, the method section's figures are the
config's defaults, every ``model.x`` a user is told to read exists, and every repository file named exists. The
same mechanical checks run on each page of docs/ (where the README's mechanisms and measurements are explained), one
test per page, so that text moved there stays checked; the figures that are the code's constants may be stated on
any of the pages, and every link between the pages leads to a file and heading that exist.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import re
import shlex
from pathlib import Path

import anndata as ad
import pandas as pd
import pytest

from _cli_server import shared_server  # noqa: E402  (tests/ is on sys.path)
from test_cli_hostile import ENV, STEM

README = Path(__file__).resolve().parents[1] / "README.md"


def _block(heading: str, language: str) -> str:
    text = README.read_text().split(f"## {heading}", 1)[1]
    return re.search(rf"```{language}\n(.*?)```", text, re.S).group(1)


def _files(data_dir) -> dict[str, str]:
    prefix = data_dir / STEM
    return {f"x.{k}.h5ad": f"{prefix}.{k}.h5ad" for k in ("mod1", "mod2", "solution")}


def _commands(block: str) -> list[str]:
    """The ``jae ...`` commands of a bash block, continuation lines joined, comments dropped."""
    joined = block.replace("\\\n", " ")
    return [line.split("#", 1)[0].strip() for line in joined.splitlines() if line.strip().startswith("jae ")]


@pytest.fixture(scope="module")
def cli():
    return shared_server(ENV)


def test_readme_command_line_quick_start(cli, data_dir, tmp_path):
    files = _files(data_dir)
    commands = _commands(_block("Quick start (command line)", "bash"))
    assert [c.split()[1] for c in commands] == ["fit", "embed", "fit", "--help"]
    first_fit = commands[0]
    for command in commands:
        if " ... " in command:  # the README's placeholder for the arguments of the first fit
            command = command.replace(" ... ", " " + first_fit.split(" ", 2)[2].replace("jae_model", "jae_model_tuned") + " ")
        if command.startswith("jae fit"):
            command += " --set max_epochs=3"  # seconds, not minutes
        for placeholder, path in files.items():
            command = command.replace(placeholder, path)
        rc, out, err = cli(shlex.split(command)[1:], cwd=tmp_path, logs=tmp_path / ".logs")
        assert rc == 0, (command, err)
        if command.split()[:3] == ["jae", "fit", "--mod1"]:  # the first fit, not the tuned one
            fitted = (tmp_path / "jae_model" / "weights.pt").read_bytes()
    assert (tmp_path / "jae_model" / "weights.pt").read_bytes() == fitted  # embed fine-tunes in memory only
    emb = ad.read_h5ad(tmp_path / "embedding.h5ad")
    labels = pd.read_csv(tmp_path / "labels.csv")
    assert list(labels.columns) == ["cell", "cell_type", "confidence", "unknown", "unknown_score"]  # as the README lists them
    assert emb.var_names[0].startswith("cell_type:") and emb.var_names[-1].startswith("pc:")  # the column names
    assert emb.n_obs == len(labels) == 500
    assert list(emb.obs.columns)[-4:] == ["jae_cell_type", "jae_confidence", "jae_unknown", "jae_unknown_score"]
    assert "batch" in emb.obs.columns  # the input file's own obs columns are kept, to colour by
    assert (tmp_path / "jae_model" / "model.json").is_file() and (tmp_path / "jae_model_tuned" / "model.json").is_file()


# ------------------------------------------------------------------ the README's names, checked mechanically

TEXT = README.read_text()
REPO = README.parent
SRC = REPO / "src" / "jae"
DOCS = sorted((REPO / "docs").glob("*.md"))
PAGES = [README, *DOCS]  # the README and each page of docs/, checked alike
TEXTS = {page: page.read_text() for page in PAGES}
EVERY_TEXT = "\n\n".join(TEXTS.values())
each_page = pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(REPO)) for page in PAGES])


def _spans(text: str = TEXT) -> list[str]:
    """Every piece of code a page shows: its inline code spans (line breaks inside one read as spaces) and the
    lines of its code blocks (continuation lines joined, comments dropped)."""
    prose = re.sub(r"```\w*\n.*?```", "", text, flags=re.S)
    spans = [" ".join(s.split()) for s in re.findall(r"`([^`]+)`", prose)]
    for block in re.findall(r"```\w*\n(.*?)```", text, re.S):
        spans += [line.split("  #", 1)[0].strip() for line in block.replace("\\\n", " ").splitlines()]
    return [s for s in spans if s]


def _section(heading: str) -> str:
    return TEXT.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def _verb_parsers() -> dict:
    from jae.cli import build_parser

    parser = build_parser()
    (verbs,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(verbs.choices)


_VERB = re.compile(r"(?:^|\s|-m )jae (demo|fit|map|embed|predict|simulate|evaluate)\b")
_FLAG = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)(?:[= ](?!-)([\w.=:,-]+))?")


def _flag_problems(text: str) -> tuple[int, list[str]]:
    """(flags checked, problems) of a page: `jae VERB ... --flag VALUE`: the flag is in `jae VERB --help` and VALUE
    among its choices, if it has any; a flag shown without a verb (`--layer raw`) is in some verb's help."""
    parsers = _verb_parsers()
    helps = {verb: p.format_help() for verb, p in parsers.items()}
    problems, checked = [], 0
    for span in _spans(text):
        if span.startswith("torchrun"):
            span = span.split(" -m ", 1)[1] if " -m " in span else ""  # torchrun's own flags come before -m jae
        pieces = _VERB.split(span)
        owners = [(None, pieces[0])] + list(zip(pieces[1::2], pieces[2::2]))
        for verb, text in owners:
            for flag, value in _FLAG.findall(text):
                checked += 1
                candidates = [verb] if verb else [v for v, h in helps.items() if re.search(rf"{flag}\b", h)]
                if not candidates or not re.search(rf"(?<![\w-]){flag}(?![\w-])", helps[candidates[0]]):
                    problems.append(f"{span!r}: {flag} is not in `jae {verb or 'VERB'} --help`")
                    continue
                action = parsers[candidates[0]]._option_string_actions.get(flag)
                if action is not None and action.choices and value and value.isidentifier():
                    if value not in action.choices:
                        problems.append(f"{span!r}: {flag} {value} is not one of {sorted(action.choices)}")
    return checked, problems


@each_page
def test_every_command_line_flag_in_the_readme_exists_in_its_verbs_help(page):
    """`jae VERB ... --flag VALUE`: the flag is in `jae VERB --help` and VALUE among its choices, if it has any; a
    flag shown without a verb (`--layer raw`) is in some verb's help."""
    problems = _flag_problems(TEXTS[page])[1]
    assert not problems, "\n".join(problems)


def _resolve(dotted: str):
    """The object `jae.a.b` names, as Python reads it: attributes first (`jae.datasets.simulate` is the function),
    a submodule where no attribute has the name (`jae.train.distributed`)."""
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, name in enumerate(parts[1:], 2):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[:i]))
    return obj


def _jae_names(text: str) -> set[str]:
    return set(re.findall(r"\bjae(?:\.[A-Za-z_]\w*)+", text))


@each_page
def test_every_jae_name_in_the_readme_resolves(page):
    """`jae.io.open_competition`, `jae.JAE.map_query`, ...: each dotted name the page gives exists."""
    names = _jae_names(TEXTS[page])
    missing = []
    for dotted in sorted(names):
        try:
            _resolve(dotted)
        except (AttributeError, ImportError) as err:
            missing.append(f"{dotted}: {err}")
    assert not missing, "\n".join(missing)


def _calls(text: str = TEXT):
    """(code, callable, n_positional, keywords) of every call a page's Python shows of a jae name (`jae.x.y(...)`,
    `JAEConfig(...)`) or of a model's method (`model.embed(...)`, `jae.JAE(...).fit(...)`), from its code spans
    that are Python, its python blocks and the calls of jae names anywhere (in comments too)."""
    from jae import JAE

    sources = [s for s in _spans(text) if s.count("(") == s.count(")")] + re.findall(r"```python\n(.*?)```", text, re.S)
    sources += re.findall(r"\bjae(?:\.\w+)+\((?:[^()]|\([^()]*\))*\)", text)  # calls in comments and prose too
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
                continue
            func, target = ast.unparse(node.func), None
            if re.fullmatch(r"jae(\.\w+)+", func):
                target = _resolve(func)
            elif func in ("JAEConfig", "JAE"):
                target = _resolve(f"jae.{func}")
            elif re.fullmatch(r"(model|mapped|jae\.JAE\(.*\))\.\w+", func):
                method = getattr(JAE, func.rsplit(".", 1)[1])
                yield ast.unparse(node), method, len(node.args) + 1, [k.arg for k in node.keywords]  # + self
                continue
            if callable(target):
                yield ast.unparse(node), target, len(node.args), [k.arg for k in node.keywords]


@each_page
def test_every_call_in_the_readme_binds_to_its_signature(page):
    """`jae.metrics.evaluate_embedding(emb, cell_type=..., ...)`, `jae.fit_files(files, "jae_model", config=...)`,
    `model.map_query(query_mdata, batch_key="batch")`: each call the page shows passes arguments the function
    takes, and every argument it requires."""
    calls = list(_calls(TEXTS[page]))
    bad = []
    for code, target, n_positional, keywords in calls:
        try:
            inspect.signature(target).bind(*[None] * n_positional, **dict.fromkeys(keywords))
        except TypeError as err:
            bad.append(f"{code}: {err}")
    assert not bad, "\n".join(bad)


def _config_settings(text: str = TEXT) -> list[tuple[str, str, str]]:
    """(where, field, value) of every setting a page writes: `JAEConfig(field=value, ...)`, `--set field=value`
    and a code span `field=value` naming a JAEConfig field."""
    from jae import JAEConfig

    fields = set(JAEConfig().to_dict())
    found = []
    for args in re.findall(r"JAEConfig\(([^()]*)\)", text):
        found += [("JAEConfig", k, v) for k, v in re.findall(r"(\w+)=([^,)]+)", args)]
    found += [("--set", k, v) for k, v in re.findall(r"--set (\w+)=([^\s`]+)", text) if v != "..."]
    found += [("span", k, v) for span in _spans(text) for k, v in [span.split("=", 1)] * bool(
        re.fullmatch(r"[a-z_]+=\S+", span)) if k in fields]
    return found


@each_page
def test_every_config_setting_in_the_readme_is_a_field_with_a_valid_value(page):
    from jae import JAEConfig

    found = _config_settings(TEXTS[page])
    problems = []
    for where, key, value in found:
        try:
            if where == "--set":
                JAEConfig().with_overrides([f"{key}={value}"])
            else:
                JAEConfig(**{key: ast.literal_eval(value)})
        except (KeyError, TypeError, ValueError) as err:
            problems.append(f"{where} {key}={value}: {err}")
    assert not problems, "\n".join(problems)


# The method section's figures, each the default of a JAEConfig field: (pattern, fields its groups give).
_METHOD_DEFAULTS = [
    (r"TruncatedSVD to (\d+) dims", ["n_svd"]),
    (r"encoder \((\d+)/(\d+)/(\d+), dropout ([\d.]+)", ["hidden", "hidden", "hidden", "dropout"]),
    (r"free units \(the seed: 5; jae's default (\d+), and (\d+) in the unsupervised", ["n_free", "n_free_unsupervised"]),
    (r"Loss = ([\d.]+) reconstruction MSE \+ ([\d.]+) cell-type cross-entropy \+ ([\d.]+) cross-entropy of the batch",
     ["w_reconstruction", "w_cell_type", "w_batch"]),
    (r"\+ ([\d.]+) phase-score MSE", ["w_phase"]),
    (r"Adam, lr ([\de.-]+), batch (\d+), early stopping\s+\(patience (\d+)\) on a seeded (\d+)% validation",
     ["lr", "batch_size", "patience", "val_fraction"]),
    (r"reconstruction loss only, lr ([\de.-]+), (\d+) epochs \(ATAC\) or (\d+) \(ADT\)",
     ["finetune_lr", "finetune_epochs_atac", "finetune_epochs_adt"]),
    (r"Width: number of cell types \+ (\d+)", ["n_principal"]),
]


def test_the_method_section_states_the_configs_defaults():
    """In "The method", `JAEConfig(field=value)` names a default, and the seed's figures (widths, loss weights,
    learning rates, epochs) are the defaults of their fields."""
    from jae import JAEConfig

    defaults = JAEConfig().to_dict()
    method = _section("The method")
    method_page = REPO / "docs" / "method.md"  # the method's measurements, moved out of the README
    said = method + (method_page.read_text() if method_page.is_file() else "")
    problems = []
    for args in re.findall(r"JAEConfig\(([^()]*)\)", said):
        for key, value in re.findall(r"(\w+)=([^,)]+)", args):
            if defaults[key] != ast.literal_eval(value):
                problems.append(f"JAEConfig({key}={value}): the default is {defaults[key]!r}")
    for pattern, keys in _METHOD_DEFAULTS:
        match = re.search(pattern, " ".join(method.split()))
        assert match, f"the method section no longer says {pattern!r}; update this test with it"
        hidden = iter(defaults["hidden"])
        for key, stated in zip(keys, match.groups()):
            expected = next(hidden) if key == "hidden" else defaults[key] * (100 if key == "val_fraction" else 1)
            if float(stated) != float(expected):
                problems.append(f"{match.group(0)!r}: {key} is {expected} by default, not {stated}")
    assert not problems, "\n".join(problems)


def _named_files(text: str) -> set[str]:
    """Paths in a page's code spans (`benchmarks/results/tuning.md`, `tests/test_distributed.py`, `.ci/run`; bare
    result names such as `tuning.md` or `quality_s16_*.md` are benchmarks/results/'s, script names benchmarks/'),
    except the files a report writes (`metrics.md`: jae.report.REPORT_FILES, named in docs/api.md's docstrings)."""
    from jae.report import REPORT_FILES

    return {s for s in _spans(text) if " " not in s and not s.startswith(("jae_demo_output", "..", "http"))
            and s not in REPORT_FILES
            and (re.search(r"\.(py|md|sh)$", s) or s.startswith(("benchmarks/", "tests/", "src/", ".ci/"))
                 or re.fullmatch(r"[a-z]\w*_\*", s))}  # `quality_s4_*`: result files of a session


@each_page
def test_every_repository_file_the_readme_names_exists(page):
    """Paths in code spans (`benchmarks/results/tuning.md`, `tests/test_distributed.py`, `.ci/run`; bare result
    names such as `tuning.md` or `quality_s16_*.md` are benchmarks/results/'s, script names benchmarks/') and, in
    the README, every module and folder of the layout."""
    roots = [REPO, REPO / "benchmarks" / "results", REPO / "benchmarks", SRC]
    named = _named_files(TEXTS[page])
    if page == README:
        layout = _section("Layout")
        named |= set(re.findall(r"\b[\w/]+\.py\b", layout))
        named |= {m + "/" for m in re.findall(r"^ {2}(\w+)/ ", layout, re.M)}
        assert len(named) > 30
    missing = [name for name in sorted(named) if not any(list(root.glob(name.rstrip("/"))) for root in roots)]
    assert not missing, f"{page.name} names files the repository lacks: {missing}"
    if page == README:
        unlisted = [p.name for p in SRC.glob("*.py") if p.name not in ("__init__.py", "__main__.py")
                    and not re.search(rf"\b{re.escape(p.name)}\b", layout)]
        assert not unlisted, f"the README's layout does not say what these modules are: {unlisted}"


def _model_attributes(text: str) -> set[tuple[str, str]]:
    return set(re.findall(r"(?<![\w.])model\.(\w+)(?:\.(\w+))?", text)) - {("json", "")}


@each_page
def test_every_model_attribute_in_the_readme_exists(page):
    """`model.axes_carry`, `model.calibration.ece`, ...: what a page tells users to read off a fitted model is
    a method or property of jae.JAE, an attribute its code sets, or a field of the label calibration."""
    from dataclasses import fields

    from jae import JAE
    from jae.model.calibration import LabelCalibration

    source = inspect.getsource(importlib.import_module("jae.joint"))
    named = _model_attributes(TEXTS[page])
    missing = [f"model.{a}" for a, _ in named if not hasattr(JAE, a) and not re.search(rf"self\.{a}\b[^=\n]*=", source)]
    calibration = {f.name for f in fields(LabelCalibration)}
    missing += [f"model.{a}.{b}" for a, b in named if a == "calibration" and b and b not in calibration]
    assert not missing, f"{page.name} names model attributes jae.JAE lacks: {missing}"


def test_the_scans_find_what_the_pages_name():
    """The mechanical checks above look at something: over the README and docs/ together (the README's text before
    part of it moved to docs/), the scans find the flags, jae names, calls, settings, files and model attributes."""
    texts = TEXTS.values()
    assert sum(_flag_problems(text)[0] for text in texts) > 40
    assert len(set().union(*map(_jae_names, texts))) > 25
    assert sum(len(list(_calls(text))) for text in texts) > 30
    assert sum(len(_config_settings(text)) for text in texts) > 20
    assert len(set().union(*map(_named_files, texts))) > 30
    assert len(set().union(*map(_model_attributes, texts))) > 8


# ------------------------------------------------------------------------------------------- install.sh


def _install(tmp_path, *, system: str, has_torch: bool) -> list[str]:
    """The commands install.sh gives Python (a stand-in that records them, with `import torch` failing unless
    ``has_torch``) on a machine whose `uname -s` says ``system``."""
    import subprocess

    calls, bin_dir = tmp_path / "calls", tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n'
                                    f'[ "$*" = "-c import torch" ] && exit {0 if has_torch else 1}\nexit 0\n')
    (bin_dir / "uname").write_text(f"#!/bin/sh\necho {system}\n")
    for tool in ("python", "uname"):
        (bin_dir / tool).chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHON": str(bin_dir / "python")}
    run = subprocess.run(["bash", str(REPO / "install.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return calls.read_text().splitlines()


def test_install_sh_installs_the_readmes_cpu_torch_where_torch_is_missing(tmp_path):
    """The README's pinned torch is installed first where torch is missing (so `torch>=2.1` is then met and no
    requirement pulls another build), from pip's own index: the project's machines reach no other."""
    version = re.search(r"the pinned `torch==([\d.]+)`", " ".join(TEXT.split())).group(1)
    linux = _install(tmp_path / "linux", system="Linux", has_torch=False)
    assert linux[1] == f"-m pip install --quiet torch=={version}"
    assert linux[2] == "-m pip install --quiet -e .[dev]"
    kept = _install(tmp_path / "gpu", system="Linux", has_torch=True)
    assert not any("torch==" in call for call in kept) and "-m pip install --quiet -e .[dev]" in kept


def _default(function, name: str):
    return inspect.signature(function).parameters[name].default


# The README's figures that are constants or defaults of the code: (pattern in the README, what each group is).
_CODE_FIGURES = [
    (r"`jae demo` simulates ([\d,]+) paired cells", [lambda: _default(_resolve("jae.run_demo"), "n_cells")]),
    (r"streams them from disk in row blocks of\s+([\d,]+) cells", [lambda: _resolve("jae.preprocess.pipeline.BLOCK_ROWS")]),
    (r"the SVD bases are fitted on a seeded\s+sample of ([\d,]+) cells", [lambda: _resolve("jae.preprocess.pipeline.SVD_FIT_CELLS")]),
    (r"default (half) the available memory", [lambda: {0.5: "half"}[_resolve("jae.io.plan.BUDGET_SHARE")]]),
    (r"for (\d+) passes of at most (\d+)\s+minibatches of (\d+) cells \((\d+) steps\)",
     [lambda: _resolve("jae.mapping.train.ADAPTER_EPOCHS"),
      lambda: _resolve("jae.mapping.train.ADAPTER_CELLS") // _resolve("jae.mapping.train.ADAPTER_BATCH"),
      lambda: _resolve("jae.mapping.train.ADAPTER_BATCH"),
      lambda: _resolve("jae.mapping.train.ADAPTER_EPOCHS") * _resolve("jae.mapping.train.ADAPTER_CELLS")
      // _resolve("jae.mapping.train.ADAPTER_BATCH")]),
    (r"a (\d+)-nearest-neighbour vote among up to ([\d,]+) stored reference cells",
     [lambda: _resolve("jae.model.voters.K_VOTE"), lambda: _resolve("jae.model.voters.MAX_VOTERS")]),
    (r"on average over the\s+cell and its (\d+) nearest neighbours among the cells predicted with it",
     [lambda: _resolve("jae.labels.SMOOTH_K")]),
    (r"below (\d+)% of a modality's reference features it refuses",
     [lambda: round(100 * _resolve("jae.io.features.MIN_FEATURE_FRACTION"))]),
    (r"modality dropout \((\d+)% of the paired cells", [lambda: round(100 * _resolve("jae.mosaic.MODALITY_DROPOUT"))]),
    (r"it needs\s+at least (\d+) paired cells", [lambda: _resolve("jae.mosaic.MIN_PAIRED_CELLS")]),
    (r"above ([\d,]+) cells \(`--knn auto`", [lambda: _resolve("jae.metrics._graph.APPROXIMATE_MIN_CELLS")]),
    (r"average a\s+seeded ([\d,]+)-cell sample per group", [lambda: _resolve("jae.metrics.silhouette.ASW_MAX_CELLS")]),
    (r"a panel of at most ([\d,]+) other names: ADT", [lambda: _resolve("jae.io.modality.MAX_ADT_FEATURES")]),
    (r"up to ([\d,]+) other names an antibody panel \(ADT\)", [lambda: _resolve("jae.io.modality.MAX_ADT_FEATURES")]),
]


def test_the_readmes_figures_are_the_codes_constants():
    """Numbers the README and docs/ state about what the code does (the demo's cells, block sizes, the mapping's
    steps, the vote's neighbours, thresholds) are the constants and defaults the code uses. Each is looked for on
    every page: the README states some, docs/ the ones that explain a mechanism."""
    texts = [" ".join(text.split()) for text in TEXTS.values()]
    problems = []
    for pattern, values in _CODE_FIGURES:
        match = next(filter(None, (re.search(pattern, text) for text in texts)), None)
        assert match, f"neither the README nor docs/ says {pattern!r} any more; update this test with it"
        for stated, value in zip(match.groups(), values):
            if stated.replace(",", "") != str(value()):
                problems.append(f"{match.group(0)!r}: the code has {value()}, not {stated}")
    assert not problems, "\n".join(problems)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but hyphens dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(text: str) -> set[str]:
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    return {_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", prose, re.M)}


@each_page
def test_every_link_of_the_contents_leads_to_a_heading(page):
    """The README's contents list links each section by its anchor; a renamed heading must not leave a dead link.
    Links between the pages (`[docs/labels.md](docs/labels.md)`, `(../README.md#mosaic-data)`) lead to a file that
    exists and, where they name one, to a heading of it."""
    prose = re.sub(r"```.*?```", "", TEXTS[page], flags=re.S)
    links = re.findall(r"\]\(#([^)]+)\)", prose)
    if page == README:
        assert len(links) > 10
    dead = sorted(set(links) - _anchors(TEXTS[page]))
    assert not dead, f"{page.name} links to headings it lacks: {dead}"
    for target, anchor in re.findall(r"\]\((?!#|https?:)([^)#]+)(?:#([^)]+))?\)", prose):
        path = (page.parent / target).resolve()
        assert path.exists(), f"{page.name} links to {target}, which does not exist"
        if anchor:
            assert anchor in _anchors(path.read_text()), f"{page.name} links to {target}#{anchor}, a heading it lacks"


@each_page
def test_no_prose_line_is_longer_than_120_characters(page):
    """Prose is wrapped at 120 characters, as the code is; tables and code blocks may be wider."""
    prose = re.sub(r"```.*?```", "", TEXTS[page], flags=re.S)
    long = [line[:60] + "..." for line in prose.splitlines() if len(line) > 120 and not line.startswith("|")]
    assert not long, f"{page.name} has prose lines over 120 characters: {long}"
