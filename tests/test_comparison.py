"""Law comparison logic on hand-built posteriors (the fits are replaced; no MCMC)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import hand_built_draws

import scaling_bayes as sb
import scaling_bayes.checks.comparison as comparison
from scaling_bayes.testing import fit_from_draws


def _models(example_data):
    tight = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False), example_data, hand_built_draws(0.01)
    )
    draws = hand_built_draws(0.01)
    # sigma spread over orders of magnitude: a few draws dominate every run's importance
    # weights, which is what a Pareto k far above 0.7 detects.
    draws["sigma"] = 0.002 * np.exp(1.5 * np.random.default_rng(1).standard_normal((4, 500)))
    wild = fit_from_draws(sb.ScalingLawModel("chinchilla", progressbar=False), example_data, draws)
    return tight, wild


def test_unreliable_psis_loo_says_so(example_data, monkeypatch):
    tight, wild = _models(example_data)
    monkeypatch.setattr(comparison, "map_fits", lambda tasks, **kw: [tight, wild])
    laws = [{"law": "chinchilla", "name": "tight"}, {"law": "chinchilla", "name": "wild"}]
    with pytest.warns(sb.ParetoKWarning, match=r"unreliable \(Pareto k > 0.7\) for wild"):
        cmp = sb.compare_laws(example_data, laws)
    assert not cmp.reliable
    assert bool(cmp.table.loc["tight", "reliable"])
    assert not bool(cmp.table.loc["wild", "reliable"])
    assert cmp.table.loc["wild", "n_bad_k"] > 0
    assert "NOT reliable" in cmp.text
    assert cmp.table["weight"].sum() == pytest.approx(1.0)


def test_mixed_forecast_takes_draws_in_proportion_to_weights(example_data, monkeypatch):
    tight, wild = _models(example_data)
    monkeypatch.setattr(comparison, "map_fits", lambda tasks, **kw: [tight, wild])
    laws = [{"law": "chinchilla", "name": "a"}, {"law": "chinchilla", "name": "b"}]
    with pytest.warns(sb.ParetoKWarning):
        cmp = sb.compare_laws(example_data, laws)
    forced = comparison.LawComparison(
        table=cmp.table.assign(weight=[0.25, 0.75]), models=cmp.models, reliable=False
    )
    mixed = forced.predict(params=[1e9], tokens=[2e10], random_seed=0)
    assert mixed.flat_draws().shape[0] == 2000
    # Draws of model b have much wider noise (its sigma draws); the mixture's spread lies between.
    spread = {
        k: np.std(np.log(m.predict(params=[1e9], tokens=[2e10], random_seed=1).flat_draws()))
        for k, m in cmp.models.items()
    }
    mixed_spread = np.std(np.log(mixed.flat_draws()))
    assert min(spread.values()) < mixed_spread < max(spread.values())
    assert mixed.scales.loc[0, "compute"] == pytest.approx(6 * 1e9 * 2e10)


@pytest.mark.parametrize(
    ("laws", "match"),
    [
        (["chinchilla"], "at least two laws"),
        (["chinchilla", "chinchilla"], "listed twice"),
        ([{"x": "params"}, "power"], "a 'law' key"),
        (["chinchilla", "cubic"], "unknown law"),
    ],
)
def test_bad_law_lists(example_data, laws, match):
    with pytest.raises(sb.ConfigError, match=match):
        sb.compare_laws(example_data, laws)
