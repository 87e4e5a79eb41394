"""Scale axes in the user's words (names, units, kinds) and CSV encodings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import scaling_bayes as sb

IMAGES = [500, 700, 900, 2000, 8000]  # mostly below 1e3: a language model's "billions" slip
ERRORS = [0.21, 0.18, 0.16, 0.125, 0.085]


def image_runs() -> pd.DataFrame:
    return pd.DataFrame({"labelled_images": IMAGES, "error_rate": ERRORS})


def image_data(**kwargs) -> sb.ScalingData:
    options = {"params": None, "tokens": "labelled_images", "loss": "error_rate"}
    return sb.ScalingData.from_frame(image_runs(), **{**options, **kwargs})


def test_language_model_axes_keep_their_names_and_units(example_data):
    assert example_data.axis_label("params") == "parameters"
    assert example_data.axis_label("tokens") == "training tokens"
    assert example_data.axis_label("compute") == "training compute"
    assert [example_data.axis_unit(a) for a in example_data.axes] == [
        "parameters",
        "tokens",
        "FLOPs",
    ]


def test_count_axis_is_named_after_its_column_or_the_users_words():
    data = image_data(kinds={"tokens": "count"})
    assert data.axis_label("tokens") == "labelled images"
    assert data.axis_unit("tokens") == "labelled images"
    named = image_data(
        kinds={"tokens": "count"},
        axis_labels={"tokens": "labelled images"},
        axis_units={"tokens": "images"},
    )
    assert (named.axis_label("tokens"), named.axis_unit("tokens")) == ("labelled images", "images")
    kept = named.select(mask=[True, True, True, True, False])
    assert (kept.axis_label("tokens"), kept.axis_unit("tokens")) == ("labelled images", "images")


def test_count_axis_gets_no_language_model_unit_rule():
    # As language-model tokens, counts below 1e3 look like billions: all of them are refused,
    # some of them warned about. As labelled images (kind "count") they are what a proof of
    # concept has: accepted without a warning.
    small = pd.DataFrame({"labelled_images": [500, 700, 900], "error_rate": ERRORS[:3]})
    options = {"params": None, "tokens": "labelled_images", "loss": "error_rate"}
    with pytest.raises(sb.DataError, match="declare its kind as 'count'"):
        sb.ScalingData.from_frame(small, **options)
    with pytest.warns(sb.InputWarning, match="below 1000"):
        image_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sb.ScalingData.from_frame(small, kinds={"tokens": "count"}, **options).n_runs == 3
        assert image_data(kinds={"tokens": "count"}).kind("tokens") == "count"


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"axis_labels": {"images": "labelled images"}}, ["unknown axis 'images'", "tokens"]),
        ({"axis_labels": {"tokens": ""}}, ["axis_labels['tokens']", "non-empty"]),
        ({"axis_units": {"params": "parameters"}}, ["params= gives no column"]),
        ({"axis_units": ["images"]}, ["axis_units= must be a dict"]),
    ],
)
def test_bad_axis_names_are_refused_naming_the_argument(kwargs, words):
    with pytest.raises(sb.DataError) as info:
        image_data(kinds={"tokens": "count"}, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_two_axis_law_still_works_with_named_axes(example_data, fitted_chinchilla):
    runs = sb.load_example()
    data = sb.ScalingData.from_frame(runs, axis_labels={"params": "model size"})
    assert data.axis_label("params") == "model size"
    assert data.axis_label("tokens") == "training tokens"
    assert np.allclose(data.loss, example_data.loss)
    forecast = fitted_chinchilla.predict(params=[7e9], tokens=[1.4e11], random_seed=0)
    assert forecast.metric == sb.Metric()
    assert forecast.summary()["median"].iloc[0] < example_data.loss.min()


# ---------------------------------------------------------------------- CSV encodings
CSV_JA = "画像枚数,誤り率\n500,0.21\n1000,0.16\n2000,0.125\n4000,0.10\n"


def read(path, **kwargs):
    return sb.ScalingData.from_csv(
        path, params=None, tokens="画像枚数", loss="誤り率", kinds={"tokens": "count"}, **kwargs
    )


@pytest.mark.parametrize("encoding", ["auto", None, "cp932", "shift_jis", "CP932"])
def test_cp932_csv_reads_by_default_and_by_name(tmp_path, encoding):
    path = tmp_path / "runs.csv"
    path.write_bytes(CSV_JA.encode("cp932"))
    data = read(path) if encoding == "auto" else read(path, encoding=encoding)
    assert data.n_runs == 4 and data.axis_label("tokens") == "画像枚数"


def test_utf8_with_bom_reads_by_default(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_bytes(CSV_JA.encode("utf-8-sig"))
    assert read(path).axis_label("tokens") == "画像枚数"


def test_failed_decoding_names_the_encoding_tried_and_the_fix(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_bytes(CSV_JA.encode("cp932"))
    with pytest.raises(sb.DataError) as info:
        read(path, encoding="utf-8")
    message = str(info.value)
    assert "encoding utf-8" in message and str(path) in message
    assert "encoding='latin-1'" in message
    with pytest.raises(sb.DataError, match="'auto', 'utf-8' or 'cp932'"):
        read(path, encoding=932)
