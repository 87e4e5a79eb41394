"""Cost, energy and carbon of a training run, with uncertain inputs.

The arithmetic (Kaplan et al. 2020, arXiv:2001.08361; Hoffmann et al. 2022, arXiv:2203.15556)::

    FLOPs       = 6 N D                                   (or the compute given)
    GPU-hours   = FLOPs / (peak x MFU x 3600)             peak in FLOP/s per GPU
    energy      = GPU-hours x board power x PUE           kWh (reported in MWh)
    CO2e        = energy x grid intensity                 g (reported in tonnes)
    cost        = GPU-hours x price + fixed + energy x energy price + CO2e x carbon price
                  + per-sample price x added samples

When the training runs are not language models (a vision model trained on labelled images, say),
the GPU-hours come from what the pilot runs actually took, scaled along the data axis::

    GPU-hours   = pilot GPU-hours x (plan size / pilot size) ^ exponent     (exponent 1 by default:
                                                                             same epochs, cost per
                                                                             sample constant)

Data acquisition and labelling are priced per *added* sample: the plan's data size minus the
samples already owned (the largest pilot run's). The plan's own one-off integration and the
running costs per year (inference, maintenance, staff) are added by the plan
(:class:`~scaling_bayes.decision.Investment`); running costs are discounted over the value
model's horizon like the value. The parts of every cost draw are :data:`COST_COMPONENTS`; they
sum to the total draw by draw.

Rental prices usually include power, so the energy price defaults to 0 (set it for owned
hardware); the carbon price defaults to 0 (set it to internalise emissions). ``fixed_usd`` holds
what does not scale with FLOPs and is the same for every plan priced with this cost model: data
preparation and quality work, staff, evaluation, operations (staff alone is 29-49% of frontier
training cost, Cottier et al. 2024); a cost of one plan only is its ``integration``. Board power
times PUE
leaves out host CPUs and networking, so energy and CO2e are lower bounds of the facility's.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from ..core.constants import FLOPS_PER_PARAM_TOKEN
from ..core.exceptions import DataError
from .inputs import (
    Bounds,
    check_currency,
    check_input,
    describe_input,
    positive_number,
    sample_inputs,
    seed_entropy,
)

__all__ = [
    "COST_COMPONENTS",
    "DEFAULTS_AS_OF",
    "GPU_SPECS",
    "ComputeCost",
    "GPUSpec",
    "training_flops",
]

#: The parts of every cost draw, in the order tables show them; ``cost_<part>`` sum to ``cost``:
#: data acquisition and labelling of the added samples, training compute (GPU-hours x price),
#: energy and carbon prices, the fixed costs of the cost model (shared by every plan), the plan's
#: own one-off integration, and the running costs over the horizon (discounted like value).
COST_COMPONENTS = ("data", "compute", "energy", "carbon", "fixed", "integration", "running")

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

#: Rental price per H100-hour at specialised clouds, 2025-2026 (their public price lists).
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
#: Inputs that enter only when given (so the draws and tables of cost models without them are
#: exactly those of earlier releases).
_OPTIONAL_BOUNDS = {
    "per_sample": Bounds(
        0.0,
        None,
        lower_inclusive=True,
        unit="money per added sample (acquisition and labelling)",
        example="32 or scipy.stats.uniform(25, 15) (JPY 25-40 an image)",
    ),
    "pilot_gpu_hours": Bounds(
        0.0, None, unit="GPU-hours of the reference pilot run", example="1.5"
    ),
    "running_per_year": Bounds(
        0.0,
        None,
        lower_inclusive=True,
        unit="money per year: inference, maintenance, staff",
        example="2_000_000",
    ),
}


def training_flops(params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
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

    Every money amount is in ``currency``. The neutral names ``per_gpu_hour``, ``fixed``,
    ``per_kwh`` and ``per_tonne_co2e`` set ``usd_per_gpu_hour``, ``fixed_usd``, ``usd_per_kwh``
    and ``usd_per_tonne_co2e`` (the attribute names, kept from earlier releases).

    Parameters
    ----------
    gpu : {"A100", "H100", "H200", "B200"}
        Accelerator; sets ``peak_flops`` and ``power_kw`` from :data:`GPU_SPECS` unless given.
    usd_per_gpu_hour : number or distribution
        Price per GPU-hour (default uniform on USD 2-4, specialised clouds 2025-2026); also
        ``per_gpu_hour=``.
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
        ISO 4217 code of every money amount (the ``usd_`` names keep their meaning in it).
    per_sample : number or distribution
        Data acquisition and labelling per *added* sample on the data axis (default 0), e.g.
        ``scipy.stats.uniform(25, 15)`` for JPY 25-40 an image.
    data_on_hand : float, optional
        Samples already owned on the data axis (the largest pilot run's); a plan adds
        ``tokens - data_on_hand`` samples and may not have fewer. Needed with ``per_sample``.
    pilot_gpu_hours : number or distribution, optional
        GPU-hours a reference pilot run actually took; with ``pilot_size`` the training
        GPU-hours of a plan are ``pilot_gpu_hours x (tokens / pilot_size) ** gpu_hours_exponent``
        instead of ``6ND / (peak x MFU)`` (for models that are not language models).
    pilot_size : float, optional
        Size of that pilot run on the data axis (samples).
    gpu_hours_exponent : float
        How GPU-hours grow with the data size (default 1: same epochs, constant cost per sample).
    running_per_year : number or distribution
        Running costs per year of every plan (inference, maintenance, staff; default 0), paid
        over the value model's horizon and discounted like the value.

    Examples
    --------
    >>> cost = ComputeCost(gpu="H100", usd_per_gpu_hour=3.0, mfu=0.4, pue=1.58)
    >>> row = cost.sample(compute=training_flops(7e9, 1.4e11), n=1).iloc[0]
    >>> [round(float(row[k]), 2) for k in ("gpu_hours", "energy_mwh", "co2e_t")]
    [4128.75, 4.57, 2.17]

    A vision model priced in yen, from the GPU-hours its pilot run took:

    >>> jpy = ComputeCost(per_gpu_hour=450, fixed=2e6, pilot_gpu_hours=3.0, pilot_size=16_000,
    ...                   per_sample=32, data_on_hand=16_000, currency="JPY")
    >>> row = jpy.sample(tokens=50_000, n=1).iloc[0]
    >>> [float(row[k]) for k in ("gpu_hours", "cost_compute", "cost_data", "cost")]
    [9.375, 4218.75, 1088000.0, 3092218.75]
    """

    gpu: str = "H100"
    usd_per_gpu_hour: object = None
    mfu: object = field(default_factory=lambda: _uniform(*DEFAULT_MFU))
    fixed_usd: object = None
    power_kw: object = None
    pue: object = DEFAULT_PUE
    grid_gco2_per_kwh: object = DEFAULT_GRID
    usd_per_kwh: object = None
    usd_per_tonne_co2e: object = None
    peak_flops: float | None = None
    currency: str = "USD"
    per_sample: object = 0.0
    data_on_hand: float | None = None
    pilot_gpu_hours: object = None
    pilot_size: float | None = None
    gpu_hours_exponent: float = 1.0
    running_per_year: object = 0.0
    per_gpu_hour: InitVar[object] = None
    fixed: InitVar[object] = None
    per_kwh: InitVar[object] = None
    per_tonne_co2e: InitVar[object] = None

    def __post_init__(self, per_gpu_hour, fixed, per_kwh, per_tonne_co2e) -> None:
        # the neutral names (any currency) and the names of earlier releases: one value each
        given = {
            "usd_per_gpu_hour": ("per_gpu_hour", per_gpu_hour, _uniform(*DEFAULT_PRICE)),
            "fixed_usd": ("fixed", fixed, 0.0),
            "usd_per_kwh": ("per_kwh", per_kwh, 0.0),
            "usd_per_tonne_co2e": ("per_tonne_co2e", per_tonne_co2e, 0.0),
        }
        for old, (new, value, default) in given.items():
            if value is not None and getattr(self, old) is not None:
                raise DataError(f"give {new}= or its old name {old}=, not both")
            if value is None:
                value = getattr(self, old)
            object.__setattr__(self, old, default if value is None else value)
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
        check_currency(self.currency)
        for name in ("per_sample", "running_per_year"):
            value = getattr(self, name)
            object.__setattr__(self, name, check_input(name, value, _OPTIONAL_BOUNDS[name]))
        if self.data_on_hand is not None:
            object.__setattr__(
                self,
                "data_on_hand",
                positive_number("data_on_hand", self.data_on_hand, "samples already owned"),
            )
        if self.prices_data and self.data_on_hand is None:
            raise DataError(
                "per_sample prices each added sample, so the cost model needs data_on_hand= (the "
                "samples already owned: the largest pilot run's data size, e.g. 8000)"
            )
        if (self.pilot_gpu_hours is None) != (self.pilot_size is None):
            raise DataError(
                "give pilot_gpu_hours= and pilot_size= together (the GPU-hours a pilot run took "
                f"and its data size); got pilot_gpu_hours={self.pilot_gpu_hours!r}, "
                f"pilot_size={self.pilot_size!r}"
            )
        if self.pilot_gpu_hours is not None:
            object.__setattr__(
                self,
                "pilot_gpu_hours",
                check_input(
                    "pilot_gpu_hours", self.pilot_gpu_hours, _OPTIONAL_BOUNDS["pilot_gpu_hours"]
                ),
            )
            object.__setattr__(
                self, "pilot_size", positive_number("pilot_size", self.pilot_size, "samples")
            )
        exponent = self.gpu_hours_exponent
        if isinstance(exponent, bool) or not isinstance(exponent, int | float | np.floating):
            raise DataError(f"gpu_hours_exponent must be a number such as 1.0; got {exponent!r}")
        if not np.isfinite(exponent) or not 0 < exponent <= 3:
            raise DataError(
                f"gpu_hours_exponent must be in (0, 3] (1: GPU-hours proportional to the data "
                f"size); got {exponent!r}"
            )
        object.__setattr__(self, "gpu_hours_exponent", float(exponent))

    @property
    def prices_data(self) -> bool:
        """True when added samples cost money (``per_sample`` given and not 0)."""
        return not _is_zero(self.per_sample)

    @property
    def measured_compute(self) -> bool:
        """True when GPU-hours come from a measured pilot run, not from FLOPs."""
        return self.pilot_gpu_hours is not None

    @property
    def has_running(self) -> bool:
        """True when the cost model carries running costs per year."""
        return not _is_zero(self.running_per_year)

    # ------------------------------------------------------------------ inputs
    def input_specs(self) -> dict[str, tuple[object, Bounds]]:
        """The inputs with their bounds, by name (see :mod:`scaling_bayes.decision.inputs`).

        ``per_sample``, ``pilot_gpu_hours`` and ``running_per_year`` are inputs only when given.
        """
        out = {name: (getattr(self, name), bounds) for name, bounds in _BOUNDS.items()}
        if self.prices_data:
            out["per_sample"] = (self.per_sample, _OPTIONAL_BOUNDS["per_sample"])
        if self.measured_compute:
            out["pilot_gpu_hours"] = (self.pilot_gpu_hours, _OPTIONAL_BOUNDS["pilot_gpu_hours"])
        if self.has_running:
            out["running_per_year"] = (self.running_per_year, _OPTIONAL_BOUNDS["running_per_year"])
        return out

    def added_samples(self, data_size: float | None) -> float:
        """Samples a run of ``data_size`` adds to those on hand (0 without ``data_on_hand``).

        Examples
        --------
        >>> ComputeCost(per_sample=30.0, data_on_hand=8000).added_samples(50_000)
        42000.0
        """
        if self.data_on_hand is None:
            return 0.0
        if data_size is None or not np.isfinite(data_size):
            raise DataError(
                "the cost model prices added samples (data_on_hand is set) but the run gives no "
                "data size; give tokens= (the data axis: samples, images, tokens)"
            )
        return float(max(float(data_size) - self.data_on_hand, 0.0))

    def evaluate(
        self,
        flops: float,
        draws: dict[str, np.ndarray],
        *,
        data_size: float | None = None,
        fixed: bool = True,
    ) -> dict[str, np.ndarray]:
        """Cost components per joint draw from sampled inputs (keys as in :meth:`input_specs`).

        Parameters
        ----------
        flops : float
            Training FLOPs (NaN when unknown; then the cost model needs measured GPU-hours).
        draws : dict of arrays
            Draws of the inputs, keyed as in :meth:`input_specs`.
        data_size : float, optional
            The run's size on the data axis (samples): prices the added samples and scales
            measured GPU-hours.
        fixed : bool
            Include the fixed costs (False for a pilot run, which costs its own run only).

        Returns
        -------
        dict of arrays
            ``gpu_hours``, ``energy_mwh``, ``co2e_t``, ``cost_compute``, ``cost_fixed``,
            ``cost_energy``, ``cost_carbon``, ``cost_data``, ``running_per_year`` (per year,
            not in the total) and the one-off total ``cost``.
        """
        if self.measured_compute:
            if data_size is None or not np.isfinite(data_size):
                raise DataError(
                    "the cost model scales measured pilot GPU-hours along the data axis, so the "
                    "run needs tokens= (its data size)"
                )
            ratio = float(data_size) / self.pilot_size
            gpu_hours = draws["pilot_gpu_hours"] * ratio**self.gpu_hours_exponent
        else:
            flops = float(np.asarray(flops, float))
            if not np.isfinite(flops):
                raise DataError(
                    "the run's training FLOPs are unknown (no params or compute): give params= "
                    "and tokens=, or compute=, or price compute from measured GPU-hours with "
                    "ComputeCost(pilot_gpu_hours=..., pilot_size=...)"
                )
            gpu_hours = flops / (self.peak_flops * draws["mfu"] * 3600.0)
        energy_kwh = gpu_hours * draws["power_kw"] * draws["pue"]
        co2e_t = energy_kwh * draws["grid_gco2_per_kwh"] / 1e6
        n = np.shape(gpu_hours)
        parts = {
            "cost_compute": gpu_hours * draws["usd_per_gpu_hour"],
            "cost_fixed": draws["fixed_usd"] if fixed else np.zeros(n),
            "cost_energy": energy_kwh * draws["usd_per_kwh"],
            "cost_carbon": co2e_t * draws["usd_per_tonne_co2e"],
        }
        # summed in this order, then the data: the totals of earlier releases, bit for bit
        total = sum(parts.values())
        if self.prices_data:
            parts["cost_data"] = draws["per_sample"] * self.added_samples(data_size)
            total = total + parts["cost_data"]
        else:
            parts["cost_data"] = np.zeros(n)
        running = draws["running_per_year"] if self.has_running else np.zeros(n)
        return {
            "gpu_hours": gpu_hours,
            "energy_mwh": energy_kwh / 1000.0,
            "co2e_t": co2e_t,
            **parts,
            "running_per_year": running,
            "cost": total,
        }

    def sample(
        self,
        *,
        params: float | None = None,
        tokens: float | None = None,
        compute: float | None = None,
        n: int = 4000,
        random_seed: int | None = None,
        fixed: bool = True,
    ) -> pd.DataFrame:
        """Draws of cost, GPU-hours, energy and CO2e for one run (no loss forecast needed).

        Give ``compute`` (FLOPs) or ``params`` and ``tokens`` (``C = 6 N D``); with measured
        pilot GPU-hours, ``tokens`` (the data size) alone is enough. ``fixed=False`` leaves the
        fixed costs out (what a pilot run costs).

        Returns
        -------
        pandas.DataFrame
            One row per draw: the sampled inputs and the outputs of :meth:`evaluate`
            (``cost_gpu`` repeats ``cost_compute`` under its earlier name).
        """
        if self.measured_compute and compute is None and params is None:
            flops = float("nan")
            if tokens is None:
                raise DataError("give tokens= (the run's data size) to price measured GPU-hours")
        else:
            flops = flops_of(params, tokens, compute)
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise DataError(f"n must be a positive integer number of draws; got {n!r}")
        draws = sample_inputs(self._qualified(), int(n), seed_entropy(random_seed))
        short = {k.split(".", 1)[1]: v for k, v in draws.items()}
        size = None if tokens is None else float(tokens)
        out = pd.DataFrame({**short, **self.evaluate(flops, short, data_size=size, fixed=fixed)})
        out["cost_gpu"] = out["cost_compute"]  # the name of earlier releases
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
        if self.measured_compute:
            parts[1:3] = [
                f"{c} {describe_input(self.usd_per_gpu_hour)} per GPU-hour",
                f"{describe_input(self.pilot_gpu_hours)} GPU-hours measured at "
                f"{self.pilot_size:g} samples, scaled by (size / {self.pilot_size:g})^"
                f"{self.gpu_hours_exponent:g}",
            ]
            parts[0] = self.gpu
        if self.prices_data:
            parts.append(
                f"data {c} {describe_input(self.per_sample)} per added sample beyond "
                f"{self.data_on_hand:g} on hand"
            )
        if self.has_running:
            parts.append(f"running costs {c} {describe_input(self.running_per_year)} a year")
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


def flops_of(params: float | None, tokens: float | None, compute: float | None) -> float:
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
