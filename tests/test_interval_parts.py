"""What a forecast says about its own interval: where the width comes from (noise, law
parameters, form) and how often the method's intervals held on public studies; and the
hierarchical exponent prior pilots borrow from other studies (no MCMC)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import hand_built_draws, two_axis_runs
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.core.data import ScalingData
from scaling_bayes.core.exceptions import ConfigError
from scaling_bayes.core.forecast import interval_split
from scaling_bayes.core.mixture import (
    MIXTURE_PRESET,
    PILOT_MAX_RUNS,
    FormMixture,
    fit_form,
    learn_exponent_prior,
)
from scaling_bayes.core.track_record import TRACK_RECORD, track_record
from scaling_bayes.testing import fit_from_draws


# ------------------------------------------------------------------ the split of an interval
def test_interval_split_of_independent_parts_matches_closed_form():
    rng = np.random.default_rng(0)
    n = 200_000
    noise = 1.0 + 0.01 * rng.standard_normal((n, 1))
    one_form = noise + 0.02 * rng.standard_normal((n, 1))
    full = one_form + 0.03 * rng.standard_normal((n, 1))
    parts = interval_split(full, noise, one_form, prob=0.9)
    z = stats.norm.ppf(0.95)
    # widths of normal intervals: 2 z sd, sd adding in quadrature; Monte Carlo error of a 5%
    # quantile with 200k draws is about 0.3% of the sd, far inside the 2% tolerance
    expected = 2 * z * np.sqrt(np.cumsum([0.01**2, 0.02**2, 0.03**2]))
    assert parts["noise"][0] == pytest.approx(expected[0], rel=0.02)
    assert parts["law"][0] == pytest.approx(expected[1] - expected[0], rel=0.02)
    assert parts["form"][0] == pytest.approx(expected[2] - expected[1], rel=0.02)
    assert parts[["noise", "law", "form"]].sum(axis=1)[0] == pytest.approx(parts["width"][0])


def test_model_forecast_splits_its_interval_into_noise_and_parameters(example_data):
    """Posterior of a law with almost no parameter spread and Student-t(4) noise sigma = 1% on
    log loss: the noise part is the closed form 2 sinh(t_0.95(4) sigma) of the median; 2,000
    draws put the 5% quantile within about 0.15 points (4 standard errors: 0.6 points)."""
    model = fit_from_draws(
        sb.ScalingLawModel(progressbar=False), example_data, hand_built_draws(spread=1e-4)
    )
    fc = model.predict(params=[3e9], tokens=[6e10], random_seed=0)
    parts = fc.interval_parts
    expected = 2 * np.sinh(stats.t.ppf(0.95, 4) * 0.01)
    assert parts["noise"][0] == pytest.approx(expected, abs=0.006)
    assert parts["law"][0] < 0.006  # parameters hardly vary
    assert parts["form"][0] == 0.0  # one form, no extrapolation error: nothing else
    table = fc.summary()
    for part in ("noise", "law", "form"):
        assert table[f"width_{part}"][0] == parts[part][0]
    # the split has its own random stream: the forecast's draws are what they were without it
    again = model.predict(params=[3e9], tokens=[6e10], random_seed=0)
    np.testing.assert_array_equal(fc.flat_draws(), again.flat_draws())


def test_extrapolation_error_is_counted_as_the_form_part(example_data):
    model = fit_from_draws(
        sb.ScalingLawModel(progressbar=False), example_data, hand_built_draws(spread=1e-4)
    )
    far = 30 * example_data.max_compute
    plain = model.predict(compute=[far], params=[3e10], random_seed=1).interval_parts
    wider = model.predict(
        compute=[far], params=[3e10], random_seed=1, extrapolation_error=0.02
    ).interval_parts
    assert plain["form"][0] == 0.0
    assert wider["form"][0] > 0.02  # ln(30) e-folds x 2% per e-fold, in both tails


def test_summary_states_the_methods_track_record(example_data):
    model = fit_from_draws(
        sb.ScalingLawModel(progressbar=False), example_data, hand_built_draws(spread=0.01)
    )
    record = (
        model.predict(params=[3e9], tokens=[6e10], random_seed=0).summary().attrs["track_record"]
    )
    lm = TRACK_RECORD["language_model"]
    assert record["kind"] == "language_model"
    assert (record["share"], record["n_studies"], record["held_out"]) == (
        lm.share,
        lm.n_studies,
        lm.held_out,
    )
    # another interval than the 90% one has no split (the split is of the 90% interval)
    other = model.predict(params=[3e9], tokens=[6e10], random_seed=0).summary(hdi_prob=0.5)
    assert "width_noise" not in other


def test_hand_made_forecast_has_no_split_and_no_record():
    fc = sb.Forecast.from_draws(np.random.default_rng(0).normal(2, 0.05, (4, 100, 1)))
    table = fc.summary()
    assert fc.interval_parts is None and "width_noise" not in table
    assert table.attrs["track_record"] is None


def test_mixture_forecast_carries_its_split_and_the_mixture_record():
    mix = FormMixture(draws=4000).fit(ScalingData.from_frame(two_axis_runs(30)))
    fc = mix.predict(params=[1e9, 1e11], tokens=[2e10, 2e12], random_seed=0)
    parts = fc.interval_parts
    assert (parts[["noise", "law", "form"]] >= 0).all().all()
    assert parts["form"][1] > parts["form"][0]  # the forms disagree more far out
    assert fc.summary().attrs["track_record"]["kind"] == "form_mixture"
    pilot = FormMixture(draws=400).fit(ScalingData.from_frame(two_axis_runs(PILOT_MAX_RUNS)))
    record = pilot.predict(params=[3e9], tokens=[6e10], random_seed=0).track_record
    assert record == track_record("form_mixture_pilot")


def test_track_record_refuses_an_unknown_kind():
    with pytest.raises(ConfigError, match="form_mixture"):
        track_record("weather")


# ------------------------------------------------------------------ hierarchical exponent prior
def test_exponent_prior_covers_a_new_studys_exponent_at_its_nominal_rate():
    """Exponents of 12 studies and of a 13th drawn from Normal(mu, 0.3) on log alpha, each
    study's estimate with its own error: the learned prior's central 90% interval holds the
    13th study's exponent about 90% of the time. 300 replications: binomial sd 1.7 points;
    the band is 4 sd (a false failure about once in 15,000 runs)."""
    rng = np.random.default_rng(2026)
    hits, reps = 0, 300
    for _ in range(reps):
        mu, spread = rng.normal(np.log(0.3), 0.5), 0.3
        truth = mu + spread * rng.standard_normal(13)
        err = rng.uniform(0.02, 0.2, size=12)
        rows = [
            dict(study=s, form="power", coord="log_alpha", mean=truth[s] + err[s] * z, sd=err[s])
            for s, z in enumerate(rng.standard_normal(12))
        ]
        mean, sd = learn_exponent_prior(pd.DataFrame(rows))["power"]["log_alpha"]
        hits += abs(truth[12] - mean) <= stats.norm.ppf(0.95) * sd
    band = 4 * np.sqrt(0.9 * 0.1 / reps)
    assert abs(hits / reps - 0.9) <= band


def test_exponent_prior_counts_a_study_once_and_needs_three_studies():
    rows = [dict(study="A", form="power", coord="log_alpha", mean=-1.0, sd=0.1)] * 50
    rows += [dict(study="B", form="power", coord="log_alpha", mean=-2.0, sd=0.1)]
    assert learn_exponent_prior(pd.DataFrame(rows)) == {}  # two studies: no prior
    rows += [dict(study="C", form="power", coord="log_alpha", mean=-1.5, sd=0.1)]
    mean, _ = learn_exponent_prior(pd.DataFrame(rows))["power"]["log_alpha"]
    assert mean == pytest.approx(-1.5, abs=0.01)  # A's 50 curves weigh as one study
    # non-exponent coordinates (amplitudes, floors) are never borrowed
    rows = [dict(study=s, form="power", coord="logit_e", mean=0.0, sd=0.1) for s in "ABCD"]
    assert learn_exponent_prior(pd.DataFrame(rows)) == {}


def test_fit_form_prior_pulls_the_exponent_and_names_a_wrong_coordinate():
    n = np.geomspace(1e7, 1e8, 5)
    loss = (1.8 + 400 * n**-0.34) * np.exp(0.01 * np.random.default_rng(0).standard_normal(5))
    weak = fit_form("power", {"params": n}, loss, x="params")
    tight = fit_form("power", {"params": n}, loss, x="params", prior={"log_alpha": (-3.0, 0.01)})
    i = weak.spec.coords.index("log_alpha")
    assert abs(tight.theta[i] + 3.0) < 0.05 < abs(weak.theta[i] + 3.0)
    with pytest.raises(ConfigError, match="log_beta"):
        fit_form("power", {"params": n}, loss, x="params", prior={"log_beta": (0.0, 1.0)})
    with pytest.raises(ConfigError, match="sd > 0"):
        fit_form("power", {"params": n}, loss, x="params", prior={"log_alpha": (0.0, 0.0)})


def test_pilots_borrow_the_preset_exponent_prior_and_larger_fits_do_not():
    small = FormMixture(draws=100).fit(ScalingData.from_frame(two_axis_runs(5)))
    assert small.prior_ == MIXTURE_PRESET["pilot"]["exponent_prior"]
    large = FormMixture(draws=100).fit(ScalingData.from_frame(two_axis_runs(PILOT_MAX_RUNS + 1)))
    assert large.prior_ == {}
    weak = FormMixture(draws=100, prior=None).fit(ScalingData.from_frame(two_axis_runs(5)))
    assert weak.prior_ == {}
    assert not np.allclose(small.fits_["chinchilla"].theta, weak.fits_["chinchilla"].theta)
    with pytest.raises(ConfigError, match="prior must"):
        FormMixture(prior="corpus")
    with pytest.raises(ConfigError, match="does not have"):
        FormMixture(prior={"chinchilla": {"log_gamma": (0.0, 1.0)}})


# ------------------------------------------------------------------ the decision tables carry it
def _plans():
    cost = sb.ComputeCost(gpu="H100", usd_per_gpu_hour=2.0, mfu=0.4, fixed_usd=1e4)
    value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=3e6)
    return [sb.Investment(params=p, tokens=20 * p, cost=cost, value=value) for p in (2e9, 4e9, 8e9)]


def test_ladder_table_carries_each_plans_interval_split(example_data):
    model = fit_from_draws(
        sb.ScalingLawModel(progressbar=False), example_data, hand_built_draws(spread=0.01)
    )
    ladder = sb.compare_scales(model, _plans(), random_seed=0)
    table = ladder.table.set_index("plan")
    parts = table[["width_noise", "width_law", "width_form"]]
    assert (parts >= 0).all().all() and (parts["width_noise"] > 0).all()
    np.testing.assert_allclose(parts.sum(axis=1), table["interval_width"], rtol=1e-12)
    # each plan's split is its own forecast's: predicted alone, the law part is the same up to
    # the Monte Carlo error of other noise draws (2,000 draws: a few tenths of a point)
    for plan in _plans():
        alone = model.predict(params=[plan.params], tokens=[plan.tokens], random_seed=3)
        assert table.loc[plan.label, "width_law"] == pytest.approx(
            alone.interval_parts["law"][0], abs=0.01
        )
    # draws of the law itself (kind="mean") or bare arrays have no split: NaN, not a guess
    mean = sb.compare_scales(model, _plans(), random_seed=0, kind="mean").table
    assert mean["interval_width"].isna().all()
    arrays = np.random.default_rng(0).normal(2.2, 0.05, size=(1000, 3))
    assert sb.compare_scales(arrays, _plans(), random_seed=0).table["width_law"].isna().all()


def test_mixture_track_record_restates_the_committed_evidence_benchmark():
    """The constants a forecast cites are the pooled numbers of the committed benchmark run
    (benchmarks/figures, written by bench_evidence.py): each study weighted once."""
    from pathlib import Path

    figures = Path(__file__).resolve().parents[1] / "benchmarks" / "figures"
    for kind, name in (
        ("form_mixture", "evidence_studies.csv"),
        ("form_mixture_pilot", "evidence_pilot_studies.csv"),
    ):
        studies = pd.read_csv(figures / name)
        mixture = studies[studies["method"] == "mixture"]
        record = TRACK_RECORD[kind]
        assert record.n_studies == len(mixture)
        assert record.held_out == mixture["runs"].sum()
        assert record.share == pytest.approx(mixture["cov90"].mean(), abs=5e-4)


def test_nuts_mixture_track_record_restates_its_committed_benchmark_run():
    """FormMixture(posterior="nuts") cites the per-study scores of
    ``explore_form_posteriors.py --nuts`` (method 'exact: mixture'), each study weighted once."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "figures"
    studies = pd.read_csv(path / "form_posteriors_nuts_studies.csv")
    studies = studies[studies["method"] == "exact: mixture"]
    for kind, split in (("form_mixture_nuts", "full"), ("form_mixture_nuts_pilot", "pilot")):
        rows = studies[studies["kind"] == split]
        record = TRACK_RECORD[kind]
        assert record.n_studies == len(rows) == 15
        assert record.held_out == rows["runs"].sum()
        assert record.share == pytest.approx(rows["cov90"].mean(), abs=5e-4)
