"""`lightif` command line: a thin argparse shell over library functions.

Each subcommand lives in `lightif/commands/<name>.py` with `add_parser(subparsers)` and `run(args) -> int`;
command modules import heavy libraries (torch, transformers) inside `run`, so `lightif --help` stays fast.
A `LightIFError` becomes one line on stderr and exit code 2 (`LIGHTIF_DEBUG=1` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from lightif.errors import LightIFError

# name -> module under lightif.commands (one per subcommand)
COMMANDS = {
    "version": "version",
    "models": "models",
    "score": "score",
    "reward": "reward",
    "eval": "eval",
    "report": "report",
    "synth": "synth",
    "filter": "filter",
    "extract": "extract",
    "sft": "sft",
    "rl": "rl",
    "pipeline": "pipeline",
    "validate": "validate",
}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but usage errors are one clear line and exit code 2."""

    def error(self, message: str):  # noqa: D401
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="lightif", description="Light-IF: verifiable constraints, Entropy-SFT, TEA-RL, evaluation.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name, module in COMMANDS.items():
        try:
            mod = importlib.import_module(f"lightif.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"lightif.commands.{module}":
                raise
            continue  # command not available in this build
        mod.add_parser(sub)
    return parser


def _quiet_library_warnings() -> None:
    """Library deprecation chatter is not the user's problem (and would break 'one clear line' error output)."""
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*gradient_checkpointing.*")


def main(argv: list[str] | None = None) -> int:
    if not os.environ.get("LIGHTIF_DEBUG"):
        _quiet_library_warnings()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except LightIFError as exc:
        if os.environ.get("LIGHTIF_DEBUG"):
            raise
        print(f"lightif {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lightif {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
