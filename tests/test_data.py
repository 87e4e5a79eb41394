"""The data contract: each violation is a DataError naming the column and rows, before any model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scaling_bayes as sb
from scaling_bayes.core.data import design_problems


def runs(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "params": [1e7, 3e7, 1e8, 3e8, 1e9],
            "tokens": [2e8, 1.2e9, 2e9, 1.2e10, 2e10],
            "loss": [4.1, 3.7, 3.3, 3.0, 2.8],
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_valid_frame_derives_compute_as_six_n_d():
    data = sb.ScalingData.from_frame(runs())
    assert data.compute_derived
    np.testing.assert_allclose(
        data.column("compute"), 6 * data.column("params") * data.column("tokens")
    )
    assert data.axes == ("params", "tokens", "compute")


def test_given_compute_column_is_used_not_derived():
    frame = runs(flops=[1.3e16, 2.2e17, 1.2e18, 2.2e19, 1.2e20])
    data = sb.ScalingData.from_frame(frame, compute="flops")
    assert not data.compute_derived
    np.testing.assert_array_equal(data.column("compute"), frame["flops"].to_numpy())


def test_input_frame_is_not_modified():
    frame = runs()
    before = frame.copy()
    sb.ScalingData.from_frame(frame)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (np.nan, "missing"),
        (np.inf, "infinite"),
        (0.0, "zero or negative"),
        (-2.0, "zero or negative"),
    ],
)
@pytest.mark.parametrize("column", ["params", "tokens", "loss"])
def test_bad_values_name_column_and_row(column, bad, problem):
    frame = runs()
    frame.loc[3, column] = bad
    with pytest.raises(sb.DataError, match=rf"column '{column}'.*row 3 are {problem}"):
        sb.ScalingData.from_frame(frame)


def test_strings_in_numeric_column_are_reported_with_examples():
    frame = runs()
    frame["loss"] = frame["loss"].astype(object)
    frame.loc[1, "loss"] = "3.7 nats"
    frame.loc[4, "loss"] = "n/a"
    with pytest.raises(
        sb.DataError, match=r"column 'loss'.*must be numeric; rows 1, 4.*'3.7 nats'"
    ):
        sb.ScalingData.from_frame(frame)


def test_numeric_strings_are_accepted():
    frame = runs()
    frame["loss"] = frame["loss"].astype(str)
    data = sb.ScalingData.from_frame(frame)
    assert data.loss.dtype == float


def test_missing_column_lists_available_columns():
    with pytest.raises(sb.DataError, match=r"column 'n_params' \(params\) not found.*'params'"):
        sb.ScalingData.from_frame(runs(), params="n_params")


def test_empty_table():
    with pytest.raises(sb.DataError, match="empty"):
        sb.ScalingData.from_frame(runs().iloc[:0])


def test_single_run():
    with pytest.raises(sb.DataError, match="only one run"):
        sb.ScalingData.from_frame(runs().iloc[:1])


def test_duplicated_rows_are_an_error_not_silently_dropped():
    frame = pd.concat([runs(), runs().iloc[[2]]], ignore_index=True)
    with pytest.raises(sb.DataError, match=r"duplicated runs: rows 2, 5"):
        sb.ScalingData.from_frame(frame)


def test_repeated_seeds_with_different_loss_are_kept():
    frame = pd.concat([runs(), runs().iloc[[2]].assign(loss=3.31)], ignore_index=True)
    assert sb.ScalingData.from_frame(frame).n_runs == 6


def test_all_runs_at_one_scale():
    frame = pd.DataFrame({"params": [1e8] * 3, "tokens": [2e9] * 3, "loss": [3.3, 3.31, 3.29]})
    with pytest.raises(sb.DataError, match="all 3 runs are at one scale"):
        sb.ScalingData.from_frame(frame)


def test_no_scale_column():
    with pytest.raises(sb.DataError, match="no scale column"):
        sb.ScalingData.from_frame(runs(), params=None, tokens=None)


def test_not_a_dataframe():
    with pytest.raises(sb.DataError, match="expected a pandas DataFrame"):
        sb.ScalingData.from_frame({"params": [1, 2]})


def test_error_is_package_error_and_value_error():
    with pytest.raises(sb.ScalingBayesError):
        sb.ScalingData.from_frame(runs().iloc[:0])
    with pytest.raises(ValueError):
        sb.ScalingData.from_frame(runs().iloc[:0])


def test_params_in_billions_are_refused_with_the_fix():
    frame = runs(params=[0.01, 0.03, 0.1, 0.3, 1.0])
    with pytest.raises(sb.DataError, match=r"column 'params' \(params\).*look like billions.*1e9"):
        sb.ScalingData.from_frame(frame)


def test_tokens_fewer_than_params_warn_naming_rows():
    frame = runs(tokens=[2e8, 1.2e9, 5e7, 1.2e10, 2e10])
    with pytest.warns(sb.InputWarning, match=r"row 2 have fewer tokens than parameters"):
        sb.ScalingData.from_frame(frame)


def test_count_axis_gets_no_language_model_rule():
    images = pd.DataFrame({"images": [50, 100, 200, 400], "err": [0.3, 0.2, 0.15, 0.1]})
    data = sb.ScalingData.from_frame(
        images, params=None, tokens="images", loss="err", kinds={"tokens": "count"}
    )
    assert data.kind("tokens") == "count"
    assert "compute" not in data.axes
    with pytest.raises(sb.DataError, match="look like billions"):
        sb.ScalingData.from_frame(images, params=None, tokens="images", loss="err")


def test_compute_far_from_six_n_d_names_rows():
    frame = runs(flops=[1.3e16, 2.2e17, 1.2e15, 2.2e19, 1.2e20])
    with pytest.raises(sb.DataError, match=r"column 'flops'.*row 2, outside 0.5x-2x.*FLOPs"):
        sb.ScalingData.from_frame(frame, compute="flops")


def test_select_keeps_declared_kinds():
    images = pd.DataFrame({"n": [50, 100, 200, 400, 800], "err": [0.3, 0.2, 0.15, 0.1, 0.08]})
    data = sb.ScalingData.from_frame(
        images, params=None, tokens="n", loss="err", kinds={"tokens": "count"}
    )
    assert data.select(mask=[True, True, True, False, False]).kind("tokens") == "count"


def test_group_column_with_missing_label():
    frame = runs(setting=["a", "a", None, "b", "b"])
    with pytest.raises(sb.DataError, match=r"column 'setting' \(group\).*row 2"):
        sb.ScalingData.from_frame(frame, group="setting")


def test_select_group_revalidates():
    frame = runs(setting=["a", "a", "a", "b", "b"])
    data = sb.ScalingData.from_frame(frame, group="setting")
    assert data.select(group="a").n_runs == 3
    with pytest.raises(sb.DataError, match="group 'c' not found"):
        data.select(group="c")


def test_from_csv_reports_missing_file(tmp_path):
    with pytest.raises(sb.DataError, match="does not exist"):
        sb.ScalingData.from_csv(tmp_path / "nope.csv")


def test_from_csv_round_trip(tmp_path):
    path = tmp_path / "runs.csv"
    runs().to_csv(path, index=False)
    data = sb.ScalingData.from_csv(path)
    assert data.source == str(path)
    assert data.n_runs == 5


# ---------------------------------------------------------------------- design checks
def test_single_tokens_per_param_ratio_is_flagged():
    frame = runs(tokens=[20 * n for n in [1e7, 3e7, 1e8, 3e8, 1e9]])
    problems = design_problems(sb.ScalingData.from_frame(frame), ("params", "tokens"))
    assert any("same tokens-per-parameter ratio" in p for p in problems)


def test_fewer_than_three_scales_on_an_axis_is_flagged():
    frame = runs(params=[1e7, 1e7, 1e8, 1e8, 1e8])
    problems = design_problems(sb.ScalingData.from_frame(frame), ("params", "tokens"))
    assert any("only 2 distinct value(s) of params" in p for p in problems)


def test_rising_loss_is_flagged():
    frame = runs(loss=[2.8, 3.0, 3.3, 3.7, 4.1])
    problems = design_problems(sb.ScalingData.from_frame(frame), ("params", "tokens"))
    assert any("loss rises with scale" in p for p in problems)


def test_good_design_has_no_problems(example_data):
    assert design_problems(example_data, ("params", "tokens")) == []
