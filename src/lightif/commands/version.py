"""`lightif version`: package version and the versions of the engines it drives."""

from __future__ import annotations

import importlib.metadata as md

import lightif

ENGINES = ("torch", "transformers", "trl", "accelerate", "peft", "datasets", "nltk", "langdetect")


def add_parser(sub) -> None:
    p = sub.add_parser("version", help="print lightif and engine versions")
    p.set_defaults(func=run)


def versions() -> dict[str, str]:
    out = {"lightif": lightif.__version__}
    for name in ENGINES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run(args) -> int:
    for name, ver in versions().items():
        print(f"{name} {ver}")
    return 0
