"""The in-study update of tau explored in benchmarks/explore_in_study_tau.py."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import import_benchmark


@pytest.fixture(scope="module")
def ex():
    return import_benchmark("explore_in_study_tau")


def test_internal_split_holds_out_the_top_e_fold(ex):
    x = np.exp(np.linspace(0.0, 3.0, 13))  # 3 e-folds, 4 runs per e-fold
    held = ex.internal_split({"params": x})
    assert held.tolist() == [False] * 9 + [True] * 4  # ln x > 2
    assert ex.internal_split({"params": x[:7]}) is None  # 2 runs to fit the forms: too few


def test_two_axis_split_is_on_compute(ex):
    n = np.exp(np.linspace(0.0, 3.0, 13))
    held = ex.internal_split({"params": n, "tokens": n[::-1] ** 2})  # ln C = 6 - ln N
    assert held.tolist() == [True] * 4 + [False] * 9  # the smallest N have the most compute


def test_update_is_the_corpus_posterior_times_the_internal_likelihood(ex):
    choice = {"tau_grid": [0.0, 0.01, 0.02], "tau_prob": [0.2, 0.5, 0.3]}
    same = ex.updated(choice, np.zeros(3))
    np.testing.assert_allclose(same.tau_prob, [0.2, 0.5, 0.3])
    moved = ex.updated(choice, np.log([4.0, 1.0, 1.0]))
    np.testing.assert_allclose(moved.tau_prob, np.array([0.8, 0.5, 0.3]) / 1.6)


def test_clean_law_runs_make_the_internal_likelihood_prefer_no_discrepancy(ex):
    x = np.geomspace(1e7, 1e9, 16)
    loss = 1.8 + 400 * x**-0.34  # an exact power law: the held-out runs are hit by the fit
    grid = np.array([0.0, 0.005, 0.01, 0.02])
    ll, held = ex.internal_loglik(
        {"params": x}, loss, "params", {"power": 1.0}, "one_axis", grid, seed=0
    )
    assert held >= 2
    assert np.all(np.diff(ll) < 0)
