"""Notebook display (``_repr_html_``) of the model, forecasts, results and the memo.

Hand-built posteriors only (no MCMC). Each display must carry the convergence verdict, escape
every user string and be well-formed HTML without scripts.
"""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from helpers import hand_built_draws
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.checks.backtest import _score, split_runs
from scaling_bayes.core.diagnostics import NOT_CONVERGED_BANNER
from scaling_bayes.decision.results import DecisionResult
from scaling_bayes.testing import fit_from_draws

HOSTILE = '<script>alert("x")</script>'
_VOID = {"br", "hr", "img", "meta", "input", "col", "wbr"}
#: Tags inside a line of text: no word break around them.
_INLINE = {"span", "strong", "em", "b", "i", "a", "code"}


class _Checked(HTMLParser):
    """Text of an HTML fragment, failing on unbalanced tags and on any script or handler."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.chunks: list[str] = []
        self.feed(markup)
        self.close()
        assert not self.stack, f"unclosed tags {self.stack}"

    def handle_starttag(self, tag, attrs):
        assert tag != "script", "a script element in the display"
        assert not any(name.startswith("on") for name, _ in attrs), attrs
        if tag not in _VOID:
            self.stack.append(tag)
        if tag not in _INLINE:
            self.chunks.append(" ")

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        if tag not in _INLINE:
            self.chunks.append(" ")

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())


def _display(obj) -> tuple[str, str]:
    """The object's HTML and its visible text, checked for well-formedness."""
    markup = obj._repr_html_()
    assert isinstance(markup, str)
    return markup, _Checked(markup).text


def _unconverged_model(data):
    draws = hand_built_draws()
    draws["alpha"][0] *= 1.5  # one chain elsewhere: R-hat far above 1.01
    with pytest.warns(sb.ConvergenceWarning, match="R-hat of alpha"):
        return fit_from_draws(sb.ScalingLawModel("chinchilla", progressbar=False), data, draws)


def _plans(name_of_first="1B"):
    cost = sb.ComputeCost(usd_per_gpu_hour=stats.uniform(2, 2), fixed_usd=300_000)
    value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=1_500_000)
    return [
        sb.Investment(params=n, tokens=20 * n, cost=cost, value=value, name=name)
        for n, name in ((1e9, name_of_first), (3e9, "3B"))
    ]


# ---------------------------------------------------------------------- model
def test_fitted_model_shows_law_runs_verdict_and_parameters(fitted_chinchilla, example_data):
    _, text = _display(fitted_chinchilla)
    assert fitted_chinchilla.law_spec.formula in text
    assert f"runs {example_data.n_runs} (" in text
    summary = fitted_chinchilla.summary()
    for name in summary.index:
        assert f" {name} " in f" {text} "
    # Each parameter's posterior mean is in the table, at the display's 4 significant digits.
    for mean in summary["mean"]:
        assert f"{mean:.4g}" in text
    assert "converged" in text
    assert "NOT CONVERGED" not in text
    assert NOT_CONVERGED_BANNER not in text


def test_unconverged_model_says_so_first(example_data):
    model = _unconverged_model(example_data)
    _, text = _display(model)  # filterwarnings=error: displaying must not warn again
    assert "NOT CONVERGED" in text
    assert NOT_CONVERGED_BANNER in text
    assert "R-hat of alpha" in text  # the problem and its fix, as diagnostics() says them
    assert text.index("NOT CONVERGED") < text.index("runs")


def test_model_not_fitted_yet():
    model = sb.ScalingLawModel("power", x="compute", progressbar=False)
    _, text = _display(model)
    assert "not fitted" in text
    assert "L = E + A x^-alpha" in text
    assert "NOT CONVERGED" not in text


def test_hostile_source_and_group_names_are_escaped_in_the_model_display(example_data):
    frame = example_data.frame.copy()
    frame["group"] = HOSTILE
    data = sb.ScalingData.from_frame(frame, group="group", source=f"{HOSTILE}.csv")
    model = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False), data, hand_built_draws()
    )
    markup, text = _display(model)
    assert "<script" not in markup.lower()
    assert markup.count("&lt;script&gt;") == 2  # the source and the group, shown as text
    assert f"groups {HOSTILE}" in text
    assert f"({HOSTILE}.csv)" in text


# ---------------------------------------------------------------------- forecast
def test_forecast_shows_its_summary_and_verdict(fitted_chinchilla):
    fc = fitted_chinchilla.predict(params=[7e9], tokens=[1.4e11], random_seed=0)
    _, text = _display(fc)
    summary = fc.summary()
    assert f"{summary['median'].iloc[0]:.4g}" in text
    assert f"{summary['upper'].iloc[0]:.4g}" in text
    assert "90% central" in text
    assert "NOT CONVERGED" not in text
    # the method's track record and the interval's split (noise, law, form) are shown
    assert "53% of 90% intervals held on 6 public studies" in text  # 46 of 87 held-out runs
    assert f"{summary['width_noise'].iloc[0]:.4g}" in text


def test_unconverged_forecast_is_flagged_without_warning():
    draws = np.random.default_rng(0).normal(2.0, 0.05, size=(4, 100, 2))
    fc = sb.Forecast.from_draws(draws, compute=[1e22, 1e23], converged=False)
    _, text = _display(fc)
    assert "NOT CONVERGED" in text
    assert NOT_CONVERGED_BANNER in text


# ---------------------------------------------------------------------- decision results
def test_ladder_shows_text_table_and_escapes_plan_names(fitted_chinchilla):
    ladder = sb.compare_scales(
        fitted_chinchilla, _plans(name_of_first=HOSTILE), threshold=0.2, random_seed=0
    )
    markup, text = _display(ladder)
    assert "<script" not in markup.lower()
    assert "&lt;script&gt;" in markup
    assert HOSTILE in text  # shown as text, not run
    assert " ".join(ladder.text.split()) in text
    assert "converged" in text and "NOT CONVERGED" not in text


def test_unconverged_results_say_so(example_data):
    model = _unconverged_model(example_data)
    ladder = sb.compare_scales(model, _plans(), threshold=0.2, random_seed=0)
    risk = sb.assess_roi(model, _plans()[0], threshold=0.2, random_seed=0)
    for result in (ladder, risk, sb.evpi(ladder)):
        _, text = _display(result)
        assert "NOT CONVERGED" in text, type(result).__name__


def test_result_without_registered_words_still_displays():
    result = DecisionResult(table=pd.DataFrame({"x": [1.5, np.nan]}, index=["a", "b"]))
    _, text = _display(result)
    assert "DecisionResult" in text
    assert "1.5" in text


def test_long_tables_are_cut_and_counted():
    result = DecisionResult(table=pd.DataFrame({"x": np.arange(50.0)}))
    _, text = _display(result)
    assert "30 more rows" in text
    assert " 19 " in f" {text} " and " 49 " not in f" {text} "


# ---------------------------------------------------------------------- checks
def test_backtest_display_carries_the_verdict(example_data):
    data = example_data
    cutoff = float(np.sort(data.frame["params"].unique())[-3])
    train, test = split_runs(data, "params", cutoff, 5)
    draws = hand_built_draws()
    draws["alpha"][0] *= 1.5
    with pytest.warns(sb.ConvergenceWarning):
        model = fit_from_draws(sb.ScalingLawModel("chinchilla", progressbar=False), train, draws)
    with pytest.warns(sb.ConvergenceWarning, match="scores are suspect"):
        result = _score(model, train, test, "params", cutoff, 0.9, random_seed=0)
    _, text = _display(result)
    assert "NOT CONVERGED" in text
    assert "did NOT converge" in text  # the backtest's own text


def test_law_comparison_display_escapes_law_names():
    from scaling_bayes.checks.comparison import LawComparison

    table = pd.DataFrame(
        {"elpd_loo": [40.0, 35.0], "se": [3.0, 3.5], "weight": [0.8, 0.2]},
        index=pd.Index([HOSTILE, "b"], name="law"),
    )
    markup, text = _display(LawComparison(table, {}, reliable=False))
    assert "<script" not in markup.lower()
    assert "NOT reliable" in text


# ---------------------------------------------------------------------- memo
def test_memo_shows_title_escaped_verdict_and_headline(fitted_chinchilla):
    ladder = sb.compare_scales(fitted_chinchilla, _plans(), threshold=0.2, random_seed=0)
    memo = sb.RiskMemo(fitted_chinchilla, ladder, title=f"Review {HOSTILE}", date="2025-06-30")
    markup, text = _display(memo)
    assert "<script" not in markup.lower()
    assert f"Review {HOSTILE}" in text
    assert "converged" in text and "NOT CONVERGED" not in text
    first = " ".join(memo.text.split("\n\n")[0].split())
    assert first in text


def test_unconverged_memo_display_opens_with_the_warning(example_data):
    model = _unconverged_model(example_data)
    ladder = sb.compare_scales(model, _plans(), threshold=0.2, random_seed=0)
    memo = sb.RiskMemo(model, ladder, title="Review", date="2025-06-30")
    markup, text = _display(memo)
    assert "NOT CONVERGED" in text
    assert 'role="alert"' in markup  # the memo's warning box
