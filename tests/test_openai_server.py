"""The openai backend against a REAL OpenAI-compatible server: llama-cpp-python's server, started here on
127.0.0.1 with the SmolLM2-135M-Instruct GGUF (Q4_1) that `lightif.models` also converts.

Skipped (with the reason) when llama-cpp-python[server] is not installed; install with
`.venv/bin/pip install 'llama-cpp-python[server]==0.3.36'` (compiles llama.cpp from source, a few minutes).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time

import pytest

from lightif.backends import SamplingParams, load_backend
from lightif.errors import BackendError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("uvicorn") is None,
    reason="llama-cpp-python[server] not installed (pip install 'llama-cpp-python[server]==0.3.36')",
)

API_KEY = "sk-test-lightif-0123456789"  # a key for the local test server only
CONVS = [[{"role": "user", "content": "What is the capital of France? Answer in one word."}],
         [{"role": "user", "content": "Write a haiku about the sea."}]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from lightif.models import KNOWN_MODELS, gguf_path

    gguf = gguf_path(KNOWN_MODELS["smollm2-135m-instruct"])
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2",
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1", "--api_key", API_KEY,
           # llama-cpp-python 0.3.36 built from source segfaults here in multi-token decode (AVX512/AMX CPU
           # kernels); decoding the prompt one token at a time avoids that path.
           "--n_batch", "1", "--n_ubatch", "1"]
    # The server logs a lot: to a file, since a full pipe would block it.
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    import httpx

    deadline = time.time() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
        try:
            reply = httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=2)
            if reply.status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.time() > deadline:
            proc.terminate()
            pytest.fail("llama_cpp.server did not become ready in 120 s")
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture()
def key_env(monkeypatch):
    monkeypatch.setenv("LIGHTIF_TEST_KEY", API_KEY)
    return "LIGHTIF_TEST_KEY"


def test_generate_counts_and_finish(server, key_env):
    backend = load_backend("openai", "smollm2", base_url=server, api_key_env=key_env, concurrency=2)
    gens = backend.generate(CONVS, SamplingParams(max_new_tokens=48, n=2))
    assert [len(g) for g in gens] == [2, 2]
    assert gens[0][0].text.strip() and gens[0][0] == gens[0][1]  # greedy: both samples identical
    for g in (x for pair in gens for x in pair):
        assert g.prompt_tokens > 5 and 1 <= g.completion_tokens <= 48 and g.finish_reason in ("stop", "length")
    short = backend.generate(CONVS[1:], SamplingParams(max_new_tokens=3))[0][0]
    assert short.finish_reason == "length" and short.completion_tokens == 3


def test_seeded_sampling_repeats(server, key_env):
    backend = load_backend("openai", "smollm2", base_url=server, api_key_env=key_env)
    p = SamplingParams(temperature=1.0, top_k=40, max_new_tokens=24, seed=11)
    a = backend.generate(CONVS[1:], p)[0][0].text
    b = backend.generate(CONVS[1:], p)[0][0].text
    c = backend.generate(CONVS[1:], SamplingParams(temperature=1.0, top_k=40, max_new_tokens=24, seed=12))[0][0].text
    assert a == b and a != c


def test_missing_key_is_401_not_retried_and_key_never_shown(server, key_env, monkeypatch):
    monkeypatch.setenv("LIGHTIF_NO_KEY", "")
    backend = load_backend("openai", "smollm2", base_url=server, api_key_env="LIGHTIF_NO_KEY", max_retries=3,
                           backoff=2.0)
    t0 = time.time()
    with pytest.raises(BackendError, match="HTTP 401.*not retried") as exc:
        backend.generate(CONVS[:1], SamplingParams(max_new_tokens=4))
    assert time.time() - t0 < 2.0 and API_KEY not in str(exc.value)


def test_wrong_path_is_404_not_retried(server, key_env):
    backend = load_backend("openai", "smollm2", base_url=server + "/wrong", api_key_env=key_env, max_retries=3,
                           backoff=2.0)
    t0 = time.time()
    with pytest.raises(BackendError, match="HTTP 404.*not retried"):
        backend.generate(CONVS[:1], SamplingParams(max_new_tokens=4))
    assert time.time() - t0 < 2.0


def test_no_server_is_retried_with_backoff_then_clear_error():
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there any more
    backend = load_backend("openai", "m", base_url=url, max_retries=2, backoff=0.2, timeout=2.0)
    t0 = time.time()
    with pytest.raises(BackendError, match=r"connection failed.*gave up after 3 attempts"):
        backend.generate(CONVS[:1], SamplingParams(max_new_tokens=4))
    assert time.time() - t0 >= 0.2 + 0.4  # two backoff sleeps: 0.2 s, then 0.4 s


def test_timeout_is_retried_then_clear_error(server, key_env):
    # 1 ms cannot be met by any generation request: each attempt times out, and the error says so.
    backend = load_backend("openai", "smollm2", base_url=server, api_key_env=key_env, max_retries=1,
                           backoff=0.1, timeout=0.001)
    with pytest.raises(BackendError, match=r"timeout.*gave up after 2 attempts"):
        backend.generate(CONVS[:1], SamplingParams(max_new_tokens=64))


def test_lightif_eval_over_http(server, key_env, tmp_path):
    from lightif.cli import main

    out = tmp_path / "run"
    assert main(["eval", "--backend", "openai", "--model", "smollm2", "--base-url", server, "--api-key-env", key_env,
                 "--benchmark", "ifeval", "--limit", "2", "--max-new-tokens", "32", "--out", str(out),
                 "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_prompts"] == 2 and summary["generation"]["backend"] == "openai"
    for name in ("summary.json", "generation.json", "report.md"):
        assert API_KEY not in (out / name).read_text()
