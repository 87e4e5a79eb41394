"""The ArviZ compatibility module gives the same answers under ArviZ 0.x and ArviZ 1.x.

Every test here runs under both generations (the default environment has PyMC 5 and ArviZ 0.x;
``.ci/py312.sh`` runs the fast lane again with PyMC 6 and ArviZ 1). They check properties that
hold whichever ArviZ computed them, and that the module returns the installed generation's own
objects. ``test_files_cross_between_generations`` also reads and writes model files with the
other generation's interpreter when ``SCALING_BAYES_OTHER_PYTHON`` names one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from helpers import hand_built_draws

import scaling_bayes as sb
from scaling_bayes.core import _arviz as az
from scaling_bayes.core import io as model_io
from scaling_bayes.testing import fit_from_draws

TESTS = Path(__file__).resolve().parent


def _posterior(seed: int = 0, chains: int = 4, draws: int = 1000) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    return xr.Dataset(
        {"mu": (("chain", "draw"), rng.normal(size=(chains, draws)))},
        coords=coords,
        attrs={"note": "kept"},
    )


def _normal_model(y: np.ndarray, scale: float, seed: int = 0):
    """Posterior draws of a normal mean with known ``scale`` and the pointwise log-likelihood."""
    rng = np.random.default_rng(seed)
    n = y.size
    mu = rng.normal(y.mean(), scale / np.sqrt(n), size=(4, 500))
    ll = -0.5 * ((y - mu[..., None]) / scale) ** 2 - np.log(scale * np.sqrt(2 * np.pi))
    coords = {"chain": np.arange(4), "draw": np.arange(500), "obs": np.arange(n)}
    return az.from_groups(
        posterior=xr.Dataset({"mu": (("chain", "draw"), mu)}, coords=coords),
        log_likelihood=xr.Dataset({"y": (("chain", "draw", "obs"), ll)}, coords=coords),
    )


# ---------------------------------------------------------------------- groups and objects
def test_the_generation_flag_matches_the_installed_arviz():
    import arviz

    assert az.ARVIZ_VERSION == arviz.__version__
    assert az.ARVIZ_1 == (int(arviz.__version__.split(".")[0]) >= 1)
    assert az.InferenceData is (xr.DataTree if az.ARVIZ_1 else arviz.InferenceData)


def test_groups_are_built_listed_and_read_back_as_datasets():
    post = _posterior()
    observed = xr.Dataset({"y": ("obs", np.arange(3.0))})
    idata = az.from_groups(posterior=post, observed_data=observed)
    assert isinstance(idata, az.InferenceData)
    assert az.groups(idata) == ["posterior", "observed_data"]
    assert az.has_group(idata, "posterior") and not az.has_group(idata, "sample_stats")
    back = az.group(idata, "posterior")
    assert isinstance(back, xr.Dataset)
    np.testing.assert_array_equal(back["mu"].values, post["mu"].values)
    assert back.attrs["note"] == "kept"
    # Attribute access and writes through idata.<group>.attrs work in both generations.
    idata.posterior.attrs["sampler"] = "test"
    assert az.group(idata, "posterior").attrs["sampler"] == "test"
    assert idata.posterior.sizes["draw"] == 1000


def test_from_dict_takes_the_0x_keyword_form():
    idata = az.from_dict(
        posterior={"a": np.zeros((2, 5))}, sample_stats={"diverging": np.zeros((2, 5), bool)}
    )
    assert az.groups(idata) == ["posterior", "sample_stats"]
    assert az.group(idata, "posterior")["a"].dims == ("chain", "draw")


def test_as_idata_converts_a_datatree_and_passes_its_own_type_through():
    tree = xr.DataTree.from_dict({"posterior": _posterior()})
    converted = az.as_idata(tree)
    assert isinstance(converted, az.InferenceData)
    np.testing.assert_array_equal(
        az.group(converted, "posterior")["mu"].values, _posterior()["mu"].values
    )
    own = az.from_groups(posterior=_posterior())
    assert az.as_idata(own) is own
    with pytest.raises(TypeError, match=r"InferenceData or xarray\.DataTree"):
        az.as_idata({"posterior": _posterior()})


def test_netcdf_round_trip_keeps_values_and_attrs_and_closes_the_file(tmp_path):
    path = tmp_path / "x.nc"
    idata = az.from_groups(posterior=_posterior(), observed_data=xr.Dataset({"y": ("obs", [1.0])}))
    az.to_netcdf(idata, path)
    back = az.from_netcdf(path)
    path.unlink()  # closed on return: the data stay in memory
    assert az.groups(back) == ["posterior", "observed_data"]
    np.testing.assert_array_equal(az.group(back, "posterior")["mu"].values, _posterior()["mu"])
    assert back.posterior.attrs["note"] == "kept"


# ---------------------------------------------------------------------- statistics
@pytest.mark.parametrize("hdi_prob", [0.9, 0.94])
def test_summary_has_the_0x_columns_and_its_numbers(hdi_prob):
    idata = az.from_groups(posterior=_posterior())
    table = az.summary(idata, var_names=["mu"], hdi_prob=hdi_prob)
    edge = 100 * (1 - hdi_prob) / 2
    lower, upper = f"hdi_{edge:g}%", f"hdi_{100 - edge:g}%"
    assert table.columns.tolist() == [
        "mean", "sd", lower, upper, "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat",
    ]  # fmt: skip
    x = _posterior()["mu"].values
    row = table.loc["mu"]
    assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-3)
    assert row["ess_bulk"] == pytest.approx(az.ess(x, method="bulk"), rel=1e-9)
    assert row["r_hat"] == pytest.approx(az.rhat(x), rel=1e-9)
    # The interval holds hdi_prob of the draws, up to one draw at each end.
    inside = np.mean((x >= row[lower]) & (x <= row[upper]))
    assert abs(inside - hdi_prob) <= 2 / x.size + 1e-12


def test_ess_rhat_mcse_and_bfmi_on_arrays():
    rng = np.random.default_rng(1)
    iid = rng.normal(size=(4, 1000))
    # An AR(1) chain with rho = 0.9 has ESS about n (1 - rho) / (1 + rho) = n / 19.
    ar = np.zeros((4, 1000))
    for t in range(1, 1000):
        ar[:, t] = 0.9 * ar[:, t - 1] + rng.normal(size=4) * np.sqrt(1 - 0.81)
    assert az.ess(ar, method="mean") < 0.2 * az.ess(iid, method="mean")
    assert az.ess(iid[0]) == pytest.approx(az.ess(iid[:1]), rel=1e-12)  # 1-d is one chain
    assert np.isfinite(az.ess(iid, method="tail"))
    assert az.rhat(iid) < 1.01
    assert az.rhat(iid + np.arange(4)[:, None]) > 1.5  # chains centred apart do not mix
    # MCSE of the mean is the draws' sd over the square root of the mean ESS.
    sd = iid.std(ddof=1)
    assert az.mcse(iid) == pytest.approx(sd / np.sqrt(az.ess(iid, method="mean")), rel=1e-3)
    assert az.mcse(iid, method="quantile", prob=0.9) > 0
    # E-BFMI: about 2 for white-noise energy, near 0 for a random walk.
    assert np.all(az.bfmi(iid) > 1.5)
    assert np.all(az.bfmi(np.cumsum(iid, axis=1)) < 0.3)


def test_psis_shape_separates_light_from_heavy_tails():
    from scipy import stats

    light = np.random.default_rng(0).normal(size=4000)
    heavy = np.log(stats.pareto(0.5).rvs(4000, random_state=1))  # infinite mean: k = 2
    lw, k_light = az.psislw(light)
    assert lw.shape == light.shape
    assert np.logaddexp.reduce(lw) == pytest.approx(0.0, abs=1e-12)  # normalised
    assert k_light < 0.7
    assert az.psislw(heavy)[1] > 1.0


def test_psis_agrees_with_the_installed_arviz():
    import arviz
    from scipy import stats

    draws = [
        np.random.default_rng(0).normal(size=4000),
        np.log(stats.pareto(0.5).rvs(4000, random_state=1)),
        np.random.default_rng(2).standard_t(3, size=2000),
    ]
    for lw in draws:
        ours_lw, ours_k = az.psislw(lw)
        if az.ARVIZ_1:
            from arviz_stats.base import array_stats

            # arviz-stats weights by the negated input and picks its tail slightly differently:
            # its k lies well inside the estimator's standard error, (1 + k) / sqrt(M) >= 0.07
            # for the M <= 190 tail draws here.
            _, theirs_k = array_stats.psislw(-lw)
            assert ours_k == pytest.approx(float(theirs_k), abs=0.07)
        else:
            theirs_lw, theirs_k = arviz.psislw(lw)
            assert ours_k == pytest.approx(float(theirs_k), rel=1e-12)
            np.testing.assert_allclose(ours_lw, theirs_lw, atol=1e-12)


def test_loo_and_compare_rank_the_better_model_first():
    y = np.random.default_rng(3).normal(size=30)
    good, bad = _normal_model(y, scale=1.0), _normal_model(y, scale=5.0)
    loo = az.loo(good, pointwise=True)
    assert loo.loo_i.shape == (30,)
    assert loo.elpd_loo == pytest.approx(loo.loo_i.sum(), rel=1e-9)
    assert loo.pareto_k.shape == (30,) and np.all(loo.pareto_k < 0.7)
    assert 0 < loo.p_loo < 3  # one parameter
    ll = az.group(good, "log_likelihood")["y"].values.reshape(-1, 30)
    lppd = np.sum(np.log(np.mean(np.exp(ll), axis=0)))
    assert loo.elpd_loo <= lppd
    table = az.compare({"good": good, "bad": bad})
    assert table.index.tolist() == ["good", "bad"]
    assert table["weight"].sum() == pytest.approx(1.0)
    assert table.loc["good", "elpd_loo"] == pytest.approx(loo.elpd_loo, rel=1e-9)
    assert {"elpd_loo", "p_loo", "elpd_diff", "se", "dse", "weight"} <= set(table.columns)


def test_loo_pit_is_one_probability_per_observation(fitted_chinchilla):
    pit = az.loo_pit(fitted_chinchilla.idata_, y="loss")
    assert pit.shape == (fitted_chinchilla.data_.n_runs,)
    assert np.all((pit >= 0) & (pit <= 1))


# ---------------------------------------------------------------------- saved files
def test_file_says_which_arviz_wrote_it(fitted_chinchilla, tmp_path):
    path = tmp_path / "m.nc"
    fitted_chinchilla.save(path)
    attrs = az.from_netcdf(path).posterior.attrs
    assert attrs["scaling_bayes_arviz_version"] == az.ARVIZ_VERSION


def test_damaged_file_from_the_other_generation_names_it(fitted_chinchilla, tmp_path):
    path = tmp_path / "m.nc"
    fitted_chinchilla.save(path)
    idata = az.from_netcdf(path)
    kept = {g: az.group(idata, g) for g in az.groups(idata)}
    other = "0.23.4" if az.ARVIZ_1 else "1.3.0"
    kept["posterior"].attrs["scaling_bayes_arviz_version"] = other
    values = kept["posterior"]["alpha"].values.copy()
    values[0, 0] += 1e-6
    kept["posterior"]["alpha"] = kept["posterior"]["alpha"].copy(data=values)
    edited = tmp_path / "edited.nc"
    az.to_netcdf(az.from_groups(**kept), edited)
    with pytest.raises(sb.ModelFileError, match=rf"written with ArviZ {other}") as err:
        sb.ScalingLawModel.load(edited)
    assert "changed after saving" in str(err.value)
    # The same damage in a file of this generation blames only the edit.
    kept["posterior"].attrs["scaling_bayes_arviz_version"] = az.ARVIZ_VERSION
    az.to_netcdf(az.from_groups(**kept), edited)
    with pytest.raises(sb.ModelFileError, match="changed after saving") as err:
        sb.ScalingLawModel.load(edited)
    assert "written with ArviZ" not in str(err.value)


def test_content_hash_is_the_same_for_a_file_and_what_it_reads_back(fitted_chinchilla, tmp_path):
    path = tmp_path / "m.nc"
    fitted_chinchilla.save(path)
    kinds = model_io._kinds_json(fitted_chinchilla)
    assert model_io.content_hash(az.from_netcdf(path), kinds) == model_io.content_hash(
        fitted_chinchilla.idata_, kinds
    )


_WRITE = """
import json, sys
sys.path.insert(0, {tests!r})
from helpers import hand_built_draws
import scaling_bayes as sb
from scaling_bayes.core import _arviz
from scaling_bayes.testing import fit_from_draws
model = fit_from_draws(
    sb.ScalingLawModel("chinchilla", progressbar=False),
    sb.ScalingData.from_frame(sb.load_example()),
    hand_built_draws(),
    random_seed=5,
)
model.save(sys.argv[1])
print(json.dumps({{"arviz": _arviz.ARVIZ_VERSION}}))
"""

_READ = """
import json, sys
import scaling_bayes as sb
from scaling_bayes.core import _arviz
model = sb.ScalingLawModel.load(sys.argv[1], law="chinchilla")
fc = model.predict(params=[7e9], tokens=[1.4e11], random_seed=0)
print(json.dumps({"arviz": _arviz.ARVIZ_VERSION, "alpha": model.posterior_draws()["alpha"].tolist(),
                  "loss": fc.flat_draws()[:, 0].tolist()}))
"""


def _other(code: str, path: Path) -> dict:
    python = os.environ["SCALING_BAYES_OTHER_PYTHON"]
    done = subprocess.run(
        [python, "-c", textwrap.dedent(code), str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(
    not os.environ.get("SCALING_BAYES_OTHER_PYTHON"),
    reason="SCALING_BAYES_OTHER_PYTHON (an interpreter with the other ArviZ generation) is not "
    "set; .ci/py312.sh sets it to the default environment's Python",
)
def test_files_cross_between_generations(tmp_path):
    # Written by the other generation, read here: same draws, same forecast.
    theirs = tmp_path / "theirs.nc"
    wrote = _other(_WRITE.format(tests=str(TESTS)), theirs)
    assert (int(wrote["arviz"].split(".")[0]) >= 1) != az.ARVIZ_1, "not the other generation"
    loaded = sb.ScalingLawModel.load(theirs, law="chinchilla")
    assert isinstance(loaded.idata_, az.InferenceData)
    here = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False),
        sb.ScalingData.from_frame(sb.load_example()),
        hand_built_draws(),
        random_seed=5,
    )
    np.testing.assert_array_equal(
        loaded.posterior_draws()["alpha"], here.posterior_draws()["alpha"]
    )
    # Written here, read by the other generation: the same draws and forecast as here.
    ours = tmp_path / "ours.nc"
    here.save(ours)
    read = _other(_READ, ours)
    np.testing.assert_array_equal(read["alpha"], here.posterior_draws()["alpha"])
    mine = here.predict(params=[7e9], tokens=[1.4e11], random_seed=0).flat_draws()[:, 0]
    np.testing.assert_allclose(read["loss"], mine, rtol=1e-12)
    assert sys.executable != os.environ["SCALING_BAYES_OTHER_PYTHON"]
