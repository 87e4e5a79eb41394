"""Form check: a single-law forecast beside a mixture of plausible forms, in the memo too."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from helpers import form_decision

import scaling_bayes as sb
from scaling_bayes.core.mixture import ONE_AXIS_FORMS, TWO_AXIS_FORMS, FormMixture
from scaling_bayes.testing import example_model

SCALES = {"params": [1e9, 3e9], "tokens": [2e10, 6e10]}


@pytest.fixture(scope="module")
def model():
    return example_model()


def test_form_check_restates_both_forecasts_at_the_same_scales(model):
    check = sb.form_check(model, random_seed=0, **SCALES)
    table = check.table
    # the model's columns are its own forecast's quantiles ...
    single = model.predict(random_seed=0, **SCALES).flat_draws()
    np.testing.assert_allclose(table["median"], np.median(single, axis=0))
    np.testing.assert_allclose(table["upper"], np.quantile(single, 0.95, axis=0))
    # ... and the mixture's are a FormMixture fitted to the same runs, with the same seed
    mixture = FormMixture(draws=4000).fit(model.data_)
    mixed = mixture.predict(random_seed=0, **SCALES).flat_draws()
    np.testing.assert_allclose(table["mixture_median"], np.median(mixed, axis=0))
    np.testing.assert_allclose(table["mixture_lower"], np.quantile(mixed, 0.05, axis=0))
    assert check.forms == tuple(mixture.fits_) and set(check.forms) <= set(TWO_AXIS_FORMS)
    assert sum(check.weights.values()) == pytest.approx(1.0)
    width = (table["upper"] - table["lower"]) / table["median"]
    np.testing.assert_allclose(table["width"], width)
    np.testing.assert_allclose(table["width_ratio"], table["mixture_width"] / table["width"])
    assert check.track_record.kind == "form_mixture" and table["converged"].all()


def test_form_check_of_a_one_axis_law_uses_the_one_axis_forms(model):
    data = model.data_
    rng = np.random.default_rng(1)
    draws = {
        k: v * np.exp(0.01 * rng.standard_normal((2, 250)))
        for k, v in {"E": 1.7, "A": 5e3, "alpha": 0.17, "sigma": 0.01}.items()
    }
    power = sb.testing.fit_from_draws(
        sb.ScalingLawModel("power", x="compute", progressbar=False), data, draws
    )
    check = sb.form_check(power, compute=[1e21], random_seed=0)
    assert set(check.forms) <= set(ONE_AXIS_FORMS) and "power" in check.forms


@pytest.mark.parametrize(
    ("scales", "match"),
    [({"compute": [1e21]}, "params=, tokens="), ({"params": [1e9]}, "params=, tokens=")],
)
def test_form_check_names_the_scales_it_needs(model, scales, match):
    with pytest.raises(sb.DataError, match=match):
        sb.form_check(model, **scales)


def test_form_check_needs_a_fitted_model():
    with pytest.raises(sb.DataError, match="fitted"):
        sb.form_check(sb.ScalingLawModel(), **SCALES)


def _ladder(model):
    value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=1.5e6)
    plans = [sb.Investment(params=n, tokens=20 * n, value=value) for n in (1e9, 3e9)]
    return sb.compare_scales(model, plans, threshold=0.2, random_seed=0)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_memo_sets_the_farthest_plan_beside_the_mixture(model, language, tmp_path):
    ladder = _ladder(model)
    scales = {a: ladder.table[a].to_numpy() for a in ("params", "tokens")}
    check = sb.form_check(model, random_seed=0, **scales)
    memo = sb.RiskMemo(
        model, ladder, title="t", date="2026-12-04", language=language, form_check=check
    )
    n = memo.numbers
    row = check.table.iloc[1]  # plan 2 is the farthest
    assert n["plans.2.mixture_median"] == row["mixture_median"]
    assert n["plans.2.mixture_width"] == row["mixture_width"]
    assert n["form_check.n_forms"] == len(check.forms)
    assert n["form_check.share"] == check.track_record.share
    memo.to_markdown(tmp_path / "memo.md")
    text = (tmp_path / "memo.md").read_text(encoding="utf-8")
    phrase = {"en": "A check for that", "ja": "その確認として"}[language]
    assert phrase in text
    assert f"{row['mixture_width']:.0%}" in text  # e.g. "24%", the mixture's relative width


def test_memo_refuses_a_form_check_at_other_scales(model):
    ladder = _ladder(model)
    other = sb.form_check(model, random_seed=0, params=[2e9, 3e9], tokens=[4e10, 6e10])
    with pytest.raises(sb.DataError, match="other scales than the memo's plans"):
        sb.RiskMemo(model, ladder, title="t", form_check=other)
    with pytest.raises(sb.DataError, match="form_check must be a FormCheck"):
        sb.RiskMemo(model, ladder, title="t", form_check=ladder)


def _plans(integration=(0.0, 0.0)):
    value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=1.5e6)
    return [
        sb.Investment(params=n, tokens=20 * n, value=value, name=f"{n:.0e}", integration=c)
        for n, c in zip((1e9, 3e9), integration, strict=True)
    ]


def _decisions(model, integration=(0.0, 0.0), threshold=0.2):
    """The memo's ladder, the form check at its scales and the plans compared on the check's
    forecasts (``integration``: one-off costs of the plans in that second comparison only)."""
    ladder = sb.compare_scales(model, _plans(), threshold=0.2, random_seed=0)
    scales = {a: ladder.table[a].to_numpy() for a in ("params", "tokens")}
    check = sb.form_check(model, random_seed=0, **scales)
    forms = sb.compare_scales(
        check.forecast, _plans(integration), threshold=threshold, random_seed=0
    )
    return ladder, check, forms


def _summary_text(memo, tmp_path) -> str:
    memo.to_markdown(tmp_path / "memo.md")
    text = (tmp_path / "memo.md").read_text(encoding="utf-8")
    return text.split("## Technical appendix")[0].split("## 技術付録")[0]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_memo_summary_restates_the_decision_on_the_mixture(model, language, tmp_path):
    ladder, check, forms = _decisions(model)
    memo = sb.RiskMemo(
        model,
        ladder,
        title="t",
        date="2026-12-04",
        language=language,
        form_check=check,
        form_ladder=forms,
    )
    n = memo.numbers
    table = forms.table
    for k in (1, 2):
        row = table.iloc[k - 1]
        assert n[f"form_check.plans.{k}.p_roi_above_threshold"] == row["p_roi_above_threshold"]
        assert n[f"form_check.plans.{k}.expected_net_benefit"] == row["expected_net_benefit"]
    assert n["form_check.n_draws"] == check.forecast.flat_draws().shape[0] == forms.n_draws
    assert n["form_check.lead_plan"] == n["lead_plan"] == 2  # the larger plan, under both
    text = _summary_text(memo, tmp_path)
    p = table["p_roi_above_threshold"].iloc[1]
    assert f"{p:.1%}" in text or f"{p:.0%}" in text
    same = {"en": "stays the same", "ja": "変わりません"}[language]
    assert same in text


@pytest.mark.parametrize("language", ["en", "ja"])
def test_memo_withholds_an_unconverged_form_check(model, language, tmp_path):
    """A form check whose forms did not converge (e.g. sampled by NUTS) states no number."""
    ladder, check, _ = _decisions(model)
    bad = replace(check, converged=False, forecast=replace(check.forecast, converged=False))
    forms = sb.compare_scales(bad.forecast, _plans(), threshold=0.2, random_seed=0)
    assert not forms.converged
    memo = sb.RiskMemo(
        model, ladder, title="t", language=language, form_check=bad, form_ladder=forms
    )
    n = memo.numbers
    assert n["memo.converged"] is True  # the fit itself converged: its own numbers stand
    assert n["form_check.converged"] is False and n["form_check.n_forms"] == len(check.forms)
    assert not [k for k in n if k.startswith("form_check.plans") or "mixture_" in k]
    assert "form_check.lead_plan" not in n and "form_check.share" not in n
    text = _summary_text(memo, tmp_path)
    assert {"en": "stays the same", "ja": "変わりません"}[language] not in text
    full = (tmp_path / "memo.md").read_text(encoding="utf-8")
    withheld = {"en": "did not converge, so its forecasts", "ja": "推定が収束しなかったため"}
    assert withheld[language] in full
    assert {"en": "A check for that:", "ja": "その確認として"}[language] not in full
    # the converged check, otherwise the same, states them
    same = sb.RiskMemo(model, ladder, title="t", language=language, form_check=check)
    assert same.numbers["form_check.converged"] is True
    assert "plans.2.mixture_median" in same.numbers


@pytest.mark.parametrize(
    ("integration", "phrase"),
    [
        # plan 2 costs USD 2M more in the second comparison: plan 1 would be best
        ((0.0, 2e6), {"en": "would be plan 1, 1e+09, instead", "ja": "案1（1e+09）に変わります"}),
        # both cost USD 2M more: doing nothing would be best
        ((2e6, 2e6), {"en": "doing nothing would be best", "ja": "「何もしない」が最善となります"}),
    ],
)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_memo_summary_says_when_the_best_plan_changes(
    model, integration, phrase, language, tmp_path
):
    ladder, check, forms = _decisions(model, integration)
    memo = sb.RiskMemo(
        model, ladder, title="t", language=language, form_check=check, form_ladder=forms
    )
    assert phrase[language] in _summary_text(memo, tmp_path)
    assert memo.numbers["lead_plan"] == 2


def test_memo_without_form_ladder_states_no_mixture_decision(model, tmp_path):
    ladder, check, _ = _decisions(model)
    memo = sb.RiskMemo(model, ladder, title="t", form_check=check)
    assert "form_check.lead_plan" not in memo.numbers
    assert "Allowing for the law's form" not in _summary_text(memo, tmp_path)


def test_memo_refuses_a_form_ladder_that_does_not_match(model):
    ladder, check, forms = _decisions(model)
    with pytest.raises(sb.ConfigError, match="pass form_check= too"):
        sb.RiskMemo(model, ladder, title="t", form_ladder=forms)
    with pytest.raises(sb.DataError, match="form_ladder must be a ScaleLadder"):
        sb.RiskMemo(model, ladder, title="t", form_check=check, form_ladder=check)
    _, _, other_threshold = _decisions(model, threshold=0.0)
    with pytest.raises(sb.ConfigError, match=r"threshold=0\.0"):
        sb.RiskMemo(model, ladder, title="t", form_check=check, form_ladder=other_threshold)
    renamed = [replace(plan, name=f"other {i}") for i, plan in enumerate(_plans())]
    other_plans = sb.compare_scales(check.forecast, renamed, threshold=0.2, random_seed=0)
    with pytest.raises(sb.DataError, match="the memo's plans in its order"):
        sb.RiskMemo(model, ladder, title="t", form_check=check, form_ladder=other_plans)
    with pytest.raises(sb.DataError, match=r"not computed from form_check\.forecast"):
        sb.RiskMemo(model, ladder, title="t", form_check=check, form_ladder=ladder)


def test_compute_only_plans_are_compared_on_the_mixture_at_their_allocation(model):
    """A compute-only plan is allocated per draw by the model; the form check forecasts it at
    the ladder's median allocation, whose compute is the plan's (so the plans still match)."""
    value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=1.5e6)
    plans = [sb.Investment(compute=c, value=value) for c in (1.2e20, 1.1e21)]
    ladder = sb.compare_scales(model, plans, threshold=0.2, random_seed=0)
    decided = form_decision(model, ladder)
    forms = decided["form_ladder"]
    np.testing.assert_allclose(forms.table["compute"], [1.2e20, 1.1e21], rtol=1e-6)
    assert forms.table["p_roi_above_threshold"].between(0, 1).all()
    memo = sb.RiskMemo(model, ladder, title="t", **decided)
    assert memo.numbers["form_check.lead_plan"] in (1, 2)


def test_one_plan_memo_takes_a_one_plan_form_ladder(model, tmp_path):
    plan = _plans()[1]
    risk = sb.assess_roi(model, plan, threshold=0.2, random_seed=0)
    check = sb.form_check(model, random_seed=0, params=[plan.params], tokens=[plan.tokens])
    forms = sb.compare_scales(check.forecast, [plan], threshold=0.2, random_seed=0)
    memo = sb.RiskMemo(model, risk, title="t", form_check=check, form_ladder=forms)
    p = forms.table["p_roi_above_threshold"].iloc[0]
    assert memo.numbers["form_check.plans.1.p_roi_above_threshold"] == p
    assert memo.numbers["form_check.lead_plan"] == 1
    assert "Allowing for the law's form being wrong" in _summary_text(memo, tmp_path)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_memo_summary_leaves_out_a_heavy_tailed_mixture_net_benefit(model, language, tmp_path):
    """An expectation resting on heavy-tailed draws (Pareto k-hat > 0.7) is not stated, as in
    the headline: a value per unit with a lognormal sigma of 3 makes the mixture's NB heavy."""
    from scipy import stats

    ladder, check, _ = _decisions(model)
    value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.lognorm(s=3, scale=1.5e6))
    heavy = [replace(plan, value=value) for plan in _plans()]
    forms = sb.compare_scales(check.forecast, heavy, threshold=0.2, random_seed=0)
    assert forms.table["heavy_tailed"].iloc[1]
    memo = sb.RiskMemo(
        model, ladder, title="t", language=language, form_check=check, form_ladder=forms
    )
    text = _summary_text(memo, tmp_path)
    sentence = text[text.index({"en": "Allowing for", "ja": "法則の形が誤って"}[language]) :]
    shown = {"en": "expected net benefit is not stated (unreliable", "ja": "期待純便益は記載なし（"}
    assert shown[language] in sentence
    assert memo.numbers["form_check.plans.2.heavy_tailed"] is True
