"""One module per `lightif` subcommand: `add_parser(subparsers)` + `run(args) -> int`. See `lightif/cli.py`."""
