"""Helpers shared by the benchmark scripts: data paths, timing, markdown tables."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pandas as pd

#: Public measurements live beside the project (../shared/data), never inside it.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_csv(*parts: str) -> Path:
    """Path of a file under ../shared/data; exit with a clear reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        print(f"SKIPPED: {path} is absent (the public measurements live in ../shared/data)")
        sys.exit(0)
    return path


def load_chinchilla() -> pd.DataFrame:
    """The 245 Chinchilla runs (Hoffmann et al. 2022, digitised by Epoch AI)."""
    return pd.read_csv(shared_csv("chinchilla", "chinchilla_nd_loss.csv"))


class Timer:
    """Context manager measuring wall time in seconds."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def median(values) -> float:
    return float(statistics.median(values))


def markdown(frame: pd.DataFrame, floatfmt: str = ".3g") -> str:
    """A DataFrame as a GitHub markdown table (no tabulate dependency)."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(str(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append(format(value, floatfmt))
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
