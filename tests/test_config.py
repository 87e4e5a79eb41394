"""The review configuration file and the command line's input checks (no fitting)."""

from __future__ import annotations

import tomllib

import pytest
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.app.cli import main
from scaling_bayes.app.config import load_config, parse_config
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
    price = config.cost["usd_per_gpu_hour"]
    assert price.dist.name == "uniform"
    assert price.ppf(0.0) == pytest.approx(2.0) and price.ppf(1.0) == pytest.approx(4.0)
    assert config.value["usd_per_loss_unit"].median() == pytest.approx(600_000)


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
    with pytest.raises(sb.ConfigError, match=r"\[\[plans\]\] #1: params = 7.0 looks like billions"):
        parse(raw)


def test_plan_needs_a_scale():
    raw = example_raw()
    raw["plans"][1] = {"name": "mystery"}
    with pytest.raises(sb.ConfigError, match=r"#2 needs params and tokens, or compute"):
        parse(raw)


def test_required_value_keys_for_kind():
    raw = example_raw()
    raw["value"] = {"kind": "target", "target_loss": 2.0}
    with pytest.raises(sb.ConfigError, match=r"\[value\]\.usd_if_met is required"):
        parse(raw)


def test_distributions_map_to_scipy():
    raw = example_raw()
    raw["cost"]["pue"] = {"dist": "triangular", "low": 1.1, "mode": 1.3, "high": 1.6}
    raw["cost"]["fixed_usd"] = {"dist": "normal", "mean": 3e5, "sd": 5e4}
    config = parse(raw)
    pue = config.cost["pue"]
    assert (pue.ppf(0), pue.ppf(1)) == pytest.approx((1.1, 1.6))
    assert stats.triang.pdf(1.3, *pue.args, **pue.kwds) == pytest.approx(pue.pdf(1.3))
    assert config.cost["fixed_usd"].mean() == pytest.approx(3e5)


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


def test_cli_review_reports_config_errors_before_touching_the_output(tmp_path, capsys):
    config = tmp_path / "review.toml"
    text = example_config_path().read_text().replace('path = "pilot_runs.csv"', 'path = "x.csv"')
    config.write_text(text)
    out = tmp_path / "out"
    assert main(["review", str(config), "--out", str(out)]) == 2
    assert "[data].path" in capsys.readouterr().err
    assert not out.exists()


def test_cli_refuses_existing_output_folder(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    config = tmp_path / "review.toml"
    text = example_config_path().read_text()
    config.write_text(
        text.replace(
            'path = "pilot_runs.csv"', f'path = "{example_config_path().parent / "pilot_runs.csv"}"'
        )
    )
    assert main(["review", str(config), "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err


def test_cli_without_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_cli_reports_an_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    # A folder cannot be created under a regular file, whoever runs the test (root included).
    assert main(["demo", "--out", str(blocker / "review")]) == 2
    assert "cannot write to output folder" in capsys.readouterr().err
    assert main(["demo", "--out", str(blocker), "--force"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
