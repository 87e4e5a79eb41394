"""The fitted InferenceData works with ArviZ unchanged: LOO, LOO-PIT, posterior predictive plots.

The model here is 'fitted' with hand-built draws (``fit_from_draws``), which ends in the same
code as a real fit; ``tests/test_fit_slow.py`` checks the groups of a real MCMC fit.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
from helpers import hand_built_draws

import scaling_bayes as sb
from scaling_bayes.core import _arviz
from scaling_bayes.testing import fit_from_draws


@pytest.fixture
def model(example_data):
    return fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False),
        example_data,
        hand_built_draws(),
        random_seed=3,
    )


def test_pointwise_groups_have_a_run_dim_labelled_by_the_rows(model):
    idata = model.idata_
    labels = model.data_.frame.index.astype(str).tolist()
    for group in ("log_likelihood", "posterior_predictive", "observed_data"):
        assert group in _arviz.groups(idata)
        assert idata[group]["loss"].dims[-1] == "run"
        assert idata[group]["run"].values.tolist() == labels
    assert idata.log_likelihood["loss"].dims == ("chain", "draw", "run")
    assert idata.posterior_predictive["loss"].shape == (4, 500, model.data_.n_runs)


def test_log_likelihood_group_is_the_models_density(model):
    np.testing.assert_array_equal(
        model.idata_.log_likelihood["loss"].values, model.log_likelihood().values
    )


def test_posterior_predictive_scatters_around_the_law_with_the_fits_noise(model):
    # log(replicated / law) = sigma t_4 per draw; its median absolute value is sigma times the
    # median of |t_4| (0.7407). The tolerance is 4 binomial standard errors of a sample median
    # converted to the t scale, plus 2% for the spread of sigma across draws.
    post = model.idata_.posterior
    draws = {name: post[name].values for name in post.data_vars}
    scales = {a: model.data_.column(a) for a in model.axes}
    law = sb.core.laws.mean_loss(
        model.law_spec, draws, scales, x=None, reference=model.reference_, y_min=model.y_min_
    )
    ratio = np.log(model.idata_.posterior_predictive["loss"].values / law)
    scaled = np.abs(ratio / post["sigma"].values[..., None]).ravel()
    n = scaled.size
    assert np.median(scaled) == pytest.approx(0.7407, rel=4 * 1.25 / np.sqrt(n) + 0.02)
    assert abs(np.median(ratio)) < 4 * 1.25 * float(post["sigma"].mean()) / np.sqrt(n) + 1e-4


def test_same_seed_same_predictive_draws_other_seed_other_draws(example_data, model):
    again = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False),
        example_data,
        hand_built_draws(),
        random_seed=3,
    )
    other = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False),
        example_data,
        hand_built_draws(),
        random_seed=4,
    )
    a = model.idata_.posterior_predictive["loss"].values
    np.testing.assert_array_equal(a, again.idata_.posterior_predictive["loss"].values)
    assert not np.array_equal(a, other.idata_.posterior_predictive["loss"].values)


def test_arviz_loo_reads_the_model_directly(model):
    native = az.loo(model.idata_, pointwise=True)  # the installed ArviZ, 0.x or 1.x
    loo = _arviz.loo(model.idata_, pointwise=True)
    assert np.isfinite(loo.elpd_loo)
    assert loo.loo_i.shape == (model.data_.n_runs,)
    # elpd_loo cannot exceed the in-sample log pointwise predictive density.
    ll = model.idata_.log_likelihood["loss"].values.reshape(-1, model.data_.n_runs)
    lppd = np.sum(np.log(np.mean(np.exp(ll), axis=0)))
    assert loo.elpd_loo <= lppd + 1e-9
    # ArviZ 0.x names the estimate elpd_loo, ArviZ 1.x elpd.
    assert getattr(native, "elpd_loo", getattr(native, "elpd", None)) == pytest.approx(loo.elpd_loo)


# ArviZ 0.23's plot_ppc calls a Matplotlib helper deprecated in Matplotlib 3.11: not ours to fix.
@pytest.mark.filterwarnings("ignore:Passing a dict or None as alias_mapping:DeprecationWarning")
def test_arviz_loo_pit_and_plot_ppc_read_the_model_directly(model):
    pit = _arviz.loo_pit(model.idata_, y="loss")
    assert pit.shape == (model.data_.n_runs,)
    assert np.all((pit >= 0) & (pit <= 1))
    assert _arviz.plot_ppc(model.idata_, num_pp_samples=20, random_seed=0) is not None


def test_groups_survive_a_save_and_load(model, tmp_path):
    path = tmp_path / "model.nc"
    model.save(path)
    loaded = sb.ScalingLawModel.load(path)
    for group in ("log_likelihood", "posterior_predictive"):
        np.testing.assert_array_equal(loaded.idata_[group]["loss"], model.idata_[group]["loss"])
    assert np.isfinite(_arviz.loo(loaded.idata_).elpd_loo)


def test_repeated_row_labels_keep_every_run(example_data):
    # Labels repeated by the caller (two CSVs concatenated) still give one entry per run.
    frame = sb.load_example()
    frame.index = pd.Index(["r"] * len(frame))
    data = sb.ScalingData.from_frame(frame)
    model = fit_from_draws(sb.ScalingLawModel(progressbar=False), data, hand_built_draws())
    assert model.idata_.log_likelihood["loss"].shape[-1] == len(frame)
    assert np.isfinite(_arviz.loo(model.idata_).elpd_loo)
