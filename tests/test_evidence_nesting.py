"""Nested leave-one-study-out: the choices for study S never use S's data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import import_benchmark, shared_data_path


@pytest.fixture(scope="module")
def bench():
    return import_benchmark("bench_evidence")


def _points(seed: int) -> pd.DataFrame:
    """Hand-built held-out predictions of 6 studies in both groups of forms."""
    rng = np.random.default_rng(seed)
    rows = []
    groups = {"two_axis": ("chinchilla", "alpha_eq_beta"), "one_axis": ("power", "saturating")}
    for s in range(6):
        group = "two_axis" if s < 3 else "one_axis"
        for run in range(4):
            y = rng.normal(0, 0.02)
            d = rng.uniform(0.5, 3.0)
            for k, form in enumerate(groups[group]):
                rows.append(
                    dict(
                        group=group,
                        study=f"S{s}",
                        run=f"r{run}",
                        form=form,
                        mu=y + rng.normal(0, 0.01 * (k + 1)),
                        sd=0.005,
                        y=y,
                        distance=d,
                    )
                )
    return pd.DataFrame(rows)


def test_choice_for_a_study_ignores_that_studys_data(bench, monkeypatch):
    monkeypatch.setattr(
        bench,
        "GROUPS",
        {"two_axis": ("chinchilla", "alpha_eq_beta"), "one_axis": ("power", "saturating")},
    )
    points = _points(0)
    before = bench.choose(points, "S1")
    # scramble everything S1 holds (observations, predictions, distances)
    scrambled = points.copy()
    m = scrambled["study"] == "S1"
    scrambled.loc[m, "y"] += 0.5
    scrambled.loc[m, "mu"] -= 0.3
    scrambled.loc[m, "distance"] *= 10
    after = bench.choose(scrambled, "S1")
    assert after["weights"] == before["weights"]
    assert after["tau_prob"] == before["tau_prob"]
    assert "S1" not in after["studies_used"]
    # ... while a choice that may use S1 does change: the test can fail
    assert bench.choose(scrambled, "S2")["tau_prob"] != bench.choose(points, "S2")["tau_prob"]


def test_committed_choices_leave_each_study_out(bench):
    if not bench.CHOICES.exists():
        pytest.skip("benchmarks/evidence_choices.json not written yet (run bench_evidence.py)")
    choices = json.loads(bench.CHOICES.read_text())
    studies = set(choices["per_study"])
    assert len(studies) >= 10
    assert set(choices["pilot_sized_studies"]) < studies
    for key in ("per_study", "pilot_per_study"):
        assert set(choices[key]) == studies
        for study, choice in choices[key].items():
            assert study not in choice["studies_used"]
            assert set(choice["studies_used"]) == studies - {study}
            assert sum(choice["tau_prob"]) == pytest.approx(1.0, abs=1e-4)
    assert set(choices["all"]["studies_used"]) == studies
    assert set(choices["pilot_all"]["studies_used"]) == studies


def test_exponent_prior_for_a_study_ignores_that_studys_fits(bench):
    rng = np.random.default_rng(3)
    estimates = pd.DataFrame(
        [
            dict(study=f"S{s}", form="power", coord="log_alpha", mean=rng.normal(-1.2, 0.3), sd=0.1)
            for s in range(6)
            for _ in range(2)
        ]
    )
    before = bench.exponent_prior(estimates, frozenset({"S1"}))
    scrambled = estimates.copy()
    scrambled.loc[scrambled["study"] == "S1", "mean"] += 2.0
    assert bench.exponent_prior(scrambled, frozenset({"S1"})) == before
    # ... while the prior that may use S1 does change: the test can fail
    assert bench.exponent_prior(scrambled, frozenset({"S2"})) != bench.exponent_prior(
        estimates, frozenset({"S2"})
    )


def test_committed_exponent_priors_are_one_per_left_out_study(bench):
    if not bench.CHOICES.exists():
        pytest.skip("benchmarks/evidence_choices.json not written yet (run bench_evidence.py)")
    choices = json.loads(bench.CHOICES.read_text())
    assert set(choices["exponent_prior_per_study"]) == set(choices["per_study"])
    for prior in choices["exponent_prior_per_study"].values():
        for coords in prior.values():
            assert all(sd > 0 for _, sd in coords.values())


def _pilots(bench, seed: int) -> list:
    """Hand-built 5-run pilots of 6 one-axis studies: the pure power law is off by a study-level
    shift, the floor's power law is close, so the rule and the weights have something to learn."""
    rng = np.random.default_rng(seed)
    pilots = []
    for s in range(6):
        x_train, x_test = np.geomspace(1e6, 1e8, 5), np.geomspace(2e8, 1e9, 3)
        loss = 2.0 + 50 * x_test**-0.3
        train = pd.DataFrame({"params": x_train, "loss": 2.0 + 50 * x_train**-0.3})
        test = pd.DataFrame({"params": x_test, "loss": loss})
        unit = bench.Unit(f"S{s}", "u", "one_axis", "params", train, test)
        y = np.log(loss)
        draws = {
            "power": y + rng.normal(rng.normal(0, 0.03), 0.01, size=(400, 3)),
            "saturating": y + rng.normal(0, 0.02, size=(400, 3)),
        }
        pilots.append(bench.Stored(unit, draws, np.full(3, 1.5), None, 0.0))
    return pilots


def test_pilot_forms_rule_for_a_study_ignores_that_studys_pilot(bench, monkeypatch):
    monkeypatch.setattr(bench, "GROUPS", {"one_axis": ("power", "saturating")})
    pilots = _pilots(bench, 1)
    before = bench.pilot_choice(pilots, "S1", seed=0)
    assert before["forms"] in bench.PILOT_RULES
    assert "S1" not in before["studies_used"]
    # scramble S1's pilot: its observations and every form's draws
    s1 = next(p for p in pilots if p.unit.study == "S1")
    s1.unit.test["loss"] *= 1.5
    for form in s1.draws:
        s1.draws[form] = s1.draws[form] - 0.4
    after = bench.pilot_choice(pilots, "S1", seed=0)
    assert after == before
    # ... while the rule's scores that may use S1 do change: the test can fail
    changed = bench.pilot_choice(pilots, "S2", seed=0)["forms_interval_score"]
    assert changed != bench.pilot_choice(_pilots(bench, 1), "S2", seed=0)["forms_interval_score"]


def test_restrict_keeps_the_eligible_forms_of_a_pilot(bench):
    pilot = _pilots(bench, 2)[0]  # 5 runs: the power law is always kept, saturating needs 6
    assert set(bench.restrict(pilot, "all").draws) == {"power", "saturating"}
    assert set(bench.restrict(pilot, "eligible").draws) == {"power"}


def test_committed_pilot_choices_name_their_forms_rule(bench):
    if not bench.CHOICES.exists():
        pytest.skip("benchmarks/evidence_choices.json not written yet (run bench_evidence.py)")
    choices = json.loads(bench.CHOICES.read_text())
    for choice in [*choices["pilot_per_study"].values(), choices["pilot_all"]]:
        assert choice["forms"] in bench.PILOT_RULES
        scores = choice["forms_interval_score"]
        assert scores[choice["forms"]] == min(scores.values())


def test_committed_pilot_sized_studies_are_those_the_package_gives_the_pilot_preset(bench):
    """The studies scored with the pilot choices are exactly those whose every split has
    PILOT_MAX_RUNS runs or fewer: the fits FormMixture gives the pilot preset."""
    if not bench.CHOICES.exists():
        pytest.skip("benchmarks/evidence_choices.json not written yet (run bench_evidence.py)")
    shared_data_path("chinchilla")  # skips, with its reason, where ../shared/data is absent
    from scaling_bayes.core.mixture import PILOT_MAX_RUNS

    units = bench.all_units()
    small = {
        s
        for s in {u.study for u in units}
        if all(len(u.train) <= PILOT_MAX_RUNS for u in units if u.study == s)
    }
    assert small  # the corpus has such studies, so the check can fail
    choices = json.loads(bench.CHOICES.read_text())
    assert set(choices["pilot_sized_studies"]) == small
    assert all(bench.pilot_sized(u) == (u.study in small) for u in units)
