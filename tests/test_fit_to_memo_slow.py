"""One real MCMC fit through to the memo, under whichever PyMC/ArviZ generation is installed.

The default environment runs it with PyMC 5 and ArviZ 0.x; ``.ci/py312.sh`` runs it again in a
Python 3.12 environment with PyMC 6 and ArviZ 1 (where the fitted object is an
``xarray.DataTree``). Draws are few: the test checks that every step works and agrees with
itself, not the accuracy of the posterior (``tests/test_fit_slow.py`` does that).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.core import _arviz
from scaling_bayes.decision import ComputeCost, Investment, LinearValue, assess_roi, compare_scales

pytestmark = pytest.mark.slow


def test_fit_forecast_roi_and_memo_under_the_installed_generation(tmp_path):
    data = sb.ScalingData.from_frame(sb.load_example())
    model = sb.ScalingLawModel("chinchilla", draws=300, tune=300, chains=2, progressbar=False)
    # Convergence is not the point with 600 draws; its verdict is carried, not asserted.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ConvergenceWarning)
        model.fit(data, random_seed=0)

    # The fitted object is the installed generation's own type, with every group.
    assert isinstance(model.idata_, _arviz.InferenceData)
    groups = set(_arviz.groups(model.idata_))
    assert {"posterior", "sample_stats", "log_likelihood", "posterior_predictive"} <= groups
    assert model.idata_.posterior.sizes["chain"] == 2
    assert model.idata_.posterior.sizes["draw"] == 300
    table = model.summary()
    assert {"E", "A", "alpha", "B", "beta"} <= set(table.index)
    assert (table["hdi_lower"] < table["hdi_upper"]).all()

    # Forecast: draws of loss at a larger scale, all finite and above the irreducible loss.
    fc = model.predict(params=[7e9], tokens=[1.4e11], random_seed=0)
    draws = fc.flat_draws()
    assert draws.shape == (600, 1) and np.isfinite(draws).all()
    e_draws = model.posterior_draws()["E"]
    assert np.median(fc.flat_draws("mean")[:, 0]) > np.median(e_draws)

    # ROI: the same seed gives the same table; probabilities are probabilities.
    cost = ComputeCost(
        usd_per_gpu_hour=stats.uniform(2, 2), mfu=stats.uniform(0.35, 0.2), fixed_usd=40_000
    )
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.uniform(1e5, 2e5))
    plans = [
        Investment(params=n, tokens=20 * n, cost=cost, value=value, name=f"{n / 1e9:g}B")
        for n in (1e9, 7e9)
    ]
    risk = assess_roi(model, plans[1], threshold=0.2, random_seed=0)
    again = assess_roi(model, plans[1], threshold=0.2, random_seed=0)
    assert risk.table.equals(again.table)
    p = risk.table.loc["p_roi_above_threshold", "estimate"]
    assert 0.0 <= p <= 1.0
    ladder = compare_scales(model, plans, threshold=0.2, random_seed=0)
    assert ladder.table["p_best"].sum() + ladder.p_best_do_nothing == pytest.approx(1)

    # The memo, in both languages, written to disk with numbers that trace to the fit.
    for language in ("en", "ja"):
        memo = sb.RiskMemo(
            model, ladder, title="Compatibility check", author="CI", language=language
        )
        html, md = tmp_path / f"memo_{language}.html", tmp_path / f"memo_{language}.md"
        memo.to_html(html)
        memo.to_markdown(md)
        assert html.stat().st_size > 1000 and md.stat().st_size > 500
    assert memo.numbers["provenance.arviz_version"] == _arviz.ARVIZ_VERSION

    # The saved model reads back, with the same numbers, under the same generation.
    path = tmp_path / "model.nc"
    model.save(path)
    loaded = sb.ScalingLawModel.load(path, law="chinchilla")
    assert isinstance(loaded.idata_, _arviz.InferenceData)
    np.testing.assert_array_equal(
        loaded.idata_.posterior["alpha"].values, model.idata_.posterior["alpha"].values
    )
