"""MkDocs hooks: the API reference pages and the notebook gallery, made at build time.

The API pages list every public module of each layer folder, so a new module appears in the
reference without editing the docs; the notebooks are read from ``notebooks/`` with their stored
outputs (they are executed by the test suite, not by the docs build).
"""

from __future__ import annotations

import ast
import json
import pathlib
import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scaling_bayes"

#: Layer folders in the order a reader meets them, with one line each.
LAYERS = {
    "core": "Data contract, laws, priors, sampling, the model, forecasts, diagnostics, files.",
    "checks": "Forecast scores, backtests, law comparison, prior checks, baselines, parallel fits.",
    "decision": "Business inputs, cost and value models, plans, joint draws, metrics and results.",
    "report": "The board memo: numbers, composition, messages, rendering, plots, exports.",
    "app": "Review configs, pre-flight checks, safe output folders, the review and the CLI.",
}


def public_modules(layer: str) -> list[str]:
    """Dotted names of the layer's public modules (files not starting with an underscore)."""
    folder = PACKAGE / layer
    return [
        f"scaling_bayes.{layer}.{path.stem}"
        for path in sorted(folder.glob("*.py"))
        if not path.stem.startswith("_")
    ]


def module_summary(dotted: str) -> str:
    """The first line of a module's docstring, for the page's table of modules."""
    path = ROOT.joinpath(*dotted.split(".")).with_suffix(".py")
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def api_page(layer: str) -> str:
    """Markdown of one layer's reference page: a table of modules, then each module."""
    modules = public_modules(layer)
    lines = [f"# `{layer}/`", "", LAYERS[layer], "", "| module | what it holds |", "|---|---|"]
    for dotted in modules:
        summary = module_summary(dotted).replace("|", "\\|")
        lines.append(f"| [`{dotted.rsplit('.', 1)[1]}`](#{dotted}) | {summary} |")
    lines.append("")
    for dotted in modules:
        lines += [f"::: {dotted}", ""]
    return "\n".join(lines)


def exported_names() -> list[tuple[str, str]]:
    """``(name, module)`` for every name in ``scaling_bayes.__all__``, read from the source."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    origin: dict[str, str] = {}
    exported: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                origin[alias.asname or alias.name] = f"scaling_bayes.{node.module}"
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            exported = list(ast.literal_eval(node.value))
    return [(name, origin.get(name, "scaling_bayes")) for name in exported]


def index_page() -> str:
    """Markdown of the reference's front page: where each top-level name is documented."""
    lines = [
        "# API reference",
        "",
        "Every public name is importable from the top level (`import scaling_bayes as sb`). The",
        "reference is organised by layer, one page each; imports point down only",
        "(app → report → decision → checks → core).",
        "",
    ]
    for layer, blurb in LAYERS.items():
        lines.append(f"- [`{layer}/`]({layer}.md): {blurb}")
    lines.append("- [Examples and test helpers](other.md): `datasets`, `testing`.")
    lines += ["", "## Top-level names", "", "| name | defined in |", "|---|---|"]
    for name, module in exported_names():
        lines.append(f"| `sb.{name}` | `{module}` |")
    return "\n".join(lines) + "\n"


def other_page() -> str:
    """Markdown of the page for the modules beside the layers: examples and test helpers."""
    lines = [
        "# Examples and test helpers",
        "",
        "Beside the layers: the bundled example data (`scaling_bayes.datasets`) and",
        "`scaling_bayes.testing`, which makes a fitted model from hand-made posterior draws so",
        "that your own tests of code built on scaling_bayes need no MCMC.",
        "",
        "::: scaling_bayes.datasets",
        "",
        "::: scaling_bayes.testing",
        "",
    ]
    return "\n".join(lines)


def notebooks() -> list[pathlib.Path]:
    """The notebooks of the gallery, in file-name order."""
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def notebook_intro(path: pathlib.Path) -> tuple[str, str]:
    """Title (the first heading) and first sentence of a notebook's first Markdown cell."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = next(("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"), "")
    lines = [line.strip() for line in text.splitlines()]
    title = next((line.lstrip("# ") for line in lines if line.startswith("#")), path.stem)
    body = " ".join(line for line in lines if line and not line.startswith("#"))
    sentence = re.match(r"(.{40,}?[.:?!])(\s|$)", body)
    return title, (sentence.group(1) if sentence else body)


def gallery_page() -> str:
    """Markdown of the notebook gallery: one row per notebook, with its title and aim."""
    lines = [
        "# Notebooks",
        "",
        "Rendered here with the outputs they were saved with. The test suite runs each notebook",
        "top to bottom, so none goes stale; the documentation build does not re-execute them.",
        "To run one yourself: `make install`, then open it with Jupyter from `notebooks/`.",
        "",
        "| notebook | what it shows |",
        "|---|---|",
    ]
    for path in notebooks():
        title, sentence = notebook_intro(path)
        cell = sentence.replace("|", "\\|")
        lines.append(f"| [{title}]({path.name}) | {cell} |")
    return "\n".join(lines) + "\n"


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    """List every notebook under the "Notebooks" section of the navigation."""
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Notebooks" in entry:
            entry["Notebooks"] = ["notebooks/index.md"] + [
                f"notebooks/{path.name}" for path in notebooks()
            ]
    return config


@event_priority(100)  # before mkdocs-jupyter wraps the notebooks
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated API pages and the stored notebooks to the site's files."""
    files.append(File.generated(config, "api/index.md", content=index_page()))
    files.append(File.generated(config, "api/other.md", content=other_page()))
    files.append(File.generated(config, "notebooks/index.md", content=gallery_page()))
    for layer in LAYERS:
        files.append(File.generated(config, f"api/{layer}.md", content=api_page(layer)))
    # Files outside docs/ served as if they were in it: the notebooks (src notebooks/) and the
    # benchmark figures (src benchmarks/figures/, served as figures/).
    outside = [(ROOT, f"notebooks/{path.name}") for path in notebooks()]
    outside += [
        (ROOT / "benchmarks", f"figures/{png.name}")
        for png in sorted(ROOT.glob("benchmarks/figures/*.png"))
    ]
    for src_dir, src_uri in outside:
        files.append(
            File(
                src_uri,
                src_dir=str(src_dir),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


#: A Sphinx cross-reference role left in a docstring (``:func:`name```), as rendered to HTML.
_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj):<code>(~?)([^<]*)</code>")


def _role_text(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html: str, **kwargs: object) -> str:
    """Show the docstrings' Sphinx roles (``:func:`x```) as plain code, as Sphinx would."""
    return _ROLE.sub(_role_text, html)
