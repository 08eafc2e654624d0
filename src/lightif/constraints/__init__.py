"""The constraint registry: constraint id -> class, and the one checker every stage calls.

Family modules (one file per family) register their classes with `@register`; they are imported lazily the first
time the registry is used, so `import lightif` stays cheap. Ids are verbatim from IFEval (25), IFBench (58) and our
Light-IF family (`lightif_zh:*`, `lightif_en:*`).

    >>> from lightif.constraints import check
    >>> check([{"id": "punctuation:no_comma", "params": {}}], "no commas here").follow_all
    True
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from lightif.constraints.base import Constraint, loose_variants
from lightif.errors import ConstraintArgsError, UnknownConstraintError

log = logging.getLogger(__name__)

REGISTRY: dict[str, type[Constraint]] = {}

# Family modules, imported on first use. Order matters only for listing.
FAMILY_MODULES = (
    "lightif.constraints.ifeval",
    "lightif.constraints.ifbench",
    "lightif.constraints.lightif_zh",
    "lightif.constraints.lightif_en",
)
_loaded = False


def register(cls: type[Constraint]) -> type[Constraint]:
    """Class decorator: add a constraint class to the registry under its `id` (ids must be unique)."""
    if not cls.id:
        raise TypeError(f"{cls.__name__} has no id")
    if cls.id in REGISTRY and REGISTRY[cls.id] is not cls:
        raise TypeError(f"duplicate constraint id {cls.id!r}: {REGISTRY[cls.id].__name__} and {cls.__name__}")
    REGISTRY[cls.id] = cls
    return cls


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in FAMILY_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a family not written yet must not break the others
            if exc.name != mod:
                raise
    _loaded = True


def all_ids(prefix: str | None = None) -> list[str]:
    _load_all()
    return sorted(i for i in REGISTRY if prefix is None or i.startswith(prefix))


def get(constraint_id: str) -> type[Constraint]:
    """The class registered under `constraint_id`; unknown ids raise with a did-you-mean hint."""
    _load_all()
    try:
        return REGISTRY[constraint_id]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(constraint_id), REGISTRY, n=1)
        raise UnknownConstraintError(str(constraint_id), f" (did you mean '{close[0]}'?)" if close else "") from None


def build(spec: Mapping[str, Any] | Constraint, prompt: str | None = None) -> Constraint:
    """Build a validated constraint from a spec `{"id": ..., "params": {...}}`.

    Constraints that need the prompt text (`needs_prompt`) receive it as param `prompt` unless the spec has one.
    """
    if isinstance(spec, Constraint):
        return spec
    if not isinstance(spec, Mapping) or "id" not in spec:
        raise ConstraintArgsError("?", "id", "a constraint spec object with 'id' and 'params'", got=spec)
    cls = get(spec["id"])
    params = spec.get("params") or {}
    if not isinstance(params, Mapping):
        raise ConstraintArgsError(cls.id, "params", "an object", got=params)
    params = dict(params)
    if cls.needs_prompt and params.get("prompt") is None and prompt is not None:
        params["prompt"] = prompt
    return cls.from_params(params)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The result of checking one response against a list of constraints."""

    ids: tuple[str, ...]
    follow_list: tuple[bool, ...]  # per constraint
    scores: tuple[float, ...]  # dense per-constraint score in [0, 1]
    errors: tuple[str | None, ...]  # a checker exception, recorded (and counted as a fail), never raised

    @property
    def follow_all(self) -> bool:
        return all(self.follow_list)

    @property
    def fraction(self) -> float:
        return sum(self.follow_list) / len(self.follow_list) if self.follow_list else 1.0

    @property
    def mean_score(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 1.0


def _safe(fn, text: str) -> tuple[Any, str | None]:
    try:
        return fn(text), None
    except Exception as exc:  # a checker bug fails that instruction and is reported, never aborts a run
        return None, f"{type(exc).__name__}: {exc}"


def check_one(constraint: Constraint, response: str, mode: Literal["strict", "loose"] = "strict") -> tuple[bool, str | None]:
    """Strict: the response is non-empty after strip and the checker accepts it.
    Loose: any non-empty one of the 8 IFEval variants is accepted."""
    texts = [response] if mode == "strict" else loose_variants(response)
    err = None
    for text in texts:
        if not text.strip():
            continue
        ok, e = _safe(constraint.check, text)
        if e:
            err = err or e
            continue
        if ok:
            return True, None
    return False, err


def score_one(constraint: Constraint, response: str) -> float:
    if not response.strip():
        return 0.0
    value, err = _safe(constraint.score, response)
    if err or value is None:
        return 0.0
    return float(min(1.0, max(0.0, value)))


def check(
    specs: Iterable[Mapping[str, Any] | Constraint],
    response: str,
    mode: Literal["strict", "loose"] = "strict",
    prompt: str | None = None,
    dense: bool = True,
) -> Verdict:
    """Check `response` against every spec. Spec errors (unknown id, bad params) raise; checker errors do not."""
    constraints = [build(s, prompt=prompt) for s in specs]
    results = [check_one(c, response, mode) for c in constraints]
    scores = tuple(score_one(c, response) if dense else float(ok) for c, (ok, _) in zip(constraints, results))
    # score must agree with check: 1.0 iff the (strict) check passes
    return Verdict(
        ids=tuple(c.id for c in constraints),
        follow_list=tuple(ok for ok, _ in results),
        scores=scores,
        errors=tuple(e for _, e in results),
    )


def clear_text_caches() -> None:
    """Forget every memoised per-text result (Punkt decisions, sentences, word tokens, langdetect, ...).

    The memos are pure functions of their text, so clearing them never changes a verdict; the fuzz tests call this
    before each timed call so that a latency is that of a text seen for the first time.
    """
    from lightif.constraints import ifbench_common, ifeval, tokenize

    tokenize.punkt().text_contains_sentbreak.cache_clear()
    tokenize.punkt().breaks_between.cache_clear()
    for fn in (ifbench_common.sentences, ifbench_common.sentence_tokens, ifeval._detect_probs, ifeval._capital_tokens,
               ifeval._chunk_kind):
        fn.cache_clear()


__all__ = ["REGISTRY", "Constraint", "Verdict", "all_ids", "build", "check", "check_one", "clear_text_caches", "get", "register",
           "score_one"]
