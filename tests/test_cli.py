"""The command line end to end, with the fit replaced by hand-built draws (no MCMC).

Real fits of the demo and ``fit --json`` live in tests/test_fit_slow.py.
"""

# ruff: noqa: F811  (pytest fixtures imported from app_helpers are used as arguments)
from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from app_helpers import fake_fit, no_sampling, small_raw, write_review  # noqa: F401
from helpers import hand_built_draws

import scaling_bayes as sb
from scaling_bayes.app.cli import EXIT_INTERRUPTED, main
from scaling_bayes.app.config import load_config
from scaling_bayes.app.output import MANIFEST, read_manifest, verify_review
from scaling_bayes.app.review import run_review
from scaling_bayes.datasets import example_config_path
from scaling_bayes.report.export import LADDER_SCALE_COLUMNS
from scaling_bayes.testing import fit_from_draws

pytestmark = pytest.mark.filterwarnings("ignore::scaling_bayes.ScalingBayesWarning")


def test_review_writes_a_complete_review_with_manifest(tmp_path, fake_fit, capsys):
    config = write_review(tmp_path / "in")
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out)]) == 0, capsys.readouterr().err
    assert verify_review(out)
    manifest = read_manifest(out)
    assert manifest["converged"] is True
    assert manifest["package_version"] == sb.__version__
    names = {f["name"] for f in manifest["files"]}
    assert {"memo.html", "memo.md", "ladder.csv", "form_ladder.csv", "numbers.json"} <= names
    assert "model.nc" in names
    assert names | {MANIFEST} == {p.name for p in out.iterdir()}
    ladder = pd.read_csv(out / "ladder.csv", encoding="utf-8-sig")
    assert ladder["converged"].all() and ladder["p_best"].notna().all()
    numbers = json.loads((out / "numbers.json").read_text())
    assert numbers["converged"] is True
    # the decision restated on the form mixture's forecasts: same plans, its own numbers
    forms = pd.read_csv(out / "form_ladder.csv", encoding="utf-8-sig")
    assert list(forms["plan"]) == list(ladder["plan"]) and forms["converged"].all()
    for k, p in enumerate(forms["p_roi_above_threshold"], start=1):
        assert numbers[f"form_check.plans.{k}.p_roi_above_threshold"] == p
    lead = int(forms["expected_net_benefit"].to_numpy().argmax()) + 1
    assert numbers["form_check.lead_plan"] == lead
    summary = pd.read_csv(out / "posterior_summary.csv", encoding="utf-8-sig")
    assert "converged" in summary and "parameter" in summary
    # Nothing hidden is left beside the review.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_second_review_needs_force_and_then_replaces_the_first(tmp_path, fake_fit, capsys):
    config = write_review(tmp_path / "in")
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out)]) == 0
    first = (out / MANIFEST).read_bytes()
    assert main(["review", str(config), "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert (out / MANIFEST).read_bytes() == first
    assert main(["review", str(config), "--out", str(out), "--force"]) == 0
    assert verify_review(out)
    assert json.loads((out / MANIFEST).read_text())["written_utc"]


def _unconverged_fit(self, data, random_seed=None, progressbar=None):
    draws = hand_built_draws(chains=2, draws=250)
    draws["E"][1] *= 1.05  # the chains disagree: R-hat far above 1.01
    return fit_from_draws(self, data, draws, random_seed=random_seed)


def test_unconverged_review_withholds_decision_numbers_in_every_export(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(sb.ScalingLawModel, "fit", _unconverged_fit)
    config = write_review(tmp_path / "in")
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out)]) == 3
    assert "did not converge" in capsys.readouterr().err
    assert verify_review(out) and read_manifest(out)["converged"] is False
    ladder = pd.read_csv(out / "ladder.csv", encoding="utf-8-sig")
    assert not ladder["converged"].any()
    decision = [c for c in ladder.columns if c not in (*LADDER_SCALE_COLUMNS, "converged")]
    assert {"p_roi_above_threshold", "p_best", "expected_net_benefit"} <= set(decision)
    assert ladder[decision].isna().all().all()
    assert ladder["expected_cost"].notna().all()  # cost does not depend on the fit
    forms = pd.read_csv(out / "form_ladder.csv", encoding="utf-8-sig")
    assert not forms["converged"].any() and forms[decision].isna().all().all()
    numbers = json.loads((out / "numbers.json").read_text())
    assert numbers["converged"] is False
    assert not any(k.endswith(("p_roi_above_threshold", "p_best")) for k in numbers)
    table = pd.read_csv(out / "numbers.csv", encoding="utf-8-sig")
    assert not table["converged"].any()
    assert not table["key"].str.contains("p_best").any()


def test_allow_unconverged_exits_zero(tmp_path, monkeypatch):
    monkeypatch.setattr(sb.ScalingLawModel, "fit", _unconverged_fit)
    config = write_review(tmp_path / "in")
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out), "--allow-unconverged"]) == 0


def test_ladder_csv_is_safe_in_a_spreadsheet(tmp_path, fake_fit):
    raw = small_raw()
    raw["plans"][0]["name"] = '=HYPERLINK("http://x","p")'
    raw["plans"][1]["name"] = "@SUM(A1)"
    config = write_review(tmp_path / "in", raw)
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out)]) == 0
    text = (out / "ladder.csv").read_text(encoding="utf-8-sig")
    plans = pd.read_csv(out / "ladder.csv", encoding="utf-8-sig")["plan"]
    assert set(plans) == {'\'=HYPERLINK("http://x","p")', "'@SUM(A1)"}
    assert len(text.splitlines()) == 3  # header + 2 plans: no cell splits a row


def test_interrupted_cli_exits_130_and_leaves_no_folder(tmp_path, monkeypatch, capsys):
    def interrupted(self, data, random_seed=None, progressbar=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(sb.ScalingLawModel, "fit", interrupted)
    config = write_review(tmp_path / "in")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["review", str(config), "--out", str(tmp_path / "review")]) == EXIT_INTERRUPTED
    assert "interrupted" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_failed_review_leaves_the_previous_review_and_no_sibling(tmp_path, fake_fit, monkeypatch):
    config = write_review(tmp_path / "in")
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out)]) == 0
    first = (out / MANIFEST).read_bytes()

    def broken(*args, **kwargs):
        raise sb.DataError("simulated failure while computing the ladder")

    monkeypatch.setattr("scaling_bayes.decision.compare_scales", broken)
    assert main(["review", str(config), "--out", str(out), "--force"]) == 2
    assert (out / MANIFEST).read_bytes() == first and verify_review(out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


class _FormCheckReached(Exception):
    """Stops a review at its form check: only the arguments it was given are under test."""


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ("laplace", None)),
        ({"posterior": "nuts"}, ("nuts", None)),
        ({"posterior": "nuts", "tune": 3000}, ("nuts", {"tune": 3000})),
    ],
)
def test_review_passes_form_check_settings_to_the_form_check(
    tmp_path, fake_fit, monkeypatch, given, expected
):
    raw = small_raw()
    if given is not None:
        raw["form_check"] = given
    config = write_review(tmp_path / "in", raw)
    seen = []

    def spy(model, *, posterior="laplace", sampler_settings=None, **kwargs):
        seen.append((posterior, sampler_settings))
        raise _FormCheckReached  # before any NUTS fit of the forms

    monkeypatch.setattr("scaling_bayes.checks.forms.form_check", spy)
    with pytest.raises(_FormCheckReached):
        run_review(load_config(config), tmp_path / "review")
    assert seen == [expected]


def test_unconverged_form_check_is_withheld_from_form_ladder_csv(tmp_path, fake_fit, monkeypatch):
    """The fit converged but the form check's forms did not (as a NUTS check may): its decision
    numbers are withheld from form_ladder.csv and numbers.json, the fit's are not."""
    from scaling_bayes.checks import forms

    real = forms.form_check

    def unconverged(model, **kwargs):
        check = real(model, **kwargs)
        return replace(check, converged=False, forecast=replace(check.forecast, converged=False))

    monkeypatch.setattr(forms, "form_check", unconverged)
    out = tmp_path / "review"
    result = run_review(load_config(write_review(tmp_path / "in")), out)
    assert result.converged and read_manifest(out)["converged"] is True
    ladder = pd.read_csv(out / "ladder.csv", encoding="utf-8-sig")
    assert ladder["converged"].all() and ladder["p_best"].notna().all()
    table = pd.read_csv(out / "form_ladder.csv", encoding="utf-8-sig")
    decision = [c for c in table.columns if c not in (*LADDER_SCALE_COLUMNS, "converged")]
    assert not table["converged"].any() and table[decision].isna().all().all()
    numbers = json.loads((out / "numbers.json").read_text())
    assert numbers["form_check.converged"] is False
    assert not [k for k in numbers if k.startswith("form_check.plans") or "mixture_" in k]


def test_bad_form_check_posterior_is_refused_before_anything_runs(tmp_path, no_sampling, capsys):
    raw = small_raw()
    raw["form_check"] = {"posterior": "mcmc"}
    config = write_review(tmp_path / "in", raw)
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out)]) == 2
    assert "[form_check].posterior must be one of 'laplace', 'nuts', got 'mcmc'" in (
        capsys.readouterr().err
    )
    assert not out.exists() and no_sampling.calls == 0


@pytest.mark.parametrize(
    ("predict", "match"),
    [
        ("params=nan,tokens=1e12", r"params=nan is not a finite positive number"),
        ("params=inf,tokens=1e12", r"params=inf is not a finite positive number"),
        ("params=-7e10,tokens=1e12", r"params=-7e10 is not a finite positive"),
        ("params=7,tokens=1e12", r"params.*look like billions"),
        ("params=7e10", r"needs params and tokens"),
        ("params=7e10,tokens=1e12,params=8e10", r"params: 2, tokens: 1"),
        ("flops=1e22", r"--predict names params, tokens or compute; got 'flops'"),
        ("params:7e10", r"--predict expects name=value pairs"),
    ],
)
def test_fit_predict_is_checked_before_fitting(tmp_path, no_sampling, capsys, predict, match):
    path = tmp_path / "runs.csv"
    sb.load_example().to_csv(path, index=False)
    assert main(["fit", str(path), "--predict", predict, "--json"]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err), err
    assert no_sampling.calls == 0


@pytest.mark.parametrize("seed", ["-5", str(2**70)])
def test_fit_seed_out_of_range_is_refused_before_fitting(tmp_path, no_sampling, capsys, seed):
    path = tmp_path / "runs.csv"
    sb.load_example().to_csv(path, index=False)
    assert main(["fit", str(path), "--seed", seed]) == 2
    assert "--seed must be an integer in [0, 4294967295]" in capsys.readouterr().err


def test_fit_unknown_column_is_refused_before_fitting(tmp_path, no_sampling, capsys):
    path = tmp_path / "runs.csv"
    sb.load_example().to_csv(path, index=False)
    assert main(["fit", str(path), "--loss-col", "val_loss"]) == 2
    assert "val_loss" in capsys.readouterr().err


def test_fit_unknown_law_is_refused_before_fitting(tmp_path, no_sampling, capsys):
    path = tmp_path / "runs.csv"
    sb.load_example().to_csv(path, index=False)
    assert main(["fit", str(path), "--law", "chinchila"]) == 2
    assert "unknown law 'chinchila'" in capsys.readouterr().err


def test_demo_help_mentions_previous_review(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "previous review" in capsys.readouterr().out


def test_fake_fit_is_converged(example_data):
    """The fake fit the CLI tests use converges (else they would test the unconverged path)."""
    model = fit_from_draws(
        sb.ScalingLawModel(progressbar=False), example_data, hand_built_draws(chains=2, draws=250)
    )
    assert model.diagnostics().converged
    assert np.isfinite(model.summary()["mean"]).all()


# Moved from tests/test_config.py.
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


def test_deprecated_config_keys_are_shown_by_the_command(tmp_path):
    """Python hides DeprecationWarning outside __main__; the command shows a renamed key's."""
    import shutil
    import subprocess
    import sys

    source = example_config_path()
    text = source.read_text(encoding="utf-8")
    assert "\nfixed = " in text
    text = text.replace("\nfixed = ", "\nfixed_usd = ").replace(
        "\nthreshold = ", "\nnot_a_key = 1\nthreshold = "
    )  # an unknown key as well: refused after the key is read, before any fit
    config = tmp_path / source.name
    config.write_text(text, encoding="utf-8")
    for other in source.parent.glob("*.csv"):
        shutil.copy(other, tmp_path / other.name)
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from scaling_bayes.app.cli import main; sys.exit(main(sys.argv[1:]))",
            "review",
            str(config),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "[cost].fixed_usd is deprecated; write [cost].fixed" in run.stderr
    assert "not_a_key" in run.stderr
    assert not (tmp_path / "out").exists()
