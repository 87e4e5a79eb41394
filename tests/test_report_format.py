"""Typed values formatted per language, the message catalogues and the Jinja2 templates."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

import scaling_bayes as sb
from scaling_bayes.core.exceptions import ScalingBayesError
from scaling_bayes.report import format_money, format_probability, likelihood_words, render
from scaling_bayes.report.document import Box, Figure, Heading, Para, Table, token
from scaling_bayes.report.format import Formatter, Money, Probability, Quantity, formatter
from scaling_bayes.report.messages import LANGUAGES, catalogue

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)> | *x* [a](b)'


# ---------------------------------------------------------------------- catalogues
def test_every_language_has_the_same_messages_and_placeholders():
    en = catalogue("en")
    for language in LANGUAGES:
        other = catalogue(language)
        assert sorted(other.keys()) == sorted(en.keys()), language
        for key in en.keys():
            assert other.placeholders(key) == en.placeholders(key), (language, key)
        assert set(other.tables()) == set(en.tables())
        for name in ("likelihood_terms", "likelihood_ranges", "axis_units"):
            assert list(other.table(name)) == list(en.table(name)), (language, name)


def test_every_message_fills_with_its_placeholders():
    for language in LANGUAGES:
        cat = catalogue(language)
        for key in cat.keys():
            fields = {name: f"<{name}>" for name in cat.placeholders(key)}
            text = cat.text(key, **fields)
            assert "{" not in text and "}" not in text, (language, key)
            assert all(f"<{name}>" in text for name in fields), (language, key)


def test_a_missing_message_names_the_file_to_add_it_to():
    with pytest.raises(ScalingBayesError, match=r"messages/ja\.toml"):
        catalogue("ja").text("headline.no_such_sentence")
    with pytest.raises(sb.ConfigError, match="language"):
        catalogue("fr")
    with pytest.raises(sb.ConfigError, match="language"):
        Formatter("de")


def test_japanese_memo_words_have_no_english_likelihood_terms():
    terms = catalogue("ja").table("likelihood_terms")
    assert not any(re.search(r"[a-z]", term) for term in terms.values())


# ---------------------------------------------------------------------- probabilities
PROBABILITIES = [0.0, 1.0, 0.0005, 0.043, 0.5, 0.605, 0.7812, 0.905, 0.99, 0.9995]
ERRORS = [None, 0.0, 0.0004, 0.00094, 0.00095, 0.0065, 0.0094, 0.0095, 0.012, float("nan")]


@pytest.mark.parametrize(("p", "se"), list(itertools.product(PROBABILITIES, ERRORS)))
def test_english_probability_is_written_as_the_public_function_writes_it(p, se):
    en = formatter("en")
    prob = Probability(p, se, 2000)
    pieces = en.probability_pieces(prob)
    assert en.probability(prob.kind, pieces) == format_probability(p, se, 2000)
    assert en.likelihood(prob, pieces) == likelihood_words(p, se, 2000)


@pytest.mark.parametrize(
    ("prob", "kind", "compact_ja"),
    [
        (Probability(0.0, 0.0, 2000), "none", "0%（2,000回中0回、95%上限 0.15%）"),
        (Probability(1.0, 0.0, 500), "all", "100%（500回中すべて、95%下限 99.4%）"),
        (Probability(0.001, 0.0004, 2000), "below", "0.1%（±0.1%未満）"),
        (Probability(0.65, 0.012, 2000), "error", "65%（±1%）"),
        (Probability(0.065, 0.0057, 2000), "error", "6.5%（±0.6%）"),
        (Probability(0.65), "plain", "65%"),
    ],
)
def test_probability_kinds_and_japanese_compact_form(prob, kind, compact_ja):
    ja = formatter("ja")
    assert prob.kind == kind
    assert ja.compact_probability(kind, ja.probability_pieces(prob)) == compact_ja


# ---------------------------------------------------------------------- money, numbers
@pytest.mark.parametrize(
    "amount", [0.0, 430.0, -430.0, 9_996.0, 40_000.0, -181_309.0, 1.234e6, 3e8, -1.3e7, 2.5e12]
)
def test_english_money_is_written_as_the_public_function_writes_it(amount):
    for currency in ("USD", "EUR", "<i>€"):
        expected = format_money(amount, currency)
        assert formatter("en").money(Money(amount, currency)) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "ja"),
    [
        (478_000, "USD", "47.8万ドル"),
        (-181_309, "USD", "-18.1万ドル"),
        (3e8, "JPY", "3億円"),
        (9_996_000, "USD", "1,000万ドル"),
        (1.5e13, "EUR", "15兆ユーロ"),
        (9_000, "CHF", "9,000 CHF"),
        (None, "USD", "—"),
    ],
)
def test_japanese_money_uses_man_oku_cho(amount, currency, ja):
    assert formatter("ja").money(Money(amount, currency)) == ja


def test_numbers_flags_ratios_and_quantities_per_language():
    en, ja = formatter("en"), formatter("ja")
    assert (en.compact(7e9), ja.compact(7e9)) == ("7B", "70億")
    assert (en.compact(True), ja.compact(False)) == ("yes", "いいえ")
    assert (en.ratio(172.3), ja.ratio(172.3)) == ("172×", "172倍")
    assert en.quantity(Quantity(0.0213, "nats/token")) == "0.0213 nats/token"
    assert (en.fixed(1878.4, 0), en.significant(2085.7), en.significant(0.3481)) == (
        "1,878",
        "2,086",
        "0.348",
    )
    assert en.currency_name("USD") == "USD" and ja.currency_name("USD") == "ドル"


# ---------------------------------------------------------------------- templates
def _blocks():
    cell = token("plans.1.name", HOSTILE)
    return [
        Heading(token("memo.title", HOSTILE), level=1),
        Box("Warning", [f"Plan {cell} did not converge."]),
        Heading("1. Headline", anchor="headline"),
        Para(f"Plan {cell} pays.", style="note"),
        Figure("fan", "Figure 1. Fan | *chart*", "alt <text>"),
        Figure("missing", "never shown", "never"),
        Table(["#", "plan | name"], [["1", cell]], numeric=[0]),
        Heading("Technical appendix", anchor="technical"),
        Para("All numbers."),
    ]


def test_html_template_escapes_text_and_marks_numbers():
    sources = {"plans.1.name": (HOSTILE, 'src "x"'), "memo.title": (HOSTILE, "title")}
    doc = render.to_html(_blocks(), {"fan": b"\x89PNG"}, lang="en", title=HOSTILE, sources=sources)
    assert "<script" not in doc and "<img src=x" not in doc
    assert doc.count("<img ") == 1 and 'src="data:image/png;base64,iVBORw=="' in doc
    assert "never shown" not in doc  # a figure without a PNG is left out
    assert 'data-key="plans.1.name"' in doc and "&lt;script&gt;" in doc
    assert "default-src 'none'" in doc and "size: A4" in doc
    assert doc.index('class="warning"') < doc.index('id="headline"')
    assert doc.index('<section class="technical">') < doc.index('id="technical"')
    assert doc.rstrip().endswith("</section>\n</main>\n</body>\n</html>")
    assert not re.search(r"https?://", doc)


def test_markdown_template_escapes_user_text_and_keeps_tables_whole():
    md = render.to_markdown(_blocks(), {"fan": "memo fan.png"})
    assert "<script" not in md and "<img src=x" not in md
    assert "![alt &lt;text&gt;](memo%20fan.png)" in md
    assert "never shown" not in md
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert table[1] == "|---:|---|"
    # the user's pipes are escaped, so every row has the header's two cells
    assert all(len(re.split(r"(?<!\\)\|", line)) == 4 for line in table)
    assert md.startswith("# ") and "> **Warning**\n>\n> Plan " in md
    assert md.endswith("All numbers.\n")


def test_plain_text_has_no_tokens():
    text = render.to_text(_blocks())
    assert "\x00" not in text and HOSTILE in text and text.startswith(HOSTILE)
    assert np.char.count(text, "!! Warning") == 1
