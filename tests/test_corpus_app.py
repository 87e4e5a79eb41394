"""Regression corpus, application layer: bad configs and output folders refused up front.

Issue 10 items 1-4, 9, 10 (command line and config parts) and 11, and more cases of our own.
Each case asserts the exception type (or the exit status and stderr), that the message names the
culprit, that no folder was created and that no sampling started (a spy on
``scaling_bayes.core.sampling.sample_posterior`` that fails when called).
"""

# ruff: noqa: F811  (pytest fixtures imported from app_helpers are used as arguments)
from __future__ import annotations

import os
import re

import pandas as pd
import pytest
from app_helpers import (  # noqa: F401
    fake_fit,
    listing,
    no_sampling,
    small_raw,
    write_review,
)
from helpers import hand_built_draws

import scaling_bayes as sb
from scaling_bayes.app import output
from scaling_bayes.app.cli import main
from scaling_bayes.app.config import MAX_PLANS, load_config
from scaling_bayes.app.output import MANIFEST, Staging
from scaling_bayes.app.review import run_review
from scaling_bayes.decision import check_workload
from scaling_bayes.report.export import write_csv
from scaling_bayes.testing import fit_from_draws

pytestmark = pytest.mark.filterwarnings("ignore::scaling_bayes.ScalingBayesWarning")


def _set(path: str, value):
    """A mutation that sets ``section.key`` (or ``plans.i.key``) to ``value``."""

    def mutate(raw):
        parts = path.split(".")
        node = raw
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        last = parts[-1]
        node[int(last) if last.isdigit() else last] = value
        return raw

    return mutate


def _drop(path: str):
    def mutate(raw):
        section, key = path.split(".")
        del raw[section][key]
        return raw

    return mutate


def _both(*mutations):
    def mutate(raw):
        for m in mutations:
            raw = m(raw)
        return raw

    return mutate


def _plans(n: int, **extra):
    def mutate(raw):
        raw["plans"] = [
            {"name": f"p{i}", "params": 1e9 + i * 1e6, "tokens": 2e10} for i in range(n)
        ]
        raw["model"].update(extra)
        return raw

    return mutate


def _section(name: str, value):
    def mutate(raw):
        raw[name] = value
        return raw

    return mutate


def _no_names(raw):
    for plan in raw["plans"]:
        plan.pop("name", None)
    return raw


def _data_dir(raw):
    raw["data"]["path"] = "."
    return raw


NAN, INF = float("nan"), float("inf")

#: (id, mutation of the small review config, regex the message must match). Every one is a
#: ConfigError raised before any folder exists or any sampling starts.
CONFIG_CASES = [
    # Issue 10 item 1 (the law typo that used to precede the --force wipe) and item 4.
    ("item1-law-typo", _set("model.law", "chinchila"), r"\[model\]\.law .*'chinchila'"),
    ("item4-threshold-nan", _set("decision.threshold", NAN), r"\[decision\]\.threshold.*nan"),
    ("item4-threshold-inf", _set("decision.threshold", INF), r"\[decision\]\.threshold.*inf"),
    (
        "item4-dist-param-nan",
        _set("cost.per_gpu_hour", {"dist": "uniform", "low": NAN, "high": 4.0}),
        r"\[cost\]\.per_gpu_hour\.low must be a finite number",
    ),
    ("item4-fixed-cost-inf", _set("cost.fixed", INF), r"\[cost\]\.fixed must be a finite"),
    (
        "item4-pilot-nan",
        _set("pilot", {"params": NAN, "tokens": 3e10}),
        r"\[pilot\]\.params must be a finite",
    ),
    ("item4-plan-scale-nan", _set("plans.0.params", NAN), r"\[\[plans\]\] #1\.params.*finite"),
    ("item4-baseline-nan", _set("value.baseline_loss", NAN), r"\[value\]\.baseline_loss.*finite"),
    (
        "item4-value-dist-inf",
        _set("value.per_unit", {"dist": "lognormal", "median": INF, "sigma": 0.4}),
        r"\[value\]\.per_unit\.median must be a finite",
    ),
    ("item4-duplicate-plan-names", _set("plans.1.name", "3B"), r"#2 has the same name '3B' as #1"),
    ("item4-long-title", _set("memo.title", "x" * 500), r"\[memo\]\.title is 500 characters"),
    ("item4-unknown-preset", _set("model.priors", "strong"), r"\[model\]\.priors .*'strong'"),
    ("item4-unknown-gpu", _set("cost.gpu", "H1000"), r"\[cost\]\.gpu must be one of .*'H1000'"),
    ("item4-unknown-column", _set("data.loss", "val_loss"), r"\[data\].*val_loss"),
    (
        "item4-unknown-prior-name",
        _set("model.prior_overrides", {"gamma": {"dist": "Normal", "mu": 0, "sigma": 1}}),
        r"\[model\]\.prior_overrides.*gamma",
    ),
    # Issue 10 item 10 (config part): a linear-only key inside [value] kind = "target".
    (
        "item10-linear-key-in-target",
        _set("value", {"kind": "target", "target_loss": 2.0, "if_met": 1e6, "baseline_loss": 2.6}),
        r"\[value\]\.baseline_loss belongs to kind = 'linear'",
    ),
    # Issue 10 item 11: 20,000 plans refused before the fit, with the limit and the fix.
    ("item11-20000-plans", _plans(20_000), rf"20000 plans.*at most {MAX_PLANS} \[\[plans\]\]"),
    # Our own.
    ("work-plans-x-draws", _plans(100, draws=50_000), r"needs about 5.12 GB, more than the limit"),
    ("long-author", _set("memo.author", "y" * 201), r"\[memo\]\.author is 201 characters"),
    ("long-plan-name", _set("plans.0.name", "z" * 81), r"\[\[plans\]\] #1\.name is 81 char"),
    ("title-line-break", _set("memo.title", "a\nb"), r"\[memo\]\.title contains a line break"),
    ("plan-name-cr", _set("plans.0.name", "a\rb"), r"#1\.name contains a line break"),
    ("empty-title", _set("memo.title", "  "), r"\[memo\]\.title must be a non-empty"),
    (
        "duplicate-plan-scales",
        _both(_no_names, _set("plans.1.params", 3e9), _set("plans.1.tokens", 6e10)),
        r"#2 has the same scale as #1",
    ),
    ("currency-mismatch", _set("cost.currency", "EUR"), r"\[cost\]\.currency is 'EUR'.*\[value\]"),
    ("currency-not-iso", _set("cost.currency", "dollars"), r"\[cost\]\.currency must be an ISO"),
    ("plan-tokens-in-billions", _set("plans.0.tokens", 5), r"#1\.tokens = 5: .*look like billions"),
    (
        "plan-params-negative",
        _set("plans.0.params", -1e9),
        r"#1\.params = -1e\+09: .*positive and finite",
    ),
    ("pilot-in-billions", _set("pilot", {"params": 1.5, "tokens": 3e10}), r"\[pilot\]\.params"),
    ("pilot-only-tokens", _set("pilot", {"tokens": 3e10}), r"\[pilot\] gives tokens"),
    ("power-law-without-x", _set("model.law", "power"), r"\[model\].*needs x="),
    (
        "power-law-plan-without-axis",
        _both(
            _set("model.law", "power"),
            _set("model.x", "params"),
            _set("plans.0", {"name": "c", "compute": 1e21}),
        ),
        r"\[\[plans\]\] #1 has no params",
    ),
    ("seed-negative", _set("decision.seed", -5), r"\[decision\]\.seed must be at least 0"),
    ("seed-too-big", _set("decision.seed", 2**70), r"\[decision\]\.seed must be at most"),
    ("draws-zero", _set("model.draws", 0), r"\[model\]\.draws must be at least 1"),
    ("draws-bool", _set("model.draws", True), r"\[model\]\.draws must be an integer"),
    ("chains-float", _set("model.chains", 4.0), r"\[model\]\.chains must be an integer"),
    ("language-fr", _set("memo.language", "fr"), r"\[memo\]\.language must be 'en' or 'ja'"),
    ("data-path-is-folder", _data_dir, r"\[data\]\.path: .* is a folder"),
    ("unknown-section", _section("budget", {"usd": 1}), r"unknown section\(s\) \[budget\]"),
    ("unknown-plan-key", _set("plans.0.flops", 1e21), r"\[\[plans\]\] #1\.flops"),
    ("plan-without-scale", _set("plans.0", {"name": "x"}), r"#1 needs params and tokens"),
    ("threshold-percent", _set("decision.threshold", 20), r"threshold = 20.0 looks like a perc"),
    ("mfu-zero", _set("cost.mfu", 0), r"\[cost\]\.mfu is 0; .*fraction"),
    ("value-kind-missing", _drop("value.kind"), r"\[value\] needs \[value\]\.kind"),
    ("extrapolation-error-big", _set("model.extrapolation_error", 1.5), r"extrapolation_error"),
    (
        "discount-without-horizon",
        _drop("value.horizon_years"),
        r"\[value\].*discount_rate needs horizon_years",
    ),
    (
        "triangular-order",
        _set("cost.pue", {"dist": "triangular", "low": 2, "mode": 1, "high": 3}),
        r"\[cost\]\.pue: triangular needs low <= mode <= high",
    ),
    (
        "prior-sigma-nan",
        _set("model.prior_overrides", {"alpha": {"dist": "LogNormal", "mu": -1, "sigma": NAN}}),
        r"\[model\]\.prior_overrides\.alpha\.sigma must be a finite",
    ),
    ("plans-empty", _set("plans", []), r"\[\[plans\]\]"),
    ("plans-not-tables", _set("plans", [1, 2]), r"\[\[plans\]\] #1 must be a table"),
    ("memo-not-table", _section("memo", "title"), r"\[memo\] must be a table"),
    ("floor-not-bool", _set("value.floor_at_zero", "yes"), r"\[value\]\.floor_at_zero must be"),
    ("column-not-name", _set("data.params", 3), r"\[data\]\.params must be a column name"),
    ("title-not-text", _set("memo.title", 42), r"\[memo\]\.title must be a string"),
    # Issue 13 (bad input of the cost, currency and payback parts).
    (
        "issue13-plan-below-largest-run",
        _both(_set("cost.per_sample", 0.001), _set("plans.0.tokens", 1e10)),
        r"\[\[plans\]\] #1\.tokens = 1e\+10 is below the largest pilot run \(2\.8e\+10.*tokens >=",
    ),
    (
        "issue13-plan-below-largest-run-data-axis-law",
        _both(
            _set("model.law", "power"),
            _set("model.x", "tokens"),
            _set("plans.0", {"name": "small", "tokens": 1e10}),
        ),
        r"\[\[plans\]\] #1\.tokens = 1e\+10 is below the largest pilot run",
    ),
    (
        "issue13-per-sample-negative",
        _set("cost.per_sample", -30),
        r"\[cost\]\.per_sample must be at least 0 \(money per added sample\)",
    ),
    (
        "issue13-per-sample-distribution-below-zero",
        _set("cost.per_sample", {"dist": "normal", "mean": 30, "sd": 10}),
        r"\[cost\].*per_sample is a distribution with support .*must be >= 0",
    ),
    (
        "issue13-currency-three-letters-not-iso",
        _both(_set("cost.currency", "ABC"), _set("value.currency", "ABC")),
        r"\[cost\]\.currency must be an ISO 4217 code .*'ABC'",
    ),
    (
        "issue13-currency-yen",
        _both(_set("cost.currency", "JPY"), _set("value.currency", "YEN")),
        r"\[value\]\.currency must be an ISO 4217 code .*the yen is 'JPY'",
    ),
    (
        "issue13-currency-mismatch-names-both-keys",
        _set("cost.currency", "JPY"),
        r"\[cost\]\.currency is 'JPY' but \[value\]\.currency is 'USD'",
    ),
    (
        "issue13-payback-target-zero",
        _set("decision.payback_months", 0),
        r"\[decision\]\.payback_months = 0: .*positive number of months",
    ),
    (
        "issue13-payback-target-negative",
        _set("decision.payback_months", -12),
        r"\[decision\]\.payback_months = -12",
    ),
    (
        "issue13-old-and-new-key",
        _set("cost.fixed_usd", 1000),
        r"\[cost\] gives both fixed_usd and fixed; keep fixed",
    ),
    (
        "issue13-value-unit-percent",
        _set("value.unit", "percent"),
        r"\[value\]\.unit must be one of 'unit', 'percentage point'",
    ),
    (
        "issue13-pilot-size-without-hours",
        _set("cost.pilot_size", 8000),
        r"\[cost\]\.pilot_size .*give pilot_gpu_hours too",
    ),
    (
        "issue13-running-costs-without-horizon",
        _both(
            _set("plans.0.running_per_year", 1e5),
            _drop("value.horizon_years"),
            _drop("value.discount_rate"),
        ),
        r"\[\[plans\]\] #1.*running costs per year.*horizon_years",
    ),
    (
        "issue13-integration-negative",
        _set("plans.1.integration", -5),
        r"\[\[plans\]\] #2\.integration must be at least 0",
    ),
    (
        "issue13-data-only-plan-without-measured-compute",
        _both(
            _set("model.law", "power"),
            _set("model.x", "tokens"),
            _set("plans.0", {"name": "images", "tokens": 5e10}),
        ),
        r"\[\[plans\]\] #1.*only tokens.*pilot_gpu_hours",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "match"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_config_is_refused_by_the_cli_before_anything(
    tmp_path, no_sampling, capsys, mutate, match
):
    config = write_review(tmp_path / "in", mutate(small_raw()))
    before = listing(tmp_path)
    code = main(["review", str(config), "--out", str(tmp_path / "review")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert re.search(match, err), err
    assert listing(tmp_path) == before  # no folder, hidden or not
    assert no_sampling.calls == 0


@pytest.mark.parametrize(
    ("mutate", "match"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_config_is_refused_by_the_python_api_before_anything(
    tmp_path, no_sampling, mutate, match
):
    config = write_review(tmp_path / "in", mutate(small_raw()))
    before = listing(tmp_path)
    with pytest.raises(sb.ConfigError, match=match):
        run_review(load_config(config), tmp_path / "review")
    assert listing(tmp_path) == before
    assert no_sampling.calls == 0


# ---------------------------------------------------------------------- output folders
def _existing_file(tmp_path):
    (tmp_path / "review").write_text("x")
    return ["--out", str(tmp_path / "review")], r"is a file, not a folder"


def _existing_folder(tmp_path):
    (tmp_path / "review").mkdir()
    return ["--out", str(tmp_path / "review")], r"exists; pass --force"


def _foreign_folder(tmp_path):
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "plan.xlsx").write_text("x")
    return ["--out", str(tmp_path / "review"), "--force"], r"refuses .*plan\.xlsx"


def _symlink(tmp_path):
    """Issue 10 item 10: --out a symlink with --force."""
    with Staging(tmp_path / "real") as stage:
        (stage.path / "memo.md").write_text("m")
        stage.commit(converged=True)
    (tmp_path / "review").symlink_to(tmp_path / "real")
    return ["--out", str(tmp_path / "review"), "--force"], r"review' is a symbolic link"


def _holds_config(tmp_path):
    with Staging(tmp_path / "old") as stage:  # a previous review that holds its config
        write_review(stage.path)
        stage.commit(converged=True)
    config = tmp_path / "old" / "review.toml"
    return [str(config), "--out", str(tmp_path / "old"), "--force"], r"which this review reads"


def _cwd(tmp_path):
    return ["--out", ".", "--force"], r"current folder"


def _under_a_file(tmp_path):
    (tmp_path / "blocker").write_text("x")
    return ["--out", str(tmp_path / "blocker" / "review")], r"cannot write to output folder"


def _manifest_not_ours(tmp_path):
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / MANIFEST).write_text("{not json")
    return ["--out", str(tmp_path / "review"), "--force"], r"manifest\.json is not a scaling"


OUT_CASES = [
    ("out-is-a-file", _existing_file),
    ("out-exists-without-force", _existing_folder),
    ("force-on-a-foreign-folder", _foreign_folder),
    ("item10-force-through-symlink", _symlink),
    ("force-on-the-config-folder", _holds_config),
    ("item1-force-on-current-folder", _cwd),
    ("out-under-a-file", _under_a_file),
    ("force-on-a-broken-manifest", _manifest_not_ours),
]


@pytest.mark.parametrize("case", [c[1] for c in OUT_CASES], ids=[c[0] for c in OUT_CASES])
def test_bad_output_folder_is_refused_before_anything(
    tmp_path, monkeypatch, no_sampling, capsys, case
):
    config = write_review(tmp_path / "in")
    args, match = case(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = {p: p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()}
    names = listing(tmp_path)
    if args[0] != "--out":  # the case brings its own config
        config, args = args[0], args[1:]
    code = main(["review", str(config), *args])
    err = capsys.readouterr().err
    assert code == 2 and re.search(match, err), err
    assert listing(tmp_path) == names
    assert {p: p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()} == before
    assert no_sampling.calls == 0


def test_item10_force_on_a_folder_with_an_undeletable_file(tmp_path, monkeypatch, no_sampling):
    """Checked before anything moves (root ignores permissions, so os.access is told so)."""
    out = tmp_path / "review"
    with Staging(out) as stage:
        (stage.path / "memo.md").write_text("m")
        stage.commit(converged=True)
    config = write_review(tmp_path / "in")
    real = os.access
    monkeypatch.setattr(output.os, "access", lambda p, m: os.fspath(p) != str(out) and real(p, m))
    names = listing(tmp_path)
    with pytest.raises(sb.ConfigError, match=rf"cannot replace '{re.escape(str(out))}'.*delete"):
        run_review(load_config(config), out, force=True)
    assert listing(tmp_path) == names and no_sampling.calls == 0


# ---------------------------------------------------------------------- fit command
@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--predict", "params=nan,tokens=1e12"], r"--predict params=nan"),  # issue 10 item 4
        (["--predict", "tokens=inf,params=7e10"], r"--predict tokens=inf"),
        (["--seed", "-5"], r"--seed must be an integer"),  # issue 10 item 10
        (["--seed", str(2**70)], r"--seed must be an integer"),
        (["--law", "power"], r"needs x= naming its axis"),
        (["--law", "power", "--x", "params", "--predict", "tokens=1e12"], r"law 'power' .*params"),
    ],
    ids=["predict-nan", "predict-inf", "seed-negative", "seed-2**70", "power-no-x", "wrong-axis"],
)
def test_fit_command_refuses_before_fitting(tmp_path, no_sampling, capsys, args, match):
    path = tmp_path / "runs.csv"
    sb.load_example().to_csv(path, index=False)
    before = listing(tmp_path)
    assert main(["fit", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err), err
    assert listing(tmp_path) == before and no_sampling.calls == 0


# ---------------------------------------------------------------------- exports (items 2, 3, 9)
def test_item9_interrupted_review_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    def interrupted(self, data, random_seed=None, progressbar=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(sb.ScalingLawModel, "fit", interrupted)
    config = write_review(tmp_path / "in")
    before = listing(tmp_path)
    assert main(["review", str(config), "--out", str(tmp_path / "review")]) == 130
    assert listing(tmp_path) == before


def _unconverged_fit(self, data, random_seed=None, progressbar=None):
    draws = hand_built_draws(chains=2, draws=250)
    draws["alpha"][0] *= 1.1  # chains disagree
    return fit_from_draws(self, data, draws, random_seed=random_seed)


def test_items2_3_unconverged_hostile_review_exports_nothing_unsafe(tmp_path, monkeypatch):
    monkeypatch.setattr(sb.ScalingLawModel, "fit", _unconverged_fit)
    raw = small_raw()
    raw["plans"][0]["name"] = "+cmd|' /C calc'!A0"
    raw["plans"][1]["name"] = "-2+3"
    config = write_review(tmp_path / "in", raw)
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out)]) == 3
    ladder = pd.read_csv(out / "ladder.csv", encoding="utf-8-sig")
    assert set(ladder["plan"]) == {"'+cmd|' /C calc'!A0", "'-2+3"}
    for column in ("p_roi_above_threshold", "p_best", "expected_net_benefit"):
        assert ladder[column].isna().all(), column
    assert not ladder["converged"].any()


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x","p")', "+cmd|' /C calc'!A0", "@SUM(1)", "\tx", "a\rb\nc"]
)
def test_item2_write_csv_guards_every_hostile_cell(tmp_path, name):
    path = write_csv(pd.DataFrame({"plan": [name], "p": [0.5]}), tmp_path / "t.csv", converged=True)
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert len([x for x in lines if x]) == 2  # no cell splits a row
    cell = pd.read_csv(path, encoding="utf-8-sig")["plan"].iloc[0]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert "\r" not in cell and "\n" not in cell


def test_limits_are_stated_in_the_message():
    assert MAX_PLANS < 20_000
    with pytest.raises(sb.ConfigError, match=r"20,000 plans .* GB"):
        check_workload(20_000, 8000)
