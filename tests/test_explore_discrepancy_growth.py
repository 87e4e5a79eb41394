"""The growth exponent of the discrepancy in benchmarks/explore_discrepancy_growth.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import import_benchmark


@pytest.fixture(scope="module")
def ex():
    return import_benchmark("explore_discrepancy_growth")


def _point_mass(ex, kappa: float, tau: float) -> np.ndarray:
    prob = np.zeros((ex.KAPPAS.size, ex.TAU_GRID.size))
    prob[np.flatnonzero(ex.KAPPAS == kappa)[0], np.flatnonzero(np.isclose(ex.TAU_GRID, tau))[0]] = 1
    return prob


@pytest.mark.parametrize("kappa", [0.5, 1.0])
def test_offsets_have_sd_tau_times_distance_to_the_kappa(ex, kappa):
    """Monte Carlo sd of the offsets against tau * d ** kappa, within 4 standard errors of a
    sample sd (sd / sqrt(2 n))."""
    n, tau = 20_000, 0.01
    d = np.array([0.0, 0.5, 2.0, 4.6])
    off = ex.offsets(_point_mass(ex, kappa, tau), d, n, np.random.default_rng(1))
    expected = tau * d**kappa
    assert np.all(off[:, 0] == 0)
    error = np.abs(off[:, 1:].std(0) - expected[1:])
    assert np.all(error < 4 * expected[1:] / np.sqrt(2 * n)), (off[:, 1:].std(0), expected)


def _points(tau: float, kappa: float, rng: np.random.Generator) -> pd.DataFrame:
    """Held-out runs of four studies, one form, error sd sqrt(s^2 + (tau d^kappa)^2)."""
    rows = []
    for study in range(4):
        d = rng.uniform(0.2, 5.0, 300)
        s = 0.004
        y = rng.normal(0.0, np.sqrt(s**2 + (tau * d**kappa) ** 2))
        for i in range(d.size):
            rows.append(
                dict(
                    group="g",
                    study=f"s{study}",
                    run=f"r{i}",
                    form="f",
                    mu=0.0,
                    sd=s,
                    y=y[i],
                    da=d[i],
                    dr=0.0,
                )
            )
    return pd.DataFrame(rows)


def test_posterior_recovers_the_growth_and_scale(ex):
    tau0, kappa0 = 0.01, 0.5
    points = _points(tau0, kappa0, np.random.default_rng(2))
    prob = ex.posterior(points, {"g": {"f": 1.0}}, None, tuple(ex.KAPPAS))
    mass = prob.sum(1)
    assert ex.KAPPAS[np.argmax(mass)] == kappa0
    tau_prob = prob.sum(0)
    mean = (tau_prob * ex.TAU_GRID).sum()
    sd = np.sqrt((tau_prob * (ex.TAU_GRID - mean) ** 2).sum())
    assert abs(mean - tau0) < 4 * sd + 0.0005  # 4 posterior sd, plus half the grid's step


def test_fixed_growth_puts_no_mass_elsewhere_and_left_out_study_is_dropped(ex):
    points = _points(0.01, 1.0, np.random.default_rng(3))
    prob = ex.posterior(points, {"g": {"f": 1.0}}, None, (1.0,))
    assert prob[ex.KAPPAS != 1.0].sum() == 0
    assert prob.sum() == pytest.approx(1.0)
    # leaving a study out is the same as never having it
    without = ex.posterior(points, {"g": {"f": 1.0}}, "s0", (1.0,))
    alone = ex.posterior(points[points.study != "s0"], {"g": {"f": 1.0}}, None, (1.0,))
    np.testing.assert_allclose(without, alone)
    assert not np.allclose(without, prob)
