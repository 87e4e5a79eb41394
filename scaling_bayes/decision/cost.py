"""Cost, energy and carbon of a training run, with uncertain inputs.

The arithmetic (FACTS.md; Kaplan et al. 2020, Hoffmann et al. 2022)::

    FLOPs       = 6 N D                                   (or the compute given)
    GPU-hours   = FLOPs / (peak x MFU x 3600)             peak in FLOP/s per GPU
    energy      = GPU-hours x board power x PUE           kWh (reported in MWh)
    CO2e        = energy x grid intensity                 g (reported in tonnes)
    cost        = GPU-hours x price + fixed + energy x energy price + CO2e x carbon price

Rental prices usually include power, so the energy price defaults to 0 (set it for owned
hardware); the carbon price defaults to 0 (set it to internalise emissions). ``fixed_usd`` holds
what does not scale with FLOPs: data preparation and quality work, staff, evaluation, operations
(staff alone is 29-49% of frontier training cost, Cottier et al. 2024). Board power times PUE
leaves out host CPUs and networking, so energy and CO2e are lower bounds of the facility's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..core.constants import FLOPS_PER_PARAM_TOKEN
from ..core.exceptions import DataError
from .inputs import Bounds, check_input, describe_input, sample_inputs, seed_entropy

__all__ = ["DEFAULTS_AS_OF", "GPU_SPECS", "ComputeCost", "GPUSpec", "training_flops"]

#: Date of the default prices, utilisation, PUE and grid intensity below.
DEFAULTS_AS_OF = "2025-06"


@dataclass(frozen=True)
class GPUSpec:
    """Peak dense BF16 tensor throughput and board power of one accelerator.

    NVIDIA data sheets print BF16 throughput "with sparsity"; the dense figure used for MFU is
    half of it.

    Examples
    --------
    >>> GPU_SPECS["H100"].peak_flops, GPU_SPECS["H100"].power_kw
    (989000000000000.0, 0.7)
    """

    name: str
    peak_flops: float
    power_kw: float
    source: str


#: Accelerators with their dense BF16 peak (FLOP/s) and board power (kW), as of
#: :data:`DEFAULTS_AS_OF`. Pass ``peak_flops=`` and ``power_kw=`` to ComputeCost for others.
GPU_SPECS: dict[str, GPUSpec] = {
    "A100": GPUSpec(
        "A100 SXM4",
        312e12,
        0.400,
        "NVIDIA A100 Tensor Core GPU data sheet (2021): BF16 312 TFLOP/s",
    ),
    "H100": GPUSpec(
        "H100 SXM5",
        989e12,
        0.700,
        "NVIDIA H100 Tensor Core GPU data sheet (2023): BF16 1,979 TFLOP/s with sparsity",
    ),
    "H200": GPUSpec(
        "H200 SXM",
        989e12,
        0.700,
        "NVIDIA H200 Tensor Core GPU data sheet (2024): BF16 1,979 TFLOP/s with sparsity",
    ),
    "B200": GPUSpec(
        "B200 (HGX, 1,000 W)",
        2250e12,
        1.000,
        "NVIDIA HGX B200 specifications (2024): BF16 36 PFLOP/s with sparsity for 8 GPUs",
    ),
}

#: Rental price per H100-hour at specialised clouds, 2025-2026 (public price lists, FACTS.md).
DEFAULT_PRICE = (2.0, 4.0)
#: Model FLOPs utilisation of large dense training runs: 0.35-0.55 (PaLM appendix B; Llama 3
#: report: 38-43% on H100).
DEFAULT_MFU = (0.35, 0.55)
#: Average data-centre PUE in 2024 (Uptime Institute); hyperscalers reach about 1.1.
DEFAULT_PUE = 1.56
#: World-average grid carbon intensity, gCO2e/kWh (IEA via the CodeCarbon methodology).
DEFAULT_GRID = 475.0

_BOUNDS = {
    "usd_per_gpu_hour": Bounds(
        0.0, None, unit="money per GPU-hour", example="2.5 or scipy.stats.uniform(2, 2)"
    ),
    "mfu": Bounds(0.0, 1.0, unit="model FLOPs utilisation, a fraction", example="0.4"),
    "fixed_usd": Bounds(0.0, None, lower_inclusive=True, unit="money", example="40_000"),
    "power_kw": Bounds(0.0, None, unit="kW per GPU", example="0.7"),
    "pue": Bounds(
        1.0, None, lower_inclusive=True, unit="power usage effectiveness >= 1", example="1.3"
    ),
    "grid_gco2_per_kwh": Bounds(
        0.0, None, lower_inclusive=True, unit="gCO2e per kWh", example="475"
    ),
    "usd_per_kwh": Bounds(0.0, None, lower_inclusive=True, unit="money per kWh", example="0.1"),
    "usd_per_tonne_co2e": Bounds(
        0.0, None, lower_inclusive=True, unit="money per tonne CO2e", example="100"
    ),
}


def training_flops(params, tokens) -> np.ndarray:
    """Training compute ``C = 6 N D`` in FLOPs (Kaplan et al. 2020; Hoffmann et al. 2022).

    Examples
    --------
    >>> float(training_flops(7e9, 1.4e11))
    5.88e+21
    """
    return FLOPS_PER_PARAM_TOKEN * np.asarray(params, float) * np.asarray(tokens, float)


@dataclass(frozen=True, eq=False)
class ComputeCost:
    """Money, GPU-hours, energy and CO2e of training, each input a number or a distribution.

    Every input is a number, a frozen ``scipy.stats`` distribution (sampled jointly with the
    loss draws) or an array of draws. Defaults are dated (:data:`DEFAULTS_AS_OF`) and sourced in
    the module constants.

    Parameters
    ----------
    gpu : {"A100", "H100", "H200", "B200"}
        Accelerator; sets ``peak_flops`` and ``power_kw`` from :data:`GPU_SPECS` unless given.
    usd_per_gpu_hour : number or distribution
        Price per GPU-hour (default uniform on USD 2-4, specialised clouds 2025-2026).
    mfu : number or distribution
        Model FLOPs utilisation in (0, 1] (default uniform on 0.35-0.55).
    fixed_usd : number or distribution
        Costs that do not scale with FLOPs: data preparation and quality work, staff,
        evaluation, operations (default 0; rarely true).
    power_kw : number or distribution, optional
        Board power per GPU in kW (default from the GPU table).
    pue : number or distribution
        Data-centre power usage effectiveness, >= 1 (default 1.56, Uptime Institute 2024).
    grid_gco2_per_kwh : number or distribution
        Grid carbon intensity (default 475 g/kWh, world average; France about 57).
    usd_per_kwh : number or distribution
        Energy price when power is billed separately (default 0: rental prices include it).
    usd_per_tonne_co2e : number or distribution
        Carbon price added to the cost (default 0).
    peak_flops : float, optional
        Peak dense throughput per GPU in FLOP/s, overriding the GPU table.
    currency : str
        Currency of every money amount (the ``usd_`` names keep their meaning in it).

    Examples
    --------
    >>> cost = ComputeCost(gpu="H100", usd_per_gpu_hour=3.0, mfu=0.4, pue=1.58)
    >>> row = cost.sample(compute=training_flops(7e9, 1.4e11), n=1).iloc[0]
    >>> [round(float(row[k]), 2) for k in ("gpu_hours", "energy_mwh", "co2e_t")]
    [4128.75, 4.57, 2.17]
    """

    gpu: str = "H100"
    usd_per_gpu_hour: object = field(default_factory=lambda: _uniform(*DEFAULT_PRICE))
    mfu: object = field(default_factory=lambda: _uniform(*DEFAULT_MFU))
    fixed_usd: object = 0.0
    power_kw: object = None
    pue: object = DEFAULT_PUE
    grid_gco2_per_kwh: object = DEFAULT_GRID
    usd_per_kwh: object = 0.0
    usd_per_tonne_co2e: object = 0.0
    peak_flops: float | None = None
    currency: str = "USD"

    def __post_init__(self) -> None:
        if self.peak_flops is None or self.power_kw is None:
            if self.gpu not in GPU_SPECS:
                raise DataError(
                    f"gpu={self.gpu!r} is not in the table ({', '.join(GPU_SPECS)}); choose one "
                    "or give peak_flops= (dense BF16 FLOP/s per GPU) and power_kw="
                )
        spec = GPU_SPECS.get(self.gpu)
        peak = spec.peak_flops if self.peak_flops is None else self.peak_flops
        if isinstance(peak, bool) or not np.isfinite(_as_float(peak, "peak_flops")) or peak <= 0:
            raise DataError(
                f"peak_flops must be a positive number of FLOP/s (e.g. 989e12); got "
                f"{self.peak_flops!r}"
            )
        object.__setattr__(self, "peak_flops", float(peak))
        if self.power_kw is None:
            object.__setattr__(self, "power_kw", spec.power_kw)
        for name, bounds in _BOUNDS.items():
            object.__setattr__(self, name, check_input(name, getattr(self, name), bounds))
        if not isinstance(self.currency, str) or not self.currency:
            raise DataError(
                f"currency must be a non-empty string such as 'USD'; got {self.currency!r}"
            )

    # ------------------------------------------------------------------ inputs
    def input_specs(self) -> dict[str, tuple[object, Bounds]]:
        """The inputs with their bounds, by name (see :mod:`scaling_bayes.decision.inputs`)."""
        return {name: (getattr(self, name), bounds) for name, bounds in _BOUNDS.items()}

    def evaluate(self, flops, draws: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Cost components per joint draw from sampled inputs (keys as in :meth:`input_specs`).

        Returns
        -------
        dict of arrays
            ``gpu_hours``, ``energy_mwh``, ``co2e_t``, ``cost_gpu``, ``cost_fixed``,
            ``cost_energy``, ``cost_carbon`` and the total ``cost``.
        """
        gpu_hours = np.asarray(flops, float) / (self.peak_flops * draws["mfu"] * 3600.0)
        energy_kwh = gpu_hours * draws["power_kw"] * draws["pue"]
        co2e_t = energy_kwh * draws["grid_gco2_per_kwh"] / 1e6
        parts = {
            "cost_gpu": gpu_hours * draws["usd_per_gpu_hour"],
            "cost_fixed": draws["fixed_usd"],
            "cost_energy": energy_kwh * draws["usd_per_kwh"],
            "cost_carbon": co2e_t * draws["usd_per_tonne_co2e"],
        }
        total = sum(parts.values())
        return {
            "gpu_hours": gpu_hours,
            "energy_mwh": energy_kwh / 1000.0,
            "co2e_t": co2e_t,
            **parts,
            "cost": total,
        }

    def sample(
        self,
        *,
        params=None,
        tokens=None,
        compute=None,
        n: int = 4000,
        random_seed: int | None = None,
    ) -> pd.DataFrame:
        """Draws of cost, GPU-hours, energy and CO2e for one run (no loss forecast needed).

        Give ``compute`` (FLOPs) or ``params`` and ``tokens`` (``C = 6 N D``).

        Returns
        -------
        pandas.DataFrame
            One row per draw: the sampled inputs and the outputs of :meth:`evaluate`.
        """
        flops = flops_of(params, tokens, compute)
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise DataError(f"n must be a positive integer number of draws; got {n!r}")
        draws = sample_inputs(self._qualified(), int(n), seed_entropy(random_seed))
        short = {k.split(".", 1)[1]: v for k, v in draws.items()}
        out = pd.DataFrame({**short, **self.evaluate(flops, short)})
        out.attrs.update(currency=self.currency, flops=flops)
        return out

    def _qualified(self) -> dict[str, tuple[object, Bounds]]:
        return {f"cost.{k}": v for k, v in self.input_specs().items()}

    def describe(self) -> str:
        """The assumptions in one sentence, for texts and memos."""
        c = self.currency
        parts = [
            f"{self.gpu} at {self.peak_flops / 1e12:.0f} TFLOP/s peak",
            f"{c} {describe_input(self.usd_per_gpu_hour)} per GPU-hour",
            f"MFU {describe_input(self.mfu)}",
            f"fixed costs {c} {describe_input(self.fixed_usd)}",
            f"{describe_input(self.power_kw)} kW per GPU at PUE {describe_input(self.pue)}",
            f"grid {describe_input(self.grid_gco2_per_kwh)} gCO2e/kWh",
        ]
        if not _is_zero(self.usd_per_kwh):
            parts.append(f"energy {c} {describe_input(self.usd_per_kwh)} per kWh")
        if not _is_zero(self.usd_per_tonne_co2e):
            parts.append(f"carbon price {c} {describe_input(self.usd_per_tonne_co2e)} per tonne")
        return "; ".join(parts)


def _uniform(lo: float, hi: float):
    return stats.uniform(lo, hi - lo)


def _is_zero(value) -> bool:
    return isinstance(value, float) and value == 0.0


def _as_float(value, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a number; got {value!r}") from err


def flops_of(params, tokens, compute) -> float:
    if compute is not None:
        flops = _as_float(compute, "compute")
        name = "compute"
    elif params is not None and tokens is not None:
        flops = float(training_flops(_as_float(params, "params"), _as_float(tokens, "tokens")))
        name = "params x tokens"
    else:
        raise DataError("give compute= (FLOPs) or both params= and tokens= (raw counts)")
    if not np.isfinite(flops) or flops <= 0:
        raise DataError(f"{name} must be positive and finite; got {flops!r}")
    return flops
