"""Every public function and method of the package is fully annotated (issue 15).

mypy checks the annotations that exist; this test checks that they exist: on every argument
(``self``/``cls`` aside, ``*args``/``**kwargs`` included) and the return of every function or
method whose name does not start with an underscore (and ``__init__``/``__call__``), in every
class whose name does not start with one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import scaling_bayes

PACKAGE = Path(scaling_bayes.__file__).parent
PUBLIC_DUNDERS = ("__init__", "__call__")


def _unannotated(tree: ast.Module, path: Path) -> list[str]:
    out = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef) and not child.name.startswith("_"):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
                if name.startswith("_") and name not in PUBLIC_DUNDERS:
                    continue
                args = child.args
                params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
                params = [a for a in params if a.arg not in ("self", "cls")]
                params += [a for a in (args.vararg, args.kwarg) if a is not None]
                missing = [a.arg for a in params if a.annotation is None]
                if child.returns is None and name != "__init__":
                    missing.append("return")
                if missing:
                    where = path.relative_to(PACKAGE.parent)
                    out.append(f"{where}:{child.lineno} {prefix}{name}: {', '.join(missing)}")

    visit(tree, "")
    return out


def test_every_public_function_is_annotated():
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        missing += _unannotated(ast.parse(path.read_text(encoding="utf-8")), path)
    assert not missing, f"{len(missing)} public functions lack annotations:\n" + "\n".join(
        missing[:50]
    )


def test_the_check_sees_a_missing_annotation():
    tree = ast.parse("def f(x, y: int) -> int:\n    return y\nclass A:\n    def g(self): ...\n")
    found = _unannotated(tree, PACKAGE / "example.py")
    assert [m.split(" ", 1)[1] for m in found] == ["f: x", "A.g: return"]
