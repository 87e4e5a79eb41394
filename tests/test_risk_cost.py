"""Cost, energy and carbon arithmetic: the FACTS.md worked example and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scaling_bayes.core.exceptions import DataError
from scaling_bayes.decision import GPU_SPECS, ComputeCost, training_flops

# FACTS.md worked example: H100, MFU 0.4, PUE 1.58, 475 gCO2e/kWh.
WORKED = {"gpu": "H100", "mfu": 0.4, "pue": 1.58, "grid_gco2_per_kwh": 475.0}


def footprint(params, tokens, **kwargs):
    cost = ComputeCost(**{**WORKED, "usd_per_gpu_hour": 3.0, **kwargs})
    return cost.sample(params=params, tokens=tokens, n=1, random_seed=0).iloc[0]


def test_training_flops_is_six_n_d():
    assert training_flops(7e9, 1.4e11) == pytest.approx(5.88e21)
    assert training_flops(7e10, 1.4e12) == pytest.approx(5.88e23)


@pytest.mark.parametrize(
    ("params", "tokens", "gpu_hours", "energy_mwh", "co2e_t"),
    [
        # FACTS.md: "about 4.1k GPU-hours, 4.6 MWh, 2.2 t CO2e"
        (7e9, 1.4e11, 4.1e3, 4.6, 2.2),
        # FACTS.md: "about 413k GPU-hours, 457 MWh, 217 t"
        (7e10, 1.4e12, 413e3, 457.0, 217.0),
    ],
)
def test_worked_example_of_facts(params, tokens, gpu_hours, energy_mwh, co2e_t):
    row = footprint(params, tokens)
    # Exact arithmetic first ...
    expected_hours = 6 * params * tokens / (989e12 * 0.4 * 3600)
    assert row["gpu_hours"] == pytest.approx(expected_hours, rel=1e-12)
    assert row["energy_mwh"] == pytest.approx(expected_hours * 0.7 * 1.58 / 1000, rel=1e-12)
    assert row["co2e_t"] == pytest.approx(expected_hours * 0.7 * 1.58 * 475 / 1e6, rel=1e-12)
    # ... then the published figures, which are rounded to 2-3 significant digits.
    assert row["gpu_hours"] == pytest.approx(gpu_hours, rel=0.01)
    assert row["energy_mwh"] == pytest.approx(energy_mwh, rel=0.01)
    assert row["co2e_t"] == pytest.approx(co2e_t, rel=0.015)


def test_worked_example_money_range():
    # FACTS.md: "USD 10-17k at 2.5-4 per hour" for 7B on 140B tokens.
    cost = ComputeCost(**WORKED, usd_per_gpu_hour=stats.uniform(2.5, 1.5))
    draws = cost.sample(params=7e9, tokens=1.4e11, n=2000, random_seed=1)
    assert draws["cost"].min() >= 10_000
    assert draws["cost"].max() <= 17_000
    assert draws["cost_gpu"].equals(draws["cost"])  # no fixed, energy or carbon costs


def test_gpu_table_has_sourced_peaks():
    assert set(GPU_SPECS) >= {"A100", "H100", "H200", "B200"}
    assert GPU_SPECS["A100"].peak_flops == 312e12
    assert GPU_SPECS["H100"].peak_flops == 989e12
    assert GPU_SPECS["B200"].peak_flops == 2250e12
    for spec in GPU_SPECS.values():
        assert "NVIDIA" in spec.source
        assert 0 < spec.power_kw <= 1.2


def test_components_add_up_with_fixed_energy_and_carbon_prices():
    cost = ComputeCost(
        **WORKED, usd_per_gpu_hour=2.0, fixed_usd=40_000, usd_per_kwh=0.1, usd_per_tonne_co2e=100
    )
    row = cost.sample(compute=5.88e21, n=1).iloc[0]
    assert row["cost_carbon"] == pytest.approx(row["co2e_t"] * 100)
    assert row["cost_energy"] == pytest.approx(row["energy_mwh"] * 1000 * 0.1)
    parts = row["cost_gpu"] + row["cost_fixed"] + row["cost_energy"] + row["cost_carbon"]
    assert row["cost"] == pytest.approx(parts)
    assert row["cost_fixed"] == 40_000


def test_peak_and_power_overrides():
    cost = ComputeCost(gpu="custom", peak_flops=1e15, power_kw=0.5, mfu=0.5, usd_per_gpu_hour=1)
    row = cost.sample(compute=3.6e18, n=1).iloc[0]
    assert row["gpu_hours"] == pytest.approx(2.0)


def test_same_seed_same_draws_and_inputs_are_sampled():
    cost = ComputeCost()
    a = cost.sample(compute=1e21, n=500, random_seed=3)
    b = cost.sample(compute=1e21, n=500, random_seed=3)
    c = cost.sample(compute=1e21, n=500, random_seed=4)
    assert a.equals(b)
    assert not a.cost.equals(c["cost"])
    assert a.usd_per_gpu_hour.between(2, 4).all()
    assert a.mfu.between(0.35, 0.55).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"usd_per_gpu_hour": -1.0}, "usd_per_gpu_hour must be > 0"),
        ({"usd_per_gpu_hour": 0}, "usd_per_gpu_hour must be > 0"),
        ({"usd_per_gpu_hour": stats.norm(3, 1)}, "usd_per_gpu_hour is a distribution with support"),
        ({"usd_per_gpu_hour": stats.norm}, "unfrozen"),
        ({"usd_per_gpu_hour": "3"}, "usd_per_gpu_hour must be a number"),
        ({"mfu": 0.0}, "mfu must be > 0 and <= 1"),
        ({"mfu": 40}, "mfu must be > 0 and <= 1"),
        ({"mfu": stats.uniform(0.5, 0.7)}, "mfu is a distribution with support"),
        ({"pue": 0.9}, "pue must be >= 1"),
        ({"fixed_usd": -5}, "fixed_usd must be >= 0"),
        ({"grid_gco2_per_kwh": np.nan}, "grid_gco2_per_kwh"),
        ({"gpu": "TPU"}, "gpu='TPU' is not in the table"),
        ({"peak_flops": -1}, "peak_flops must be a positive"),
        ({"currency": ""}, "currency"),
    ],
)
def test_bad_cost_inputs_name_the_argument(kwargs, match):
    with pytest.raises(DataError, match=match):
        ComputeCost(**kwargs)


def test_mfu_of_one_is_allowed():
    assert ComputeCost(mfu=1.0).mfu == 1.0


def test_array_inputs_must_match_the_number_of_draws():
    cost = ComputeCost(usd_per_gpu_hour=np.array([2.0, 3.0, 4.0]))
    with pytest.raises(DataError, match="usd_per_gpu_hour has 3 draws but there are 5"):
        cost.sample(compute=1e21, n=5)
    with pytest.raises(DataError, match="mfu draws must be > 0 and <= 1"):
        ComputeCost(mfu=np.array([0.4, 1.4]))


def test_sample_needs_a_scale():
    with pytest.raises(DataError, match="compute="):
        ComputeCost().sample(params=7e9)
    with pytest.raises(DataError, match="compute must be positive"):
        ComputeCost().sample(compute=-1.0)


def test_describe_states_the_assumptions():
    text = ComputeCost(fixed_usd=40_000, usd_per_tonne_co2e=80).describe()
    assert "H100" in text and "uniform on 2-4" in text and "fixed costs USD 40k" in text
    assert "carbon price USD 80 per tonne" in text
