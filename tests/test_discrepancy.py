"""Structured discrepancy: zero inside the data, growing outside, scale learned elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

from scaling_bayes.core.discrepancy import Discrepancy, extrapolation_distance, tau_posterior
from scaling_bayes.core.exceptions import ConfigError, DataError


def test_distance_is_zero_inside_the_range_and_counts_efolds_outside():
    train = {"params": np.array([1e7, 1e8, 1e9])}
    new = {"params": np.array([1e7, 3e8, 1e9, 1e9 * np.e, 1e9 * np.e**3, 1e7 / np.e**2])}
    d = extrapolation_distance(train, new)
    assert np.allclose(d, [0.0, 0.0, 0.0, 1.0, 3.0, 2.0])


def test_two_axes_add_compute_and_tokens_per_parameter_outside_the_range():
    n = np.array([1e8, 1e9, 1e8, 1e9])
    train = {"params": n, "tokens": n * np.array([10.0, 10.0, 40.0, 40.0])}
    inside = extrapolation_distance(train, {"params": [3e8], "tokens": [6e9]})
    assert inside[0] == 0.0
    # the same sizes at 10x fewer tokens per parameter than any run: only ln(D/N) is outside
    starved = extrapolation_distance(train, {"params": [1e9], "tokens": [1e9]})
    assert starved[0] == pytest.approx(np.log(10.0))
    # growing monotonically with the extrapolation along N at fixed D/N
    far = extrapolation_distance(
        train, {"params": [2e9, 8e9, 3.2e10], "tokens": [4e10, 1.6e11, 6.4e11]}
    )
    assert np.all(np.diff(far) > 0)


def test_offsets_are_zero_inside_and_scale_with_distance():
    disc = Discrepancy(np.array([0.01, 0.02]), np.array([0.5, 0.5]))
    n = 100_000
    off = disc.log_offsets(np.array([0.0, 1.0, 2.0]), n_draws=n, random_seed=0)
    assert np.all(off[:, 0] == 0.0)
    # sd at distance d is d * sqrt(E[tau^2]); ratio of sds is exactly 2 (shared z per draw)
    assert np.allclose(off[:, 2], 2 * off[:, 1])
    expected = np.sqrt(np.mean([0.01**2, 0.02**2]))
    se = expected / np.sqrt(2 * n)  # standard error of a sample sd
    assert abs(off[:, 1].std() - expected) < 6 * se + 1e-4 * expected


def test_tau_posterior_finds_the_scale_of_other_studies_errors():
    rng = np.random.default_rng(2)
    studies, per = 30, 4
    d = rng.uniform(1.0, 3.0, studies * per)
    err = 0.01 * d * np.repeat(rng.standard_normal(studies), per)  # one error per study
    post = tau_posterior(
        np.zeros_like(d), np.full_like(d, 1e-3), err, d, np.repeat(np.arange(studies), per)
    )
    assert 0.006 < post.mean_tau < 0.016
    assert post.quantile(0.05) < 0.01 < post.quantile(0.95)
    zero = tau_posterior(
        np.zeros_like(d),
        np.full_like(d, 1e-3),
        np.zeros_like(d),
        d,
        np.repeat(np.arange(studies), per),
    )
    assert zero.mean_tau < 0.002


def test_each_study_counts_once():
    # one study with many runs and large errors weighs as much as one with one run
    d = np.ones(101)
    study = np.array([0] * 100 + [1])
    err = np.concatenate([np.full(100, 0.05), [0.05]])
    a = tau_posterior(np.zeros(101), np.full(101, 1e-3), err, d, study)
    b = tau_posterior(np.zeros(2), np.full(2, 1e-3), np.full(2, 0.05), np.ones(2), [0, 1])
    assert np.allclose(a.tau_prob, b.tau_prob)


@pytest.mark.parametrize(
    ("grid", "prob", "match"),
    [
        ([0.0, 0.01], [0.5], "same"),
        ([-0.01, 0.01], [0.5, 0.5], ">= 0"),
        ([0.0, 0.01], [0.2, 0.2], "sum"),
    ],
)
def test_bad_discrepancy_raises(grid, prob, match):
    with pytest.raises(ConfigError, match=match):
        Discrepancy(np.array(grid), np.array(prob))


def test_bad_scales_raise_data_error():
    with pytest.raises(DataError, match="positive"):
        extrapolation_distance({"params": [0.0, 1e9]}, {"params": [1e10]})
    with pytest.raises(DataError, match="no common axis"):
        extrapolation_distance({"params": [1e8, 1e9]}, {"compute": [1e21]})
