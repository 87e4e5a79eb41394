"""The executive summary on page 1 of the memo (issue 13, item 7), from hand-built fits.

Two stories: the bundled factory inspection review (yen, KPI and payback targets set in
advance, per-plan integration, labelling per image) and the bundled language-model review
(no targets: the decision is stated against the ROI threshold). Each number the summary states
is the book's (``memo.numbers``), which is read from the results; these tests check what the
summary states, in which order, and that it says so in both languages.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from helpers import INSPECTION_LAW, hand_built_draws

import scaling_bayes as sb
from scaling_bayes.app.config import load_config
from scaling_bayes.app.review import build_inputs
from scaling_bayes.datasets import example_files
from scaling_bayes.report.document import Links, Table, plain_text
from scaling_bayes.report.track_record import TRACK_RECORD, study_kind
from scaling_bayes.testing import fit_from_draws


def inspection_review(language="ja"):
    """The bundled inspection review, fitted from draws around its true curve (no MCMC)."""
    config = load_config(example_files("inspection")[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the labelled-images axis is not a language model's
        data, model, plans = build_inputs(config)
    rng = np.random.default_rng(0)
    draws = {k: v * np.exp(0.05 * rng.standard_normal((4, 500))) for k, v in INSPECTION_LAW.items()}
    model = fit_from_draws(model, data, draws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = sb.compare_scales(
            model,
            plans,
            threshold=config.threshold,
            random_seed=0,
            payback_target=config.payback_target,
            kpi_target=config.kpi_target,
        )
    return config, model, ladder


def lm_review():
    config = load_config(example_files("language-model")[0])
    data, model, plans = build_inputs(config)
    model = fit_from_draws(model, data, hand_built_draws())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ExtrapolationWarning)  # the 30B plan, on purpose
        ladder = sb.compare_scales(model, plans, threshold=config.threshold, random_seed=0)
    return config, model, ladder


def _summary(memo):
    """The summary's blocks (between its heading and the technical appendix)."""
    blocks = memo._blocks()
    start = next(i for i, b in enumerate(blocks) if getattr(b, "anchor", "") == "summary")
    end = next(i for i, b in enumerate(blocks) if getattr(b, "anchor", "") == "technical")
    return blocks[start + 1 : end]


def _text(blocks) -> str:
    out = []
    for b in blocks:
        if isinstance(b, Table):
            out += [plain_text(h) for h in b.header]
            out += [plain_text(cell) for row in b.rows for cell in row]
        elif hasattr(b, "text"):
            out.append(plain_text(b.text))
    return "\n".join(out)


@pytest.fixture(scope="module")
def inspection():
    config, model, ladder = inspection_review()
    memos = {
        lang: sb.RiskMemo(
            model,
            ladder,
            title=config.memo["title"],
            language=lang,
            date="2026-12-03",
            numbers_files=("numbers.json", "numbers.csv"),
        )
        for lang in ("en", "ja")
    }
    return ladder, memos


@pytest.fixture(scope="module")
def language_model():
    _, model, ladder = lm_review()
    return ladder, {
        lang: sb.RiskMemo(model, ladder, title="LM", language=lang, date="2026-12-03")
        for lang in ("en", "ja")
    }


def test_decision_is_stated_against_the_targets_set_in_advance(inspection):
    ladder, memos = inspection
    n = memos["en"].numbers
    assert n["targets.kpi"] == ladder.kpi_target == 0.07
    assert n["targets.payback_months"] == ladder.payback_target == 18
    lead = n["lead_plan"]
    row = ladder.table.iloc[lead - 1]
    assert n[f"plans.{lead}.p_kpi_target_met"] == float(row["p_kpi_target_met"])
    assert n[f"plans.{lead}.p_payback_within_target"] == float(row["p_payback_within_target"])
    en = _text(_summary(memos["en"]))
    first = en.split("\n", 1)[0]
    assert first.startswith("Decision against the targets set in advance (")
    assert "≤ 7%" in first and "payback within 18 months" in first  # the targets, as set
    assert "to meet the KPI target" in first and "to pay back within 18 months" in first
    ja = _text(_summary(memos["ja"]))
    assert ja.startswith("事前に定めた目標（") and "18か月以内の投資回収" in ja.split("\n")[0]
    assert "KPI目標を達成することは「" in ja


def test_summary_shows_forecast_cost_breakdown_and_payback_per_plan(inspection):
    ladder, memos = inspection
    tables = [b for b in _summary(memos["en"]) if isinstance(b, Table)]
    assert len(tables) == 2  # the plans at a glance, and the cost breakdown
    glance, breakdown = tables
    assert len(glance.rows) == len(breakdown.rows) == len(ladder.table)
    header = [plain_text(h) for h in glance.header]
    assert "P(KPI target met)" in header and "P(payback ≤ 18 months)" in header
    assert "P(ROI > 0)" not in header  # with targets set, the odds are against the targets
    parts = [plain_text(h) for h in breakdown.header][2:-1]
    # the components some plan spends money on, in the decision layer's order
    spent = [
        part
        for part in ("data", "compute", "energy", "carbon", "fixed", "integration", "running")
        if ladder.table[f"expected_cost_{part}"].abs().max() > 0
    ]
    labels = {"data": "data and labelling", "compute": "training compute", "energy": "energy"}
    labels |= {"carbon": "carbon", "fixed": "fixed costs", "integration": "integration"}
    labels |= {"running": "running costs"}
    assert parts == [labels[p] for p in spent]
    assert "data and labelling" in parts and "integration" in parts
    n = memos["en"].numbers
    for k in range(1, len(ladder.table) + 1):
        total = sum(n[f"plans.{k}.cost_{p}"] for p in spent)
        assert total == pytest.approx(n[f"plans.{k}.expected_cost"], rel=1e-9)
    # yen with thousands separators in English, 万円 in Japanese
    cells = " ".join(plain_text(c) for row in breakdown.rows for c in row)
    assert re.search(r"JPY \d{1,3}(,\d{3})+", cells)
    ja_tables = [b for b in _summary(memos["ja"]) if isinstance(b, Table)]
    assert "万円" in " ".join(plain_text(c) for row in ja_tables[1].rows for c in row)


def test_error_rate_forecast_is_in_percent_with_its_interval(inspection):
    ladder, memos = inspection
    n = memos["en"].numbers
    lead = n["lead_plan"]
    draws = ladder.draws[lead - 1].loss
    tail = (1 - ladder.interval_prob) / 2
    low, mid, high = np.quantile(draws, [tail, 0.5, 1 - tail])
    assert n[f"plans.{lead}.metric_median"] == pytest.approx(mid)
    assert n[f"plans.{lead}.metric_lower"] == pytest.approx(low)
    kpi = _text(_summary(memos["en"])).split("\n")[1]
    assert f"{100 * mid:.2g}%" in kpi and f"{100 * high:.2g}%" in kpi
    assert "Payback:" in kpi and "months" in kpi


def test_largest_risk_is_the_top_bar_of_the_tornado(inspection, language_model):
    for _, memos in (inspection, language_model):
        n = memos["en"].numbers
        swings = [n[f"tornado.{i}.swing"] for i in range(1, n["tornado.n_inputs"] + 1)]
        assert swings[0] == max(swings)
        risk = next(
            plain_text(b.text)
            for b in _summary(memos["en"])
            if plain_text(getattr(b, "text", "")).startswith("Largest single risk")
        )
        assert risk.startswith("Largest single risk: the ")
        assert memos["en"]._book().entry("tornado.1.input").value == n["tornado.1.input"]


def test_track_record_is_of_studies_of_the_same_kind(inspection, language_model):
    _, lm = language_model
    record = TRACK_RECORD["language_model"]
    n = lm["en"].numbers
    assert n["track_record.kind"] == "language_model" == study_kind(lm["en"].model)
    assert (n["track_record.covered"], n["track_record.held_out"]) == (46, 87)
    assert n["track_record.share"] == pytest.approx(46 / 87)
    assert n["track_record.n_studies"] == record.n_studies == 6
    text = _text(_summary(lm["en"]))
    assert "6 public language-model scaling studies" in text and "53% of 87 held-out" in text
    assert "conditional on the law's form" in text
    _, insp = inspection
    n = insp["en"].numbers
    curves = TRACK_RECORD["learning_curve"]
    assert n["track_record.kind"] == "learning_curve"
    assert (n["track_record.share"], n["track_record.held_out"]) == (curves.share, curves.held_out)
    assert "track_record.covered" not in n  # the benchmark reported a share, not a count
    text = _text(_summary(insp["en"]))
    assert "36 public learning curves" in text and "64% of 1,438 held-out points" in text
    assert "too narrow" in text
    ja = _text(_summary(insp["ja"]))
    assert "学習曲線" in ja and "1,438点の64%" in ja


def test_without_targets_the_decision_is_against_the_roi_threshold(language_model):
    _, memos = language_model
    n = memos["en"].numbers
    assert "targets.kpi" not in n and "targets.payback_months" not in n
    text = _text(_summary(memos["en"]))
    assert text.startswith("Decision against the ROI threshold set in advance (ROI > 20%)")
    assert "P(ROI > 20%)" in text
    assert "no compute axis" not in text
    ja = _text(_summary(memos["ja"]))
    assert ja.startswith("事前に定めたROI基準（ROI > 20%）に対する判断")


def test_summary_links_the_numbers_file_instead_of_printing_every_number(inspection, tmp_path):
    _, memos = inspection
    links = [b for b in _summary(memos["en"]) if isinstance(b, Links)]
    assert [b.items for b in links] == [
        [("numbers.json", "numbers.json"), ("numbers.csv", "numbers.csv")]
    ]
    html = memos["en"].to_html(tmp_path / "memo.html").read_text(encoding="utf-8")
    assert '<a href="numbers.json">numbers.json</a>' in html
    assert re.findall(r'href="([^"]+)"', html) == ["numbers.json", "numbers.csv"]
    assert 'class="numbers"' not in html  # the old full listing is gone from the printed memo
    md = memos["en"].to_markdown(tmp_path / "memo.md").read_text(encoding="utf-8")
    assert "[numbers.csv](numbers.csv)" in md
    # the user's metric name is cited in texts, captions and alt texts: no token leaks through
    for doc in (html, md):
        assert "error rate" in doc or "loss" in doc
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", doc)
    # the book still has every number (the review writes it to numbers.json / numbers.csv)
    assert len(memos["en"].numbers_table) == len(memos["en"].numbers) > 200


def test_numbers_files_are_plain_file_names(inspection):
    ladder, memos = inspection
    memo = memos["en"]
    for bad in ("numbers.json", ("../numbers.json",), ("",), (3,)):
        with pytest.raises(sb.ConfigError, match="numbers_files"):
            sb.RiskMemo(memo.model, ladder, title="x", numbers_files=bad)


def test_unconverged_summary_withholds_the_decision(inspection):
    _, memos = inspection
    memo = memos["en"]
    draws = {
        k: v * np.exp(0.05 * np.random.default_rng(1).standard_normal((4, 500)))
        for k, v in INSPECTION_LAW.items()
    }
    draws["alpha"][0] *= 1.6  # one chain elsewhere: R-hat far above 1.01
    model = memo.model.__class__(memo.model.law, x=memo.model.x, progressbar=False)
    with pytest.warns(sb.ConvergenceWarning):
        model = fit_from_draws(model, memo.model.data_, draws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plans = [d.plan for d in memos["en"].result.draws]
        ladder = sb.compare_scales(model, plans, threshold=0.0, random_seed=0)
    unconverged = sb.RiskMemo(model, ladder, title="x", numbers_files=("numbers.json",))
    text = _text(_summary(unconverged))
    assert text.startswith("Withheld")
    assert not any(isinstance(b, Table) for b in _summary(unconverged))
    assert "How far to trust the intervals" in text  # the method's record still stands


def _figure_texts(memo, monkeypatch) -> dict[str, list[str]]:
    """Every text drawn in each figure of a memo (captured as each figure is saved)."""
    from matplotlib.text import Text

    from scaling_bayes.report import memo_figures

    texts: dict[str, list[str]] = {}
    original = memo_figures.to_png

    def spy(fig):
        texts[f"figure{len(texts) + 1}"] = [t.get_text() for t in fig.findobj(Text)]
        return original(fig)

    monkeypatch.setattr(memo_figures, "to_png", spy)
    memo._figures()
    return texts


def test_japanese_figure_labels_with_a_cjk_font(inspection, monkeypatch):
    from scaling_bayes.report.memo_figures import cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk); the fallback is tested below")
    ladder, memos = inspection
    memo = sb.RiskMemo(memos["ja"].model, ladder, title="x", language="ja")
    drawn = " ".join(t for texts in _figure_texts(memo, monkeypatch).values() for t in texts)
    assert "規模に対する予測と候補案" in drawn  # the fan chart's title
    assert "ラベル付き画像" in drawn and "誤り率" in drawn  # the user's axis and metric
    assert "予測の中央値" in drawn and "median forecast" not in drawn
    assert memo.numbers["figures.cjk_labels"] is True


def test_english_figure_labels_without_a_cjk_font(inspection, monkeypatch, tmp_path):
    from scaling_bayes.report import memo, memo_figures

    monkeypatch.setattr(memo_figures, "cjk_font", lambda: None)
    monkeypatch.setattr(memo, "cjk_font", lambda: None)
    ladder, memos = inspection
    ja = sb.RiskMemo(memos["ja"].model, ladder, title="x", language="ja")
    drawn = " ".join(t for texts in _figure_texts(ja, monkeypatch).values() for t in texts)
    assert "median forecast" in drawn and "予測の中央値" not in drawn
    assert ja.numbers["figures.cjk_labels"] is False
    md = ja.to_markdown(tmp_path / "memo.md").read_text(encoding="utf-8")
    assert "図中のラベルは英語表記です（この環境に日本語フォントがないため）" in md


def test_a_language_models_token_axis_is_not_a_learning_curve():
    """A power law on a language model's tokens cites the language-model track record."""
    data = sb.ScalingData.from_frame(sb.load_example(), params=None)
    model = sb.ScalingLawModel(law="power", x="tokens", progressbar=False)
    rng = np.random.default_rng(0)
    law = {"E": 1.9, "A": 400.0, "alpha": 0.3, "sigma": 0.01}
    model = fit_from_draws(
        model, data, {k: v * np.exp(0.02 * rng.standard_normal((4, 500))) for k, v in law.items()}
    )
    assert study_kind(model) == "language_model"
    images = sb.ScalingData.from_frame(sb.load_example(), params=None, kinds={"tokens": "count"})
    counted = fit_from_draws(
        sb.ScalingLawModel(law="power", x="tokens", progressbar=False),
        images,
        {k: v * np.exp(0.02 * rng.standard_normal((4, 500))) for k, v in law.items()},
    )
    assert study_kind(counted) == "learning_curve"


def test_summary_forecast_says_its_unit(language_model, inspection):
    """A loss forecast names its unit; an error rate is shown in percent, which says it."""
    _, lm = language_model
    text = _text(_summary(lm["en"]))
    assert "Forecast loss (nats/token) of plan" in text
    assert "loss (nats/token): median (90% interval)" in text
    assert "誤差（nats/token）" in _text(_summary(lm["ja"]))
    _, insp = inspection
    assert "(fraction)" not in _text(_summary(insp["en"]))


def _roi_header(memo) -> list[str]:
    """The header of the ROI section's table (the one with the ROI percentiles)."""
    tables = [b for b in memo._blocks() if isinstance(b, Table)]
    roi = [t for t in tables if "95%" in [plain_text(h) for h in t.header]]
    assert len(roi) == 1
    return [plain_text(h) for h in roi[0].header]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_roi_table_states_break_even_once_at_a_zero_threshold(inspection, language_model, language):
    """At threshold 0 clearing it is breaking even: one column; at 0.2 both are stated."""
    zero = _roi_header(inspection[1][language])
    assert inspection[0].threshold == 0 and sum(h.startswith("P(ROI > 0") for h in zero) == 1
    twenty = _roi_header(language_model[1][language])
    assert language_model[0].threshold == 0.2
    assert sum(h.startswith("P(ROI > 0") for h in twenty) == 1
    assert sum(h.startswith("P(ROI > 20") for h in twenty) == 1


def test_english_figures_draw_japanese_plan_names_with_a_cjk_font():
    """An English memo of a review whose plans have Japanese names (the factory demo): the
    labels stay in DejaVu Sans and the plan names fall back to the CJK font, not to boxes."""
    import warnings

    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from scaling_bayes.report.memo_figures import cjk_font, figure_context

    if cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk): plan names draw as boxes")
    with figure_context("en"):
        latin = font_manager.findfont(font_manager.FontProperties())
        fig = Figure()
        fig.text(0.1, 0.5, "1: 小規模 (median forecast)")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            FigureCanvasAgg(fig).draw()
    assert latin.endswith("DejaVuSans.ttf")
    assert not [w for w in caught if "missing from font" in str(w.message)]
