"""One real MCMC fit, end to end through the risk module (marked slow)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.decision import (
    ComputeCost,
    Investment,
    LinearValue,
    assess_roi,
    compare_scales,
    compute_for_target,
    evsi_pilot,
    tornado,
)


@pytest.mark.slow
def test_fitted_model_end_to_end():
    data = sb.ScalingData.from_frame(sb.load_example())
    model = sb.ScalingLawModel("chinchilla", progressbar=False).fit(data, random_seed=0)
    assert model.diagnostics_.converged
    cost = ComputeCost(
        usd_per_gpu_hour=stats.uniform(2, 2), mfu=stats.uniform(0.35, 0.2), fixed_usd=40_000
    )
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.uniform(1e5, 2e5))
    plans = [
        Investment(params=n, tokens=20 * n, cost=cost, value=value, name=f"{n / 1e9:g}B")
        for n in (1e9, 3e9, 7e9)
    ]

    risk = assess_roi(model, plans[2], threshold=0.2, random_seed=0)
    again = assess_roi(model, plans[2], threshold=0.2, random_seed=0)
    assert risk.table.equals(again.table)
    t = risk.table
    assert 0 < t.loc["p_roi_above_threshold", "mc_se"] < 0.02
    assert risk.n_draws == model.idata_.posterior.sizes["draw"] * 4
    assert "MCMC chain" in risk.ess_method and risk.converged
    # the example runs were simulated from Epoch AI's refit: the forecast should be near it
    truth = sb.chinchilla_loss(7e9, 1.4e11, **sb.EPOCH_CHINCHILLA)
    assert t.loc["loss", "lower"] - 0.1 < truth < t.loc["loss", "upper"] + 0.1

    ladder = compare_scales(model, plans, threshold=0.2, random_seed=0)
    assert ladder.table["p_best"].sum() + ladder.p_best_do_nothing == pytest.approx(1)
    assert set(tornado(risk).table["input"]) >= {"loss", "cost.usd_per_gpu_hour"}

    pilot = evsi_pilot(model, plans, params=1e9, tokens=2e10, random_seed=0, n_outer=1000)
    assert pilot.table.loc["evsi", "estimate"] >= 0
    assert pilot.table.loc["evsi", "estimate"] <= pilot.table.loc["evpi", "estimate"] * 1.2 + 1
    assert np.isfinite(pilot.table.loc["expected_net_benefit_of_sampling", "estimate"])

    budget = compute_for_target(model, 2.4, prob=0.9, cost=cost, random_seed=0)
    assert budget.reachable and budget.probability >= 0.9
