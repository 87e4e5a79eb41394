"""``scaling-bayes example NAME --out DIR`` and ``scaling-bayes demo`` with both bundled reviews.

The demo's fits are replaced by hand-built draws around each example's own law (no MCMC); the
real demo runs in tests/test_fit_slow.py.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import INSPECTION_LAW, hand_built_draws

import scaling_bayes as sb
from scaling_bayes.app.cli import DEMO_FOLDERS, main
from scaling_bayes.app.config import load_config
from scaling_bayes.datasets import (
    EXAMPLES,
    example_files,
    load_inspection_example,
    make_inspection_example,
)
from scaling_bayes.testing import fit_from_draws


def _fake_fit(self, data, random_seed=None, progressbar=None):
    if self.law == "saturating":
        rng = np.random.default_rng(0)
        draws = {
            k: v * np.exp(0.05 * rng.standard_normal((2, 250))) for k, v in INSPECTION_LAW.items()
        }
    else:
        draws = hand_built_draws(chains=2, draws=250)
    return fit_from_draws(self, data, draws, random_seed=random_seed)


@pytest.fixture
def fake_fits(monkeypatch):
    monkeypatch.setattr(sb.ScalingLawModel, "fit", _fake_fit)


# ---------------------------------------------------------------------- the bundled data
def test_inspection_data_is_what_its_recipe_writes():
    bundled = load_inspection_example()
    pd.testing.assert_frame_equal(bundled, make_inspection_example(), check_dtype=False)
    rates = bundled.groupby("labelled_images")["error_rate"].mean()
    # a factory proof of concept: 500 to 8k labelled images, error rate about 0.21 down to 0.085
    assert list(rates.index) == [500, 1000, 2000, 4000, 8000]
    assert 0.18 < rates.iloc[0] < 0.23 and 0.07 < rates.iloc[-1] < 0.10
    assert (np.diff(rates.to_numpy()) < 0).all()  # returns diminish, but each step helps
    assert bundled["labelled_images"].value_counts().min() >= 2  # repeats (training seeds)


def test_inspection_config_is_in_yen_and_japanese():
    config = load_config(example_files("inspection")[0])
    assert config.memo["language"] == "ja"
    assert config.cost["currency"] == "JPY" and config.value["currency"] == "JPY"
    per_sample = config.cost["per_sample"]
    assert per_sample.ppf(0) == pytest.approx(25) and per_sample.ppf(1) == pytest.approx(40)
    assert config.kpi_target == 0.07 and config.payback_target == 18
    assert all("integration" in plan for plan in config.plans)
    assert config.data_path.name == "inspection_runs.csv"


# ---------------------------------------------------------------------- example
def test_example_writes_config_and_data_to_edit(tmp_path, capsys):
    out = tmp_path / "my_review"
    assert main(["example", "inspection", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "inspection_review.toml",
        "inspection_runs.csv",
    ]
    for source in example_files("inspection"):
        assert (out / source.name).read_bytes() == source.read_bytes()
    printed = capsys.readouterr().out
    assert "scaling-bayes review" in printed and "inspection_review.toml" in printed
    # the copied config loads from its new folder (data path relative to it)
    config = load_config(out / "inspection_review.toml")
    assert config.data_path == (out / "inspection_runs.csv").resolve()


def test_example_never_overwrites(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "inspection_runs.csv").write_text("my own runs")
    assert main(["example", "inspection", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "inspection_runs.csv already exists" in err and "never overwrites" in err
    assert (out / "inspection_runs.csv").read_text() == "my own runs"
    assert not (out / "inspection_review.toml").exists()  # all or nothing


def test_example_unknown_name_lists_the_examples(tmp_path, capsys):
    out = tmp_path / "x"
    assert main(["example", "inspect", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no bundled example named 'inspect'" in err
    for name in EXAMPLES:
        assert name in err
    assert not out.exists()


def test_example_out_is_a_file(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["example", "language-model", "--out", str(blocker)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


# ---------------------------------------------------------------------- demo
def test_demo_writes_both_reviews_in_both_languages(tmp_path, fake_fits, capsys):
    out = tmp_path / "demo"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unit-rule and extrapolation warnings of the stories
        code = main(["demo", "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert sorted(p.name for p in out.iterdir()) == sorted(DEMO_FOLDERS.values())
    lm, inspection = out / "language_model", out / "inspection"
    for folder in (lm, inspection):
        for name in ("memo.html", "memo.md", "numbers.json", "numbers.csv", "manifest.json"):
            assert (folder / name).stat().st_size > 0, (folder, name)
    # the language-model memo in English with a Japanese copy, the inspection memo the other way
    assert (lm / "memo_ja.html").exists() and (inspection / "memo_en.html").exists()
    ja_lm = (lm / "memo_ja.html").read_text(encoding="utf-8")
    assert "<title>言語モデルの規模拡大：どの規模に投資するか</title>" in ja_lm
    ja_insp = (inspection / "memo.html").read_text(encoding="utf-8")
    assert "<title>外観検査モデル：追加のラベル付けにどこまで投資するか</title>" in ja_insp
    assert "経営向け要約" in ja_insp and "万円" in ja_insp
    en_insp = (inspection / "memo_en.html").read_text(encoding="utf-8")
    assert "<title>Visual inspection model: how many more images to label?</title>" in en_insp
    numbers = json.loads((inspection / "numbers.json").read_text(encoding="utf-8"))
    assert numbers["currency"] == "JPY" and numbers["converged"] is True
    # the memo links the numbers files written beside it
    assert 'href="numbers.json"' in ja_insp and (inspection / "numbers.json").exists()
    # a second run refuses to overwrite without --force, before anything is fitted
    assert main(["demo", "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err


def test_demo_checks_every_output_folder_before_writing_either(tmp_path, fake_fits, capsys):
    out = tmp_path / "demo"
    (out / "inspection").mkdir(parents=True)
    (out / "inspection" / "notes.txt").write_text("mine")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the labelled-images axis's unit rule, at preflight
        assert main(["demo", "--out", str(out), "--force"]) == 2
    assert "--force refuses" in capsys.readouterr().err
    assert not (out / "language_model").exists()  # nothing written


def test_demo_replaces_an_earlier_demos_single_review_only_with_force(tmp_path, fake_fits, capsys):
    from scaling_bayes.app.output import Staging

    out = tmp_path / "demo_output"
    with Staging(out) as stage:  # what an earlier demo left: one review at the top of --out
        for name in ("memo.html", "memo.md", "numbers.csv"):
            (stage.path / name).write_text("earlier demo")
        stage.commit(converged=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["demo", "--out", str(out)]) == 2
        assert "earlier demo" in capsys.readouterr().err
        assert (out / "memo.md").read_text() == "earlier demo"  # untouched, nothing written
        assert not (out / "language_model").exists()
        assert main(["demo", "--out", str(out), "--force"]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == sorted(DEMO_FOLDERS.values())


def test_demo_keeps_a_folder_it_did_not_write(tmp_path, fake_fits, capsys):
    out = tmp_path / "demo_output"
    out.mkdir()
    (out / "memo.md").write_text("mine")
    (out / "notes.txt").write_text("mine")  # not a review: the demo never deletes these
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["demo", "--out", str(out), "--force"]) == 0, capsys.readouterr().err
    assert (out / "memo.md").read_text() == "mine" and (out / "notes.txt").read_text() == "mine"
    assert (out / "language_model" / "memo.md").exists()
