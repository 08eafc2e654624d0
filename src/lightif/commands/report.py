"""`lightif report DIR [DIR ...] --out OUT`: compare evaluation runs in one Markdown report with PNG charts."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="compare evaluation runs (Markdown + PNG charts)")
    p.add_argument("runs", nargs="+", metavar="DIR", help="output directories of `lightif eval` / `lightif score`")
    p.add_argument("--out", required=True, help="directory for report.md and the charts")
    p.add_argument("--labels", nargs="+", default=None, help="one label per DIR (default: the folder names)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lightif.report import write_report

    path = write_report(args.runs, args.out, labels=args.labels)
    print(f"wrote {path}")
    return 0
