"""Bad inputs to the many-fit checks are refused up front (issue 10).

Each case calls :func:`backtest`, :func:`rolling_backtest`, :func:`compare_laws` or
:func:`prior_sensitivity` with one bad argument and asserts three things: the package's own
exception type, a message that names the culprit (and says what to do), and that the sampler was
never called: a spy replaces ``sample_posterior`` where the model looks it up, so any fit that
started would be recorded (no timer involved).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scaling_bayes as sb
import scaling_bayes.core.model as model_module
import scaling_bayes.core.sampling as sampling


@pytest.fixture
def sampler_calls(monkeypatch) -> list:
    """Calls of the sampler; the spy fails loudly instead of sampling."""
    calls = []

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        raise AssertionError("the sampler was called: the bad input was not refused up front")

    monkeypatch.setattr(sampling, "sample_posterior", spy)
    if hasattr(model_module, "sample_posterior"):  # a model that imported the name itself
        monkeypatch.setattr(model_module, "sample_posterior", spy)
    return calls


@pytest.fixture
def params_only() -> sb.ScalingData:
    """Runs that record parameters and loss only (no tokens, no compute)."""
    runs = pd.DataFrame(
        {
            "params": 1e7 * 2.0 ** np.arange(8),
            "loss": [3.6, 3.4, 3.25, 3.1, 3.0, 2.92, 2.85, 2.8],
        }
    )
    return sb.ScalingData.from_frame(runs, tokens=None, compute=None)


def _refused(calls, error, match, call):
    with pytest.raises(error, match=match) as info:
        call()
    assert calls == [], "sampling started before the error"
    return info.value


# ---------------------------------------------------------------------------------- backtest
BACKTEST_CASES = [
    pytest.param({"law": "cubic"}, sb.ConfigError, r"unknown law 'cubic'; choose one of", id="law"),
    pytest.param(
        {"holdout": "flops"}, sb.ConfigError, r"holdout must be one of .* got 'flops'", id="axis"
    ),
    pytest.param(
        {"cutoff": float("nan")}, sb.DataError, r"cutoff must be a positive number", id="nan"
    ),
    pytest.param({"cutoff": float("inf")}, sb.DataError, r"cutoff .* finite", id="inf"),
    pytest.param(
        {"cutoff": "1e21"},
        sb.DataError,
        r"cutoff must be .* got str '1e21'; pass a number",
        id="string",
    ),
    pytest.param({"cutoff": True}, sb.DataError, r"cutoff must be .* got bool", id="bool"),
    pytest.param({"cutoff": 0.0}, sb.DataError, r"cutoff must be a positive number", id="zero"),
    pytest.param(
        {"prob": 90}, sb.DataError, r"prob must be a probability .* did you mean 0\.9", id="prob"
    ),
    pytest.param(
        {"model_kwargs": {"drawz": 100}},
        sb.ConfigError,
        r"backtest: unknown model argument\(s\) 'drawz'; ScalingLawModel takes .*draws",
        id="unknown-kwarg",
    ),
    pytest.param(
        {"model_kwargs": {"law": "power"}},
        sb.ConfigError,
        r"law given inside model_kwargs; pass law= to backtest directly",
        id="law-twice",
    ),
    pytest.param(
        {"model_kwargs": {"draws": 0}},
        sb.ConfigError,
        r"draws must be an integer >= 1",
        id="draws",
    ),
    pytest.param(
        {"model_kwargs": [("draws", 10)]},
        sb.ConfigError,
        r"model_kwargs must be a dict",
        id="kwargs-type",
    ),
]


@pytest.mark.parametrize(("change", "error", "match"), BACKTEST_CASES)
def test_backtest_refuses_before_fitting(example_data, sampler_calls, change, error, match):
    args = {"law": "chinchilla", "holdout": "compute", "cutoff": 1e19, **change}
    _refused(sampler_calls, error, match, lambda: sb.backtest(example_data, **args))


def test_backtest_on_an_axis_the_runs_lack_names_the_axes_they_have(params_only, sampler_calls):
    err = _refused(
        sampler_calls,
        sb.DataError,
        r"holdout='tokens' but the runs have no tokens column; split on one of the runs' axes: "
        r"'params'",
        lambda: sb.backtest(params_only, "power", x="params", holdout="tokens", cutoff=1e9),
    )
    assert isinstance(err, ValueError)  # DataError is also a ValueError


# ---------------------------------------------------------------------------------- rolling
ROLLING_CASES = [
    pytest.param({"law": "cubic"}, sb.ConfigError, r"unknown law 'cubic'", id="law"),
    pytest.param({"holdout": "flops"}, sb.ConfigError, r"holdout must be one of", id="axis"),
    pytest.param({"n_jobs": 0}, sb.ConfigError, r"n_jobs must be a positive integer", id="n0"),
    pytest.param({"n_jobs": -1}, sb.ConfigError, r"n_jobs must be .* got -1", id="negative"),
    pytest.param({"n_jobs": 1.5}, sb.ConfigError, r"n_jobs must be .* got 1\.5", id="float"),
    pytest.param({"n_jobs": True}, sb.ConfigError, r"n_jobs must be .* got True", id="bool"),
    pytest.param(
        {"min_train_scales": 0}, sb.ConfigError, r"min_train_scales must be a positive", id="min0"
    ),
    pytest.param(
        {"min_train_scales": "3"}, sb.ConfigError, r"min_train_scales .* got '3'", id="min-str"
    ),
    pytest.param(
        {"random_seed": "abc"}, sb.ConfigError, r"random_seed must be an integer", id="seed"
    ),
    pytest.param(
        {"client": "tcp://localhost:8786"},
        sb.ConfigError,
        r"client must be a dask.distributed.Client|client= needs dask.distributed",
        id="client",
    ),
]


@pytest.mark.parametrize(("change", "error", "match"), ROLLING_CASES)
def test_rolling_backtest_refuses_before_fitting(example_data, sampler_calls, change, error, match):
    args = {"law": "chinchilla", "holdout": "params", **change}
    _refused(sampler_calls, error, match, lambda: sb.rolling_backtest(example_data, **args))


def test_rolling_backtest_on_a_missing_axis_is_a_data_error_not_a_key_error(
    params_only, sampler_calls
):
    _refused(
        sampler_calls,
        sb.DataError,
        r"holdout='compute' but the runs have no compute column",
        lambda: sb.rolling_backtest(params_only, "power", x="params", holdout="compute"),
    )


# ---------------------------------------------------------------------------------- compare_laws
COMPARE_CASES = [
    pytest.param(
        {"laws": "chinchilla"},
        sb.ConfigError,
        r"laws must be a list of law names or dicts.* got str 'chinchilla'",
        id="string",
    ),
    pytest.param({"laws": ["power", "cubic"]}, sb.ConfigError, r"unknown law 'cubic'", id="law"),
    pytest.param({"laws": 3}, sb.ConfigError, r"laws must be a list .* got int", id="int"),
    pytest.param(
        {"laws": ["power", {"law": "chinchilla", "draws": -1}]},
        sb.ConfigError,
        r"draws must be an integer >= 1",
        id="law-kwarg",
    ),
    pytest.param(
        {"laws": ["power", {"law": "chinchilla", "priorz": "weak"}]},
        sb.ConfigError,
        r"compare_laws \(law 'chinchilla'\): unknown model argument\(s\) 'priorz'",
        id="unknown-kwarg",
    ),
    pytest.param(
        {"holdout": "params"}, sb.ConfigError, r"needs both holdout= and cutoff=", id="no-cutoff"
    ),
    pytest.param(
        {"holdout": "params", "cutoff": float("nan")},
        sb.DataError,
        r"cutoff must be a positive number of params",
        id="nan-cutoff",
    ),
    pytest.param(
        {"holdout": "flops", "cutoff": 1e9}, sb.ConfigError, r"holdout must be one of", id="axis"
    ),
    pytest.param({"n_jobs": 0}, sb.ConfigError, r"n_jobs must be a positive integer", id="n_jobs"),
    pytest.param(
        {"client": object()},
        sb.ConfigError,
        r"client must be a dask.distributed.Client|client= needs dask.distributed",
        id="client",
    ),
    pytest.param(
        {"model_kwargs": "draws=10"}, sb.ConfigError, r"model_kwargs must be a dict", id="kwargs"
    ),
]


@pytest.mark.parametrize(("change", "error", "match"), COMPARE_CASES)
def test_compare_laws_refuses_before_fitting(example_data, sampler_calls, change, error, match):
    args = {"laws": ["power", "chinchilla"], **change}
    _refused(sampler_calls, error, match, lambda: sb.compare_laws(example_data, **args))


def test_compare_laws_needing_a_missing_column_names_it(params_only, sampler_calls):
    _refused(
        sampler_calls,
        sb.DataError,
        r"the runs have no tokens column needed by these laws",
        lambda: sb.compare_laws(params_only, ["chinchilla", {"law": "power", "x": "params"}]),
    )


# ---------------------------------------------------------------------------------- priors
SENSITIVITY_CASES = [
    pytest.param(
        {"alternative": "strong"}, sb.ConfigError, r"alternative must be one of", id="preset"
    ),
    pytest.param(
        {"alternative": 5},
        sb.ConfigError,
        r"alternative must be a preset name .* got int",
        id="type",
    ),
    pytest.param({"hdi_prob": 1.5}, sb.DataError, r"hdi_prob must be a probability", id="hdi"),
    pytest.param(
        {"hdi_prob": 95}, sb.DataError, r"hdi_prob .* did you mean 0\.95", id="hdi-percent"
    ),
    pytest.param(
        {"params": [np.nan], "tokens": [2e10]},
        sb.DataError,
        r"params= must be positive",
        id="nan-scale",
    ),
    pytest.param({"params": None, "tokens": None}, sb.DataError, r"needs scales", id="no-scales"),
    pytest.param(
        {"params": [1e9, 2e9], "tokens": [2e10, 3e10, 4e10]},
        sb.DataError,
        r"same length",
        id="lengths",
    ),
]


@pytest.mark.parametrize(("change", "error", "match"), SENSITIVITY_CASES)
def test_prior_sensitivity_refuses_before_the_refit(
    fitted_chinchilla, sampler_calls, change, error, match
):
    args = {"alternative": "literature", "params": [1e9], "tokens": [2e10], **change}
    args = {k: v for k, v in args.items() if v is not None}
    _refused(sampler_calls, error, match, lambda: sb.prior_sensitivity(fitted_chinchilla, **args))


def test_prior_sensitivity_of_an_unfitted_model_says_fit_first(sampler_calls):
    _refused(
        sampler_calls,
        sb.NotFittedError,
        r"fit",
        lambda: sb.prior_sensitivity(sb.ScalingLawModel(), params=[1e9], tokens=[2e10]),
    )
