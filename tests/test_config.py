"""The review configuration file (no fitting); the command line is tested in tests/test_cli.py."""

from __future__ import annotations

import tomllib

import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.app.config import load_config, parse_config
from scaling_bayes.core.constants import DEFAULT_CHAINS, DEFAULT_DRAWS
from scaling_bayes.datasets import example_config_path


def example_raw() -> dict:
    return tomllib.loads(example_config_path().read_text())


def parse(raw):
    return parse_config(raw, base=example_config_path().parent)


def test_bundled_example_parses():
    config = load_config(example_config_path())
    assert config.data_path.name == "pilot_runs.csv"
    assert len(config.plans) == 5
    assert config.threshold == 0.2
    price = config.cost["per_gpu_hour"]
    assert price.dist.name == "uniform"
    assert price.ppf(0.0) == pytest.approx(2.0) and price.ppf(1.0) == pytest.approx(4.0)
    assert config.value["per_unit"].median() == pytest.approx(600_000)


@pytest.mark.parametrize(
    ("section", "key", "value", "match"),
    [
        ("cost", "usd_per_gpu_huor", 3.0, r"unknown key\(s\) \[cost\]\.usd_per_gpu_huor"),
        ("model", "draws", "many", r"\[model\]\.draws must be an integer"),
        ("model", "draws", 2.5, r"\[model\]\.draws must be an integer"),
        ("cost", "mfu", 40, r"\[cost\]\.mfu is 40.*fraction"),
        ("cost", "pue", {"dist": "gauss", "mean": 1.3}, r"\[cost\]\.pue: dist must be one of"),
        ("cost", "pue", {"dist": "uniform", "low": 1.5}, r"a uniform distribution takes low, high"),
        ("cost", "pue", {"dist": "uniform", "low": 2, "high": 1}, "low must be below high"),
        ("decision", "threshold", 20, r"\[decision\]\.threshold = 20.0 looks like a percentage"),
        ("memo", "language", "fr", r"\[memo\]\.language must be 'en' or 'ja'"),
        ("value", "kind", "exponential", r"\[value\]\.kind must be 'linear' or 'target'"),
        ("model", "extrapolation_error", -0.1, r"extrapolation_error must be at least 0"),
    ],
)
def test_bad_keys_name_the_key_and_expected_form(section, key, value, match):
    raw = example_raw()
    raw[section][key] = value
    with pytest.raises(sb.ConfigError, match=match):
        parse(raw)


def test_unknown_section():
    raw = example_raw()
    raw["budget"] = {"usd": 1}
    with pytest.raises(sb.ConfigError, match=r"unknown section\(s\) \[budget\]"):
        parse(raw)


def test_missing_data_file():
    raw = example_raw()
    raw["data"]["path"] = "nowhere.csv"
    with pytest.raises(
        sb.ConfigError, match=r"\[data\]\.path: data file .*nowhere.csv' does not exist"
    ):
        parse(raw)


def test_plan_in_billions_is_refused():
    raw = example_raw()
    raw["plans"][0]["params"] = 7
    with pytest.raises(sb.ConfigError, match=r"\[\[plans\]\] #1\.params = 7: .*look like billions"):
        parse(raw)


def test_plan_needs_a_scale():
    raw = example_raw()
    raw["plans"][1] = {"name": "mystery"}
    with pytest.raises(sb.ConfigError, match=r"#2 needs params and tokens, or compute"):
        parse(raw)


def test_required_value_keys_for_kind():
    raw = example_raw()
    raw["value"] = {"kind": "target", "target_loss": 2.0}
    with pytest.raises(sb.ConfigError, match=r"\[value\]\.if_met is required"):
        parse(raw)


def test_distributions_map_to_scipy():
    raw = example_raw()
    raw["cost"]["pue"] = {"dist": "triangular", "low": 1.1, "mode": 1.3, "high": 1.6}
    raw["cost"]["fixed"] = {"dist": "normal", "mean": 3e5, "sd": 5e4}
    config = parse(raw)
    pue = config.cost["pue"]
    assert (pue.ppf(0), pue.ppf(1)) == pytest.approx((1.1, 1.6))
    assert stats.triang.pdf(1.3, *pue.args, **pue.kwds) == pytest.approx(pue.pdf(1.3))
    assert config.cost["fixed"].mean() == pytest.approx(3e5)


def test_prior_overrides_become_priors():
    raw = example_raw()
    raw["model"]["prior_overrides"] = {
        "alpha": {"dist": "LogNormal", "mu": -1.1, "sigma": 0.3},
        "nu": 6,
    }
    config = parse(raw)
    assert config.model["prior_overrides"]["alpha"].distribution == "LogNormal"
    assert config.model["prior_overrides"]["nu"] == 6.0


def test_invalid_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[data\npath = ")
    with pytest.raises(sb.ConfigError, match="not valid TOML"):
        load_config(path)


def test_nan_and_inf_are_refused_everywhere():
    for section, key, value in [
        ("decision", "threshold", float("nan")),
        ("value", "baseline_loss", float("inf")),
        ("cost", "pue", float("nan")),
        ("cost", "fixed", {"dist": "uniform", "low": 0.0, "high": float("inf")}),
        ("pilot", "tokens", float("nan")),
    ]:
        raw = example_raw()
        raw[section][key] = value
        with pytest.raises(sb.ConfigError, match=rf"\[{section}\]\.{key}.*finite"):
            parse(raw)


def test_value_currency_must_match_cost_currency():
    raw = example_raw()
    raw["cost"]["currency"] = "JPY"
    with pytest.raises(sb.ConfigError, match=r"\[cost\]\.currency is 'JPY' but \[value\]"):
        parse(raw)
    raw["value"]["currency"] = "JPY"
    assert parse(raw).value["currency"] == "JPY"


def test_only_given_keys_are_kept():
    """Defaults stay with the objects they belong to (ComputeCost, ScalingLawModel ...)."""
    config = parse(example_raw())
    assert "currency" not in config.cost and "draws" not in config.model
    assert config.n_draws == DEFAULT_CHAINS * DEFAULT_DRAWS


def test_a_folder_as_config_is_refused(tmp_path):
    with pytest.raises(sb.ConfigError, match="is a folder, not a file"):
        load_config(tmp_path)


def test_form_check_posterior_defaults_to_laplace():
    config = parse(example_raw())
    assert config.form_check == {} and config.form_posterior == "laplace"


@pytest.mark.parametrize("posterior", ["nuts", "laplace"])
def test_form_check_posterior_is_read(posterior):
    raw = example_raw()
    raw["form_check"] = {"posterior": posterior}
    assert parse(raw).form_posterior == posterior


@pytest.mark.parametrize("value", ["NUTS", "mcmc", "", 1, True])
def test_bad_form_check_posterior_names_the_key_and_the_choices(value):
    raw = example_raw()
    raw["form_check"] = {"posterior": value}
    with pytest.raises(sb.ConfigError) as err:
        parse(raw)
    assert str(err.value) == (
        f"[form_check].posterior must be one of 'laplace', 'nuts', got {value!r}"
    )


def test_unknown_form_check_key_lists_the_keys():
    raw = example_raw()
    raw["form_check"] = {"sampler": "nuts"}
    with pytest.raises(
        sb.ConfigError,
        match=r"unknown key\(s\) \[form_check\]\.sampler; .* take\(s\) draws, posterior, tune$",
    ):
        parse(raw)


def test_form_check_nuts_settings_are_read():
    raw = example_raw()
    raw["form_check"] = {"posterior": "nuts", "draws": 2000, "tune": 3000}
    assert parse(raw).form_sampler_settings == {"draws": 2000, "tune": 3000}
    raw["form_check"] = {"posterior": "nuts"}
    assert parse(raw).form_sampler_settings == {}


@pytest.mark.parametrize(
    ("section", "match"),
    [
        # a Laplace check would ignore them: refused, naming the fix
        (
            {"tune": 2000},
            r"\[form_check\] gives tune, which only a NUTS fit .* posterior = \"nuts\"",
        ),
        ({"posterior": "laplace", "draws": 10, "tune": 10}, r"gives draws and tune"),
        ({"posterior": "nuts", "draws": 0}, r"\[form_check\]\.draws"),
        ({"posterior": "nuts", "tune": -1}, r"\[form_check\]\.tune"),
    ],
)
def test_bad_form_check_nuts_settings_are_refused(section, match):
    raw = example_raw()
    raw["form_check"] = section
    with pytest.raises(sb.ConfigError, match=match):
        parse(raw)
