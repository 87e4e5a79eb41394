"""The board memo: numbers traced to the risk results, fail closed, safe HTML/CSV, two languages.

Every fit here is hand-built (no MCMC). The candidate plans stay within 50x of the largest pilot
run, so no ExtrapolationWarning is expected except where a test asks for one.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from helpers import hand_built_draws
from scipy import stats

import scaling_bayes as sb
from scaling_bayes.checks.backtest import Backtest
from scaling_bayes.checks.prior_checks import PriorSensitivity
from scaling_bayes.decision import decision_metrics
from scaling_bayes.report import RiskMemo, likelihood_term, likelihood_words
from scaling_bayes.report.document import full
from scaling_bayes.report.format import Money, formatter
from scaling_bayes.report.messages import catalogue
from scaling_bayes.report.provenance import canonical_runs_csv
from scaling_bayes.testing import fit_from_draws

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror=alert(1)>'
FIGURES = {"fan", "roi", "ladder", "acceptability", "tornado"}


# ---------------------------------------------------------------------- set-up
def _model(data=None, draws=None, **kwargs):
    data = data if data is not None else sb.ScalingData.from_frame(sb.load_example())
    model = sb.ScalingLawModel("chinchilla", progressbar=False)
    return fit_from_draws(model, data, draws if draws is not None else hand_built_draws(), **kwargs)


def _plans(names=("1B", "3B", "7B"), sizes=(1e9, 3e9, 7e9), value=None, currency="USD"):
    cost = sb.ComputeCost(
        usd_per_gpu_hour=stats.uniform(2, 2),
        mfu=stats.uniform(0.35, 0.2),
        fixed_usd=300_000,
        currency=currency,
    )
    value = value or sb.LinearValue(
        baseline_loss=2.6, usd_per_loss_unit=1_500_000, currency=currency
    )
    return [
        sb.Investment(params=n, tokens=20 * n, cost=cost, value=value, name=name)
        for n, name in zip(sizes, names, strict=True)
    ]


def _unconverged_model():
    rng = np.random.default_rng(0)
    draws = hand_built_draws()
    draws["alpha"][0] *= 1.5  # one chain elsewhere: R-hat far above 1.01
    with pytest.warns(sb.ConvergenceWarning, match="R-hat of alpha"):
        return _model(draws=draws, diverging=rng.random((4, 500)) < 0.01)


class _Page(HTMLParser):
    """Tags, attributes, number spans (key -> data-value) and text of an HTML page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.spans, self.text = [], [], {}, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        d = dict(attrs)
        if tag == "span" and "data-key" in d:
            key = d["data-key"]
            assert self.spans.get(key, d["data-value"]) == d["data-value"]
            self.spans[key] = d["data-value"]

    def handle_data(self, data):
        self.text.append(data)


def _numbers_file(path) -> dict:
    """key -> value text of a numbers CSV written by RiskMemo.to_csv (the memo's numbers file)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {row["key"]: row["value"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def model():
    return _model()


@pytest.fixture(scope="module")
def ladder(model):
    return sb.compare_scales(model, _plans(), threshold=0.2, random_seed=0)


@pytest.fixture(scope="module")
def pilot(model):
    return sb.evsi_pilot(
        model, _plans(), params=7e8, tokens=1.4e10, pilot_cost=5000.0, n_outer=500, random_seed=0
    )


@pytest.fixture(scope="module")
def rendered(model, ladder, pilot, tmp_path_factory):
    """English and Japanese memos of the same ladder, rendered once (HTML, Markdown, CSV)."""
    out = tmp_path_factory.mktemp("memo")
    memos = {}
    for lang in ("en", "ja"):
        memo = RiskMemo(
            model,
            ladder,
            title="Scaling the language model",
            author="Risk team",
            language=lang,
            pilot=pilot,
            date="2025-06-30",
        )
        memos[lang] = {
            "memo": memo,
            "html": memo.to_html(out / f"memo_{lang}.html").read_text(encoding="utf-8"),
            "md": memo.to_markdown(out / f"memo_{lang}.md").read_text(encoding="utf-8"),
            "csv": memo.to_csv(out / f"memo_{lang}.csv"),
            "dir": out,
        }
    return memos


# ---------------------------------------------------------------------- numbers
def test_numbers_equal_the_results_they_were_built_from(ladder, rendered):
    en = rendered["en"]
    numbers = en["memo"].numbers
    t = ladder.table
    for i, row in t.iterrows():
        k = f"plans.{i + 1}"
        for col in (
            "p_roi_above_threshold",
            "p_roi_above_threshold_mc_se",
            "p_best",
            "p_best_mc_se",
            "expected_net_benefit",
            "expected_net_benefit_lower",
            "expected_net_benefit_upper",
            "expected_cost",
            "p_step_pays",
        ):
            assert numbers[f"{k}.{col}"] == float(row[col]), (k, col)
        assert numbers[f"{k}.name"] == row["plan"]
        # the per-plan table equals decision_metrics on the ladder's own joint draws
        d = ladder.draws[i]
        direct = decision_metrics(d.value, d.cost, threshold=0.2, n_chains=4)
        for metric in ("p_break_even", "roi_p05", "roi_p50", "roi_p95", "var", "cvar"):
            assert numbers[f"{k}.{metric}"] == pytest.approx(direct.loc[metric, "estimate"])
            assert numbers[f"{k}.{metric}_mc_se"] == pytest.approx(direct.loc[metric, "mc_se"])
    assert numbers["evpi"] == ladder.evpi
    assert numbers["evpi_mc_se"] == ladder.evpi_mc_se
    assert numbers["best_option"] == ladder.best
    assert numbers["threshold"] == 0.2
    assert numbers["headline.withheld"] is False
    assert all(isinstance(v, str | int | float | bool | type(None)) for v in numbers.values())

    # read back from the HTML: every marked number carries the book's full value
    page = _Page(en["html"])
    assert page.spans, "no number is marked in the HTML"
    for key, value in page.spans.items():
        assert value == full(numbers[key]), key
    for i in range(len(t)):
        assert f"plans.{i + 1}.p_roi_above_threshold" in page.spans
    # ... and from the numbers file: every number of the book, at full precision
    listed = _numbers_file(en["csv"])
    assert set(listed) == set(numbers)
    for key, value in numbers.items():
        shown = listed[key]
        if isinstance(value, float):
            assert float(shown) == value, key
        elif isinstance(value, bool):
            assert shown.lower() == str(value).lower(), key
        elif value is None:
            assert shown == "", key
        elif isinstance(value, int):
            assert int(float(shown)) == value, key
    # the printed memo no longer lists them: it links the numbers file instead
    assert "| plans.1.p_roi_above_threshold |" not in en["md"]

    # the headline says each probability as the risk module words it
    text = " ".join("".join(_Page(en["html"]).text).split())
    for _, row in t.iterrows():
        words = likelihood_words(
            row["p_roi_above_threshold"], row["p_roi_above_threshold_mc_se"], ladder.n_draws
        )
        assert words in en["memo"].text
        assert words in text
        assert words in en["md"]


def test_html_is_self_contained_and_prints(rendered):
    doc = rendered["en"]["html"]
    page = _Page(doc)
    assert "<script" not in doc.lower()
    assert not re.search(r"https?://", doc)
    images = [v for tag, k, v in page.attrs if tag == "img" and k == "src"]
    assert len(images) == len(FIGURES)
    assert all(v.startswith("data:image/png;base64,") for v in images)
    for tag, key, value in page.attrs:
        assert not key.startswith("on")
        if key in ("src", "href", "action", "srcset", "poster", "background"):
            assert value.startswith("data:"), (tag, key, value)
    assert not {"link", "iframe", "object", "embed", "base", "form"} & set(page.tags)
    assert "Content-Security-Policy" in doc and "default-src 'none'" in doc
    assert "size: A4" in doc and "break-inside: avoid" in doc
    # Markdown: figures written beside it, linked by relative name
    md = rendered["en"]["md"]
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert sorted(links) == sorted(f"memo_en_{name}.png" for name in FIGURES)
    for link in links:
        assert (rendered["en"]["dir"] / link).read_bytes().startswith(b"\x89PNG")


def test_japanese_memo_states_the_same_numbers(ladder, rendered):
    en, ja = rendered["en"], rendered["ja"]
    assert en["memo"].numbers == ja["memo"].numbers
    en_spans, ja_spans = _Page(en["html"]).spans, _Page(ja["html"]).spans
    assert en_spans == ja_spans  # the same keys cited, with the same values
    assert _numbers_file(en["csv"]) == _numbers_file(ja["csv"])
    assert '<html lang="ja">' in ja["html"]
    text = ja["memo"].text
    numbers = ja["memo"].numbers
    for k in range(1, len(ladder.table) + 1):
        p = numbers[f"plans.{k}.p_roi_above_threshold"]
        term = catalogue("ja").table("likelihood_terms")[likelihood_term(p)]
        assert f"「{term}」" in text
        money = formatter("ja").money(Money(numbers[f"plans.{k}.expected_net_benefit"], "USD"))
        assert money in ja["md"] and money.endswith("ドル")
    # figure labels are Japanese when a CJK font is installed, else the memo says they are not
    note = "図中のラベルは英語表記です"
    assert (note in ja["md"]) != ja["memo"].numbers["figures.cjk_labels"]
    assert "ほぼ確実＝99〜100%" in text or "可能性が" in text
    assert not re.search(r"\b(likely|unlikely|virtually certain)\b", text)


# ---------------------------------------------------------------------- fail closed
def test_unconverged_fit_fails_closed(tmp_path):
    model = _unconverged_model()
    ladder = sb.compare_scales(model, _plans(), threshold=0.2, random_seed=0)
    hidden = [
        likelihood_words(r["p_roi_above_threshold"], r["p_roi_above_threshold_mc_se"], 2000)
        for _, r in ladder.table.iterrows()
    ]
    for lang in ("en", "ja"):
        memo = RiskMemo(model, ladder, title="Scaling", language=lang, date="2025-06-30")
        # the fit warned once; the memo flags (filterwarnings=error would fail on a re-warning)
        assert memo.converged is False
        doc = memo.to_html(tmp_path / f"m_{lang}.html").read_text(encoding="utf-8")
        md = memo.to_markdown(tmp_path / f"m_{lang}.md").read_text(encoding="utf-8")
        numbers = memo.numbers
        text = memo.text
        table = pd.read_csv(memo.to_csv(tmp_path / f"m_{lang}.csv"), encoding="utf-8-sig")
        # the warning box comes first: before the headline and every other section
        box = doc.index('class="warning"')
        assert box < doc.index('id="headline"')
        assert box < min(m.start() for m in re.finditer(r"<h2 id=", doc))
        assert md.index("> **") < md.index("## ")
        assert text.startswith("!! ")
        # the headline probability (and every decision number) is nowhere
        assert numbers["headline.withheld"] is True
        assert numbers["memo.converged"] is False
        withheld = ("p_roi", "p_best", "p_break_even", "net_benefit", "roi_p", "evpi", "var")
        for key in list(numbers) + list(table["key"]) + list(_Page(doc).spans):
            assert not any(w in key for w in withheld), key
        for words in hidden:
            for output in (doc, md, text):
                assert words not in output
                assert words.split(" (", 1)[1].split(",")[0] not in output  # e.g. "99.5%"
        # only the (stamped) fan chart is drawn
        assert sorted(p.name for p in tmp_path.glob(f"m_{lang}_*.png")) == [f"m_{lang}_fan.png"]


def test_unconverged_single_risk_result_fails_closed():
    model = _unconverged_model()
    risk = sb.assess_roi(model, _plans()[1], threshold=0.2, random_seed=0)
    memo = RiskMemo(model, risk, title="One plan")
    numbers = memo.numbers
    assert numbers["headline.withheld"] is True
    assert "plans.1.p_roi_above_threshold" not in numbers


# ---------------------------------------------------------------------- safety
def test_hostile_strings_are_escaped(tmp_path):
    data_file = tmp_path / f"{HOSTILE_IMG.replace('/', '')}.csv"
    sb.load_example().to_csv(data_file, index=False)
    runs = sb.ScalingData.from_frame(sb.load_example(), source=HOSTILE_SCRIPT)
    model = _model(data=runs)
    # a hostile currency code is refused where it is given (ISO 4217), so plans use a real one
    with pytest.raises(sb.DataError, match="ISO 4217"):
        _plans(currency="<i>€")
    plans = _plans(names=(HOSTILE_SCRIPT, HOSTILE_IMG + " $\\frac{", "<b>7B</b>"), currency="EUR")
    ladder = sb.compare_scales(model, plans, threshold=0.2, random_seed=0)
    memo = RiskMemo(
        model,
        ladder,
        title=f"{HOSTILE_SCRIPT} https://evil.example/x.js",
        author=HOSTILE_IMG,
        data_path=data_file,
        sources={"value.usd_per_loss_unit": (HOSTILE_SCRIPT, HOSTILE_IMG)},
    )
    doc = memo.to_html(tmp_path / "memo.html").read_text(encoding="utf-8")
    md = memo.to_markdown(tmp_path / "memo.md").read_text(encoding="utf-8")
    page = _Page(doc)
    assert "<script" not in doc.lower() and "<script" not in md.lower()
    assert "<img src=x" not in doc and "<img src=x" not in md
    assert "<b>7B" not in doc and "<i>€" not in doc
    assert html.escape(HOSTILE_SCRIPT) in doc
    assert html.escape(HOSTILE_IMG) in doc
    # the only tags are the memo's own; the only images are the embedded figures
    allowed = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "ul"}
    allowed |= {"li", "div", "table", "thead", "tbody", "tr", "th", "td", "span", "figure"}
    allowed |= {"img", "figcaption", "section"}
    assert set(page.tags) <= allowed
    assert page.tags.count("img") == len(FIGURES)
    for tag, key, value in page.attrs:
        assert not key.startswith("on"), (tag, key)
        if key in ("src", "href"):
            assert value.startswith("data:image/png;base64,")
    # URLs survive only as escaped text (and inert data-value/title attributes), never as a
    # resource
    resources = ("src", "href", "srcset", "action", "poster", "background", "style", "content")
    assert all("http" not in v for _, k, v in page.attrs if k in resources)
    assert "url(" not in doc
    # the user's strings come back intact as text
    text = "".join(page.text)
    assert HOSTILE_SCRIPT in text and HOSTILE_IMG in text
    assert memo.numbers["provenance.data_source"] == HOSTILE_SCRIPT
    assert html.escape(HOSTILE_SCRIPT, quote=False) in md


def test_csv_is_protected_against_formula_injection(model, tmp_path):
    formula = '=HYPERLINK("http://evil.example","click")'
    plans = _plans(names=(formula, "+cmd|' /C calc'!A0", "@SUM(1+1)"))
    ladder = sb.compare_scales(model, plans, threshold=0.2, random_seed=0)
    memo = RiskMemo(
        model,
        ladder,
        title="-2+3",
        author="\t=1+1",
        sources={"cost.fixed_usd": ("\r=cmd", "＝1+1")},
    )
    path = memo.to_csv(tmp_path / "numbers.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads it as UTF-8
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["key", "value", "unit", "source", "converged"]
    assert {row[4] for row in rows[1:]} == {"true"}
    cells = {row[0]: row[1] for row in rows[1:]}
    assert cells["plans.1.name"] == "'" + formula
    assert cells["plans.2.name"].startswith("'+")
    assert cells["plans.3.name"].startswith("'@")
    assert cells["memo.title"] == "'-2+3"
    assert cells["memo.author"] == "'=1+1"  # the tab is cleaned away, the formula is quoted
    assert cells["inputs.cost.fixed_usd.source"].startswith("'")
    assert cells["inputs.cost.fixed_usd.date"].startswith("'＝")
    dangerous = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
    negatives = 0
    for row in rows[1:]:
        for cell in row:
            if cell.startswith(dangerous):
                float(cell)  # only plain (negative) numbers may start like a formula
                negatives += cell.startswith("-")
    assert negatives > 0  # e.g. the expected net benefit of the smallest plan
    assert (
        float(cells["plans.1.expected_net_benefit"]) == memo.numbers["plans.1.expected_net_benefit"]
    )


# ---------------------------------------------------------------------- other inputs
def test_one_plan_memo_from_a_risk_result(model, tmp_path):
    plan = _plans()[2]
    risk = sb.assess_roi(model, plan, threshold=0.2, random_seed=0)
    memo = RiskMemo(model, risk, title="One plan", language="ja")
    numbers = memo.numbers
    assert numbers["single_plan"] is True and numbers["n_plans"] == 1
    for metric in ("p_roi_above_threshold", "p_break_even", "roi_p05", "roi_p95", "var", "cvar"):
        assert numbers[f"plans.1.{metric}"] == float(risk.table.loc[metric, "estimate"])
    assert numbers["plans.1.loss_median"] == float(risk.table.loc["loss", "estimate"])
    assert numbers["evpi"] >= 0
    md = memo.to_markdown(tmp_path / "one.md").read_text(encoding="utf-8")
    assert "評価した案は1つのため" in md
    listed = _numbers_file(memo.to_csv(tmp_path / "one.csv"))
    assert float(listed["plans.1.p_roi_above_threshold"]) == float(
        risk.table.loc["p_roi_above_threshold", "estimate"]
    )


def test_pilot_priors_backtest_sources_and_provenance(model, ladder, pilot, tmp_path):
    data_file = tmp_path / "runs.csv"
    sb.load_example().to_csv(data_file, index=False)
    sensitivity = PriorSensitivity(
        pd.DataFrame({"shift": [0.01, -0.03], "shift_in_widths": [0.05, -0.2]}),
        model,
        model,
        "literature",
    )
    sensitivity.table.attrs.update(interval_prob=0.9, converged=True)
    small = model.data_.select(mask=model.data_.frame["compute"] <= 1e19)
    metrics = pd.Series(
        {"coverage_90": 0.9, "coverage_50": 0.5, "median_abs_rel_error": 0.012, "n_runs": 4}
    )
    bt = Backtest(pd.DataFrame(), metrics, pd.DataFrame(), model, small, None, "compute", 1e19)
    memo = RiskMemo(
        model,
        ladder,
        title="Review",
        pilot=pilot,
        prior_sensitivity=sensitivity,
        backtest=bt,
        threshold=0.2,
        date="2025-06-30",
        data_path=data_file,
        sources={"cost.usd_per_gpu_hour": ("vendor quote Q-17", "2025-05-01")},
    )
    n = memo.numbers
    assert n["pilot.evsi"] == float(pilot.table.loc["evsi", "estimate"])
    assert n["pilot.pilot_cost"] == 5000.0
    assert n["pilot.p_decision_changes_bound95"] == pytest.approx(3 / 500)
    assert n["prior_sensitivity.max_shift"] == 0.03
    assert n["prior_sensitivity.max_shift_in_widths"] == 0.2
    assert n["backtest.coverage_90"] == 0.9 and n["backtest.n_train"] == small.n_runs
    assert n["provenance.data_file_sha256"] == hashlib.sha256(data_file.read_bytes()).hexdigest()
    assert (
        n["provenance.runs_sha256"] == hashlib.sha256(canonical_runs_csv(model.data_)).hexdigest()
    )
    assert n["provenance.n_runs"] == 15
    assert n["provenance.memo_date"] == "2025-06-30"
    assert n["inputs.cost.usd_per_gpu_hour.source"] == "vendor quote Q-17"
    assert n["inputs.cost.mfu.source_kind"] == "package_default"  # equals the default
    assert n["inputs.cost.fixed_usd.source_kind"] == "not_recorded"
    assert n["priors.preset"] == "weak"
    text = memo.text
    assert "Of 3 plans" in text
    assert "advice" not in text.lower() and "we recommend" not in text.lower()


def test_far_extrapolation_is_stated(model):
    plans = _plans(names=("1B", "30B"), sizes=(1e9, 3e10))
    with pytest.warns(sb.ExtrapolationWarning):
        ladder = sb.compare_scales(model, plans, threshold=0.2, random_seed=0)
    memo = RiskMemo(model, ladder, title="Far")
    n = memo.numbers
    assert n["extrapolation.max_ratio"] == pytest.approx(918.367, rel=1e-4)
    assert "918×" in memo.text


def test_do_nothing_best_is_said_without_advice(model):
    value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=10_000)
    ladder = sb.compare_scales(model, _plans(value=value), threshold=0.2, random_seed=0)
    assert ladder.best == "do nothing"
    memo = RiskMemo(model, ladder, title="Small value")
    assert memo.numbers["best_is_do_nothing"] is True
    assert memo.text.startswith("No plan has a positive expected net benefit")


def test_rendering_is_deterministic(model, ladder):
    a = RiskMemo(model, ladder, title="A", date="2025-06-30").numbers
    b = RiskMemo(model, ladder, title="A", date="2025-06-30").numbers
    assert a == b


# ---------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"language": "fr"}, sb.ConfigError, "language"),
        ({"title": ""}, sb.ConfigError, "title"),
        ({"title": 3}, sb.ConfigError, "title"),
        ({"title": "x" * 400}, sb.ConfigError, "title"),
        ({"author": None}, sb.ConfigError, "author"),
        ({"threshold": 0.1}, sb.ConfigError, "threshold"),
        ({"threshold": "20%"}, sb.ConfigError, "threshold"),
        ({"date": "30/06/2025"}, sb.ConfigError, "date"),
        ({"date": 20250630}, sb.ConfigError, "date"),
        ({"data_path": "no/such/runs.csv"}, sb.DataError, "data_path"),
        ({"data_path": 3}, sb.DataError, "data_path"),
        ({"sources": {"cost.price": "x"}}, sb.ConfigError, "sources"),
        ({"sources": {"cost.mfu": 3}}, sb.ConfigError, "sources"),
        ({"sources": ["cost.mfu"]}, sb.ConfigError, "sources"),
        ({"pilot": "yes"}, sb.DataError, "pilot"),
        ({"prior_sensitivity": 1}, sb.DataError, "prior_sensitivity"),
        ({"backtest": 1}, sb.DataError, "backtest"),
    ],
)
def test_bad_arguments_name_the_argument(model, ladder, kwargs, error, match):
    args = {"title": "Memo", **kwargs}
    with pytest.raises(error, match=match):
        RiskMemo(model, ladder, **args)


def test_bad_model_and_results(model, ladder):
    with pytest.raises(sb.DataError, match="model must be a fitted ScalingLawModel"):
        RiskMemo("model", ladder, title="x")
    with pytest.raises(sb.NotFittedError, match="not fitted"):
        RiskMemo(sb.ScalingLawModel(progressbar=False), ladder, title="x")
    with pytest.raises(sb.DataError, match="ladder_or_risk"):
        RiskMemo(model, ladder.table, title="x")
    other = _model(draws=hand_built_draws(seed=1))
    with pytest.raises(sb.ConfigError, match="another fit"):
        RiskMemo(other, ladder, title="x")
    draws = np.random.default_rng(0).normal([2.5, 2.3], 0.03, size=(2000, 2))
    from_draws = sb.compare_scales(draws, _plans()[:2], random_seed=0)
    with pytest.raises(sb.ConfigError, match="not from the fitted model"):
        RiskMemo(model, from_draws, title="x")
    pilot_other = sb.evsi_pilot(
        model, _plans()[:2], params=7e8, tokens=1.4e10, pilot_cost=1.0, n_outer=50, random_seed=0
    )
    with pytest.raises(sb.ConfigError, match="pilot was computed for the plans"):
        RiskMemo(model, ladder, title="x", pilot=pilot_other)


def test_bad_output_paths(model, ladder, tmp_path, monkeypatch):
    memo = RiskMemo(model, ladder, title="x")
    with pytest.raises(sb.ConfigError, match="does not exist"):
        memo.to_html(tmp_path / "missing" / "memo.html")
    with pytest.raises(sb.ConfigError, match="is a folder"):
        memo.to_markdown(tmp_path)
    with pytest.raises(sb.ConfigError, match="file path"):
        memo.to_csv(None)
    monkeypatch.setattr("scaling_bayes.report.memo.os.access", lambda *a, **k: False)
    with pytest.raises(sb.ConfigError, match="not writable"):
        memo.to_csv(tmp_path / "numbers.csv")
    assert not list(tmp_path.iterdir())
