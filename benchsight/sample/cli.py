"""`benchsight sample`: write a synthetic league (workbook, tracker exports, truth.json)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sample",
        help="generate a synthetic league: BLB_TABLES.xlsx, tracker exports and truth.json",
        description=(
            "Generate a sample league whose files have the shapes of the real exports (tracker JSON "
            "23.8 and 25.0, {game_id}_tracking.xlsx, BLB_TABLES.xlsx) and write truth.json with the "
            "true box scores, strength timeline, per-shot goal probabilities and every injected flaw. "
            "The same seed always gives the same bytes."
        ),
    )
    parser.add_argument("--teams", type=int, default=8, help="teams in the league (default 8)")
    parser.add_argument(
        "--games", type=int, default=40,
        help="tracked games, i.e. games with a tracker file (default 40); the schedule adds "
        "untracked past games and upcoming games around them",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument(
        "--flaws", type=float, default=0.05,
        help="share of tracked games that get one injected tracking flaw (default 0.05; 0 for none)",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: up to 2 CPUs)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from benchsight.sample.generate import generate

    if not 1 <= args.games <= 5000:
        print("benchsight sample: --games must be between 1 and 5000")
        return 2
    if args.teams < 2:
        print("benchsight sample: --teams must be at least 2")
        return 2
    if not 0.0 <= args.flaws <= 1.0:
        print("benchsight sample: --flaws must be between 0 and 1")
        return 2
    summary = generate(
        args.out, teams=args.teams, games=args.games, seed=args.seed, flaws=args.flaws,
        workers=args.workers, progress=lambda line: print(f"  {line}", flush=True),
    )  # fmt: skip
    print(
        f"sample written to {summary['out_dir']} in {summary['seconds']} s\n"
        f"  seasons {summary['seasons']}, scheduled games {summary['scheduled_games']} "
        f"(tracked {summary['tracked_games']}, untracked {summary['untracked_games']}, "
        f"upcoming {summary['upcoming_games']})\n"
        f"  tracker files {summary['files']} {summary['formats']}, flaws {summary['flaws']}"
    )
    return 0
