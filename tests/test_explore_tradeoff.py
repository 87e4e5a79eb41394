"""The variants traced in benchmarks/explore_tradeoff.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import import_benchmark

CHOICE = {
    "weights": {
        "one_axis": {"power": 0.4, "broken_power": 0.3, "power_no_floor": 0.1, "saturating": 0.2},
        "two_axis": {"chinchilla": 0.5, "farseer": 0.5},
    },
    "tau_grid": [0.0, 0.01, 0.02],
    "tau_prob": [0.2, 0.5, 0.3],
}


@pytest.fixture(scope="module")
def ex():
    return import_benchmark("explore_tradeoff")


def test_multiplier_scales_tau_and_leaves_its_probabilities(ex):
    v = ex.variant(CHOICE, 0.5, "all forms")
    np.testing.assert_allclose(v["tau_grid"], [0.0, 0.005, 0.01])
    assert v["tau_prob"] == CHOICE["tau_prob"]
    assert v["weights"] == CHOICE["weights"]
    assert CHOICE["tau_grid"] == [0.0, 0.01, 0.02]  # the committed choice is not modified


def test_power_laws_only_renormalises_the_one_axis_weights(ex):
    v = ex.variant(CHOICE, 1.0, "power laws only")
    assert v["weights"]["one_axis"] == pytest.approx({"power": 0.8, "power_no_floor": 0.2})
    assert v["weights"]["two_axis"] == CHOICE["weights"]["two_axis"]


def test_zero_multiplier_is_the_forms_alone(ex):
    """tau x 0 adds no discrepancy: the mixture equals bench_evidence's "forms only" row."""
    be = import_benchmark("bench_evidence")
    rng = np.random.default_rng(0)
    unit = be.Unit(
        "s",
        "u",
        "one_axis",
        "params",
        pd.DataFrame({"params": [1e7, 1e8], "loss": [3.0, 2.5]}),
        pd.DataFrame({"params": [1e9, 1e10], "loss": [2.2, 2.0]}),
    )
    draws = {
        f: rng.normal(np.log([2.2, 2.0]), 0.05, size=(400, 2)) for f in ("power", "saturating")
    }
    s = be.Stored(unit, draws, np.array([2.3, 4.6]), None, 0.0)
    zero = be.score_unit(s, ex.variant(CHOICE, 0.0, "all forms"), 7, "mixture")
    forms = be.score_unit(s, CHOICE, 7, "forms only")
    np.testing.assert_allclose(zero["width_90"], forms["width_90"])
    wider = be.score_unit(s, ex.variant(CHOICE, 1.0, "all forms"), 7, "mixture")
    assert np.all(wider["width_90"] > zero["width_90"])


def test_meets_names_each_target_a_variant_meets(ex):
    row = pd.Series(
        dict(
            cov90=0.948,
            cov50=0.598,
            lowest="80% (m4 NMT)",
            pilot_cov90=0.854,
            sim_cov90=0.983,
            sim_cov50=0.654,
            sim_width_ratio=1.53,
        )
    )
    assert ex.meets(row) == "R90 R50 Rmin P90"
    calibrated = row.copy()
    calibrated[["sim_cov90", "sim_cov50", "sim_width_ratio"]] = [0.92, 0.54, 1.2]
    calibrated["lowest"] = "57% (Farseer)"
    assert ex.meets(calibrated) == "R90 R50 P90 S90 S50 Sw"
