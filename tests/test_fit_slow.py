"""Real MCMC fits: parameter recovery, interval coverage, the fallback sampler, demo and CLI.

Marked ``slow``; CI runs them. Compiled models are cached per process, so fits after the first
of each law cost about a second.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import scaling_bayes as sb
from scaling_bayes.app.cli import main

pytestmark = pytest.mark.slow

TRUE = {"E": 1.817, "A": 482.0, "alpha": 0.348, "B": 2085.0, "beta": 0.366}


@pytest.fixture(scope="module")
def simulated_fit():
    design = sb.design_grid(np.geomspace(1e7, 2e9, 6), [5, 10, 20, 40, 80])
    runs = sb.simulate_runs(design, law=TRUE, noise=0.01, random_seed=11)
    data = sb.ScalingData.from_frame(runs.drop(columns=["loss_true"]), compute="compute")
    model = sb.ScalingLawModel("chinchilla", progressbar=False)
    return model.fit(data, random_seed=1)


def test_fit_converges_and_recovers_the_law(simulated_fit):
    model = simulated_fit
    assert model.diagnostics().converged, model.diagnostics().text
    table = model.summary(hdi_prob=0.99)
    # Three 99% intervals: under calibration all three contain the truth with probability >= 0.97.
    for name in ("E", "alpha", "beta"):
        assert table.loc[name, "hdi_lower"] < TRUE[name] < table.loc[name, "hdi_upper"], name
    assert table.loc["sigma", "mean"] == pytest.approx(0.01, rel=0.5)


def test_real_fit_has_pointwise_groups_that_arviz_reads(simulated_fit):
    import arviz as az

    idata = simulated_fit.idata_
    n_runs = simulated_fit.data_.n_runs
    for group in ("log_likelihood", "posterior_predictive"):
        assert idata[group]["loss"].dims == ("chain", "draw", "run")
        assert idata[group]["loss"].shape[-1] == n_runs
    np.testing.assert_array_equal(idata.log_likelihood["run"], idata.observed_data["run"])
    loo = az.loo(idata)
    assert np.isfinite(loo.elpd_loo)
    # The same density the model reports for its runs.
    np.testing.assert_allclose(
        idata.log_likelihood["loss"].values, simulated_fit.log_likelihood().values, rtol=1e-12
    )


def test_forecast_of_a_larger_model_is_calibrated_against_the_true_law(simulated_fit):
    fc = simulated_fit.predict(params=[7e9], tokens=[1.4e11], random_seed=0)
    truth = sb.chinchilla_loss(7e9, 1.4e11, **TRUE)
    table = fc.summary(hdi_prob=0.99, kind="mean")
    assert table.loc[0, "lower"] < truth < table.loc[0, "upper"]


def test_coverage_over_replicated_datasets():
    """90% and 50% predictive intervals of a new run at 10x the largest model, over 40 datasets.

    Laws are drawn from the prior's plausible region; each dataset has 8 runs over 100x in
    parameters. Tolerance: 3 binomial standard errors of the coverage over 40 datasets.
    """
    rng = np.random.default_rng(2024)
    n_sets, hits90, hits50 = 40, 0, 0
    params = np.geomspace(1e7, 1e9, 8)
    model = sb.ScalingLawModel("power", x="params", draws=1000, progressbar=False)
    for i in range(n_sets):
        alpha = rng.uniform(0.15, 0.5)
        E = rng.uniform(1.0, 3.0)
        A = rng.uniform(0.5, 2.0) * E * (1e8) ** alpha  # reducible loss at 1e8 of 0.5-2x E
        noise = rng.uniform(0.005, 0.02)
        law = {"E": E, "A": A, "alpha": alpha, "B": 0.0, "beta": 1.0}
        runs = sb.simulate_runs(
            pd.DataFrame({"params": params, "tokens": params * 20}),
            law=law,
            noise=noise,
            random_seed=i,
        )
        data = sb.ScalingData.from_frame(runs[["params", "loss"]], tokens=None)
        model.fit(data, random_seed=i)
        new = sb.simulate_runs(
            pd.DataFrame({"params": [1e10], "tokens": [2e11]}),
            law=law,
            noise=noise,
            random_seed=10_000 + i,
        )["loss"].iloc[0]
        draws = model.predict(params=[1e10], random_seed=i).flat_draws()[:, 0]
        lo90, lo50, hi50, hi90 = np.quantile(draws, [0.05, 0.25, 0.75, 0.95])
        hits90 += lo90 <= new <= hi90
        hits50 += lo50 <= new <= hi50
    se90 = np.sqrt(0.9 * 0.1 / n_sets)
    se50 = np.sqrt(0.5 * 0.5 / n_sets)
    assert hits90 / n_sets >= 0.9 - 3 * se90
    assert abs(hits50 / n_sets - 0.5) <= 3 * se50


def test_fallback_pymc_sampler_agrees_with_nutpie(simulated_fit):
    model = sb.ScalingLawModel(
        "chinchilla", sampler="pymc", draws=1000, tune=500, chains=2, cores=1, progressbar=False
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(simulated_fit.data_, random_seed=3)
        theirs = model.summary()
    assert model.sampler_ == "pymc"
    # One ConvergenceWarning, at fit, exactly when the diagnostics say the fit did not converge;
    # the summary after it does not repeat it.
    warned = sum(issubclass(w.category, sb.ConvergenceWarning) for w in caught)
    assert warned == (0 if model.diagnostics().converged else 1)
    assert theirs["converged"].eq(model.diagnostics().converged).all()
    ours = simulated_fit.summary()
    for name in ("E", "alpha", "beta"):
        # Two Monte Carlo estimates of one posterior mean: their difference has standard error
        # sqrt(sd^2 / ESS_1 + sd^2 / ESS_2); allow 4 of them.
        se = ours.loc[name, "sd"] * np.sqrt(
            1 / ours.loc[name, "ess_bulk"] + 1 / theirs.loc[name, "ess_bulk"]
        )
        assert theirs.loc[name, "mean"] == pytest.approx(ours.loc[name, "mean"], abs=4 * se)


def test_cli_fit_json(tmp_path, capsys):
    path = tmp_path / "runs.csv"
    sb.load_example().to_csv(path, index=False)
    code = main(
        [
            "fit",
            str(path),
            "--compute-col",
            "compute",
            "--predict",
            "params=7e10,tokens=1.4e12",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["diagnostics"]["converged"] is True
    assert out["forecast"][0]["params"] == 7e10
    assert out["forecast"][0]["lower"] < out["forecast"][0]["median"] < out["forecast"][0]["upper"]
    assert any("largest observed compute" in w for w in out["warnings"])


def test_demo_writes_memo_and_figures(tmp_path, capsys):
    out = tmp_path / "review"
    code = main(["demo", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert (out / "inspection" / "memo.html").stat().st_size > 0  # the factory's review too
    out = out / "language_model"
    for name in (
        "memo.html",
        "memo.md",
        "memo_ja.html",
        "memo_ja.md",
        "numbers.json",
        "numbers.csv",
        "ladder.csv",
        "diagnostics.txt",
        "model.nc",
    ):
        assert (out / name).stat().st_size > 0, name
    assert list(out.glob("*.png")) or list(out.glob("*/*.png"))  # memo figures beside memo.md
    numbers = json.loads((out / "numbers.json").read_text())
    ladder = pd.read_csv(out / "ladder.csv")
    assert len(ladder) == 5
    loaded = sb.ScalingLawModel.load(out / "model.nc", law="chinchilla")
    assert loaded.diagnostics().converged
    assert numbers  # the memo states numbers, each traceable (checked in tests/test_memo.py)
    # A second run into the same folder refuses to overwrite without --force.
    assert main(["demo", "--out", str(out.parent)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
