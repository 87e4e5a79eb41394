"""The README's factory session runs as printed (a real fit: marked slow)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _factory_block() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if "sb.load_inspection_example()" in b]
    assert len(found) == 1, "the README's factory session is its one block using the example"
    return found[0]


@pytest.mark.slow
def test_readme_factory_session_runs_and_prices_the_plans():
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # design and extrapolation warnings of a 10-run pilot
        exec("import scaling_bayes as sb\n" + _factory_block(), namespace)
    model, ladder = namespace["model"], namespace["ladder"]
    assert model.diagnostics().converged
    table = ladder.table.set_index("plan")
    assert list(table.index) == ["20,000", "50,000", "200,000"]
    # labelling at JPY 25-40 per added image beyond the 8,000 on hand, integration JPY 3M;
    # the mean price of n uniform draws is within 4 standard errors of 32.5
    added = np.array([12_000, 42_000, 192_000])
    rel = 4 * (15 / np.sqrt(12)) / 32.5 / np.sqrt(ladder.n_draws)
    assert np.all(table["expected_cost_data"].to_numpy() == pytest.approx(32.5 * added, rel=rel))
    assert np.all(table["expected_cost_integration"].to_numpy() == pytest.approx(3_000_000))
    assert table["p_kpi_target_met"].between(0, 1).all()
    assert ladder.currency == "JPY"
