"""The memo reads decision results and never recomputes them; heavy tails are flagged (issue 10).

Hand-built fits (no MCMC), as in test_memo.py.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats
from test_memo import _model, _plans

import scaling_bayes as sb
from scaling_bayes.core.exceptions import InputWarning
from scaling_bayes.decision import ScaleLadder, acceptability_curve, tornado
from scaling_bayes.report import RiskMemo
from scaling_bayes.report.document import build, plain_text
from scaling_bayes.report.messages import catalogue
from scaling_bayes.report.numbers import Entry
from scaling_bayes.report.render import to_markdown

LADDER_COLUMNS = (
    "p_roi_above_threshold",
    "p_roi_above_threshold_mc_se",
    "p_break_even",
    "expected_net_benefit",
    "expected_cost",
)
RISK_ROWS = (
    ("p_roi_above_threshold", "estimate"),
    ("p_roi_above_threshold", "mc_se"),
    ("p_break_even", "estimate"),
    ("expected_net_benefit", "estimate"),
    ("expected_cost", "estimate"),
)


@pytest.fixture(scope="module")
def model():
    return _model()


@pytest.fixture(scope="module")
def ladder(model):
    return sb.compare_scales(model, _plans(), threshold=0.2, random_seed=0)


# ---------------------------------------------------------------------- no recomputation
def test_ladder_risk_is_read_from_the_ladders_own_draws(ladder):
    for j, row in ladder.table.iterrows():
        risk = ladder.risk(j)
        assert risk.plan.label == row["plan"]
        assert risk.draws is ladder.draws[j]  # the same draws, not new ones
        assert risk.threshold == ladder.threshold and risk.entropy == ladder.entropy
        for column, (metric, field) in zip(LADDER_COLUMNS, RISK_ROWS, strict=True):
            assert risk.table.loc[metric, field] == row[column], (j, column)
        assert ladder.risk(row["plan"]).probability == risk.probability
        assert ladder.risk(risk.plan).probability == risk.probability


def test_ladder_risk_refuses_unknown_plans(ladder):
    with pytest.raises(sb.DataError, match="not in the ladder"):
        ladder.risk("70B")
    with pytest.raises(sb.DataError, match="out of range"):
        ladder.risk(len(ladder.table))
    with pytest.raises(sb.DataError, match="label, a 0-based row"):
        ladder.risk(1.5)


def test_from_risk_states_the_risks_numbers(model):
    risk = sb.assess_roi(model, _plans()[1], threshold=0.2, random_seed=3)
    one = ScaleLadder.from_risk(risk)
    assert one.draws[0] is risk.draws and len(one.table) == 1
    row = one.table.iloc[0]
    for column, (metric, field) in zip(LADDER_COLUMNS, RISK_ROWS, strict=True):
        assert row[column] == risk.table.loc[metric, field], column
    with pytest.raises(sb.DataError, match="RiskResult"):
        ScaleLadder.from_risk(one)


def test_p_best_do_nothing_carries_its_monte_carlo_error(ladder, model):
    p, se = ladder.p_best_do_nothing, ladder.p_best_do_nothing_mc_se
    assert 0 <= p <= 1 and se >= 0
    memo = RiskMemo(model, ladder, title="T", date="2025-06-30")
    assert memo.numbers["p_best_do_nothing_mc_se"] == se


def test_memo_reads_a_tornado_and_curve_given_by_the_caller(model, ladder):
    lead = int(np.argmax(ladder.table["expected_net_benefit"]))
    table = tornado(ladder.risk(lead), low=0.25, high=0.75)  # not the default swing
    curve = acceptability_curve(ladder, n_points=7)
    memo = RiskMemo(model, ladder, title="T", date="2025-06-30", tornado=table, acceptability=curve)
    numbers = memo.numbers
    assert numbers["tornado.low"] == 0.25 and numbers["tornado.high"] == 0.75
    assert numbers["tornado.base"] == table.base
    default = RiskMemo(model, ladder, title="T", date="2025-06-30").numbers
    assert default["tornado.low"] == 0.10  # the memo's own call uses the defaults
    assert numbers["acceptability.available"] is True


def test_memo_refuses_results_of_other_plans(model, ladder):
    other = int(np.argmin(ladder.table["expected_net_benefit"]))
    with pytest.raises(sb.ConfigError, match="lead plan"):
        RiskMemo(model, ladder, title="T", tornado=tornado(ladder.risk(other)))
    with pytest.raises(sb.DataError, match="TornadoResult"):
        RiskMemo(model, ladder, title="T", tornado=ladder.table)
    one = sb.compare_scales(model, _plans()[:2], threshold=0.2, random_seed=0)
    with pytest.raises(sb.ConfigError, match="acceptability covers"):
        RiskMemo(model, ladder, title="T", acceptability=acceptability_curve(one))


# ---------------------------------------------------------------------- heavy tails
@pytest.fixture(scope="module")
def heavy(model):
    # Pareto(0.6) has no finite mean: every plan's expected value rests on a heavy tail
    with pytest.warns(InputWarning, match="no finite mean"):
        value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=stats.pareto(0.6, scale=1e6))
    return sb.compare_scales(model, _plans(value=value), threshold=0.2, random_seed=0)


HEAVY_WORDS = {
    "en": ("unreliable", "left out of this headline", "heavy-tailed"),
    "ja": ("信頼性が低い", "本要旨に記載せず", "裾が重く"),
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_heavy_tails_are_flagged_and_left_out_of_the_headline(model, heavy, language):
    assert heavy.heavy_tailed and heavy.table["heavy_tailed"].all()
    memo = RiskMemo(model, heavy, title="T", language=language, date="2025-06-30")
    numbers = memo.numbers
    assert numbers["heavy_tails"] is True and numbers["pareto_k_max"] == 0.7
    headline = memo.text
    unreliable, left_out, why = HEAVY_WORDS[language]
    assert left_out in headline and why in headline
    # no expected net benefit is printed in the headline, only its interval
    blocks = memo._blocks()
    md = to_markdown(blocks, {})
    for k in range(1, numbers["n_plans"] + 1):
        nb = f"\x00plans.{k}.expected_net_benefit\x01"  # the token, not _lower/_upper
        shown = [b for b in blocks if nb in getattr(b, "text", "")]
        assert shown == [], (language, k)  # no sentence cites the expectation
    # the tables mark every expectation of a heavy-tailed plan
    ladder_table = next(
        b
        for b in blocks
        if getattr(b, "kind", "") == "table" and "plans.1.expected_cost" in b.rows[0][2]
    )
    for row in ladder_table.rows:
        assert all(unreliable in plain_text(cell) for cell in row[2:5]), row
    assert md.count(unreliable) >= 3 * 3
    # the tornado's base is the lead plan's expectation: marked too
    base = next(b for b in blocks if "\x00tornado.base\x01" in getattr(b, "text", ""))
    after = plain_text(base.text.split("\x00tornado.base\x01", 1)[1])
    assert unreliable in after[:30], after[:80]  # right after the amount


@pytest.mark.parametrize("language", ["en", "ja"])
def test_light_tails_print_the_expectation(model, ladder, language):
    memo = RiskMemo(model, ladder, title="T", language=language, date="2025-06-30")
    assert memo.numbers["heavy_tails"] is False
    unreliable, left_out, _ = HEAVY_WORDS[language]
    assert left_out not in memo.text and unreliable not in memo.text
    lead = memo.numbers["lead_plan"]
    assert any(
        f"plans.{lead}.expected_net_benefit\x01" in getattr(b, "text", "") for b in memo._blocks()
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_heavy_tailed_evpi_is_flagged(model, ladder, language):
    memo = RiskMemo(model, ladder, title="T", language=language, date="2025-06-30")
    book = copy.deepcopy(memo._book())
    assert book["evpi_pareto_k"] < 0.7  # light tails here: no flag

    def voi_text(book):
        return " ".join(plain_text(getattr(b, "text", "")) for b in build(book, language, set()))

    unreliable = catalogue(language).text("unreliable")
    assert "EVPI" in voi_text(book) and unreliable not in voi_text(book)
    # the same book with the regret draws' k-hat above the limit
    book._entries["evpi_pareto_k"] = Entry(0.95, "Pareto k-hat", "test")
    text = voi_text(book)
    assert unreliable in text and "0.95" in text
