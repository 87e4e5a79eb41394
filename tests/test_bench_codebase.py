"""The code-size measure of benchmarks/bench_codebase.py (issue 11) counts what it says."""

from __future__ import annotations

import doctest

import pytest
from helpers import import_benchmark


@pytest.fixture(scope="module")
def bench():
    return import_benchmark("bench_codebase")


SOURCE = '''"""Module docstring,
on two lines."""

# a comment
import math


class A:
    """Class doc."""

    x = 1  # trailing comment

    def f(self):
        """Method doc."""
        text = """a string
        that is not a docstring"""
        return math.pi, text
'''


def test_code_lines_skip_blank_lines_comments_and_docstrings(bench):
    # import, class, x = 1, def, text = (2 lines), return
    assert bench.code_lines(SOURCE) == 7
    assert bench.docstring_lines(SOURCE) == {1, 2, 9, 14}


def test_measure_counts_python_and_catalogues_apart(bench, tmp_path):
    package = tmp_path / "scaling_bayes"
    (package / "report").mkdir(parents=True)
    (package / "mod.py").write_text(SOURCE)
    (package / "report" / "en.toml").write_text('a = "one"\nb = "two"\n')
    row = bench.measure(tmp_path, "x")
    assert row["python files"] == 1
    assert row["python lines"] == SOURCE.count("\n")
    assert row["code lines"] == 7
    assert row["catalogue + template lines"] == 2


def test_docstring_examples_run(bench):
    failed, attempted = doctest.testmod(bench, verbose=False)
    assert attempted >= 1
    assert failed == 0
