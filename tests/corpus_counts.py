"""Count the regression corpus (tests/test_corpus_*.py) by file and by outcome.

Run from the repository root::

    .venv/bin/python tests/corpus_counts.py            # fast lane (-m "not slow")
    .venv/bin/python tests/corpus_counts.py --all      # slow corpus cases too

It runs pytest once with a JUnit XML report (no plugin, no hook) and prints a Markdown table of
cases per file: passed, failed (or errored), skipped, expected failures. The numbers recorded in
tests/README.md came from this script.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def count(run_slow: bool = False) -> dict[str, Counter]:
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_corpus_*.py"))
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "corpus.xml"
        args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files]
        args += [f"--junitxml={report}", "-o", "addopts="]
        if not run_slow:
            args += ["-m", "not slow"]
        subprocess.run(args, cwd=ROOT, capture_output=True, check=False)
        tree = ET.parse(report)
    out: dict[str, Counter] = {}
    for case in tree.iter("testcase"):
        name = case.get("classname", "").split(".")[-1] or case.get("file", "?")
        kinds = {child.tag for child in case}
        skipped = case.find("skipped")
        if "failure" in kinds or "error" in kinds:
            outcome = "failed"
        elif skipped is not None:
            xfail = "xfail" in (skipped.get("type", "") + skipped.get("message", "")).lower()
            outcome = "xfailed" if xfail else "skipped"
        else:
            outcome = "passed"
        out.setdefault(name, Counter())[outcome] += 1
    return out


def main() -> int:
    table = count(run_slow="--all" in sys.argv[1:])
    columns = ("passed", "failed", "skipped", "xfailed")
    print("| file | cases | " + " | ".join(columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    total = Counter()
    for name, counts in sorted(table.items()):
        total.update(counts)
        row = " | ".join(str(counts[c]) for c in columns)
        print(f"| {name} | {sum(counts.values())} | {row} |")
    print(
        f"| **all** | {sum(total.values())} | " + " | ".join(str(total[c]) for c in columns) + " |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
