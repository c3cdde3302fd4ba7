"""docs/api.md, the API reference, generated from the docstrings: ``python -m jae._apidoc > docs/api.md``.

Every name of ``jae.__all__`` is placed in one of :data:`SECTIONS` (in the layout's order: data in, preprocessing,
the model, evaluation, the report, workflows, prediction, metrics); a subpackage's entry lists the names of its own
``__all__``. Each object is rendered once, where it is first met; a name that is the same object as one rendered
before says so. An entry gives the signature (``inspect.signature``), the docstring's first paragraph, the
paragraphs that open with the name of a parameter (``map_query``'s style), and its Parameters, Returns and
Attributes sections; a dataclass's fields are a table of type, default and the one-line meaning its source comment
gives. The output is deterministic (no memory address: a default whose repr has one is refused), and
tests/test_s53_apidocs_current.py compares docs/api.md with it.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import re
import textwrap
import tokenize

#: (heading, the names of ``jae.__all__`` it documents, in this order).
SECTIONS = [
    ("Reading data", ["read_competition", "read_h5mu", "read_10x_h5", "read_10x_mtx", "combine_samples",
                      "count_fragments", "remap_peaks", "io"]),
    ("Simulated data", ["simulate", "datasets"]),
    ("Preprocessing", ["Preprocessor", "preprocess"]),
    ("The model and its training", ["JAE", "JAEConfig"]),
    ("Evaluation", ["evaluate", "svd_baseline", "baseline"]),
    ("The report", ["report"]),
    ("Workflows: files in, files out (the command line's verbs)", ["fit_files", "map_files", "embed_files",
                                                                   "predict_files", "evaluate_files", "run_demo",
                                                                   "workflows"]),
    ("Prediction and imputation", ["predict", "ModalityPredictor", "PredictConfig", "impute", "prediction"]),
    ("Metrics", ["metrics"]),
]
RENDERED_SECTIONS = ("Parameters", "Returns", "Attributes")
WIDTH = 120
_HEADER = re.compile(r"^(\w[\w ]*)\n-{3,}\n", re.M)
_ROLE = re.compile(r":(?:func|meth|class|mod|data|attr|obj|exc):`~?([^`]+)`")
_ADDRESS = re.compile(r"<[^<>]* at 0x[0-9a-fA-F]+>")

INTRO = """\
Generated from the docstrings by `python -m jae._apidoc > docs/api.md` (`src/jae/_apidoc.py`);
`tests/test_s53_apidocs_current.py` fails when this page and the code disagree. Each entry gives the signature,
the docstring's first paragraph, the paragraphs that open with a parameter's name, and its Parameters, Returns and
Attributes sections as written; the rest of a docstring (further notes, Raises, Examples) is in `help()`, e.g.
`help(jae.JAE.fit)`. A default longer than 60 characters shows as `...`. A dataclass whose docstring has no
Parameters or Attributes section gets a table of its fields: type, default and the first sentence of the comment
beside the field in the source. The sections follow the package's layout: data in, preprocessing, the model,
evaluation, the report, then the workflows behind the command line, prediction and the metrics; a subpackage's
entries follow its `__all__`. `jae.__version__` is the version, a string."""


def _markdown(text: str) -> str:
    """Docstring markup as markdown: ``x`` and :role:`x` as code."""
    return _ROLE.sub(r"`\1`", text.replace("``", "`"))


def _safe(line: str) -> str:
    """A wrapped line that markdown would read as a list item, a heading, a quote or a table row, escaped."""
    body = line.lstrip()
    if re.match(r"([-+*>#|]|\d+[.)])(\s|$)", body):
        return line[:len(line) - len(body)] + "\\" + body
    return line


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    lines = textwrap.wrap(" ".join(text.split()), WIDTH, initial_indent=first, subsequent_indent=rest,
                          break_long_words=False, break_on_hyphens=False)
    return "\n".join([lines[0]] + [_safe(line) for line in lines[1:]]) if lines else first.rstrip()


def _default(value, longest: int = 60) -> str:
    """``repr(value)``; ``...`` when longer than ``longest`` characters (``help()`` shows it)."""
    text = repr(value)
    if _ADDRESS.search(text):
        raise ValueError(f"a default's repr holds a memory address, which would change each run: {text}")
    return text if len(text) <= longest else "..."


def _annotation(annotation) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def signature(title: str, obj) -> str:
    """``title(parameters) -> returned``, wrapped at parameters to at most :data:`WIDTH` columns, as an indented
    code block."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    parts, star = [], False
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        if p.kind == p.KEYWORD_ONLY and not star:
            parts.append("*")
        star = star or p.kind in (p.KEYWORD_ONLY, p.VAR_POSITIONAL)
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.annotation is not p.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += (" = " if p.annotation is not p.empty else "=") + _default(p.default)
        parts.append(text)
    returned = "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
    lines, line = [], f"{title}("
    for i, part in enumerate(parts):
        piece = part + ("," if i < len(parts) - 1 else ")" + returned)
        if len(line) + len(piece) + 1 > WIDTH - 4 and line.strip():
            lines.append(line.rstrip())
            line = "    "
        line += piece + " "
    lines.append(line.rstrip() if parts else f"{title}(){returned}")
    return "\n".join("    " + line for line in lines)


def _items(body: str) -> list[tuple[str, list[str]]]:
    """A numpydoc section's items: (the unindented line, its indented description lines)."""
    items = []
    for line in body.splitlines():
        if line and not line[0].isspace():
            items.append((line, []))
        elif line.strip() and items:
            items[-1][1].append(line.strip())
    return items


def _section(name: str, body: str) -> str:
    items = _items(body)
    if not any(description for _, description in items):  # prose (the JAE methods' Returns)
        return f"**{name}**\n\n" + "\n\n".join(_wrap(_markdown(p)) for p in re.split(r"\n\s*\n", body.strip()))
    lines = []
    for head, description in items:
        named, _, kind = head.partition(" : ")
        names = ", ".join(f"`{n.strip()}`" for n in named.split(","))
        first = f"- {names}" + (f" : {_markdown(kind.strip())}" if kind else "")
        lines.append(_wrap(first + (" — " + _markdown(" ".join(description)) if description else ""), "", "  "))
    return f"**{name}**\n\n" + "\n".join(lines)


def docstring(obj, parameters=()) -> str:
    """The rendered parts of ``obj``'s docstring (the module's rule); ``parameters``: its parameters' names."""
    doc = inspect.getdoc(obj) or ""
    if not doc:
        return "*(no docstring)*"
    headers = list(_HEADER.finditer(doc))
    preamble = doc[:headers[0].start()] if headers else doc
    paragraphs = [p for p in re.split(r"\n\s*\n", preamble.strip()) if p.strip()]
    kept = paragraphs[:1] + [p for p in paragraphs[1:] if re.match(r"``(\w+)``", p)
                             and re.match(r"``(\w+)``", p).group(1) in parameters]
    out = [_wrap(_markdown(p)) for p in kept]
    for i, header in enumerate(headers):
        if header.group(1) in RENDERED_SECTIONS:
            end = headers[i + 1].start() if i + 1 < len(headers) else len(doc)
            out.append(_section(header.group(1), doc[header.end():end].strip("\n")))
    return "\n\n".join(out)


def _field_comments(cls) -> dict[str, str]:
    """Each field's comment in the class's source: the one after it on its line, else the ``#:`` lines above it."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments = {t.start[0]: t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type == tokenize.COMMENT}
    lines, found = source.splitlines(), {}
    for number, line in enumerate(lines, 1):
        match = re.match(r"\s+(\w+)\s*:[^=]*(=|$)", line)
        if not match or line.strip().startswith("#"):
            continue
        text = comments.get(number, "")[1:] if comments.get(number, "").startswith("#") else ""
        above, row = [], number - 1
        while not text and row >= 1 and comments.get(row, "").startswith("#:") and lines[row - 1].strip()[:2] == "#:":
            above.insert(0, comments[row][2:].strip())
            row -= 1
        found.setdefault(match.group(1), " ".join(text.split()) or " ".join(above))
    return found


def _first_sentence(text: str) -> str:
    """``text`` up to its first full stop outside brackets."""
    depth = 0
    for i, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if char == "." and depth <= 0 and text[i + 1:i + 2] in ("", " "):
            return text[:i + 1]
    return text + "." if text and not text.endswith(".") else text


def fields_table(cls) -> str:
    comments = _field_comments(cls)
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default = f"`{_default(f.default)}`"
        elif f.default_factory is not dataclasses.MISSING:
            default = f"`{_default(f.default_factory())}`"
        else:
            default = "required"
        cells = [f"`{f.name}`", f"`{_annotation(f.type)}`", default,
                 _markdown(_first_sentence(comments.get(f.name, "")))]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "Fields (the constructor's arguments):\n\n" + "\n".join(rows)


def _parameter_names(obj) -> tuple[str, ...]:
    try:
        return tuple(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return ()


def entry(title: str, obj, level: int, seen: dict[int, str]) -> list[str]:
    """The markdown of one object (and of a class's public methods and properties, a level below)."""
    heading = "#" * level + f" {title}"
    if id(obj) in seen:
        return [f"{heading}\n\nThe same object as `{seen[id(obj)]}` (above)."]
    if inspect.ismodule(obj):
        seen[id(obj)] = title
        out = [f"{heading}\n\n{_wrap(_markdown(docstring_summary(obj)))}"]
        for name in getattr(obj, "__all__", ()):
            out += entry(f"{title}.{name}", getattr(obj, name), level + 1, seen)
        return out
    if not callable(obj):  # (named so, its anchor differs from a function's of the same name in lower case)
        text = _default(obj, WIDTH)
        if text == "..." and isinstance(obj, dict):
            text = f"a dict of {len(obj)}, keys: " + ", ".join(f"`{k!r}`" for k in obj)
        else:
            text = f"`{text}`"
        return [f"{heading} (constant)\n\n" + _wrap(text)]
    seen[id(obj)] = title
    parts = [heading, signature(title, obj), docstring(obj, _parameter_names(obj))]
    if dataclasses.is_dataclass(obj) and not re.search(r"^(Parameters|Attributes)\n---", inspect.getdoc(obj) or "",
                                                       re.M):
        parts.append(fields_table(obj))
    out = ["\n\n".join(p for p in parts if p)]
    if inspect.isclass(obj):
        for name, member in vars(obj).items():
            if name.startswith("_"):
                continue
            if isinstance(member, property):
                returned = inspect.signature(member.fget).return_annotation
                kind = "" if returned is inspect.Signature.empty else f": {_annotation(returned)}"
                text = "#" * (level + 1) + f" {title}.{name}\n\nProperty{kind}."
                out.append(text + "\n\n" + docstring(member.fget))
            elif inspect.isfunction(getattr(member, "__func__", member)):
                function = getattr(obj, name)
                out.append("\n\n".join(p for p in ["#" * (level + 1) + f" {title}.{name}",
                                                   signature(f"{obj.__name__}.{name}", function),
                                                   docstring(function, _parameter_names(function))] if p))
    return out


def docstring_summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return re.split(r"\n\s*\n", doc.strip())[0] if doc else ""


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading (tests/test_readme.py reads them the same way)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def render() -> str:
    """The text of docs/api.md."""
    import jae

    placed = [name for _, names in SECTIONS for name in names]
    missing = sorted(set(jae.__all__) - set(placed) - {"__version__"})
    if missing or len(placed) != len(set(placed)):
        raise ValueError(f"jae._apidoc.SECTIONS must place each name of jae.__all__ once; not placed: {missing}")
    seen: dict[int, str] = {}
    contents, body = [], []
    for heading, names in SECTIONS:
        titles = [f"jae.{name}" for name in names]
        links = ", ".join(f"[`{t}`](#{_anchor(t)})" for t in titles)
        contents.append(_wrap(f"[{heading}](#{_anchor(heading)}): {links}", "- ", "  "))
        for name, title in zip(names, titles):
            members = getattr(getattr(jae, name), "__all__", ())
            if inspect.ismodule(getattr(jae, name)) and members:
                links = ", ".join(f"[`{m}`](#{_anchor(f'{title}.{m}' + _constant(getattr(jae, name), m))})"
                                  for m in members)
                contents.append(_wrap(f"`{title}`: {links}", "  - ", "    "))
        body.append(f"## {heading}")
        for name, title in zip(names, titles):
            body += entry(title, getattr(jae, name), 3, seen)
    anchors = [_anchor(h) for h in re.findall(r"^#+ (.+)$", "\n\n".join(body), re.M)]
    twice = sorted({a for a in anchors if anchors.count(a) > 1})
    if twice:
        raise ValueError(f"headings of docs/api.md that share an anchor: {twice}")
    return "\n\n".join(["# API reference", _wrap(INTRO), "Contents:\n\n" + "\n".join(contents), *body]) + "\n"


def _constant(module, name: str) -> str:
    return "" if callable(getattr(module, name)) or inspect.ismodule(getattr(module, name)) else " (constant)"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render())
