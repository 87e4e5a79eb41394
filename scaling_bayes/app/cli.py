"""Command line: ``scaling-bayes demo | example | review | fit``.

- ``demo --out DIR``: the whole story on both bundled examples (what ``make demo`` runs): the
  language-model review in ``DIR/language_model`` (memo in English, with a Japanese copy) and
  the factory's inspection review in ``DIR/inspection`` (memo in Japanese, with an English copy);
- ``example NAME --out DIR``: copy a bundled example's review config and data into ``DIR`` to
  edit (never overwrites a file; an unknown NAME lists the examples);
- ``review CONFIG.toml --out DIR``: fit, risk and memo from a configuration file
  (:mod:`scaling_bayes.app.config`);
- ``fit RUNS.csv --law chinchilla --predict params=7e10,tokens=1.4e12 --json``: numbers only.

Exit status: 0 on success, 2 on bad input (the message names the argument or key), 3 when the fit
did not converge (the memo is still written, fail-closed) unless ``--allow-unconverged``, 130 when
interrupted (Ctrl-C; the output folder is left as it was).

Every input is checked before a folder is created or sampling starts
(:mod:`scaling_bayes.app.preflight`); ``--force`` replaces only a previous review
(:mod:`scaling_bayes.app.output`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings

from ..core.exceptions import ConfigError, ScalingBayesError

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_UNCONVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``scaling-bayes`` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_ERROR
    try:
        with warnings.catch_warnings():
            # Python hides DeprecationWarning outside __main__; a config key's new name is news
            # the user of the command line can act on, so those warnings are shown.
            warnings.filterwarnings(
                "default", message=r"\[\w+\]\.\w+ is deprecated", category=DeprecationWarning
            )
            return args.func(args)
    except ScalingBayesError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(
            "interrupted: the output folder holds the previous review (or the complete new one "
            "if it was already in place), never a half-written one",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scaling-bayes",
        description="Bayesian scaling laws: forecasts at larger scales and the odds of a payoff.",
    )
    sub = parser.add_subparsers(title="commands")

    demo = sub.add_parser(
        "demo", help="run both bundled reviews (language model and factory inspection)"
    )
    demo.add_argument(
        "--out",
        required=True,
        help="output folder (created); each review goes into a subfolder: "
        + ", ".join(DEMO_FOLDERS.values()),
    )
    demo.add_argument(
        "--force", action="store_true", help="replace the folder if it holds a previous review"
    )
    demo.add_argument("--allow-unconverged", action="store_true")
    demo.set_defaults(func=_demo)

    example = sub.add_parser(
        "example", help="copy a bundled example's review config and data into a folder to edit"
    )
    example.add_argument("name", help="the example: " + ", ".join(_example_names()))
    example.add_argument("--out", required=True, help="folder to write into (created)")
    example.set_defaults(func=_example)

    review = sub.add_parser("review", help="fit + risk + memo from a TOML configuration file")
    review.add_argument("config", help="review configuration (TOML)")
    review.add_argument("--out", required=True, help="output folder (created)")
    review.add_argument(
        "--force", action="store_true", help="replace the folder if it holds a previous review"
    )
    review.add_argument("--allow-unconverged", action="store_true")
    review.add_argument("--progress", action="store_true", help="show sampling progress")
    review.set_defaults(func=_review)

    fit = sub.add_parser("fit", help="fit a CSV of runs and print forecasts")
    fit.add_argument("csv", help="CSV with one row per run")
    fit.add_argument(
        "--law",
        default="chinchilla",
        help="chinchilla (default), power, kaplan or broken_power (with --x)",
    )
    fit.add_argument("--x", default=None, help="axis of a one-axis law: params, tokens, compute")
    fit.add_argument("--params-col", default="params")
    fit.add_argument("--tokens-col", default="tokens")
    fit.add_argument("--compute-col", default=None)
    fit.add_argument("--loss-col", default="loss")
    fit.add_argument(
        "--predict",
        action="append",
        default=[],
        help="scales to forecast, e.g. params=7e10,tokens=1.4e12 (repeatable)",
    )
    fit.add_argument("--json", action="store_true", help="print numbers as JSON")
    fit.add_argument("--seed", type=int, default=0)
    fit.add_argument("--allow-unconverged", action="store_true")
    fit.set_defaults(func=_fit)
    return parser


#: The demo's reviews: bundled example -> subfolder of ``--out``.
DEMO_FOLDERS = {"language-model": "language_model", "inspection": "inspection"}
#: Titles of the memos in the language other than the config's own.
DEMO_TITLES = {
    "language-model": {"ja": "言語モデルの規模拡大：どの規模に投資するか"},
    "inspection": {"en": "Visual inspection model: how many more images to label?"},
}


def _example_names() -> list[str]:
    from ..datasets import EXAMPLES

    return list(EXAMPLES)


def _demo(args) -> int:
    from pathlib import Path

    from ..datasets import example_files
    from .config import load_config
    from .output import check_target, remove_review_files, single_review_files
    from .preflight import preflight_review

    # A folder an earlier demo wrote holds one review at its top; the demo now writes one review
    # per subfolder. That old review's files go only with --force, and only once both new
    # reviews are in place (a failure leaves them as they were).
    old_review = single_review_files(args.out)
    if old_review and not args.force:
        raise ConfigError(
            f"output folder '{args.out}' holds a review written by an earlier demo (one review "
            f"at its top; the demo now writes {' and '.join(DEMO_FOLDERS.values())} inside it); "
            "pass --force to replace it"
        )
    # Both reviews are checked (configs, data, output folders) before either is written.
    reviews = []
    for name, folder in DEMO_FOLDERS.items():
        config = load_config(example_files(name)[0])
        preflight_review(config)
        out = Path(args.out) / folder
        check_target(out, force=args.force, protect=(config.source, config.data_path))
        other = "en" if config.memo.get("language", "en") == "ja" else "ja"
        reviews.append((config, out, other, DEMO_TITLES[name]))
    status = EXIT_OK
    for config, out, other, titles in reviews:
        code = _run(config, args, extra_languages=(other,), out=out, titles=titles)
        status = status if code == EXIT_OK else code
    if old_review:
        remove_review_files(args.out, old_review)
        print(f"removed the earlier demo's single review from {args.out}")
    return status


def _example(args) -> int:
    from ..datasets import write_example

    written = write_example(args.name, args.out)
    for path in written:
        print(f"wrote {path}")
    print(f"edit {written[0].name}, then: scaling-bayes review {written[0]} --out review")
    return EXIT_OK


def _review(args) -> int:
    from .config import load_config

    config = load_config(args.config)  # every key checked before any folder is touched
    return _run(config, args)


def _run(config, args, extra_languages=(), out=None, titles=None) -> int:
    from .review import run_review

    # run_review checks the config, the data and --out before it creates anything.
    result = run_review(
        config,
        args.out if out is None else out,
        force=args.force,
        allow_empty=False,
        progressbar=getattr(args, "progress", False),
        extra_languages=extra_languages,
        titles=titles,
    )
    print(result.text)
    if not result.converged and not args.allow_unconverged:
        print(
            "error: the fit did not converge; the memo withholds its headline (see "
            "diagnostics.txt). Pass --allow-unconverged to exit 0 anyway.",
            file=sys.stderr,
        )
        return EXIT_UNCONVERGED
    return EXIT_OK


def _parse_predict(items: list[str]) -> dict[str, list[float]]:
    scales: dict[str, list[float]] = {}
    for item in items:
        for part in item.split(","):
            if "=" not in part:
                raise ConfigError(
                    f"--predict expects name=value pairs like params=7e10; got {part!r}"
                )
            name, value = part.split("=", 1)
            name = name.strip()
            if name not in ("params", "tokens", "compute"):
                raise ConfigError(f"--predict names params, tokens or compute; got {name!r}")
            try:
                number = float(value)
            except ValueError as err:
                raise ConfigError(f"--predict value for {name} is not a number: {value!r}") from err
            if not (math.isfinite(number) and number > 0):
                raise ConfigError(
                    f"--predict {name}={value.strip()} is not a finite positive number; give raw "
                    f"counts such as {name}=7e10"
                )
            scales.setdefault(name, []).append(number)
    return scales


def _fit(args) -> int:
    from ..core.data import ScalingData
    from ..core.model import ScalingLawModel
    from .preflight import check_scales, check_seed

    # Everything is checked before the fit: the seed, the scales to forecast, the data, the law.
    check_seed(args.seed)
    scales = _parse_predict(args.predict)
    data = ScalingData.from_csv(
        args.csv,
        params=args.params_col if args.params_col != "none" else None,
        tokens=args.tokens_col if args.tokens_col != "none" else None,
        compute=args.compute_col,
        loss=args.loss_col,
    )
    model = ScalingLawModel(args.law, x=args.x, progressbar=not args.json)
    model._check_data(data)
    check_scales(scales, model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data, random_seed=args.seed)
        summary = model.summary()
        forecast = model.predict(**scales, random_seed=args.seed) if scales else None  # type: ignore[arg-type]
        forecast_table = forecast.summary() if forecast is not None else None
    report = model.diagnostics()
    if args.json:
        result = {
            "law": model.law_spec.formula,
            "diagnostics": report.to_dict(),
            "parameters": _records(summary),
            "forecast": _records(forecast_table) if forecast_table is not None else [],
            "warnings": sorted({str(w.message) for w in caught}),
        }
        print(json.dumps(result, indent=2, default=float))
    else:
        print(report.text)
        print(summary.to_string())
        if forecast_table is not None:
            print(forecast_table.to_string())
    if not report.converged and not args.allow_unconverged:
        print(
            "error: the fit did not converge (see diagnostics); --allow-unconverged to accept",
            file=sys.stderr,
        )
        return EXIT_UNCONVERGED
    return EXIT_OK


def _records(frame) -> list[dict]:
    return json.loads(frame.reset_index().to_json(orient="records"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
