"""The package's layers are folders, and imports point down only.

Order, bottom to top: ``core`` -> ``checks`` -> ``decision`` -> ``report`` -> ``app``. A module
may import its own layer and any layer below it, never one above. ``datasets`` and ``testing``
sit on ``core``; the package root and the deprecated aliases (``risk``, ``memo``) re-export from
every layer. The check reads the source with :mod:`ast`, so it also sees imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scaling_bayes"
LAYERS = ("core", "checks", "decision", "report", "app")
#: Top-level modules and the highest layer they may import.
TOP_LEVEL = {"_version": -1, "datasets": 0, "testing": 0}
REEXPORTS = {"__init__", "risk", "memo"}


def _layer_of(module: str) -> int | None:
    """Rank of a module path relative to the package (``core.data`` -> 0); None for re-exporters."""
    head = module.split(".")[0]
    if head in LAYERS:
        return LAYERS.index(head)
    if head in TOP_LEVEL:
        return TOP_LEVEL[head]
    return None


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module relative to the package) for every intra-package import."""
    relative = path.relative_to(PACKAGE).with_suffix("")
    package = list(relative.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = [*base, *(node.module.split(".") if node.module else [])]
                if not node.module:  # from . import a, b
                    found += [(node.lineno, ".".join([*target, a.name])) for a in node.names]
                    continue
                found.append((node.lineno, ".".join(target)))
            elif node.module and node.module.startswith("scaling_bayes"):
                found.append((node.lineno, node.module.removeprefix("scaling_bayes").lstrip(".")))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("scaling_bayes"):
                    target = alias.name.removeprefix("scaling_bayes").lstrip(".")
                    found.append((node.lineno, target))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_belongs_to_a_layer():
    """A new top-level module must be placed in a layer (or listed here with its reason)."""
    loose = [
        p.relative_to(PACKAGE).as_posix()
        for p in MODULES
        if _layer_of(p.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")) is None
        and p.stem not in REEXPORTS
    ]
    assert not loose, f"modules outside the layer folders: {loose}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_point_down(path):
    own = path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
    if path.stem in REEXPORTS and path.parent == PACKAGE:
        return
    rank = _layer_of(own)
    upward = []
    for line, target in _imports(path):
        target_rank = _layer_of(target)
        if target == "" or target_rank is None:
            upward.append(f"line {line}: imports the package root ('{target or 'scaling_bayes'}')")
        elif target_rank > rank:
            upward.append(f"line {line}: {LAYERS[rank] if rank >= 0 else own} imports {target}")
    assert not upward, f"{own} imports upward:\n" + "\n".join(upward)
