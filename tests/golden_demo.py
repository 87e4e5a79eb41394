"""The demo review computed from hand-built draws, for the memo-numbers regression test.

``python tests/golden_demo.py`` rewrote ``tests/data/demo_memo_numbers.json`` once, on the
commit before the architecture refactor (issue 11); ``test_memo_golden.py`` recomputes the same
review from the same draws and asserts that the English and Japanese memos state the same numbers.
Do not regenerate it to make that test pass: a changed number must be a deliberate change,
recorded in the commit that makes it.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "data" / "demo_memo_numbers.json"


def demo_numbers() -> dict[str, dict]:
    """``memo.numbers`` of the demo review in English and Japanese, from hand-built draws."""
    sys.path.insert(0, str(HERE))
    from helpers import hand_built_draws

    import scaling_bayes as sb
    from scaling_bayes.testing import fit_from_draws

    try:
        from scaling_bayes.app.config import load_config
        from scaling_bayes.app.review import build_inputs
    except ImportError:  # before the architecture refactor
        from scaling_bayes.app.config import load_config
        from scaling_bayes.app.review import build_inputs

    from importlib import resources

    path = Path(str(resources.files("scaling_bayes.datasets") / "example_review.toml"))
    config = load_config(path)
    data, model, plans = build_inputs(config)
    model = fit_from_draws(model, data, hand_built_draws())
    seed = config.seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = sb.compare_scales(model, plans, threshold=config.threshold, random_seed=seed)
        pilot = sb.evsi_pilot(
            model,
            plans,
            params=config.pilot["params"],
            tokens=config.pilot["tokens"],
            pilot_cost=config.pilot["cost"],
            random_seed=seed,
        )
        sensitivity = sb.prior_sensitivity(
            model,
            "literature",
            params=[p.params for p in plans],
            tokens=[p.tokens for p in plans],
            random_seed=seed,
        )
        out = {}
        for lang in ("en", "ja"):
            memo = sb.RiskMemo(
                model,
                ladder,
                title=config.memo["title"],
                author=config.memo["author"],
                language=lang,
                pilot=pilot,
                prior_sensitivity=sensitivity,
                threshold=config.threshold,
                date="2026-12-03",
            )
            out[lang] = json.loads(json.dumps(memo.numbers, default=_plain))
    return out


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(demo_numbers(), indent=1, sort_keys=True, ensure_ascii=False))
    print(f"wrote {GOLDEN}")
