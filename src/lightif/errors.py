"""One small exception hierarchy. The CLI turns any `LightIFError` into one line and exit code 2."""

from __future__ import annotations


class LightIFError(Exception):
    """Base class: a user-facing problem (bad input, bad config, missing resource)."""


class ConfigError(LightIFError):
    """A configuration file or flag is invalid (unknown key, wrong type, bad value)."""


class DataError(LightIFError):
    """A data file is malformed. Carries the file, the line and the field when known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None):
        self.path, self.line, self.field, self.reason = path, line, field, message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}{what}{message}")


class UnknownConstraintError(LightIFError):
    """A constraint id is not in the registry."""

    def __init__(self, constraint_id: str, hint: str = ""):
        self.constraint_id = constraint_id
        super().__init__(f"unknown constraint id '{constraint_id}'{hint}")


class ConstraintArgsError(LightIFError):
    """A constraint got invalid parameters. Names the id, the parameter and what was expected."""

    def __init__(self, constraint_id: str, param: str, expected: str, got: object = None):
        self.constraint_id, self.param, self.expected = constraint_id, param, expected
        got_s = f" (got {got!r})" if got is not None else ""
        super().__init__(f"constraint '{constraint_id}': parameter '{param}': expected {expected}{got_s}")


class BackendError(LightIFError):
    """A generation backend failed (missing optional dependency, server unreachable, bad model path)."""
