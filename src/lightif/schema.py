"""Typed records passed between stages, and JSONL loaders with file:line errors.

Prompt record (our format, one JSON object per line)::

    {"id": "synth-en-000123",                       # unique key (string)
     "messages": [{"role": "user", "content": "..."}],
     "constraints": [{"id": "length_constraints:number_words", "params": {"num_words": 300, "relation": "at least"}}],
     "lang": "en",                                  # "en" | "zh"
     "source": "synth",                             # provenance: synth | ifeval | ifbench | lightif-official | ...
     "meta": {...}}                                 # free-form (difficulty, seed task, tier, ...)

IFEval / IFBench input files (`key`, `prompt`, `instruction_id_list`, `kwargs`) are read through `from_benchmark`
(IFBench's null kwargs are dropped, as its official evaluator does).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from lightif.errors import DataError
from lightif.io import read_jsonl, require


@dataclasses.dataclass(frozen=True)
class PromptRecord:
    id: str
    messages: tuple[dict, ...]
    constraints: tuple[dict, ...]
    lang: str = "en"
    source: str = ""
    meta: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @property
    def prompt(self) -> str:
        """The last user message (the instruction the constraints apply to)."""
        for m in reversed(self.messages):
            if m.get("role") == "user":
                return m.get("content", "")
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "messages": list(self.messages),
            "constraints": list(self.constraints),
            "lang": self.lang,
            "source": self.source,
            "meta": self.meta,
        }


def _specs_from_benchmark(ids: list, kwargs: list, *, drop_nulls: bool, path: str, line: int) -> tuple[dict, ...]:
    if len(ids) != len(kwargs):
        raise DataError(f"instruction_id_list has {len(ids)} ids but kwargs has {len(kwargs)} entries",
                        path=path, line=line, field="kwargs")
    specs = []
    for i, (cid, kw) in enumerate(zip(ids, kwargs)):
        if not isinstance(cid, str):
            raise DataError(f"expected a string id, got {cid!r}", path=path, line=line, field=f"instruction_id_list[{i}]")
        if kw is None:
            kw = {}
        if not isinstance(kw, dict):
            raise DataError(f"expected an object, got {type(kw).__name__}", path=path, line=line, field=f"kwargs[{i}]")
        if drop_nulls:
            kw = {k: v for k, v in kw.items() if v is not None}
        specs.append({"id": cid, "params": kw})
    return tuple(specs)


def from_benchmark(rec: dict, *, path: str, line: int, source: str, drop_nulls: bool = True) -> PromptRecord:
    prompt = require(rec, "prompt", str, path=path, line=line)
    ids = require(rec, "instruction_id_list", list, path=path, line=line)
    kwargs = rec.get("kwargs", [{} for _ in ids])
    if not isinstance(kwargs, list):
        raise DataError(f"expected a list, got {type(kwargs).__name__}", path=path, line=line, field="kwargs")
    key = rec.get("key", rec.get("id", f"line{line}"))
    return PromptRecord(
        id=str(key),
        messages=({"role": "user", "content": prompt},),
        constraints=_specs_from_benchmark(ids, kwargs, drop_nulls=drop_nulls, path=path, line=line),
        lang=str(rec.get("lang", "en")),
        source=source,
        meta={"key": key},
    )


def from_ours(rec: dict, *, path: str, line: int) -> PromptRecord:
    rid = require(rec, "id", (str, int), path=path, line=line)
    messages = require(rec, "messages", list, path=path, line=line)
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
            raise DataError("expected {'role': str, 'content': str}", path=path, line=line, field=f"messages[{i}]")
    constraints = require(rec, "constraints", list, path=path, line=line)
    for i, c in enumerate(constraints):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str):
            raise DataError("expected {'id': str, 'params': {...}}", path=path, line=line, field=f"constraints[{i}]")
        if not isinstance(c.get("params", {}), dict):
            raise DataError("expected an object", path=path, line=line, field=f"constraints[{i}].params")
    lang = rec.get("lang", "en")
    if lang not in ("en", "zh"):
        raise DataError(f"expected 'en' or 'zh', got {lang!r}", path=path, line=line, field="lang")
    meta = rec.get("meta") or {}
    if not isinstance(meta, dict):
        raise DataError("expected an object", path=path, line=line, field="meta")
    return PromptRecord(str(rid), tuple(messages), tuple({"id": c["id"], "params": c.get("params") or {}} for c in constraints),
                        lang, str(rec.get("source", "")), meta)


def load_prompts(path: str | Path, *, validate: bool = True) -> list[PromptRecord]:
    """Load prompt records from our format or an IFEval/IFBench input file (auto-detected per line).

    With `validate`, every constraint spec is built once, so an unknown id or bad parameter fails here with
    file:line, not in the middle of a training run. Duplicate ids are an error.
    """
    from lightif import constraints as C
    from lightif.errors import LightIFError

    path = str(path)
    out: list[PromptRecord] = []
    seen: dict[str, int] = {}
    for line, rec in read_jsonl(path):
        if "jqzl_prompt" in rec or "check_code" in rec:
            from lightif.jqzl import prompt_record_from_jqzl  # Light-IF official ground-truth format (types A and B)

            pr = prompt_record_from_jqzl(rec, path=path, line=line)
        elif "messages" in rec:
            pr = from_ours(rec, path=path, line=line)
        elif "instruction_id_list" in rec:
            pr = from_benchmark(rec, path=path, line=line, source=rec.get("source", "benchmark"))
        else:
            raise DataError("unrecognised record: expected 'messages' (lightif), 'instruction_id_list' (IFEval/IFBench) "
                            "or 'jqzl_prompt' (Light-IF)", path=path, line=line)
        if pr.id in seen:
            raise DataError(f"duplicate id {pr.id!r} (first on line {seen[pr.id]})", path=path, line=line, field="id")
        seen[pr.id] = line
        if validate:
            for i, spec in enumerate(pr.constraints):
                try:
                    C.build(spec, prompt=pr.prompt)
                except LightIFError as exc:
                    raise DataError(str(exc), path=path, line=line, field=f"constraints[{i}]") from None
        out.append(pr)
    return out
