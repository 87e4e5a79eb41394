"""Any currency for every amount, in the API and the review config (issue 13 item 5), and the
neutral config key names that replace the ``*_usd`` ones (old names still read, with a warning).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from app_helpers import example_raw

import scaling_bayes as sb
from scaling_bayes.app.config import RENAMED_KEYS, parse_config
from scaling_bayes.app.preflight import build_inputs
from scaling_bayes.datasets import example_config_path
from scaling_bayes.decision import ComputeCost, Investment, LinearValue, compare_scales
from scaling_bayes.decision.inputs import ISO_4217, check_currency


def parse(raw):
    return parse_config(raw, base=example_config_path().parent)


@pytest.mark.parametrize("code", ["JPY", "USD", "EUR", "GBP", "CHF", "CNY", "KRW"])
def test_common_currencies_are_iso_4217(code):
    assert code in ISO_4217 and check_currency(code) == code


@pytest.mark.parametrize(
    ("code", "hint"),
    [("ABC", "'ABC'"), ("usd", "upper case: 'USD'"), ("yen", "the yen is 'JPY'"), ("", "''")],
)
def test_codes_outside_iso_4217_are_refused_with_a_hint(code, hint):
    with pytest.raises(sb.DataError, match="ISO 4217") as info:
        ComputeCost(currency=code)
    assert hint in str(info.value)
    with pytest.raises(sb.DataError, match="ISO 4217"):
        LinearValue(baseline_loss=0.1, usd_per_loss_unit=1.0, currency=code)


def test_a_review_in_yen_through_the_api():
    cost = ComputeCost(usd_per_gpu_hour=450.0, mfu=0.4, fixed_usd=3e7, currency="JPY")
    value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=9e7, currency="JPY")
    plan = Investment(params=1e9, tokens=2e10, cost=cost, value=value)
    ladder = compare_scales(np.c_[np.random.default_rng(0).normal(2.4, 0.02, 400)], [plan])
    assert ladder.currency == "JPY"
    assert ladder.joint["cost"].attrs["units"] == "JPY"
    assert ladder.cost_breakdown()["currency"].eq("JPY").all()


def test_a_review_config_in_yen():
    raw = example_raw()
    raw["cost"]["currency"] = "JPY"
    raw["value"]["currency"] = "JPY"
    config = parse(raw)
    assert config.cost["currency"] == config.value["currency"] == "JPY"
    _, _, plans = build_inputs(config)
    assert {p.currency for p in plans} == {"JPY"}


def test_a_currency_mismatch_names_both_keys():
    raw = example_raw()
    raw["cost"]["currency"] = "JPY"
    with pytest.raises(sb.ConfigError) as info:
        parse(raw)
    message = str(info.value)
    assert "[cost].currency is 'JPY'" in message and "[value].currency is 'USD'" in message


@pytest.mark.parametrize(
    ("section", "old", "new"),
    [(s, old, new) for s, renames in RENAMED_KEYS.items() for old, new in renames.items()],
)
def test_old_key_names_are_read_with_a_warning_naming_the_new_key(section, old, new):
    raw = example_raw()
    if section == "value" and new == "if_met":
        raw["value"] = {"kind": "target", "target_loss": 2.3, old: 2e6}
    else:
        raw[section].pop(new, None)
        raw[section][old] = 1234.0
    with pytest.warns(
        DeprecationWarning,
        match=rf"\[{section}\]\.{old} is deprecated; write "
        rf"\[{section}\]\.{new}",
    ):
        config = parse(raw)
    table = {"cost": config.cost, "value": config.value, "pilot": config.pilot}[section]
    assert new in table and old not in table
    raw[section][new] = 1.0
    with pytest.raises(sb.ConfigError, match=rf"gives both {old} and {new}"):
        parse(raw)


def test_the_bundled_example_uses_the_new_names_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = parse(example_raw())
    assert config.pilot_cost == 30000
    assert "per_gpu_hour" in config.cost and "fixed" in config.cost
    _, _, plans = build_inputs(config)
    # the Python API keeps its names: the config's neutral keys map onto them
    assert plans[0].cost.fixed_usd is config.cost["fixed"]
    assert plans[0].value.usd_per_loss_unit is config.value["per_unit"]


def test_neutral_names_in_the_python_api():
    cost = ComputeCost(per_gpu_hour=450.0, fixed=2e6, per_kwh=30.0, per_tonne_co2e=8000.0)
    old = ComputeCost(
        usd_per_gpu_hour=450.0, fixed_usd=2e6, usd_per_kwh=30.0, usd_per_tonne_co2e=8000.0
    )
    for name in ("usd_per_gpu_hour", "fixed_usd", "usd_per_kwh", "usd_per_tonne_co2e"):
        assert getattr(cost, name) == getattr(old, name)
    a = sb.LinearValue(baseline_loss=0.085, per_unit=5e6, currency="JPY")
    assert a.usd_per_loss_unit == 5e6
    b = sb.TargetValue(target_loss=0.05, if_met=3e7, currency="JPY")
    assert b.usd_if_met == 3e7
    with pytest.raises(sb.DataError, match="give fixed= or its old name fixed_usd=, not both"):
        ComputeCost(fixed=1.0, fixed_usd=2.0)
    with pytest.raises(sb.DataError, match="give per_unit= or its old name"):
        sb.LinearValue(baseline_loss=0.085, per_unit=1.0, usd_per_loss_unit=1.0)
    with pytest.raises(sb.DataError, match="LinearValue needs per_unit="):
        sb.LinearValue(baseline_loss=0.085)
