"""Package metadata: SPDX licence, classifiers, URLs, one version, type information shipped.

The fast tests read ``pyproject.toml`` and the installed distribution's metadata; the slow test
builds the wheel a user would install and looks inside it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest

import scaling_bayes as sb

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
DIST = "scaling_bayes"


def test_licence_is_an_spdx_expression_with_its_file() -> None:
    # PEP 639: a string, not the deprecated {text = ...} table, and the file it refers to ships.
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    # PEP 639 forbids licence classifiers beside an expression (setuptools refuses to build)
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_build_backend_reads_spdx_expressions() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    (setuptools_req,) = [r for r in build["requires"] if r.startswith("setuptools")]
    floor = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", setuptools_req)
    assert floor is not None, setuptools_req
    assert int(floor.group(1)) >= 77  # the first setuptools that supports PEP 639


def test_classifiers_are_pypis_and_match_the_supported_pythons() -> None:
    from trove_classifiers import classifiers as valid  # PyPI rejects an upload with any other

    classifiers = PROJECT["classifiers"]
    assert not [c for c in classifiers if c not in valid]
    assert len(classifiers) == len(set(classifiers))
    minimum = re.fullmatch(r">=3\.(\d+)", PROJECT["requires-python"])
    assert minimum is not None
    listed = sorted(
        int(m.group(1))
        for c in classifiers
        if (m := re.fullmatch(r"Programming Language :: Python :: 3\.(\d+)", c))
    )
    assert listed, "no Python version classifier"
    assert listed[0] == int(minimum.group(1))
    assert listed == list(range(listed[0], listed[-1] + 1))  # no gaps
    assert "Typing :: Typed" in classifiers
    assert PROJECT["keywords"] and all(k == k.strip() and k for k in PROJECT["keywords"])


def test_project_urls_are_https_and_name_docs_source_and_changelog() -> None:
    urls = PROJECT["urls"]
    assert {"Documentation", "Source", "Changelog", "Issues"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    assert urls["Changelog"].endswith("CHANGELOG.md")


def test_version_has_one_source() -> None:
    # pyproject.toml defines it; the installed metadata and __version__ repeat it, never a copy.
    assert metadata.version(DIST) == PROJECT["version"]
    assert sb.__version__ == PROJECT["version"]
    version_py = (ROOT / "scaling_bayes" / "_version.py").read_text(encoding="utf-8")
    assert PROJECT["version"] not in version_py


def test_installed_metadata_carries_the_licence_expression_and_urls() -> None:
    meta = metadata.metadata(DIST)
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in (meta.get_all("License-File") or [])
    project_urls = dict(entry.split(", ", 1) for entry in meta.get_all("Project-URL") or [])
    assert project_urls == PROJECT["urls"]
    assert set(meta.get_all("Classifier") or []) == set(PROJECT["classifiers"])


def test_py_typed_marker_is_in_the_package_and_its_data() -> None:
    assert (ROOT / "scaling_bayes" / "py.typed").is_file()
    setuptools_cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert "py.typed" in setuptools_cfg["setuptools"]["package-data"]["scaling_bayes"]


@pytest.mark.slow
def test_wheel_ships_licence_type_marker_and_data(tmp_path: Path) -> None:
    # The wheel a user installs, built as pip builds it (isolated, from pyproject.toml).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("scaling_bayes-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (meta_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(archive.read(meta_name).decode("utf-8"))
    assert "scaling_bayes/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert meta["Version"] == PROJECT["version"]
    assert meta["License-Expression"] == "MIT"
    for pattern in (
        r"scaling_bayes/datasets/.+\.csv",
        r"scaling_bayes/datasets/.+\.toml",
        r"scaling_bayes/report/messages/en\.toml",
        r"scaling_bayes/report/messages/ja\.toml",
        r"scaling_bayes/report/templates/.+",
    ):
        assert any(re.fullmatch(pattern, n) for n in names), pattern


def _docstrings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the module's, every class's and every function's docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                found.append((getattr(node, "lineno", 1), doc))
    return found


def test_docstrings_cite_public_sources_not_project_notes() -> None:
    # Docstrings become the API reference: a reader outside the project cannot open the team's
    # notes or its issue tracker, so a claim cites the paper or page it comes from.
    internal = re.compile(r"FACTS\.md|\bissues? \d+\b|\bissue #\d+", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {match.group(0)!r}"
        for path in sorted((ROOT / "scaling_bayes").rglob("*.py"))
        for line, doc in _docstrings(path)
        if (match := internal.search(doc))
    ]
    assert not offenders, offenders
