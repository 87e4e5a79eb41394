"""Save and load: netCDF round trips, integrity checks, clear errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import hand_built_draws
from pymc_extras.prior import Prior

import scaling_bayes as sb
from scaling_bayes.testing import fit_from_draws


def test_round_trip_gives_identical_forecasts(fitted_chinchilla, tmp_path):
    path = tmp_path / "fit.nc"
    fitted_chinchilla.save(path)
    loaded = sb.ScalingLawModel.load(path, law="chinchilla")
    kwargs = dict(params=[1e9, 7e9], tokens=[2e10, 1.4e11], random_seed=3)
    original = fitted_chinchilla.predict(**kwargs).flat_draws()
    np.testing.assert_array_equal(loaded.predict(**kwargs).flat_draws(), original)
    assert loaded.law == "chinchilla"
    assert loaded.priors_ == fitted_chinchilla.priors_
    assert loaded.reference_ == fitted_chinchilla.reference_
    assert loaded.diagnostics().converged
    assert loaded.data_.n_runs == fitted_chinchilla.data_.n_runs
    np.testing.assert_array_equal(loaded.data_.loss, fitted_chinchilla.data_.loss)


def test_custom_priors_and_power_law_survive(example_data, tmp_path):
    priors = {"alpha": Prior("Normal", mu=0.3, sigma=0.1), "nu": 6}
    model = sb.ScalingLawModel("power", x="compute", priors=priors, progressbar=False)
    draws = {k: v for k, v in hand_built_draws().items() if k not in ("B", "beta")}
    draws["A"] = draws["A"] * 0 + 50.0
    draws["alpha"] = draws["alpha"] * 0.4
    fit_from_draws(model, example_data, draws)
    model.save(tmp_path / "p.nc")
    loaded = sb.ScalingLawModel.load(tmp_path / "p.nc")
    assert loaded.x == "compute"
    assert loaded.priors_["alpha"] == priors["alpha"]
    assert loaded.priors_["nu"] == 6.0


def test_file_of_another_law_is_refused(fitted_chinchilla, tmp_path):
    path = tmp_path / "fit.nc"
    fitted_chinchilla.save(path)
    with pytest.raises(
        sb.ModelFileError, match="holds a 'chinchilla' law, not the expected 'power'"
    ):
        sb.ScalingLawModel.load(path, law="power")


def test_corrupted_file_is_refused(fitted_chinchilla, tmp_path):
    path = tmp_path / "fit.nc"
    fitted_chinchilla.save(path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(sb.ModelFileError, match="corrupted or not netCDF"):
        sb.ScalingLawModel.load(path)


def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.nc"
    path.write_text("not a model")
    with pytest.raises(sb.ModelFileError, match="corrupted or not netCDF"):
        sb.ScalingLawModel.load(path)


def test_tampered_configuration_fails_integrity_check(fitted_chinchilla, tmp_path):
    path = tmp_path / "fit.nc"
    idata = fitted_chinchilla.idata_.copy()
    idata.posterior.attrs["scaling_bayes_y_min"] = "1.0"
    idata.to_netcdf(str(path))
    with pytest.raises(sb.ModelFileError, match="integrity check"):
        sb.ScalingLawModel.load(path)


def test_foreign_inference_data_is_refused(tmp_path):
    from scaling_bayes.core import _arviz as az

    path = tmp_path / "other.nc"
    az.to_netcdf(az.from_dict(posterior={"mu": np.zeros((2, 10))}), path)
    with pytest.raises(sb.ModelFileError, match=r"not one written by ScalingLawModel\.save"):
        sb.ScalingLawModel.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(sb.ModelFileError, match="does not exist"):
        sb.ScalingLawModel.load(tmp_path / "none.nc")


def test_no_pickle_in_saved_file(fitted_chinchilla, tmp_path):
    path = tmp_path / "fit.nc"
    fitted_chinchilla.save(path)
    assert path.read_bytes()[:4] == b"\x89HDF"  # netCDF4/HDF5 signature, not a pickle stream


def test_edited_draw_or_loss_is_refused(fitted_chinchilla, tmp_path):
    from scaling_bayes.core import _arviz as az

    path = tmp_path / "fit.nc"
    fitted_chinchilla.save(path)
    for group, var in (("posterior", "beta"), ("observed_data", "loss")):
        idata = az.from_netcdf(path)
        kept = {g: az.group(idata, g) for g in az.groups(idata)}
        values = kept[group][var].values.copy()
        values.reshape(-1)[3] += 1e-9  # the smallest edit a hand would make
        kept[group][var] = (kept[group][var].dims, values)
        edited = tmp_path / f"edited_{var}.nc"
        az.to_netcdf(az.from_groups(**kept), edited)
        with pytest.raises(sb.ModelFileError, match="changed after saving"):
            sb.ScalingLawModel.load(edited)


def test_saved_file_carries_config_and_content_hashes(fitted_chinchilla, tmp_path):
    from scaling_bayes.core import _arviz as az

    path = tmp_path / "fit.nc"
    fitted_chinchilla.save(path)
    attrs = az.from_netcdf(path).posterior.attrs
    assert len(attrs["scaling_bayes_config_sha256"]) == 64
    assert len(attrs["scaling_bayes_content_sha256"]) == 64
    assert not list(tmp_path.glob("*.tmp"))  # the temporary file was moved into place


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["nutpie", "pymc"])
def test_real_fit_round_trip_keeps_its_hash(example_data, tmp_path, sampler):
    model = sb.ScalingLawModel(
        "chinchilla", draws=100, tune=100, chains=2, sampler=sampler, progressbar=False
    )
    with warnings.catch_warnings():  # 200 draws may be too few for ESS >= 400; not the point
        warnings.simplefilter("ignore", sb.ConvergenceWarning)
        model.fit(example_data, random_seed=1)
    model.save(tmp_path / "fit.nc")
    loaded = sb.ScalingLawModel.load(tmp_path / "fit.nc")
    assert loaded.diagnostics().ebfmi is not None
    assert loaded.diagnostics().treedepth_hits is not None
