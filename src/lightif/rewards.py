"""Rule-based rewards of Light-IF: the dense `acc + point` reward, the cosine length term, and TRL / verl drop-ins.

Official reward (Qihoo360/Light-IF @ 01e9003, `rl/verl/verl/utils/reward_score/IF.py` `compute_score` and
`reward_score/__init__.py`; LIGHT_IF_METHOD.md §3, §6.3)::

    gate    0 if "</think>" is missing               answer = text after the LAST "</think>", stripped
    acc     1 if every constraint holds (strict)      point = sum of the official weights of the held constraints
    reward  acc + point                               Zero-RL adds the cosine length term of §3

One checker serves reward and evaluation: constraints are checked through `lightif.constraints.check_one` /
`score_one`, the same functions `lightif score` uses. Constraint sets arrive as our spec list, its JSON string (the
arrow-safe dataset column), or an official jqzl ground truth (`lightif.jqzl`, with D3-D5/D7 fixed).

Deviations from the official code:
- D2: the length term is used (when enabled) with L_max = the run's max completion length, not a hard-coded 8192.
  It is added to every response, gated ones included (s = 0 there), so a truncated response (L >= L_max, no
  "</think>") gets r_exceed = -2; the official code returned 0 before any length term.
- D6: type-B `check_code` never runs in-process; only through `lightif.sandbox.check_code` with `allow_check_code`.
- D8: a failing sample scores 0.0 like the official `except`, but the error is returned/counted and logged once per
  kind; spec errors are reported, not hidden.
- D9/D10: no state shared between rollouts (the only cache maps a constraint-set string to immutable built
  constraints); dict keys are spelt `score`/`acc`/`point`.
- An empty answer fails every constraint (registry rule), where the official checker let e.g. "forbidden keyword"
  pass on an empty answer.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import logging
import math
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from lightif.constraints.base import Constraint
from lightif.errors import ConfigError
from lightif.text import THINK_CLOSE, split_thinking

log = logging.getLogger(__name__)

Kind = Literal["lightif", "normalized", "strict"]
KINDS = ("lightif", "normalized", "strict")
CHECK_CODE_ID = "lightif_en:check_code"


@dataclasses.dataclass(frozen=True)
class RewardResult:
    reward: float  # what the trainer receives: base (per kind) + length term
    acc: float  # 1.0 iff every constraint holds (strict)
    point: float  # partial credit that enters the reward (lightif: weighted sum; normalized: mean score; strict: 0)
    length: float  # cosine length term (0.0 unless a token count was given)
    gated: bool  # think_required and no "</think>": reward 0 (+ length term)
    error: str | None  # why the sample scored 0.0 (spec error, checker exception, check_code not run)


# ----- the length term (§3) ----------------------------------------------------------------------------------------
def cosine_length_reward(num_tokens: int, score: float, max_length: int = 8192) -> float:
    """Official `cosine_length_reward` with its defaults (rc_0 = 0, rw_0 = 0, rw_L = -1, r_exceed = -2).

    c(L) = (1 - cos(pi * L / L_max)) / 2; -2 if L >= L_max; 2*s*c(L) if s >= 0.2; otherwise -c(L).

    >>> [round(cosine_length_reward(n, 1.3), 6) for n in (0, 4096, 8192)]
    [0.0, 1.3, -2.0]
    >>> round(cosine_length_reward(4096, 0.1), 6)
    -0.5
    """
    if max_length <= 0:
        raise ConfigError(f"max_length must be positive, got {max_length}")
    if num_tokens >= max_length:
        return -2.0
    c = 0.5 * (1.0 - math.cos(math.pi * num_tokens / max_length))
    return 2.0 * score * c if score >= 0.2 else -c


# ----- turning a constraints value into built constraints ------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Prepared:
    constraints: tuple[Constraint, ...]  # checked in-process
    codes: tuple[str, ...]  # type-B check_code sources (sandbox only)


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"constraints string is not valid JSON ({exc.msg}, column {exc.colno})") from None
    return value


def _build(value: Any, prompt: str | None) -> Prepared:
    from lightif import constraints as C
    from lightif.jqzl import specs_from_jqzl

    value = _decode(value)
    if isinstance(value, Mapping):  # an official ground truth
        value = specs_from_jqzl(dict(value))
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise ConfigError(f"expected a list of constraint specs, a JSON string or a jqzl ground truth, got "
                          f"{type(value).__name__}")
    built, codes = [], []
    for spec in value:
        c = C.build(spec, prompt=prompt)
        if c.id == CHECK_CODE_ID:
            codes.append(c.code)
        else:
            built.append(c)
    return Prepared(tuple(built), tuple(codes))


@functools.lru_cache(maxsize=8192)
def _build_cached(value: str, prompt: str | None) -> Prepared:
    return _build(value, prompt)


def prepare_constraints(value: Any, prompt: str | None = None) -> Prepared:
    """Build a constraints value once; JSON strings are cached (the 8 rollouts of a prompt share one)."""
    if isinstance(value, Prepared):
        return value
    if isinstance(value, str):
        return _build_cached(value, prompt)
    return _build(value, prompt)


# ----- scoring ----------------------------------------------------------------------------------------------------
def _run_code(code: str, answer: str, allow: bool) -> tuple[bool, str | None]:
    if not allow:
        return False, "check_code disabled: type-B record scored 0 (enable allow_check_code to run it sandboxed)"
    try:
        sandbox = importlib.import_module("lightif.sandbox")  # lazy: starts subprocesses, only needed for type B
    except ImportError:
        return False, "check_code unavailable: lightif.sandbox is not installed"
    verdict = sandbox.check_code(code, answer)
    if verdict is None:
        return False, "check_code undecided: the sandboxed checker failed, timed out or returned a non-bool"
    return bool(verdict), None


def _weight(c: Constraint, weights: Mapping[str, float] | None) -> float:
    if weights and c.id in weights:
        return float(weights[c.id])
    w = getattr(type(c), "weight", None)
    if w is None:
        raise ConfigError(f"constraint '{c.id}' has no official Light-IF weight: pass weights={{'{c.id}': w}} or "
                          "use kind='normalized'")
    return float(w)


def _score(prep: Prepared, answer: str, kind: str, weights: Mapping[str, float] | None,
           allow_code: bool) -> tuple[float, float]:
    """(acc, point) of one answer; raises `_SampleError` for anything that must zero the sample."""
    from lightif.constraints import check_one, score_one

    oks, point = [], 0.0
    scores = []
    for c in prep.constraints:
        ok, err = check_one(c, answer, "strict")
        if err:
            raise _SampleError(f"checker error in {c.id}: {err}")
        oks.append(ok)
        if kind == "lightif":
            point += _weight(c, weights) * ok
        elif kind == "normalized":
            scores.append(score_one(c, answer))
    for code in prep.codes:
        ok, err = _run_code(code, answer, allow_code)
        if err:
            raise _SampleError(err)
        oks.append(ok)
        scores.append(float(ok))
    acc = 1.0 if all(oks) else 0.0
    if kind == "normalized":
        point = sum(scores) / len(scores) if scores else 1.0
    elif kind == "strict":
        point = 0.0
    return acc, round(point, 10)  # round away float noise such as 0.1 + 0.2


class _SampleError(Exception):
    pass


def lightif_reward(
    completion: str,
    constraints: Any,
    *,
    think_required: bool = True,
    weights: Mapping[str, float] | None = None,
    kind: Kind = "lightif",
    prompt: str | None = None,
    num_tokens: int | None = None,
    max_length: int = 8192,
    allow_check_code: bool = False,
) -> RewardResult:
    """Score one completion. Never raises on sample problems: they give reward 0.0 and `error`.

    kind="lightif": acc + point (official); "normalized": mean dense constraint score (ids without an official weight,
    e.g. IFEval/IFBench); "strict": acc. With `num_tokens`, the cosine length term of (acc + point | mean | acc) is
    added. `constraints`: spec list, its JSON string, or an official jqzl ground truth (dict or JSON string).

    >>> specs = [{"id": "lightif_zh:keyword_at_least", "params": {"keyword": "春天", "min_count": 2}},
    ...          {"id": "lightif_zh:sentence_count", "params": {"num_sentences": 2}}]
    >>> r = lightif_reward("<think>两句，两个春天。</think>春天来了。春天真美！", specs)
    >>> (r.acc, r.point, r.reward)
    (1.0, 0.25, 1.25)
    >>> lightif_reward("春天来了。春天真美！", specs).gated
    True
    """
    if kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    gated = think_required and THINK_CLOSE not in completion
    acc = point = 0.0
    if not gated:
        try:
            prep = prepare_constraints(constraints, prompt)
            acc, point = _score(prep, split_thinking(completion).answer, kind, weights, allow_check_code)
        except _SampleError as exc:
            return RewardResult(0.0, 0.0, 0.0, 0.0, False, str(exc))
        except Exception as exc:  # spec errors (LightIFError) and anything unexpected zero this sample only
            return RewardResult(0.0, 0.0, 0.0, 0.0, False, f"{type(exc).__name__}: {exc}")
    base = point if kind == "normalized" else acc + point
    length = cosine_length_reward(num_tokens, base, max_length) if num_tokens is not None else 0.0
    return RewardResult(base + length, acc, point, length, gated, None)


# ----- error accounting (counted, logged once per kind) --------------------------------------------------------------
class ErrorLog:
    """Thread-safe error counter that logs the first occurrence of each kind of error."""

    def __init__(self, name: str):
        self.name, self.counts, self._lock = name, Counter(), threading.Lock()

    def record(self, error: str) -> None:
        kind = error.split(": ", 1)[0]  # ids contain ":" but never ": "
        with self._lock:
            first = kind not in self.counts
            self.counts[kind] += 1
        if first:
            log.warning("%s: a sample scored 0.0: %s (further errors of this kind are counted, not logged)",
                        self.name, error)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def completion_text(completion: Any) -> str:
    """A TRL completion as text: a string, or the assistant contents of a conversational completion."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence):
        parts = []
        for m in completion:
            if not isinstance(m, Mapping):
                raise ConfigError(f"expected chat messages, got {type(m).__name__}")
            if m.get("role", "assistant") != "assistant":
                continue
            content = m.get("content", "")
            if isinstance(content, list):  # multimodal-style parts
                content = "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
            parts.append(str(content))
        return "".join(parts)
    raise ConfigError(f"expected a string or chat messages, got {type(completion).__name__}")


def prompt_text(prompt: Any) -> str | None:
    """The instruction a prompt carries: the string itself or the last user message."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Sequence):
        for m in reversed(prompt):
            if isinstance(m, Mapping) and m.get("role") == "user":
                c = m.get("content", "")
                return c if isinstance(c, str) else "".join(p.get("text", "") for p in c if isinstance(p, Mapping))
    return None


# ----- TRL --------------------------------------------------------------------------------------------------------
class ConstraintReward:
    """A TRL `reward_funcs` callable: `GRPOTrainer(..., reward_funcs=[ConstraintReward()])`.

    Reads the dataset column `constraints` (per row: spec list, its JSON string, or a jqzl ground truth; None = not
    applicable -> None). With `length_reward` (Zero-RL) the cosine term uses `len(completion_ids[i])` and
    `max_length` = the run's `max_completion_length`. Logs `lightif/acc`, `lightif/point`, `lightif/gated`,
    `lightif/errors` through TRL's `log_metric` when the trainer provides it.

    >>> rf = ConstraintReward()
    >>> spec = '[{"id": "lightif_en:end_phrase", "params": {"end_phrase": "Bye."}}]'
    >>> rf(prompts=["Say bye."], completions=[[{"role": "assistant", "content": "<think>ok</think>Bye."}]],
    ...    constraints=[spec])
    [1.1]
    """

    def __init__(self, kind: Kind = "lightif", think_required: bool = True, length_reward: bool = False,
                 max_length: int = 8192, weights: Mapping[str, float] | None = None, allow_check_code: bool = False):
        if kind not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if max_length <= 0:
            raise ConfigError(f"max_length must be positive, got {max_length}")
        for k, v in (weights or {}).items():
            if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, int | float):
                raise ConfigError(f"weights must map constraint ids to numbers, got {k!r}: {v!r}")
        self.kind, self.think_required, self.length_reward = kind, think_required, length_reward
        self.max_length, self.weights, self.allow_check_code = max_length, dict(weights or {}), allow_check_code
        self.__name__ = f"{kind}_reward" + ("_len" if length_reward else "")
        self.errors = ErrorLog(self.__name__)

    @property
    def num_errors(self) -> int:
        return self.errors.total

    def score_one(self, prompt: Any, completion: Any, constraints: Any, num_tokens: int | None) -> RewardResult:
        """One sample; errors give reward 0.0 and are counted in `self.errors` (logged once per kind)."""
        try:
            res = lightif_reward(completion_text(completion), constraints, think_required=self.think_required,
                                 weights=self.weights, kind=self.kind, prompt=prompt_text(prompt),
                                 num_tokens=num_tokens, max_length=self.max_length,
                                 allow_check_code=self.allow_check_code)
        except Exception as exc:  # a reward never stops the batch: the sample scores 0 and is counted
            res = RewardResult(0.0, 0.0, 0.0, 0.0, False, f"{type(exc).__name__}: {exc}")
        if res.error:
            self.errors.record(res.error)
        return res

    def __call__(self, prompts, completions, constraints=None, completion_ids=None, **kwargs) -> list[float | None]:
        if constraints is None:
            raise ConfigError("ConstraintReward needs a 'constraints' dataset column (spec list JSON per row)")
        if self.length_reward and completion_ids is None:
            raise ConfigError("length_reward needs completion_ids (token ids per completion)")
        prompts = prompts if prompts is not None else [None] * len(completions)
        out: list[float | None] = []
        results: list[RewardResult] = []
        for i, completion in enumerate(completions):
            if constraints[i] is None:
                out.append(None)
                continue
            n_tok = len(completion_ids[i]) if self.length_reward else None
            res = self.score_one(prompts[i], completion, constraints[i], n_tok)
            results.append(res)
            out.append(res.reward)
        self._log(kwargs.get("log_metric"), results)
        return out

    def _log(self, log_metric: Any, results: list[RewardResult]) -> None:
        if not callable(log_metric) or not results:
            return
        n = len(results)
        log_metric("lightif/acc", sum(r.acc for r in results) / n)
        log_metric("lightif/point", sum(r.point for r in results) / n)
        log_metric("lightif/gated", sum(r.gated for r in results) / n)
        log_metric("lightif/errors", float(sum(r.error is not None for r in results)))
        if self.length_reward:
            log_metric("lightif/length", sum(r.length for r in results) / n)


# ----- verl -------------------------------------------------------------------------------------------------------
_VERL_ERRORS = ErrorLog("lightif verl compute_score")


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: Mapping | None = None, *,
                  kind: Kind = "lightif", think_required: bool = True, allow_check_code: bool = False,
                  length_reward: bool = False, max_length: int = 8192) -> dict[str, float]:
    """verl `custom_reward_function` (`reward_model.ground_truth` = our spec list JSON or the official jqzl JSON).

    Returns numbers only (verl aggregates every key): `score` (what the trainer uses), `acc`, `point`, `length`,
    `gated`, `error`. `extra_info` is read from a private copy and never written (D9). With `length_reward`, the
    token count comes from `extra_info["valid_response_length"]` (the official key). `data_source` is not needed
    to route (the ground truth's format decides) and is accepted for verl's call signature.

    >>> gt = '{"source": "jqzl-en", "query": "Hi", "jqzl_prompt": {"end_phrase": "Bye."}}'
    >>> compute_score(data_source="jqzl", solution_str="<think>x</think>Bye.", ground_truth=gt, extra_info={})["score"]
    1.1
    """
    info = dict(extra_info or {})
    n_tok = None
    if length_reward:
        n_tok = info.get("valid_response_length")
        if not isinstance(n_tok, int):
            raise ConfigError("length_reward needs extra_info['valid_response_length'] (an int)")
    try:
        res = lightif_reward(solution_str, ground_truth, think_required=think_required, kind=kind,
                             num_tokens=n_tok, max_length=max_length, allow_check_code=allow_check_code)
    except ConfigError:
        raise
    except Exception as exc:  # a reward never stops the batch
        res = RewardResult(0.0, 0.0, 0.0, 0.0, False, f"{type(exc).__name__}: {exc}")
    if res.error:
        _VERL_ERRORS.record(res.error)
    return {"score": res.reward, "acc": res.acc, "point": res.point, "length": res.length,
            "gated": float(res.gated), "error": float(res.error is not None)}


__all__ = ["ConstraintReward", "RewardResult", "compute_score", "cosine_length_reward", "lightif_reward",
           "prepare_constraints"]
