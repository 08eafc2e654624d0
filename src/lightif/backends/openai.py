"""OpenAI-compatible chat-completions backend over HTTP (httpx), for served generators and LLM judges.

Works with OpenAI, vLLM's `vllm serve`, llama.cpp / llama-cpp-python servers, SGLang and similar.

- `n` samples are `n` separate requests with seeds `seed, seed+1, ...` (many servers ignore or reject the `n` field).
- `top_k` (non-standard) is sent only when > 0; `enable_thinking` only when set, as
  `chat_template_kwargs={"enable_thinking": ...}` (the vLLM / SGLang convention).
- A separate `reasoning_content` field in the reply (vLLM reasoning parsers, DeepSeek) is put back in front of the
  answer as `<think>...</think>`, so thinking is handled the same way as with local backends.
- Retries: 429, 5xx, connection errors and timeouts are retried with exponential backoff (`backoff * 2**k`, capped,
  honouring a numeric `Retry-After`); other 4xx fail at once. After the last retry a `BackendError` names the URL,
  the status and the attempts.
- The API key is read from the environment variable `api_key_env` (default `OPENAI_API_KEY`); no key means no
  `Authorization` header (local servers). The key never appears in errors or logs.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from lightif.backends import Generation, SamplingParams
from lightif.errors import BackendError

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAIBackend:
    """`OpenAIBackend(model, base_url="https://api.openai.com/v1", concurrency=8, max_retries=5, timeout=120)`."""

    def __init__(self, model: str, *, base_url: str = "https://api.openai.com/v1", concurrency: int = 8,
                 max_retries: int = 5, timeout: float = 120.0, backoff: float = 1.0, max_backoff: float = 60.0,
                 api_key_env: str = "OPENAI_API_KEY", extra_body: dict | None = None):
        try:
            import httpx
        except ImportError:
            raise BackendError("the openai backend needs httpx: pip install 'httpx>=0.27'") from None
        if concurrency < 1:
            raise BackendError(f"concurrency must be >= 1 (got {concurrency})")
        if max_retries < 0:
            raise BackendError(f"max_retries must be >= 0 (got {max_retries})")
        self.model = model
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.extra_body = dict(extra_body or {})
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._httpx = httpx
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout),
                                    limits=httpx.Limits(max_connections=concurrency))

    def close(self) -> None:
        self._client.close()

    def _body(self, conversation: list[dict], params: SamplingParams, seed: int) -> dict:
        body = {"model": self.model, "messages": conversation, "temperature": params.temperature,
                "top_p": params.top_p, "max_tokens": params.max_new_tokens, "seed": seed, "stream": False}
        if params.top_k > 0:
            body["top_k"] = params.top_k
        if params.enable_thinking is not None:
            body["chat_template_kwargs"] = {"enable_thinking": params.enable_thinking}
        body.update(self.extra_body)
        return body

    def _sleep_for(self, attempt: int, response) -> float:
        delay = min(self.backoff * (2 ** attempt), self.max_backoff)
        retry_after = response.headers.get("retry-after") if response is not None else None
        if retry_after is not None:
            try:
                delay = min(max(delay, float(retry_after)), self.max_backoff)
            except ValueError:
                pass  # an HTTP-date Retry-After: keep our own backoff
        return delay

    def request(self, body: dict) -> dict:
        """POST one chat-completions request with retries; return the decoded JSON reply."""
        last = ""
        for attempt in range(self.max_retries + 1):
            response = None
            try:
                response = self._client.post(self.url, json=body)
            except self._httpx.TimeoutException as exc:
                last = f"timeout ({type(exc).__name__})"
            except self._httpx.TransportError as exc:
                last = f"connection failed ({type(exc).__name__}: {exc})"
            else:
                if response.status_code == 200:
                    try:
                        return response.json()
                    except ValueError:
                        raise BackendError(f"{self.url}: reply is not JSON: {response.text[:200]!r}") from None
                last = f"HTTP {response.status_code}: {response.text[:300]}"
                if response.status_code not in RETRY_STATUS:
                    raise BackendError(f"{self.url}: {last} (not retried)")
            if attempt < self.max_retries:
                time.sleep(self._sleep_for(attempt, response))
        raise BackendError(f"{self.url}: {last} (gave up after {self.max_retries + 1} attempts)")

    def _one(self, conversation: list[dict], params: SamplingParams, seed: int) -> Generation:
        reply = self.request(self._body(conversation, params, seed))
        try:
            choice = reply["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError):
            raise BackendError(f"{self.url}: unexpected reply shape: {str(reply)[:300]}") from None
        text = message.get("content") or ""
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if reasoning:
            text = f"<think>\n{reasoning}\n</think>\n\n{text}"
        usage = reply.get("usage") or {}
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        return Generation(text, int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), finish)

    def generate(self, conversations: list[list[dict]], params: SamplingParams) -> list[list[Generation]]:
        jobs = [(i, k) for i in range(len(conversations)) for k in range(params.n)]
        out: list[list[Generation | None]] = [[None] * params.n for _ in conversations]
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            futures = {pool.submit(self._one, conversations[i], params, params.seed + k): (i, k) for i, k in jobs}
            for fut, (i, k) in futures.items():
                out[i][k] = fut.result()
        finally:
            # On a failure, drop queued requests instead of retrying each of them to exhaustion.
            pool.shutdown(wait=True, cancel_futures=True)
        return out  # type: ignore[return-value]
