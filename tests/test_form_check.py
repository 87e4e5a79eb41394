"""Form check: a single-law forecast beside a mixture of plausible forms, in the memo too."""

from __future__ import annotations

import numpy as np
import pytest

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
