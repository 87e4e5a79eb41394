"""Size and repetition of the package's code (issue 11's measures), at HEAD or any commit.

Prints one table row per revision: Python lines in ``scaling_bayes/`` (all lines, and code
only: no blank lines, comments or docstrings), message catalogues and templates counted
separately, and pylint's ``duplicate-code`` check at 6 lines (pylint's defaults, and with
signatures counted) when pylint is installed (``pip install pylint``; it is not a dependency).

Usage (from the project root)::

    .venv/bin/python benchmarks/bench_codebase.py                 # the working tree
    .venv/bin/python benchmarks/bench_codebase.py --rev 424ed07   # a commit, via git archive
"""

from __future__ import annotations

import argparse
import ast
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tokenize
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import markdown  # noqa: E402

#: Prose and markup that the report layer keeps out of the Python (counted on their own).
CATALOGUE_SUFFIXES = (".toml", ".j2", ".jinja", ".html", ".md", ".css")
_SKIP_TOKENS = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
    tokenize.ENCODING,
}


def docstring_lines(source: str) -> set[int]:
    """Line numbers of module, class and function docstrings."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                first = body[0]
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def code_lines(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring.

    Examples
    --------
    >>> code_lines("def f():\\n    'Doc.'\\n\\n    # note\\n    return 1  # one\\n")
    2
    """
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in _SKIP_TOKENS:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    return len(lines - docstring_lines(source))


def pylint_pairs(package: Path, *extra: str) -> int | None:
    """Blocks pylint's duplicate-code check reports at 6 lines (None without pylint)."""
    exe = shutil.which("pylint")
    if exe is None:
        return None
    out = subprocess.run(
        [
            exe,
            "--disable=all",
            "--enable=duplicate-code",
            "--min-similarity-lines=6",
            *extra,
            package.name,
        ],
        cwd=package.parent,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return out.count("Similar lines in")


def measure(root: Path, label: str) -> dict:
    package = root / "scaling_bayes"
    py = sorted(package.rglob("*.py"))
    texts = [p.read_text(encoding="utf-8") for p in py]
    other = [p for p in package.rglob("*") if p.suffix in CATALOGUE_SUFFIXES and p.is_file()]
    return {
        "revision": label,
        "python files": len(py),
        "python lines": sum(t.count("\n") for t in texts),
        "code lines": sum(code_lines(t) for t in texts),
        "catalogue + template lines": sum(p.read_text(encoding="utf-8").count("\n") for p in other),
        "pylint duplicate-code (defaults)": pylint_pairs(package),
        "pylint duplicate-code (signatures counted)": pylint_pairs(
            package, "--ignore-signatures=no"
        ),
    }


def checkout(rev: str, into: Path) -> Path:
    """``scaling_bayes/`` of commit ``rev`` extracted into ``into`` (git archive)."""
    data = subprocess.run(
        ["git", "archive", rev, "scaling_bayes"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", action="append", default=[], help="commits to measure too")
    args = parser.parse_args()
    rows = []
    for rev in args.rev:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(measure(checkout(rev, Path(tmp)), rev))
    rows.append(measure(ROOT, "working tree"))
    import pandas as pd

    print(markdown(pd.DataFrame(rows).fillna("n/a (no pylint)"), "g"))


if __name__ == "__main__":
    main()
