"""`lightif models list|pull NAME`: the offline model cache (see `lightif/models.py`)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list or pull the known models (offline conversion into the cache)")
    msub = p.add_subparsers(dest="models_cmd", metavar="ACTION", required=True)
    msub.add_parser("list", help="known models, whether pulled, and where")
    pull = msub.add_parser("pull", help="convert a known model into the cache (idempotent)")
    pull.add_argument("name")
    pull.add_argument("--force", action="store_true", help="re-convert even if already cached")
    p.set_defaults(func=run)


def run(args) -> int:
    from lightif import models

    if args.models_cmd == "list":
        print(f"cache: {models.cache_dir()}")
        for name, km in models.KNOWN_MODELS.items():
            state = f"pulled at {models.model_dir(name)}" if models.is_pulled(name) else "not pulled"
            print(f"{name}\t{state}\t{km.description}")
        return 0
    models.pull(args.name, force=args.force)
    return 0
