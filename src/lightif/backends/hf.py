"""transformers backend: batched `model.generate` with left padding, on CPU or one GPU.

- Prompts are rendered with the model's own chat template (`add_generation_prompt=True`); `enable_thinking` is passed
  to the template only when the template mentions that switch (Qwen3), so other templates are rendered unchanged.
- Conversations are sorted by token length and cut into batches of `batch_size`, so little compute goes to padding;
  results come back in input order.
- Sampling is seeded once per `generate` call (`torch.manual_seed(params.seed)`): the same inputs, settings and batch
  size give the same outputs. Greedy with `n > 1` decodes once and repeats the result (the n copies are identical).
- `completion_tokens` counts generated tokens up to and including the first end-of-sequence token; the end token is
  not part of `text`. `finish_reason` is "stop" when an end token was produced, else "length".

Batched greedy output can differ from one-at-a-time output in rare near-ties: left padding changes float summation
order (same caveat as any batched HF/vLLM inference).
"""

from __future__ import annotations

import os

from lightif.backends import Generation, SamplingParams
from lightif.errors import BackendError


def _resolve(model: str) -> str:
    from lightif.models import resolve_model

    return resolve_model(model)


class TransformersBackend:
    """`TransformersBackend(model, batch_size=16, device="auto", dtype="auto")`."""

    def __init__(self, model: str, *, batch_size: int = 16, device: str = "auto", dtype: str = "auto",
                 trust_remote_code: bool = False):
        if batch_size < 1:
            raise BackendError(f"batch_size must be >= 1 (got {batch_size})")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub at run time
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # our own progress bar reports generation; no per-load weight bars
        path = _resolve(model)
        self.batch_size = batch_size
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        if dtype == "auto":
            torch_dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        else:
            torch_dtype = getattr(torch, dtype)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
            self.model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype,
                                                              trust_remote_code=trust_remote_code)
        except OSError as exc:
            raise BackendError(f"cannot load model from {path}: {exc}") from None
        self.model.to(self.device).eval()
        if self.tokenizer.chat_template is None:
            raise BackendError(f"{path}: tokenizer has no chat template (an instruct/chat checkpoint is needed)")
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.eos_ids = self._eos_ids()
        self._has_thinking_switch = "enable_thinking" in str(self.tokenizer.chat_template)

    def _eos_ids(self) -> list[int]:
        ids: set[int] = set()
        gen_eos = self.model.generation_config.eos_token_id
        for v in gen_eos if isinstance(gen_eos, list) else [gen_eos]:
            if v is not None:
                ids.add(int(v))
        if self.tokenizer.eos_token_id is not None:
            ids.add(int(self.tokenizer.eos_token_id))
        if not ids:
            raise BackendError("model has no end-of-sequence token (generation would never stop)")
        return sorted(ids)

    def render(self, conversation: list[dict], params: SamplingParams) -> list[int]:
        """Token ids of the chat-templated prompt, ending with the assistant header."""
        extra = {}
        if params.enable_thinking is not None and self._has_thinking_switch:
            extra["enable_thinking"] = params.enable_thinking
        text = self.tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True, **extra)
        # The template already writes any BOS it wants; adding special tokens again would double it.
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _generation_config(self, params: SamplingParams):
        from transformers import GenerationConfig

        kw = dict(max_new_tokens=params.max_new_tokens, eos_token_id=self.eos_ids,
                  pad_token_id=self.tokenizer.pad_token_id, do_sample=not params.greedy)
        if params.greedy:
            kw.update(num_return_sequences=1)
        else:
            # top_k=0 switches the top-k filter off (transformers' default would be 50).
            kw.update(temperature=params.temperature, top_p=params.top_p, top_k=params.top_k,
                      num_return_sequences=params.n)
        return GenerationConfig(**kw)

    def generate(self, conversations: list[list[dict]], params: SamplingParams) -> list[list[Generation]]:
        import torch

        if not conversations:
            return []
        encoded = [self.render(c, params) for c in conversations]
        order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i]), i))
        gen_cfg = self._generation_config(params)
        torch.manual_seed(params.seed)
        results: list[list[Generation] | None] = [None] * len(encoded)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            for i, gens in zip(idx, self._generate_batch([encoded[i] for i in idx], gen_cfg, params)):
                results[i] = gens
        return results  # type: ignore[return-value]

    def _generate_batch(self, batch: list[list[int]], gen_cfg, params: SamplingParams) -> list[list[Generation]]:
        import torch

        width = max(len(ids) for ids in batch)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids in batch], device=self.device)
        mask = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in batch], device=self.device)
        with torch.inference_mode():
            out = self.model.generate(input_ids=input_ids, attention_mask=mask, generation_config=gen_cfg)
        new = out[:, width:].tolist()
        per_prompt = 1 if params.greedy else params.n
        gens: list[list[Generation]] = []
        for b, ids in enumerate(batch):
            rows = [self._to_generation(new[b * per_prompt + k], len(ids)) for k in range(per_prompt)]
            gens.append(rows * params.n if params.greedy else rows)
        return gens

    def _to_generation(self, new_ids: list[int], prompt_len: int) -> Generation:
        eos = set(self.eos_ids)
        stop = next((j for j, t in enumerate(new_ids) if t in eos), None)
        body = new_ids if stop is None else new_ids[:stop]
        text = self.tokenizer.decode(body, skip_special_tokens=True)
        if stop is None:
            return Generation(text, prompt_len, len(new_ids), "length")
        return Generation(text, prompt_len, stop + 1, "stop")
