"""Backends: the transformers backend on the tiny offline model, the backend factory and the vllm import guard."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from lightif.backends import Backend, Generation, SamplingParams, load_backend
from lightif.errors import BackendError, ConfigError

torch.set_num_threads(1)

CONVS = [
    [{"role": "user", "content": "Write a short essay about the sea."}],
    [{"role": "user", "content": "Hi"}],
    [{"role": "user", "content": "Think step by step and check every constraint. Use at least 3 paragraphs."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "The answer is yes?"}],
    [{"role": "user", "content": "请写一篇关于春天的短文"}],
]


@pytest.fixture(scope="module")
def tiny_backend(tiny_model_dir):
    return load_backend("transformers", str(tiny_model_dir), batch_size=4, device="cpu")


def test_is_a_backend(tiny_backend):
    assert isinstance(tiny_backend, Backend)


def test_batched_greedy_equals_one_at_a_time(tiny_backend, tiny_model_dir):
    params = SamplingParams(max_new_tokens=12)
    batched = tiny_backend.generate(CONVS, params)
    single = load_backend("transformers", str(tiny_model_dir), batch_size=1, device="cpu")
    one_by_one = [single.generate([c], params)[0] for c in CONVS]
    assert [[g.text for g in gs] for gs in batched] == [[g.text for g in gs] for gs in one_by_one]
    assert [gs[0].prompt_tokens for gs in batched] == [gs[0].prompt_tokens for gs in one_by_one]


def test_token_counts_and_finish_reason(tiny_backend):
    gens = tiny_backend.generate(CONVS, SamplingParams(max_new_tokens=7))
    for conv, (g,) in zip(CONVS, gens):
        assert isinstance(g, Generation)
        assert g.prompt_tokens == len(tiny_backend.render(conv, SamplingParams()))
        if g.finish_reason == "length":
            assert g.completion_tokens == 7
        else:
            assert g.finish_reason == "stop" and 1 <= g.completion_tokens <= 7
    assert any(g.finish_reason == "length" for (g,) in gens)  # a random tiny model rarely stops within 7 tokens


def test_stop_reason_when_end_token_generated(tiny_model_dir):
    """An output head that always prefers the end token: finish "stop", 1 token counted, end token not in text."""
    backend = load_backend("transformers", str(tiny_model_dir), device="cpu")
    eos = backend.eos_ids[0]
    head = torch.nn.Linear(backend.model.config.hidden_size, backend.model.config.vocab_size, bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        head.bias[eos] = 10.0
    backend.model.lm_head = head
    for (g,) in backend.generate(CONVS[:3], SamplingParams(max_new_tokens=5)):
        assert (g.finish_reason, g.completion_tokens, g.text) == ("stop", 1, "")


def test_n_samples_and_seed_reproducibility(tiny_backend):
    params = SamplingParams(temperature=1.0, top_p=0.95, top_k=50, max_new_tokens=10, n=3, seed=7)
    a = tiny_backend.generate(CONVS[:3], params)
    b = tiny_backend.generate(CONVS[:3], params)
    assert [len(x) for x in a] == [3, 3, 3]
    assert [[g.text for g in x] for x in a] == [[g.text for g in x] for x in b]
    # Sampling at temperature 1 from a random model: the 3 samples of a prompt are not all identical.
    assert any(len({g.text for g in x}) > 1 for x in a)
    c = tiny_backend.generate(CONVS[:3], SamplingParams(temperature=1.0, max_new_tokens=10, n=3, seed=8))
    assert [[g.text for g in x] for x in a] != [[g.text for g in x] for x in c]


def test_greedy_n_repeats(tiny_backend):
    gens = tiny_backend.generate(CONVS[:2], SamplingParams(max_new_tokens=6, n=2))
    assert all(len(x) == 2 and x[0] == x[1] for x in gens)


def test_enable_thinking_reaches_templates_that_have_the_switch(tiny_backend):
    tok = tiny_backend.tokenizer
    old = tok.chat_template
    try:
        tok.chat_template = old + ("{% if enable_thinking is defined and not enable_thinking %}"
                                   "<think>\n\n</think>\n\n{% endif %}")
        tiny_backend._has_thinking_switch = True
        off = tok.decode(tiny_backend.render(CONVS[1], SamplingParams(enable_thinking=False)))
        on = tok.decode(tiny_backend.render(CONVS[1], SamplingParams(enable_thinking=True)))
        default = tok.decode(tiny_backend.render(CONVS[1], SamplingParams()))
    finally:
        tok.chat_template = old
        tiny_backend._has_thinking_switch = False
    assert off.endswith("<think>\n\n</think>\n\n") and not on.endswith("</think>\n\n") and default == on


def test_bad_inputs_are_clear_errors(tmp_path):
    with pytest.raises(BackendError, match="unknown backend"):
        load_backend("tgi", "x")
    with pytest.raises(BackendError, match="not found"):
        load_backend("transformers", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="temperature"):
        SamplingParams(temperature=-1)
    with pytest.raises(ConfigError, match="n must be"):
        SamplingParams(n=0)


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm installed: the guard is not exercised")
def test_vllm_missing_gives_install_hint():
    with pytest.raises(BackendError, match="pip install"):
        load_backend("vllm", "smollm2-135m-instruct")


@pytest.mark.vllm
@pytest.mark.skipif(importlib.util.find_spec("vllm") is None or not torch.cuda.is_available(),
                    reason="needs vllm and a CUDA GPU")
def test_vllm_generates(tiny_model_dir):
    backend = load_backend("vllm", str(tiny_model_dir), gpu_memory_utilization=0.2, enforce_eager=True)
    gens = backend.generate(CONVS[:2], SamplingParams(max_new_tokens=8, n=2, temperature=1.0, seed=1))
    assert [len(x) for x in gens] == [2, 2]
    assert all(1 <= g.completion_tokens <= 8 and g.prompt_tokens > 0 for x in gens for g in x)
