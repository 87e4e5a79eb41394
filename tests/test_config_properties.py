"""Property tests: hostile review configs are accepted or refused with a ConfigError, never another
exception (no TypeError, KeyError or pydantic error leaks out of the config loader).
"""

from __future__ import annotations

import math
import tomllib

import pytest
from app_helpers import EXAMPLE, dump_toml, example_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scaling_bayes as sb
from scaling_bayes.app.config import load_config, parse_config

SECTIONS = ("data", "model", "cost", "value", "decision", "pilot", "memo")
KEYS = sorted(
    {
        (section, key)
        for section, table in example_raw().items()
        if isinstance(table, dict)
        for key in table
    }
    | {
        ("model", "law"),
        ("model", "x"),
        ("model", "draws"),
        ("model", "chains"),
        ("model", "tune"),
        ("model", "prior_overrides"),
        ("model", "extrapolation_error"),
        ("cost", "currency"),
        ("cost", "power_kw"),
        ("value", "kind"),
        ("value", "target_loss"),
        ("value", "if_met"),
        ("value", "unit"),
        ("cost", "per_sample"),
        ("cost", "running_per_year"),
        ("cost", "pilot_gpu_hours"),
        ("decision", "kpi_target"),
        ("decision", "payback_months"),
        ("value", "partial_from"),
        ("value", "floor_at_zero"),
        ("value", "currency"),
        ("pilot", "compute"),
        ("decision", "seed"),
        ("memo", "language"),
    }
)

scalars = (
    st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["chinchilla", "power", "params", "weak", "H100", "USD", "linear", "target"])
)
distributions = st.fixed_dictionaries(
    {
        "dist": st.sampled_from(
            ["uniform", "normal", "lognormal", "triangular", "gauss", "LogNormal"]
        )
    },
    optional={
        k: st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.text(max_size=3)
        for k in ("low", "high", "mean", "sd", "median", "sigma", "mode", "mu")
    },
)
values = st.recursive(
    scalars | distributions,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
plans = st.lists(
    st.dictionaries(
        st.sampled_from(["name", "params", "tokens", "compute", "flops"]), values, max_size=4
    ),
    max_size=4,
)


def _parse(raw):
    try:
        return parse_config(raw, base=EXAMPLE.parent, source=EXAMPLE)
    except sb.ConfigError:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(KEYS), values), min_size=1, max_size=4))
def test_hostile_values_are_accepted_or_refused_with_config_error(edits):
    raw = example_raw()
    for (section, key), value in edits:
        table = raw.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = value
    config = _parse(raw)
    if config is not None:  # accepted: every number the review will use is finite
        assert math.isfinite(config.threshold)
        for plan in config.plans:
            assert all(math.isfinite(v) for k, v in plan.items() if k != "name")


@settings(max_examples=150, deadline=None)
@given(
    sections=st.dictionaries(st.sampled_from([*SECTIONS, "plans", "budget"]), values, max_size=5),
    plan_list=plans,
)
def test_hostile_structures_are_accepted_or_refused_with_config_error(sections, plan_list):
    raw = example_raw()
    raw.update(sections)
    raw["plans"] = plan_list if plan_list else raw.get("plans")
    _parse(raw)


@settings(max_examples=100, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(KEYS), values), min_size=1, max_size=3))
def test_hostile_toml_files_load_or_raise_config_error(tmp_path_factory, edits):
    raw = example_raw()
    raw["data"]["path"] = str(EXAMPLE.parent / "pilot_runs.csv")
    for (section, key), value in edits:
        raw.setdefault(section, {})[key] = value
    path = tmp_path_factory.mktemp("cfg") / "review.toml"
    try:
        text = dump_toml(raw)
        tomllib.loads(text)
    except (TypeError, tomllib.TOMLDecodeError):
        return  # not expressible in TOML (e.g. a key with odd characters): nothing to test
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path)
    except sb.ConfigError:
        pass


@pytest.mark.parametrize("text", ["", "[data", "plans = 3", "\x00", "[memo]\ntitle = 1979-05-27"])
def test_broken_toml_text_is_a_config_error(tmp_path, text):
    path = tmp_path / "review.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(sb.ConfigError):
        load_config(path)
