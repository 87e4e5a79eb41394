"""Backtest splitting and scoring on hand-built posteriors (no MCMC)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import TRUE_LAW, simulated_data

import scaling_bayes as sb
from scaling_bayes.checks.backtest import _score, split_runs
from scaling_bayes.testing import fit_from_draws


def cutoff_at(data, k):
    """The params cutoff that leaves exactly the k smallest runs for training."""
    return float(np.sort(data.frame["params"])[k - 1])


def test_split_keeps_runs_below_the_cutoff():
    data = simulated_data()
    train, test = split_runs(data, "params", 1e9, 5)
    assert (train.frame["params"] <= 1e9).all()
    assert (test["params"] > 1e9).all()
    assert train.n_runs + len(test) == data.n_runs


@pytest.mark.parametrize(("k", "counts"), [(4, "4 training and 36"), (36, "36 training and 4")])
def test_cutoff_leaving_too_few_runs_on_a_side_names_the_counts(k, counts):
    data = simulated_data()
    with pytest.raises(sb.DataError, match=rf"leaves {counts} held-out runs.*at least 5"):
        split_runs(data, "params", cutoff_at(data, k), 5)


def test_unknown_holdout_axis():
    with pytest.raises(sb.ConfigError, match="holdout must be one of"):
        split_runs(simulated_data(), "flops", 1e20, 5)


def test_backtest_rejects_bad_cutoff_before_fitting():
    with pytest.raises(sb.DataError, match="cutoff must be a positive number"):
        sb.backtest(simulated_data(), "chinchilla", holdout="params", cutoff=-1)


def _truth_model(train):
    """A model whose 'posterior' is the true law (tiny spread): its forecasts are calibrated."""
    rng = np.random.default_rng(1)
    draws = {
        k: np.full((4, 1000), v) * np.exp(1e-4 * rng.standard_normal((4, 1000)))
        for k, v in {**TRUE_LAW, "sigma": 0.01}.items()
    }
    model = sb.ScalingLawModel("chinchilla", progressbar=False, priors={"nu": 1e6})
    return fit_from_draws(model, train, draws)


def test_scores_of_a_calibrated_forecast_have_nominal_coverage():
    """With the true law as posterior and normal noise (nu huge), held-out coverage is binomial.

    400 held-out runs: each central interval's coverage is within 4 binomial standard errors of
    its nominal mass, and the PIT values are uniform (KS test at alpha = 0.001).
    """
    from scipy import stats

    data = simulated_data(n_runs=440, seed=3)  # 410 held out
    cutoff = cutoff_at(data, 30)
    train, test = split_runs(data, "params", cutoff, 5)
    model = _truth_model(train)
    result = _score(model, train, test, "params", cutoff, 0.9, random_seed=0)
    n = len(test)
    assert n >= 400
    for row in result.coverage.itertuples():
        se = np.sqrt(row.nominal * (1 - row.nominal) / n)
        assert abs(row.coverage - row.nominal) < 4 * se, row
    assert stats.kstest(result.table["pit"], "uniform").pvalue > 0.001
    assert result.metrics["median_abs_rel_error"] == pytest.approx(
        0.01 * stats.norm.ppf(0.75), rel=0.2
    )  # median |noise| of 1% normal noise, within 20% for 400 runs
    assert {"observed", "median", "lower", "upper", "pit", "crps", "log_density"} <= set(
        result.table.columns
    )
    assert (result.table["extrapolation_ratio"] > 1).all()
    assert "90% intervals covered" in result.text


def test_overconfident_forecast_is_caught():
    """Shrinking the noise tenfold makes intervals too narrow; coverage falls far below nominal."""
    data = simulated_data(n_runs=240, seed=4)
    cutoff = cutoff_at(data, 30)
    train, test = split_runs(data, "params", cutoff, 5)
    rng = np.random.default_rng(1)
    draws = {
        k: np.full((4, 500), v) * np.exp(1e-4 * rng.standard_normal((4, 500)))
        for k, v in {**TRUE_LAW, "sigma": 0.001}.items()
    }
    model = fit_from_draws(sb.ScalingLawModel("chinchilla", progressbar=False), train, draws)
    result = _score(model, train, test, "params", cutoff, 0.9, random_seed=0)
    assert result.metrics["coverage_90"] < 0.5


def test_calibration_plot_draws_its_data():
    data = simulated_data(n_runs=120, seed=5)
    cutoff = cutoff_at(data, 30)
    train, test = split_runs(data, "params", cutoff, 5)
    result = _score(_truth_model(train), train, test, "params", cutoff, 0.9, random_seed=0)
    table = sb.calibration_plot_data(result)
    _, ax = sb.plot_calibration(result)
    points = ax.get_lines()[0].get_xydata()
    np.testing.assert_allclose(points[:, 0], [0, 1])  # the diagonal
    assert list(table["nominal"]) == [0.5, 0.8, 0.9, 0.95]
    assert (table["ci_low"] <= table["coverage"]).all()
    assert (table["coverage"] <= table["ci_high"]).all()


def test_unconverged_backtest_warns():
    data = simulated_data(n_runs=60, seed=6)
    train, test = split_runs(data, "params", 1e8, 5)
    rng = np.random.default_rng(0)
    draws = {
        k: np.full((4, 500), v) * np.exp(0.01 * rng.standard_normal((4, 500)))
        for k, v in {**TRUE_LAW, "sigma": 0.01}.items()
    }
    draws["alpha"][0] *= 1.3
    with pytest.warns(sb.ConvergenceWarning):
        model = fit_from_draws(sb.ScalingLawModel("chinchilla", progressbar=False), train, draws)
    with pytest.warns(sb.ConvergenceWarning, match="scores are suspect"):
        result = _score(model, train, test, "params", 1e8, 0.9, random_seed=0)
    assert not result.converged
    assert "did NOT converge" in result.text


def _hand_fitted_map_fits(unconverged_cutoffs):
    """A stand-in for ``map_fits``: hand-built posteriors near the truth instead of MCMC.

    Fits whose label names a cutoff in ``unconverged_cutoffs`` get one chain shifted (R-hat far
    above 1.01). Their warnings are recorded and re-issued by the real ``_reissue``, as a worker's
    would be."""
    import warnings

    from scaling_bayes.checks import parallel

    def fake(tasks, **kwargs):
        models = []
        for task in tasks:
            rng = np.random.default_rng(task.random_seed)
            draws = {
                k: np.full((4, 300), v) * np.exp(0.01 * rng.standard_normal((4, 300)))
                for k, v in {**TRUE_LAW, "sigma": 0.01}.items()
            }
            if any(task.label.endswith(f"{c:.3g}") for c in unconverged_cutoffs):
                draws["alpha"][0] *= 1.3
            model = sb.ScalingLawModel(**{**task.model_kwargs, "progressbar": False})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit_from_draws(model, task.data, draws)
            model.fit_warnings_ = sorted({(w.category, str(w.message)) for w in caught}, key=str)
            models.append(model)
        return parallel._reissue(models, tasks)

    return fake


def test_rolling_backtest_says_once_which_origins_did_not_converge(monkeypatch):
    import scaling_bayes.checks.backtest as backtest_module

    data = simulated_data(n_runs=40, seed=7)
    values = np.sort(data.frame["params"])
    bad = [float(values[30]), float(values[32])]  # origins k = 31 and 33
    monkeypatch.setattr(backtest_module, "map_fits", _hand_fitted_map_fits(bad))
    with pytest.warns(sb.ConvergenceWarning) as record:
        table = sb.rolling_backtest(data, holdout="params", min_train_scales=30, n_jobs=1)
    messages = [str(w.message) for w in record if w.category is sb.ConvergenceWarning]
    summary = [m for m in messages if m.startswith("rolling_backtest:")]
    assert len(summary) == 1
    assert all(f"params <= {c:.3g}" in summary[0] for c in bad)
    # Each unconverged fit's own warning is re-issued once, labelled by its origin.
    labelled = [m for m in messages if m.startswith("[params <= ")]
    assert len(labelled) == len(bad)
    assert table.loc[~table["converged"], "cutoff"].tolist() == bad
    assert table["converged"].sum() == len(table) - len(bad)


def test_backtest_keeps_its_state_in_fields():
    data = simulated_data(n_runs=120, seed=5)
    cutoff = cutoff_at(data, 30)
    train, test = split_runs(data, "params", cutoff, 5)
    result = _score(_truth_model(train), train, test, "params", cutoff, 0.8, random_seed=0)
    assert result.interval_prob == 0.8
    assert (result.holdout, result.cutoff) == ("params", cutoff)
    assert result.converged
    assert "converged" not in result.metrics.attrs
    assert result.text.startswith(f"Fitted on {train.n_runs} runs with params <= {cutoff:.3g}")
