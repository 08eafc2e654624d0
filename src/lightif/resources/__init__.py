"""Package data, loaded lazily (never at import): bundled NLTK data, benchmark prompt files, word lists.

`ensure_nltk()` puts the bundled NLTK data first on `nltk.data.path`; nothing is ever downloaded.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from lightif.errors import LightIFError


def resource_path(*parts: str) -> Path:
    """Absolute path of a file shipped under `lightif/resources/`. Raises a clear error if it is missing."""
    path = Path(str(resources.files("lightif.resources").joinpath(*parts)))
    if not path.exists():
        raise LightIFError(f"bundled resource missing: lightif/resources/{'/'.join(parts)} (reinstall lightif)")
    return path


def nltk_data_dir() -> Path:
    return resource_path("nltk_data")


@functools.cache
def ensure_nltk() -> None:
    """Point NLTK at the bundled data (punkt_tab, stopwords, averaged-perceptron tagger). Idempotent, offline."""
    import nltk

    root = str(nltk_data_dir())
    if root not in nltk.data.path:
        nltk.data.path.insert(0, root)


def benchmark_file(name: str) -> Path:
    """Default prompt file of a shipped benchmark: 'ifeval' (541 prompts) or 'ifbench' (300 prompts)."""
    files = {"ifeval": "ifeval_input_data.jsonl", "ifbench": "ifbench_test.jsonl"}
    if name not in files:
        raise LightIFError(f"no bundled prompt file for benchmark '{name}' (known: {', '.join(files)})")
    return resource_path("benchmarks", files[name])
