"""Helpers for the application-layer tests: review configs on disk, spies and fake fits."""

from __future__ import annotations

import copy
import json
import math
import shutil
import tomllib
from pathlib import Path

import pytest
from helpers import hand_built_draws

import scaling_bayes as sb
from scaling_bayes.datasets import example_config_path
from scaling_bayes.testing import fit_from_draws

EXAMPLE = example_config_path()
EXAMPLE_DATA = EXAMPLE.parent / "pilot_runs.csv"


def example_raw() -> dict:
    """The bundled review config as a dict (a fresh copy)."""
    return copy.deepcopy(tomllib.loads(EXAMPLE.read_text()))


def small_raw() -> dict:
    """A quick review: two plans, no pilot, so a fake-fitted review takes seconds."""
    raw = example_raw()
    raw["plans"] = raw["plans"][1:3]
    del raw["pilot"]
    return raw


def toml_value(value) -> str:
    """One TOML value (enough for review configs: tables, arrays, numbers incl. nan/inf)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _key(key: str) -> str:
    return (
        key
        if key.replace("_", "").replace("-", "").isalnum() and key.isascii()
        else json.dumps(key)
    )


def dump_toml(raw: dict) -> str:
    """A review config dict as TOML text (sections, [[plans]], inline tables)."""
    lines = []
    for key, value in raw.items():
        if not isinstance(value, dict | list) or (
            isinstance(value, list) and not all(isinstance(v, dict) for v in value)
        ):
            lines.append(f"{_key(key)} = {toml_value(value)}")
    for key, value in raw.items():
        if isinstance(value, dict):
            lines.append(f"\n[{_key(key)}]")
            lines += [f"{_key(k)} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                lines.append(f"\n[[{_key(key)}]]")
                lines += [f"{_key(k)} = {toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def write_review(folder: Path, raw: dict | None = None, *, name: str = "review.toml") -> Path:
    """Write a config (default: the small review) and its data file into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = small_raw() if raw is None else raw
    if (
        "data" in raw
        and isinstance(raw["data"], dict)
        and raw["data"].get("path") == "pilot_runs.csv"
    ):
        shutil.copy(EXAMPLE_DATA, folder / "pilot_runs.csv")
    path = folder / name
    path.write_text(dump_toml(raw), encoding="utf-8")
    return path


def listing(folder: Path) -> set[str]:
    """Every path under ``folder`` (relative), hidden ones included."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


class SamplerSpy:
    """Replaces the sampler: a call fails the test (sampling must not start)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        raise AssertionError("sampling started although the input should have been refused")


@pytest.fixture
def no_sampling(monkeypatch) -> SamplerSpy:
    """Fail if the sampler in scaling_bayes/core/sampling.py is called."""
    spy = SamplerSpy()
    monkeypatch.setattr("scaling_bayes.core.sampling.sample_posterior", spy)
    # The model calls it as sampling.sample_posterior; an older layout imported the name.
    monkeypatch.setattr("scaling_bayes.core.model.sample_posterior", spy, raising=False)
    return spy


def _fake_fit(self, data, random_seed=None, progressbar=None):
    return fit_from_draws(
        self, data, hand_built_draws(chains=2, draws=250), random_seed=random_seed
    )


@pytest.fixture
def fake_fit(monkeypatch):
    """ScalingLawModel.fit fills the posterior with hand-built draws (no MCMC)."""
    monkeypatch.setattr(sb.ScalingLawModel, "fit", _fake_fit)
    return _fake_fit
