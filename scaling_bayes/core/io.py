"""Save and load fitted models as netCDF, never pickle.

The file is the model's InferenceData. Its ``posterior`` attributes carry everything needed to
rebuild the model: the law, its axis, the priors (``Prior.to_dict`` JSON), the reference scales
and loss scale of the relative parameterisation, the package version, and a SHA-256 hash of that
configuration that is checked on load (the PyMC-Marketing pattern), so a hand-edited or truncated
file fails loudly instead of forecasting from a different model.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import arviz as az
import pandas as pd

from .._version import __version__
from .exceptions import InputWarning, ModelFileError

__all__ = ["load", "save"]

FORMAT_VERSION = 1
_PREFIX = "scaling_bayes_"
_CONFIG_KEYS = (
    "law",
    "x",
    "priors",
    "reference",
    "y_min",
    "loss_unit",
    "draws",
    "tune",
    "chains",
    "extrapolation_error",
)


def _config(model) -> dict:
    from .priors import priors_to_json

    return {
        "law": model.law,
        "x": model.x or "",
        "priors": priors_to_json(model.priors_),
        "reference": json.dumps(model.reference_, sort_keys=True),
        "y_min": repr(float(model.y_min_)),
        "loss_unit": model.loss_unit,
        "draws": str(model.draws),
        "tune": str(model.tune),
        "chains": str(model.chains),
        "extrapolation_error": repr(float(model.extrapolation_error)),
    }


def _hash(config: dict) -> str:
    text = json.dumps({k: config[k] for k in _CONFIG_KEYS}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def attach_metadata(idata: az.InferenceData, model, random_seed) -> az.InferenceData:
    """Return ``idata`` with the model's configuration in the posterior attributes."""

    config = _config(model)
    attrs = {f"{_PREFIX}{k}": v for k, v in config.items()}
    attrs.update(
        {
            f"{_PREFIX}format": FORMAT_VERSION,
            f"{_PREFIX}version": __version__,
            f"{_PREFIX}config_sha256": _hash(config),
            f"{_PREFIX}random_seed": "" if random_seed is None else str(random_seed),
            f"{_PREFIX}data_source": model.data_.source,
        }
    )
    idata.posterior.attrs.update(attrs)
    return idata


def save(model, path) -> None:
    """Write ``model.idata_`` (with its metadata) to ``path`` as netCDF."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise ModelFileError(f"folder '{path.parent}' does not exist; create it first")
    model.idata_.to_netcdf(str(path))


def load(cls, path, expected_law: str | None = None):
    """Rebuild a fitted model from a file written by :func:`save`."""
    from .data import ScalingData
    from .diagnostics import check_convergence
    from .priors import priors_from_json

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"model file '{path}' does not exist")
    try:
        idata = az.from_netcdf(str(path))
        idata.posterior.load()
    except Exception as err:  # netCDF/HDF5 raise many types for a damaged file
        raise ModelFileError(
            f"could not read '{path}' as a saved scaling_bayes model ({type(err).__name__}: "
            f"{err}); the file is corrupted or not netCDF"
        ) from err
    if "posterior" not in idata.groups():
        raise ModelFileError(
            f"'{path}' has no posterior group; it was not written by scaling_bayes"
        )
    attrs = idata.posterior.attrs
    if f"{_PREFIX}format" not in attrs:
        raise ModelFileError(
            f"'{path}' is an InferenceData file but not one written by ScalingLawModel.save()"
        )
    config = {k: str(attrs.get(f"{_PREFIX}{k}", "")) for k in _CONFIG_KEYS}
    if _hash(config) != attrs.get(f"{_PREFIX}config_sha256"):
        raise ModelFileError(
            f"'{path}' failed its integrity check: the stored law, priors or scales do not match "
            "the hash written with them (edited or damaged file); refit and save again"
        )
    law = config["law"]
    if expected_law is not None and law != expected_law:
        raise ModelFileError(
            f"'{path}' holds a '{law}' law, not the expected '{expected_law}'; load it with "
            f"law='{law}' or pick the right file"
        )
    saved_version = str(attrs.get(f"{_PREFIX}version", "unknown"))
    if saved_version != __version__:
        warnings.warn(
            f"'{path}' was written by scaling_bayes {saved_version}; this is {__version__}",
            InputWarning,
            stacklevel=3,
        )
    model = cls(
        law,
        x=config["x"] or None,
        priors=priors_from_json(config["priors"]),
        draws=int(config["draws"]),
        tune=int(config["tune"]),
        chains=int(config["chains"]),
        progressbar=False,
        loss_unit=config["loss_unit"],
        extrapolation_error=float(config["extrapolation_error"]),
    )
    missing = [p for p in model.sampled_parameters() if p not in idata.posterior]
    if missing:
        raise ModelFileError(
            f"'{path}' says law '{law}' but has no posterior draws of {', '.join(missing)}"
        )
    constant = idata.constant_data
    frame = pd.DataFrame(
        {
            axis: constant[axis].values
            for axis in ("params", "tokens", "compute")
            if axis in constant
        },
        index=pd.Index(constant["row_label"].values.astype(str)),
    )
    frame["loss"] = idata.observed_data["loss"].values
    if "group" in constant:
        frame["group"] = constant["group"].values.astype(str)
    has = set(frame.columns)
    data = ScalingData.from_frame(
        frame,
        params="params" if "params" in has else None,
        tokens="tokens" if "tokens" in has else None,
        compute="compute" if "compute" in has else None,
        group="group" if "group" in has else None,
        source=str(attrs.get(f"{_PREFIX}data_source", str(path))),
    )
    model.data_ = data
    model.priors_ = model.resolved_priors()
    model.reference_ = {k: float(v) for k, v in json.loads(config["reference"]).items()}
    model.y_min_ = float(config["y_min"])
    model.idata_ = idata
    from .data import design_problems

    model.diagnostics_ = check_convergence(
        idata, model.sampled_parameters(), design_problems(data, model.axes)
    )
    model.sampler_ = str(attrs.get("sampler", "unknown"))
    model.fit_seconds_ = float("nan")
    return model
