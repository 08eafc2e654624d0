"""Resumable generation of responses for prompt records, through any backend.

`generate_records` appends one JSONL row per (record id, sample index) to `out_path` as each batch completes::

    {"id": "1000", "sample": 0, "text": "...", "prompt_tokens": 57, "completion_tokens": 212, "finish_reason": "stop"}

The file is written with `lightif.io.JsonlAppender` (one whole line per row, flushed and fsynced; a torn last line is
cut on reopen), so `kill -9` loses at most the batch in flight and never leaves a duplicate or a corrupt row.
Re-running with the same records skips every (id, sample) pair already present. Rows of ids that are not in
`records` are left in the file untouched and not returned.

With sampling (`temperature > 0`) a resumed run draws the remaining rows in different batches than an uninterrupted
run would, so it is equally valid but not bit-identical; greedy rows do not depend on batching (up to float ties).

Pending records are sorted by prompt length (characters, a cheap proxy for tokens) before batching, so batches hold
prompts of similar length; the returned rows are in record order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from lightif.backends import Backend, Generation, SamplingParams
from lightif.errors import BackendError, DataError
from lightif.io import JsonlAppender, read_jsonl_tolerant
from lightif.schema import PromptRecord

ROW_FIELDS = ("id", "sample", "text", "prompt_tokens", "completion_tokens", "finish_reason")


def _existing(out_path: Path) -> dict[tuple[str, int], dict]:
    done: dict[tuple[str, int], dict] = {}
    for lineno, row in enumerate(read_jsonl_tolerant(out_path), start=1):
        missing = [f for f in ROW_FIELDS if f not in row]
        if missing:
            raise DataError(f"not a generation row (missing {', '.join(missing)}); refusing to append to it",
                            path=str(out_path), line=lineno)
        done.setdefault((str(row["id"]), int(row["sample"])), row)
    return done


def _row(rid: str, sample: int, g: Generation) -> dict:
    return {"id": rid, "sample": sample, "text": g.text, "prompt_tokens": g.prompt_tokens,
            "completion_tokens": g.completion_tokens, "finish_reason": g.finish_reason}


def _prompt_chars(rec: PromptRecord) -> int:
    return sum(len(m.get("content", "")) for m in rec.messages)


class _Progress:
    """A rich progress bar showing samples/s and tokens/s; a no-op when disabled."""

    def __init__(self, total: int, done: int, enabled: bool):
        self.enabled = enabled and total > done
        self.samples = 0
        self.tokens = 0
        self.t0 = time.perf_counter()
        if not self.enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("generate"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), transient=False)
        self.task = self.bar.add_task("generate", total=total, completed=done, rate="")
        self.bar.start()

    def advance(self, samples: int, tokens: int) -> None:
        self.samples += samples
        self.tokens += tokens
        if self.enabled:
            dt = max(time.perf_counter() - self.t0, 1e-9)
            rate = f"{self.samples / dt:.2f} samples/s  {self.tokens / dt:.0f} tok/s"
            self.bar.update(self.task, advance=samples, rate=rate)

    def close(self) -> None:
        if self.enabled:
            self.bar.stop()


def generate_records(records: list[PromptRecord], backend: Backend, params: SamplingParams, out_path,
                     *, batch_size: int = 16, progress: bool = True,
                     on_batch: Callable[[int, int], None] | None = None) -> list[dict]:
    """Generate `params.n` samples per record into `out_path` (resumable); return all rows in record order.

    `on_batch(samples_done, tokens_done)` is called after every written batch (used for timings and tests).
    """
    if batch_size < 1:
        raise BackendError(f"batch_size must be >= 1 (got {batch_size})")
    ids = [r.id for r in records]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise DataError(f"duplicate record id {dup!r}: generation rows are keyed by id")
    out_path = Path(out_path)
    done = _existing(out_path)
    pending = [r for r in records if any((r.id, s) not in done for s in range(params.n))]
    pending.sort(key=_prompt_chars)
    bar = _Progress(len(records) * params.n, len(records) * params.n - _count_missing(pending, done, params.n),
                    progress)
    try:
        with JsonlAppender(out_path) as log:
            for start in range(0, len(pending), batch_size):
                batch = pending[start:start + batch_size]
                gens = backend.generate([list(r.messages) for r in batch], params)
                if len(gens) != len(batch):
                    raise BackendError(f"backend returned {len(gens)} results for {len(batch)} prompts")
                written, tokens = 0, 0
                for rec, samples in zip(batch, gens):
                    for s, g in enumerate(samples[:params.n]):
                        if (rec.id, s) in done:
                            continue
                        row = _row(rec.id, s, g)
                        log.write(row)
                        done[(rec.id, s)] = row
                        written += 1
                        tokens += g.completion_tokens
                bar.advance(written, tokens)
                if on_batch is not None:
                    on_batch(written, tokens)
    finally:
        bar.close()
    missing = [(r.id, s) for r in records for s in range(params.n) if (r.id, s) not in done]
    if missing:
        raise BackendError(f"backend returned fewer than n={params.n} samples (first missing: {missing[0]})")
    return [done[(r.id, s)] for r in records for s in range(params.n)]


def _count_missing(pending: list[PromptRecord], done: dict, n: int) -> int:
    return sum(1 for r in pending for s in range(n) if (r.id, s) not in done)
