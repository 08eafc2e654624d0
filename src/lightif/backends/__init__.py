"""Generation backends: one small interface over transformers, vLLM and OpenAI-compatible HTTP servers.

A backend turns chat conversations (lists of `{"role", "content"}` messages) into `n` completions each. The three
implementations live in their own modules and are imported lazily by `load_backend`, so importing this package
pulls in neither torch, vllm nor httpx.

Seeds: every backend takes `SamplingParams.seed`; with the same inputs, settings and batch size the outputs repeat.
Greedy decoding (`temperature == 0`) ignores the seed.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol, runtime_checkable

from lightif.errors import BackendError, ConfigError

BACKENDS = ("transformers", "vllm", "openai")


@dataclasses.dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 1.0
    top_k: int = 0  # 0 = off
    max_new_tokens: int = 512
    n: int = 1
    seed: int = 0
    # Passed to chat templates that have the switch (Qwen3); None = the template's default.
    enable_thinking: bool | None = None

    def __post_init__(self):
        if self.temperature < 0:
            raise ConfigError(f"temperature must be >= 0 (got {self.temperature})")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p must be in (0, 1] (got {self.top_p})")
        if self.top_k < 0:
            raise ConfigError(f"top_k must be >= 0 (got {self.top_k})")
        if self.max_new_tokens < 1:
            raise ConfigError(f"max_new_tokens must be >= 1 (got {self.max_new_tokens})")
        if self.n < 1:
            raise ConfigError(f"n must be >= 1 (got {self.n})")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" (end-of-sequence or stop string) | "length" (hit max_new_tokens)


@runtime_checkable
class Backend(Protocol):
    def generate(self, conversations: list[list[dict]], params: SamplingParams) -> list[list[Generation]]:
        """`params.n` generations for each conversation, in input order."""
        ...


def load_backend(name: str, model: str, **options) -> Backend:
    """Build a backend by name: "transformers" (default, CPU/GPU), "vllm" or "openai".

    `model` is a checkpoint path or known name for the local backends and the served model id for "openai".
    `options` go to the backend's constructor (e.g. `batch_size`, `device` for transformers; `base_url`,
    `concurrency`, `max_retries`, `timeout`, `api_key_env` for openai; engine kwargs for vllm).
    """
    name = name or "transformers"
    if name in ("transformers", "hf"):
        from lightif.backends.hf import TransformersBackend

        return TransformersBackend(model, **options)
    if name == "vllm":
        from lightif.backends.vllm import VLLMBackend

        return VLLMBackend(model, **options)
    if name == "openai":
        from lightif.backends.openai import OpenAIBackend

        return OpenAIBackend(model, **options)
    raise BackendError(f"unknown backend '{name}' (choose from {', '.join(BACKENDS)})")


__all__ = ["BACKENDS", "Backend", "Generation", "SamplingParams", "load_backend"]
