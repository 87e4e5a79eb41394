"""Provenance of a memo: data hashes, versions, seeds, draws and dates.

The runs are identified by two SHA-256 hashes: of the data file when the caller names it
(``data_path``), and always of the *canonical CSV* of the runs the model was fitted to, which
can be recomputed from the fitted (or saved and reloaded) model alone:
:func:`canonical_runs_csv` writes ``ScalingData.frame`` (index labelled ``run``, the canonical
columns in their stored order, floats with 17 significant digits, ``\\n`` line ends, UTF-8).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from .._version import __version__
from ..core.exceptions import DataError

if TYPE_CHECKING:
    from ..core.data import ScalingData
    from ..core.model import ScalingLawModel
    from ..decision import ScaleLadder

__all__ = ["canonical_runs_csv", "file_sha256", "provenance"]


def canonical_runs_csv(data: ScalingData) -> bytes:
    """The runs as canonical CSV bytes (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> from scaling_bayes import ScalingData
    >>> runs = pd.DataFrame({"params": [1e7, 1e8], "tokens": [2e8, 2e9], "loss": [4.0, 3.2]})
    >>> canonical_runs_csv(ScalingData.from_frame(runs)).decode().splitlines()[0]
    'run,params,tokens,compute,loss'
    """
    frame = data.frame.copy()
    frame.index = frame.index.astype(str)
    frame.index.name = "run"
    return frame.to_csv(float_format="%.17g", lineterminator="\n").encode("utf-8")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def provenance(
    model: ScalingLawModel, ladder: ScaleLadder, *, data_path: Path | None, date: dt.date
) -> dict:
    """Plain facts about where the memo's numbers came from (keys as in ``numbers``)."""

    post = model.idata_.posterior
    attrs = post.attrs
    seed = str(attrs.get("scaling_bayes_random_seed", ""))
    data = model.data_
    facts = {
        "data_source": str(data.source),
        "n_runs": int(data.n_runs),
        "runs_sha256": hashlib.sha256(canonical_runs_csv(data)).hexdigest(),
        "law": str(model.law),
        "law_formula": str(model.law_spec.formula),
        "loss_unit": str(model.loss_unit),
        "sampler": str(getattr(model, "sampler_", "unknown")),
        "chains": int(post.sizes["chain"]),
        "draws_per_chain": int(post.sizes["draw"]),
        "tune": int(model.tune),
        "fit_random_seed": int(seed) if seed.lstrip("-").isdigit() else None,
        "fit_created_at": str(attrs.get("created_at", "")) or None,
        "risk_seed_entropy": int(ladder.entropy),
        "joint_draws": int(ladder.n_draws),
        "scaling_bayes_version": __version__,
        "pymc_version": _version("pymc"),
        "arviz_version": _version("arviz"),
        "python_version": platform.python_version(),
        "memo_date": date.isoformat(),
    }
    if data_path is not None:
        if not Path(data_path).is_file():
            raise DataError(f"data_path '{data_path}' is no longer a file; it cannot be hashed")
        facts["data_file"] = Path(data_path).name
        facts["data_file_sha256"] = file_sha256(Path(data_path))
    return facts
