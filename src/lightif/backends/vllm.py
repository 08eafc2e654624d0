"""vLLM offline-engine backend (GPU). Optional: a missing vllm gives a `BackendError` with the install command.

Uses `LLM.chat` so the model's chat template is applied by vLLM itself; `enable_thinking` goes through
`chat_template_kwargs`. Each `SamplingParams` maps one to one (`top_k=0` -> vLLM's `-1` = off). vLLM batches and
schedules internally, so there is no `batch_size` here; `generate_records` still controls how often rows are saved.
"""

from __future__ import annotations

from lightif.backends import Generation, SamplingParams
from lightif.errors import BackendError

INSTALL_HINT = "vllm is not installed: pip install 'lightif[vllm]' (or pip install vllm; needs a CUDA GPU)"


def _import_vllm():
    try:
        import vllm
    except ImportError:
        raise BackendError(INSTALL_HINT) from None
    return vllm


class VLLMBackend:
    """`VLLMBackend(model, **engine_kwargs)`, e.g. `tensor_parallel_size=2, gpu_memory_utilization=0.85`."""

    def __init__(self, model: str, **engine_kwargs):
        vllm = _import_vllm()
        from lightif.models import resolve_model

        self._vllm = vllm
        engine_kwargs.pop("batch_size", None)  # vLLM schedules its own batches
        self.llm = vllm.LLM(model=resolve_model(model), **engine_kwargs)

    def _sampling(self, params: SamplingParams):
        return self._vllm.SamplingParams(
            n=params.n, temperature=params.temperature, top_p=params.top_p,
            top_k=params.top_k if params.top_k > 0 else -1, max_tokens=params.max_new_tokens, seed=params.seed,
        )

    def generate(self, conversations: list[list[dict]], params: SamplingParams) -> list[list[Generation]]:
        kwargs = {}
        if params.enable_thinking is not None:
            kwargs["chat_template_kwargs"] = {"enable_thinking": params.enable_thinking}
        outputs = self.llm.chat(conversations, self._sampling(params), use_tqdm=False, **kwargs)
        result = []
        for out in outputs:
            n_prompt = len(out.prompt_token_ids or [])
            result.append([
                Generation(c.text, n_prompt, len(c.token_ids), "length" if c.finish_reason == "length" else "stop")
                for c in out.outputs
            ])
        return result
