"""The `Constraint` base class: a frozen dataclass of validated parameters with pure checking.

A constraint family module defines subclasses like::

    @register
    @dataclass(frozen=True)
    class NoComma(Constraint):
        id: ClassVar[str] = "punctuation:no_comma"
        category: ClassVar[str] = "punctuation"
        def describe(self, lang="en"): ...
        def check(self, response): return "," not in response

Parameters are dataclass fields. `from_params(dict)` validates them generically from the type hints (int, float,
str, bool, list[str], Literal[...], `X | None`) and then calls `validate()` for value checks; every problem raises
`ConstraintArgsError(id, param, expected)`. `check` and `score` must be pure and deterministic: no RNG, no I/O,
no global state. Randomness belongs to `sample(rng)` (synthesis) only.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import random
import types
import typing
from typing import Any, ClassVar, Literal, Self

from lightif.errors import ConstraintArgsError


# Benchmark parity switch. By default checkers reproduce the official verdicts exactly (including documented official
# quirks). Inside `with fixed_quirks():` checkers that document a quirk use the corrected behaviour instead
# (`lightif score --fix-official-quirks`). Checkers read it with `quirks_fixed()`; it is not randomness: deterministic.
_FIX_QUIRKS: contextvars.ContextVar[bool] = contextvars.ContextVar("lightif_fix_quirks", default=False)


def quirks_fixed() -> bool:
    return _FIX_QUIRKS.get()


@contextlib.contextmanager
def fixed_quirks(enabled: bool = True):
    token = _FIX_QUIRKS.set(enabled)
    try:
        yield
    finally:
        _FIX_QUIRKS.reset(token)


def loose_variants(response: str) -> list[str]:
    """The 8 response variants of IFEval's loose test (official `evaluation_lib.test_instruction_following_loose`).

    Order: response, without '*', without first line, without last line, without both, and the last three with '*'
    removed. Lines are split on '\\n'; the line-dropped variants are stripped. Empty variants are kept here (the
    caller skips them, as the official code does).
    """
    lines = response.split("\n")
    remove_first = "\n".join(lines[1:]).strip()
    remove_last = "\n".join(lines[:-1]).strip()
    remove_both = "\n".join(lines[1:-1]).strip()
    return [
        response,
        response.replace("*", ""),
        remove_first,
        remove_last,
        remove_both,
        remove_first.replace("*", ""),
        remove_last.replace("*", ""),
        remove_both.replace("*", ""),
    ]


def _type_ok(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is Literal:
        return value in typing.get_args(hint)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        args = typing.get_args(hint)
        inner = args[0] if args else Any
        return all(_type_ok(v, inner) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _describe_hint(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe_hint(h) for h in typing.get_args(hint))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (list, tuple):
        args = typing.get_args(hint)
        return f"a list of {_describe_hint(args[0])}" if args else "a list"
    if hint is type(None):
        return "null"
    return {int: "an integer", float: "a number", str: "a string", bool: "a boolean"}.get(hint, getattr(hint, "__name__", str(hint)))


@functools.cache
def _field_info(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """Type hints and init fields of a constraint class (cached: building specs is on the reward hot path)."""
    return typing.get_type_hints(cls), {f.name: f for f in dataclasses.fields(cls) if f.init}


@dataclasses.dataclass(frozen=True)
class Constraint:
    """Base class of every verifiable constraint. Subclasses are frozen dataclasses of their parameters."""

    id: ClassVar[str] = ""
    category: ClassVar[str] = ""  # tier-0 breakdown key; defaults to the id prefix before ':'
    langs: ClassVar[tuple[str, ...]] = ("en",)  # languages `describe` supports
    needs_prompt: ClassVar[bool] = False  # if True, the registry injects the prompt text as param `prompt`

    # ----- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_params(cls, params: dict | None = None, **extra: Any) -> Self:
        """Build from a params dict, validating names, types and values. Unknown names are an error."""
        params = dict(params or {})
        params.update(extra)
        hints, fields = _field_info(cls)
        for name in params:
            if name not in fields:
                allowed = ", ".join(sorted(fields)) or "no parameters"
                raise ConstraintArgsError(cls.id, name, f"a known parameter ({allowed})", got="<unknown name>")
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if name not in params:
                if required:
                    raise ConstraintArgsError(cls.id, name, f"{_describe_hint(hints[name])} (required)")
                continue
            value = params[name]
            if isinstance(value, tuple):
                value = list(value)
            if hints[name] is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not _type_ok(value, hints[name]):
                raise ConstraintArgsError(cls.id, name, _describe_hint(hints[name]), got=value)
            if isinstance(value, list):
                value = tuple(value)  # frozen + hashable
            params[name] = value
        obj = cls(**params)
        obj.validate()
        return obj

    def validate(self) -> None:
        """Value checks beyond types (ranges, non-empty strings). Raise via `self.bad(param, expected)`."""

    def bad(self, param: str, expected: str) -> None:
        raise ConstraintArgsError(self.id, param, expected, got=getattr(self, param, None))

    @property
    def params(self) -> dict[str, Any]:
        """Parameters as plain JSON-able values (tuples back to lists)."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    def spec(self) -> dict[str, Any]:
        """The JSON constraint spec `{"id", "params"}` this object was built from (prompt injection removed)."""
        params = {k: v for k, v in self.params.items() if not (self.needs_prompt and k == "prompt")}
        return {"id": self.id, "params": params}

    # ----- the interface -------------------------------------------------------------------------------------
    def describe(self, lang: str = "en") -> str:
        """The instruction text a prompt carries for this constraint, in `lang`."""
        raise NotImplementedError(f"{self.id}: describe() not implemented")

    def check(self, response: str) -> bool:
        """True iff `response` satisfies the constraint. Pure and deterministic."""
        raise NotImplementedError(f"{self.id}: check() not implemented")

    def score(self, response: str) -> float:
        """Dense partial credit in [0, 1]; 1.0 iff `check` passes. Subclasses grade progress where meaningful."""
        return 1.0 if self.check(response) else 0.0

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        """Draw random valid parameters (for synthesis). Families that synthesize override this."""
        raise NotImplementedError(f"{cls.id}: sample() not implemented")

    @classmethod
    def get_category(cls) -> str:
        return cls.category or cls.id.split(":", 1)[0]


# ----- helpers shared by the dense scores ------------------------------------------------------------------------
def closeness(count: float, target: float) -> float:
    """1 at count == target, decaying smoothly with relative distance; in [0, 1]."""
    if target <= 0:
        return 1.0 if count <= 0 else 1.0 / (1.0 + count)
    return max(0.0, 1.0 - abs(count - target) / max(target, 1.0))


def at_least_score(count: float, target: float) -> float:
    """Fraction of the way to `count >= target`."""
    if count >= target:
        return 1.0
    return max(0.0, count / target) if target > 0 else 1.0


def less_than_score(count: float, target: float) -> float:
    """1 if count < target, else decays with the overshoot (count - target + 1) relative to target."""
    if count < target:
        return 1.0
    return max(0.0, 1.0 - (count - target + 1) / max(target, 1.0))
