"""`benchsight ml train [--model NAME] [--force]`: train the models and refresh the ML views."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ml",
        help="train the models over the built warehouse and refresh the ML views",
        description="The models behind /api/ml (benchsight/ml): registry and views in schema ml.",
    )
    sub = parser.add_subparsers(dest="ml_command", metavar="SUBCOMMAND", required=True)
    train = sub.add_parser(
        "train",
        help="train every model (or --model NAME) whose input changed, then refresh the views",
        description=(
            "Train the models over the published marts. A model whose training data and "
            "specification are unchanged since its active version is skipped unless --force. "
            "Each new version becomes the active one; old versions are kept in ml.model_versions."
        ),
    )
    train.add_argument("--model", action="append", dest="models", metavar="NAME",
                       help="a model to train (repeatable; default: all)")  # fmt: skip
    train.add_argument("--force", action="store_true", help="retrain even when nothing changed")
    train.set_defaults(func=run_train)


def _metric(value) -> str:
    return "-" if value is None else f"{value:.4f}"


def run_train(args: argparse.Namespace) -> int:
    from benchsight.config import get_settings
    from benchsight.db import database_url
    from benchsight.ml.train import MODELS, train

    unknown = sorted(set(args.models or []) - set(MODELS))
    if unknown:
        print(
            f"benchsight ml train: unknown model {', '.join(unknown)} (known: {', '.join(MODELS)})"
        )
        return 2
    report = train(
        database_url(), args.models, args.force, get_settings().db_schema,
        progress=lambda line: print(f"  {line}", flush=True),
    )  # fmt: skip
    print(f"\n{'model':<12} {'outcome':<18} {'version':>7} {'rows':>8} {'log_loss':>9} "
          f"{'auc':>7} {'seconds':>8}  reason")  # fmt: skip
    for m in report.models:
        holdout = m.metrics.get("holdout", {})
        print(
            f"{m.name:<12} {m.outcome:<18} {m.version or '-':>7} {m.training_rows or '-':>8} "
            f"{_metric(holdout.get('log_loss')):>9} {_metric(holdout.get('auc')):>7} "
            f"{m.seconds:>8.2f}  {m.reason}"
        )
    print(f"views refreshed: {len(report.refreshed)}; total {report.seconds:.1f} s")
    return 1 if report.failed else 0
