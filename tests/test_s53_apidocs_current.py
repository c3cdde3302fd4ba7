"""docs/api.md, the API reference, is what ``python -m jae._apidoc`` generates from the docstrings now (session 53).

Before it, the full signatures and parameter lists lived only in ``help(jae.X)``: the README and docs/ named the
calls but no page listed them. The page is regenerated in memory and compared, so a changed signature or docstring
without a regenerated page fails here, and every name of ``jae.__all__`` has its entry.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import jae

PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"
REGENERATE = "python -m jae._apidoc > docs/api.md"


@functools.cache
def _generated() -> str:
    from jae._apidoc import render

    return render()


def test_the_api_page_is_what_the_docstrings_generate():
    assert PAGE.is_file(), f"docs/api.md is missing: run `{REGENERATE}`"
    page, generated = PAGE.read_text(), _generated()
    if page != generated:
        old, new = page.splitlines(), generated.splitlines()
        line = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
        raise AssertionError(f"docs/api.md is stale: run `{REGENERATE}` (first difference at line {line + 1}: "
                             f"{(old[line:line + 1] or ['<end>'])[0]!r} vs {(new[line:line + 1] or ['<end>'])[0]!r})")


def test_every_public_name_has_an_entry_with_its_signature():
    """Each name of ``jae.__all__`` is a heading of the page (``__version__`` is named in its introduction); each
    function's and class's entry starts with its signature; JAE's methods and JAEConfig's fields are there."""
    page = _generated()
    headings = set(re.findall(r"^#+ (\S+)$", page, re.M))
    missing = [name for name in jae.__all__ if f"jae.{name}" not in headings and f"`jae.{name}`" not in page]
    assert not missing, f"docs/api.md has no entry for {missing}"
    for name in jae.__all__:
        obj = getattr(jae, name)
        if callable(obj):
            entry = page.split(f"\n### jae.{name}\n", 1)[1]
            assert entry.lstrip("\n").startswith(f"    jae.{name}("), f"jae.{name}'s entry has no signature"
    for method in ("fit", "map_query", "finetune", "embed", "predict_cell_type", "save", "load"):
        assert f"#### jae.JAE.{method}\n\n    JAE.{method}(" in page
    config = page.split("\n### jae.JAEConfig\n", 1)[1].split("\n### ", 1)[0]
    for field in dataclasses.fields(jae.JAEConfig):
        field, value = field.name, getattr(jae.JAEConfig(), field.name)
        assert re.search(rf"^\| `{field}` \| `[^\n]*` \| `{re.escape(repr(value))}` \| \S", config, re.M), field
    # the one-line meaning is the field's comment, e.g. n_svd's "# seed: TruncatedSVD to 100 dims per modality ..."
    assert "| `n_svd` | `int` | `100` | seed: TruncatedSVD to 100 dims per modality" in config


def test_defaults_never_show_a_memory_address():
    from jae._apidoc import _default

    assert _default((1, "a")) == "(1, 'a')"
    try:
        _default(object())
    except ValueError as err:
        assert "memory address" in str(err)
    else:
        raise AssertionError("a default shown as <object at 0x...> would change the page on each run")
    assert not re.search(r" at 0x[0-9a-f]+>", _generated())
