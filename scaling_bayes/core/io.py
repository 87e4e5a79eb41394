"""Save and load fitted models as netCDF, never pickle.

The file is the model's InferenceData. Its ``posterior`` attributes carry everything needed to
rebuild the model: the law, its axis, the priors (``Prior.to_dict`` JSON), the reference scales
and loss scale of the relative parameterisation, the package version, and two SHA-256 hashes
checked on load (the PyMC-Marketing pattern, extended to the numbers):

- ``config_sha256`` over that configuration, and
- ``content_sha256`` over the numbers: every variable and coordinate of the ``posterior``,
  ``sample_stats``, ``observed_data`` and ``constant_data`` groups (draws, sampler statistics,
  observed losses, run scales and labels) and the declared axis kinds.

A file whose draws, losses or configuration were edited after saving, or that was damaged on
disk, therefore fails to load with :class:`~scaling_bayes.core.exceptions.ModelFileError`
instead of forecasting from a different model. The hashes guard against damage and accidental
edits, **not** against someone who deliberately edits the file and recomputes them: they are
not signatures, so only open model files from sources you trust (a netCDF file cannot run code
on load, unlike a pickle, but its numbers can still be wrong).

Every way a file can fail to decode (not netCDF, truncated, missing groups or variables,
non-numeric attributes, a malformed priors JSON) raises ``ModelFileError`` naming the path and
what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._version import __version__
from . import _arviz as az
from .exceptions import InputWarning, ModelFileError, ScalingBayesError

if TYPE_CHECKING:
    from .model import ScalingLawModel

__all__ = ["content_hash", "load", "save"]

#: Version of the file layout; 2 added ``content_sha256`` over the data and draws.
FORMAT_VERSION = 2
#: The format of scaling_bayes 0.1 (configuration hash only): read, with a warning.
_UNHASHED_FORMAT = "1"
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
#: Groups whose numbers are hashed; ``posterior`` and ``observed_data`` are required on load.
_HASHED_GROUPS = ("posterior", "sample_stats", "observed_data", "constant_data")
_REQUIRED_GROUPS = ("posterior", "observed_data", "constant_data")


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


def _canonical_bytes(values) -> bytes:
    """Bytes of an array that survive a netCDF round trip unchanged.

    netCDF stores booleans as integers and text as variable-length strings, so numbers are
    hashed as little-endian float64 (exact for every float and for integers below 2**53) with
    one NaN pattern, and text as a JSON list.
    """
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        as_float = np.ascontiguousarray(arr, dtype="<f8")
        as_float = np.where(np.isnan(as_float), np.nan, as_float)
        return as_float.tobytes()
    if arr.dtype.kind == "c":
        return np.ascontiguousarray(arr, dtype="<c16").tobytes()
    if arr.dtype.kind in "mM":
        return np.ascontiguousarray(arr.astype("int64"), dtype="<i8").tobytes()
    return json.dumps([str(v) for v in arr.reshape(-1)]).encode()


def content_hash(idata: az.InferenceData, kinds: str = "") -> str:
    """SHA-256 over the numbers of the hashed groups (draws, sampler statistics, data).

    Variables and coordinates are visited in sorted order with their dims and shape, so the
    hash does not depend on the order netCDF returns them in. ``kinds`` (the data's declared
    axis kinds as JSON) is included because it changes which unit rules the loaded data obeys.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.core import _arviz as az
    >>> idata = az.from_dict(posterior={"a": np.zeros((2, 3))})
    >>> before = content_hash(idata)
    >>> idata.posterior["a"].values[0, 0] = 1.0
    >>> content_hash(idata) == before
    False
    """
    digest = hashlib.sha256()
    digest.update(f"kinds={kinds}".encode())
    groups = set(az.groups(idata))
    for group in _HASHED_GROUPS:
        if group not in groups:
            digest.update(f"[{group}:absent]".encode())
            continue
        dataset = az.group(idata, group)
        names = sorted(str(n) for n in (*dataset.data_vars, *dataset.coords))
        for name in names:
            var = dataset[name]
            header = f"[{group}/{name}:{','.join(map(str, var.dims))}:{var.shape}]"
            digest.update(header.encode())
            digest.update(_canonical_bytes(var.values))
    return digest.hexdigest()


def _kinds_json(model) -> str:
    kinds = getattr(model.data_, "kinds", {}) or {}
    return json.dumps(dict(kinds), sort_keys=True)


def attach_metadata(
    idata: az.InferenceData, model: ScalingLawModel, random_seed: int | None
) -> az.InferenceData:
    """Return ``idata`` with the model's configuration and hashes in the posterior attributes."""

    config = _config(model)
    attrs = {f"{_PREFIX}{k}": v for k, v in config.items()}
    kinds = _kinds_json(model)
    attrs.update(
        {
            f"{_PREFIX}format": FORMAT_VERSION,
            f"{_PREFIX}version": __version__,
            f"{_PREFIX}config_sha256": _hash(config),
            f"{_PREFIX}random_seed": "" if random_seed is None else str(random_seed),
            f"{_PREFIX}data_source": model.data_.source,
            f"{_PREFIX}data_kinds": kinds,
            # The declared metric and the axes' names (not hashed: they label, and the metric's
            # bounds are checked again when the runs are validated on load).
            f"{_PREFIX}data_metric": json.dumps(model.data_.metric.to_dict()),
            f"{_PREFIX}data_axis_names": json.dumps(
                {"labels": dict(model.data_.axis_labels), "units": dict(model.data_.axis_units)}
            ),
            # Not hashed: says which ArviZ generation wrote the file, for error messages.
            f"{_PREFIX}arviz_version": az.ARVIZ_VERSION,
        }
    )
    idata.posterior.attrs.update(attrs)
    idata.posterior.attrs[f"{_PREFIX}content_sha256"] = content_hash(idata, kinds)
    return idata


def save(model: ScalingLawModel, path: str | os.PathLike[str]) -> None:
    """Write ``model.idata_`` (with its metadata and hashes) to ``path`` as netCDF.

    The file is written to a temporary file beside ``path`` and moved into place, so an
    interrupted save never leaves a half-written model under the target name.

    Raises
    ------
    ModelFileError
        ``path`` is a folder, its folder does not exist, or the file cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(
            f"'{path}' is a folder; give a file path for the model, e.g. '{path / 'model.nc'}'"
        )
    folder = path.parent
    if not folder.exists():
        raise ModelFileError(
            f"cannot save to '{path}': folder '{folder}' does not exist; create it first "
            "(Path(...).mkdir(parents=True)) or choose another path"
        )
    if not folder.is_dir():
        raise ModelFileError(f"cannot save to '{path}': '{folder}' is a file, not a folder")
    idata = model.idata_
    # Recomputed here so a model whose idata_ was completed after fitting still saves a
    # hash that matches what is written.
    idata.posterior.attrs[f"{_PREFIX}content_sha256"] = content_hash(
        idata, str(idata.posterior.attrs.get(f"{_PREFIX}data_kinds", _kinds_json(model)))
    )
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        az.to_netcdf(idata, temporary)
        os.replace(temporary, path)
    except OSError as err:
        raise ModelFileError(f"could not write '{path}': {err}") from err
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _read(path: Path) -> az.InferenceData:
    if not path.exists():
        raise ModelFileError(f"model file '{path}' does not exist; check the path")
    if path.is_dir():
        raise ModelFileError(
            f"'{path}' is a folder, not a model file; give the path of the .nc file written by "
            "ScalingLawModel.save()"
        )
    try:
        idata = az.from_netcdf(path)
    except Exception as err:  # netCDF/HDF5 raise many types for a damaged file
        raise ModelFileError(
            f"could not read '{path}' as a saved scaling_bayes model ({type(err).__name__}: "
            f"{err}); the file is corrupted or not netCDF"
        ) from err
    return idata


def _check_integrity(path: Path, idata: az.InferenceData) -> dict:
    groups = set(az.groups(idata))
    if "posterior" not in groups:
        raise ModelFileError(
            f"'{path}' has no posterior group; it was not written by scaling_bayes"
        )
    attrs = idata.posterior.attrs
    if f"{_PREFIX}format" not in attrs:
        raise ModelFileError(
            f"'{path}' is an InferenceData file but not one written by ScalingLawModel.save()"
        )
    file_format = str(attrs.get(f"{_PREFIX}format"))
    if file_format not in (str(FORMAT_VERSION), _UNHASHED_FORMAT):
        raise ModelFileError(
            f"'{path}' has file format {file_format!r}; this version of scaling_bayes reads "
            f"formats {_UNHASHED_FORMAT} and {FORMAT_VERSION}: upgrade scaling_bayes, or refit "
            "and save again"
        )
    missing = [g for g in _REQUIRED_GROUPS if g not in groups]
    if missing:
        raise ModelFileError(
            f"'{path}' lacks the {', '.join(missing)} group(s) every saved model has; the file "
            "was edited or damaged: refit and save again"
        )
    config = {k: str(attrs.get(f"{_PREFIX}{k}", "")) for k in _CONFIG_KEYS}
    if _hash(config) != attrs.get(f"{_PREFIX}config_sha256"):
        raise ModelFileError(
            f"'{path}' failed its integrity check: the stored law, priors or scales do not match "
            "the hash written with them (edited or damaged file); refit and save again"
        )
    kinds = str(attrs.get(f"{_PREFIX}data_kinds", ""))
    if file_format == _UNHASHED_FORMAT:
        # Files of scaling_bayes 0.1 hashed only the configuration. They still load, so a
        # user's saved fits keep working, but nobody may think their numbers were verified.
        warnings.warn(
            f"'{path}' was saved in file format {_UNHASHED_FORMAT}, which hashed only the "
            "configuration: its posterior draws and run data could not be checked for damage "
            "or edits. Save the model again to add the content hash.",
            InputWarning,
            stacklevel=4,
        )
        return config
    if content_hash(idata, kinds) != attrs.get(f"{_PREFIX}content_sha256"):
        raise ModelFileError(
            f"'{path}' failed its integrity check: the file was changed after saving (its "
            "posterior draws, sampler statistics, observed losses or run scales do not match "
            "the hash written with them)"
            + _generation_note(attrs)
            + "; refit and save again, or restore the original file"
        )
    return config


def _generation_note(attrs) -> str:
    """Why a file may not read back here: it was written under the other ArviZ generation.

    Empty when the file was written by this generation (or says nothing about it: files of
    scaling_bayes before both generations were supported are ArviZ 0.x files).
    """
    written = str(attrs.get(f"{_PREFIX}arviz_version", "0"))
    try:
        written_major = int(written.split(".")[0])
    except ValueError:
        written_major = 0
    if (written_major >= 1) == az.ARVIZ_1:
        return ""
    return (
        f", or the file was written with ArviZ {written} and this is ArviZ {az.ARVIZ_VERSION}, "
        "whose netCDF layout differs: load it where ArviZ "
        f"{'>= 1' if written_major >= 1 else '< 1'} is installed"
    )


def _integer(path: Path, config: dict, key: str) -> int:
    text = config[key]
    try:
        value = int(text)
    except ValueError:
        raise ModelFileError(
            f"'{path}' has a non-numeric '{_PREFIX}{key}' attribute ({text!r}); the file is "
            "damaged or was not written by ScalingLawModel.save(): refit and save again"
        ) from None
    if value < 1:
        raise ModelFileError(
            f"'{path}' has '{_PREFIX}{key}' = {value}; it must be a positive integer"
        )
    return value


def _number(path: Path, config: dict, key: str) -> float:
    text = config[key]
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise ModelFileError(
            f"'{path}' has a non-numeric or non-finite '{_PREFIX}{key}' attribute ({text!r}); "
            "the file is damaged or was not written by ScalingLawModel.save()"
        )
    return value


def _rebuild(cls, path: Path, idata: az.InferenceData, config: dict):
    """Decode the configuration and data; every failure becomes ModelFileError."""
    from .data import ScalingData
    from .priors import priors_from_json

    attrs = idata.posterior.attrs
    draws = _integer(path, config, "draws")
    tune = _integer(path, config, "tune")
    chains = _integer(path, config, "chains")
    y_min = _number(path, config, "y_min")
    extrapolation_error = _number(path, config, "extrapolation_error")
    try:
        priors = priors_from_json(config["priors"])
    except Exception as err:  # JSON, Prior.from_dict and crafted nesting fail in many ways
        raise ModelFileError(
            f"'{path}' holds priors that cannot be decoded ({type(err).__name__}: {err}); the "
            f"'{_PREFIX}priors' attribute is not the JSON written by save(): refit and save again"
        ) from err
    try:
        reference = {k: float(v) for k, v in json.loads(config["reference"]).items()}
        kinds_text = str(attrs.get(f"{_PREFIX}data_kinds", "")) or "{}"
        kinds = json.loads(kinds_text)
        if not isinstance(kinds, dict):
            raise TypeError("data_kinds is not a JSON object")
    except Exception as err:
        raise ModelFileError(
            f"'{path}' holds reference scales or axis kinds that cannot be decoded "
            f"({type(err).__name__}: {err}); refit and save again"
        ) from err
    try:
        model = cls(
            config["law"],
            x=config["x"] or None,
            priors=priors,
            draws=draws,
            tune=tune,
            chains=chains,
            progressbar=False,
            loss_unit=config["loss_unit"],
            extrapolation_error=extrapolation_error,
        )
    except (ScalingBayesError, TypeError, ValueError) as err:
        raise ModelFileError(
            f"'{path}' describes a model that cannot be rebuilt ({type(err).__name__}: {err}); "
            "refit and save again"
        ) from err
    constant = az.group(idata, "constant_data")
    observed = az.group(idata, "observed_data")
    if "row_label" not in constant or "loss" not in observed:
        raise ModelFileError(
            f"'{path}' lacks the run labels or observed losses (constant_data.row_label, "
            "observed_data.loss); refit and save again"
        )
    try:
        frame = pd.DataFrame(
            {
                axis: constant[axis].values
                for axis in ("params", "tokens", "compute")
                if axis in constant
            },
            index=pd.Index(constant["row_label"].values.astype(str)),
        )
        from .metric import as_metric

        metric = as_metric(json.loads(str(attrs.get(f"{_PREFIX}data_metric", "")) or "null"))
        names = json.loads(str(attrs.get(f"{_PREFIX}data_axis_names", "")) or "{}")
        if not isinstance(names, dict) or not all(
            isinstance(names.get(k, {}), dict) for k in ("labels", "units")
        ):
            raise TypeError("data_axis_names is not a JSON object of labels and units")
        # Stored losses are the modelled loss; the data take the metric in its own scale.
        frame["loss"] = metric.from_loss(observed["loss"].values)
        if "group" in constant:
            frame["group"] = constant["group"].values.astype(str)
    except (ValueError, TypeError, AttributeError, ScalingBayesError) as err:
        raise ModelFileError(
            f"'{path}' holds run data, a metric or axis names that do not decode ({err}); "
            "refit and save again"
        ) from err
    has = set(frame.columns)
    try:
        data = ScalingData.from_frame(
            frame,
            params="params" if "params" in has else None,
            tokens="tokens" if "tokens" in has else None,
            compute="compute" if "compute" in has else None,
            group="group" if "group" in has else None,
            source=str(attrs.get(f"{_PREFIX}data_source", str(path))),
            kinds={k: v for k, v in kinds.items() if k in has},
            metric=metric,
            axis_labels={k: v for k, v in names.get("labels", {}).items() if k in has},
            axis_units={k: v for k, v in names.get("units", {}).items() if k in has},
        )
    except ScalingBayesError as err:
        raise ModelFileError(f"'{path}' holds run data that fail validation: {err}") from err
    return model, data, reference, y_min


def load(
    cls: type[ScalingLawModel], path: str | os.PathLike[str], expected_law: str | None = None
) -> ScalingLawModel:
    """Rebuild a fitted model from a file written by :func:`save`.

    Raises
    ------
    ModelFileError
        The file is missing, a folder, not netCDF, truncated, of another law or format, was
        changed after saving, or holds attributes, priors or groups that do not decode.
    """
    from .data import design_problems
    from .diagnostics import check_convergence

    path = Path(path)
    idata = _read(path)
    config = _check_integrity(path, idata)
    law = config["law"]
    if expected_law is not None and law != expected_law:
        raise ModelFileError(
            f"'{path}' holds a '{law}' law, not the expected '{expected_law}'; load it with "
            f"law='{law}' or pick the right file"
        )
    attrs = idata.posterior.attrs
    saved_version = str(attrs.get(f"{_PREFIX}version", "unknown"))
    if saved_version != __version__:
        warnings.warn(
            f"'{path}' was written by scaling_bayes {saved_version}; this is {__version__}",
            InputWarning,
            stacklevel=3,
        )
    model, data, reference, y_min = _rebuild(cls, path, idata, config)
    try:
        needed = model.sampled_parameters()
        priors = model.resolved_priors()
    except (ScalingBayesError, TypeError, ValueError, KeyError) as err:
        raise ModelFileError(
            f"'{path}' holds priors that do not fit law '{law}' ({err}); refit and save again"
        ) from err
    missing = [p for p in needed if p not in idata.posterior]
    if missing:
        raise ModelFileError(
            f"'{path}' says law '{law}' but has no posterior draws of {', '.join(missing)}"
        )
    model.data_ = data
    model.priors_ = priors
    model.reference_ = reference
    model.y_min_ = y_min
    if not az.has_group(idata, "log_likelihood"):  # saved before these groups existed
        seed = str(attrs.get(f"{_PREFIX}random_seed", ""))
        idata = model._add_predictive_groups(idata, int(seed) if seed.isdigit() else None)
    model.idata_ = idata
    model.diagnostics_ = check_convergence(
        idata, needed, design_problems(data, model.axes), tune=model.tune
    )
    model.sampler_ = str(attrs.get("sampler", "unknown"))
    model.fit_seconds_ = float("nan")
    return model
