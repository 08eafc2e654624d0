"""Helpers for the latency tests."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def no_gc():
    """Garbage collection off for the block (what `timeit` does): a full collection walks every object of the test
    process, so its cost depends on what other tests left behind, not on the code being timed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
