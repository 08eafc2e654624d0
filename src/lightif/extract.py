"""Rejection sampling for the cold-start set (Light-IF stage 3): scored samples -> chat-format SFT records.

Input: `samples.jsonl` from `lightif filter` (each row has the completion `text`, the prompt `messages`, the
constraint specs, `lang` and its prompt's `tier`). A sample is kept when, in this order (the funnel):

0. its prompt is in one of `tiers` (default: `pass`, as the paper samples the pass prompts; rows without a tier,
   e.g. from another tool, are not filtered here);
1. its think block is closed (`lightif.text.split_thinking` with configurable tags); with `think_required` off, a
   tag-less answer of a non-thinking model is accepted and skips steps 3-5 (its record has no think block);
2. the answer passes every constraint (strict; re-checked here with `lightif.constraints.check`, never trusted);
3. thinking and answer lengths are within limits;
4. the thinking previews (>= `min_preview`, optional constraint coverage) ...
5. ... and self-checks (>= `min_self_check`, optional coverage), and is not lazy (`lightif.thinking`);
6. the answer is fluent: an LLM judge score >= `min_judge_score` when `judge_model` is set (the `Score:[[n]]`
   protocol), else the heuristic fluency >= `min_fluency`;
7. its answer is not a duplicate of an already kept answer (whitespace/case-normalised);
8. at most `max_per_prompt` samples per prompt survive (the strongest preview + self-check + coverage, ties broken
   by the raw cue counts).

Output: `{"id", "messages": [...user turns, {"role": "assistant", "content": "<think>\\n…\\n</think>\\n\\nanswer"}],
"meta"}` per line, ready for `lightif sft`; the funnel (how many samples each filter dropped) is printed and written
to `<out stem>.funnel.json`. Deviation: the paper's thresholds and its GPT-4o judge are unknown (§4); ours are
parameters, and the judge is any `lightif.backends` model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from lightif.errors import ConfigError, DataError
from lightif.io import read_jsonl, write_json, write_jsonl
from lightif.thinking import AcceptConfig, accept, judge_fluency, sample_prompt, split

FUNNEL_STAGES = ("total", "tier", "closed_thinking", "correct", "length", "preview", "self_check", "not_lazy",
                 "fluent", "unique", "per_prompt_cap")
# reason returned by `thinking.accept` -> the funnel stage it fails
_REASON_STAGE = {"no_closed_thinking": "closed_thinking", "fails_constraints": "correct", "thinking_length": "length",
                 "answer_length": "length", "no_preview": "preview", "no_self_check": "self_check",
                 "lazy": "not_lazy", "not_fluent": "fluent"}


@dataclasses.dataclass
class ExtractConfig(AcceptConfig):
    """`AcceptConfig` thresholds plus the judge, deduplication and cap settings of `extract`."""

    tiers: list[str] = dataclasses.field(default_factory=lambda: ["pass"])  # of hard / pass / easy
    judge_backend: str = "transformers"
    judge_model: str | None = None  # None: heuristic fluency only
    judge_max_new_tokens: int = 256
    max_per_prompt: int = 1
    max_total: int = 0  # 0 = no cap

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_per_prompt < 1:
            raise ConfigError(f"max_per_prompt must be >= 1 (got {self.max_per_prompt})")
        bad = [t for t in self.tiers if t not in ("hard", "pass", "easy")]
        if bad or not self.tiers:
            raise ConfigError(f"tiers must be a non-empty subset of hard, pass, easy (got {self.tiers})")
        if self.max_total < 0:
            raise ConfigError(f"max_total must be >= 0 (got {self.max_total})")


@dataclasses.dataclass
class ExtractResult:
    records: list[dict]
    funnel: dict[str, int]
    dropped: dict[str, int]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def sft_record(sample: dict, thinking: str, answer: str, meta: dict[str, Any], cfg: AcceptConfig) -> dict:
    """The chat-format SFT record of one accepted sample."""
    msgs = [dict(m) for m in sample.get("messages") or [{"role": "user", "content": sample_prompt(sample)}]]
    if thinking or cfg.think_required or cfg.close_tag in sample.get("text", ""):
        content = f"{cfg.open_tag}\n{thinking}\n{cfg.close_tag}\n\n{answer}"
    else:  # a non-thinking model's plain answer (think_required off) stays plain
        content = answer
    return {"id": f"{sample['id']}#{sample.get('sample', 0)}",
            "messages": msgs + [{"role": "assistant", "content": content}], "meta": meta}


def load_samples(path: str | Path) -> list[dict]:
    rows = []
    for line, row in read_jsonl(path):
        for field in ("id", "text", "constraints"):
            if field not in row:
                raise DataError("missing required field (expected a samples.jsonl row from `lightif filter`)",
                                path=str(path), line=line, field=field)
        if "messages" not in row and "prompt" not in row:
            raise DataError("needs 'messages' or 'prompt'", path=str(path), line=line, field="messages")
        rows.append(row)
    return rows


def extract(samples: list[dict], cfg: ExtractConfig, judge: Any = None) -> ExtractResult:
    """Run the funnel over scored samples. `judge` (a backend) overrides `cfg.judge_model`."""
    dropped = {s: 0 for s in FUNNEL_STAGES[1:]}
    survivors: list[tuple[dict, Any]] = []
    for s in samples:
        if s.get("tier") is not None and s["tier"] not in cfg.tiers:
            dropped["tier"] += 1
            continue
        verdict = accept(s, cfg, check_fluency=False)
        if not verdict.ok:
            dropped[_REASON_STAGE[verdict.reason or "fails_constraints"]] += 1
            continue
        survivors.append((s, verdict))
    if judge is None and cfg.judge_model:
        from lightif.backends import load_backend

        judge = load_backend(cfg.judge_backend, cfg.judge_model)
    scores: list[int | None] = [None] * len(survivors)
    if judge is not None and survivors:
        items = [(sample_prompt(s), split(s["text"], cfg.open_tag, cfg.close_tag)[1], s.get("lang", "en"))
                 for s, _ in survivors]
        scores = judge_fluency(items, judge, cfg.judge_max_new_tokens)
    fluent = []
    for (s, v), score in zip(survivors, scores):
        ok = (score is not None and score >= cfg.min_judge_score) if judge is not None else \
            (v.fluency or 0.0) >= cfg.min_fluency
        if ok:
            fluent.append((s, v, score))
        else:
            dropped["fluent"] += 1
    seen: set[str] = set()
    per_prompt: dict[str, list[tuple[float, dict]]] = defaultdict(list)
    for s, v, score in fluent:
        thinking, answer, _ = split(s["text"], cfg.open_tag, cfg.close_tag)
        key = hashlib.sha1(_normalise(answer).encode("utf-8")).hexdigest()
        if key in seen:
            dropped["unique"] += 1
            continue
        seen.add(key)
        rep = v.patterns
        rank = 0.0 if rep is None else (  # raw cue counts break ties between saturated scores
            rep.preview + rep.self_check + (rep.preview_coverage or 0) + (rep.check_coverage or 0)
            + 0.01 * (rep.preview_hits + rep.check_hits))
        meta = {"prompt_id": s["id"], "sample": s.get("sample", 0), "lang": s.get("lang", "en"),
                "constraints": s["constraints"], "patterns": rep.to_json() if rep else None, "fluency": v.fluency,
                "judge_score": score, "source": s.get("source", ""), "tier": s.get("tier"),
                "pass_rate": s.get("pass_rate")}
        per_prompt[str(s["id"])].append((rank, sft_record(s, thinking, answer, meta, cfg)))
    kept: list[dict] = []
    for pid in per_prompt:  # insertion order = input order
        ranked = sorted(per_prompt[pid], key=lambda t: -t[0])
        kept.extend(r for _, r in ranked[: cfg.max_per_prompt])
        dropped["per_prompt_cap"] += max(0, len(ranked) - cfg.max_per_prompt)
    if cfg.max_total and len(kept) > cfg.max_total:
        dropped["per_prompt_cap"] += len(kept) - cfg.max_total
        kept = kept[: cfg.max_total]
    funnel = {"total": len(samples)}
    left = len(samples)
    for stage in FUNNEL_STAGES[1:]:
        left -= dropped[stage]
        funnel[stage] = left
    return ExtractResult(kept, funnel, dropped)


def funnel_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.stem + ".funnel.json")


def run_extract(inp: str | Path, out: str | Path, cfg: ExtractConfig, judge: Any = None) -> ExtractResult:
    """Read samples, extract, write the SFT JSONL and the funnel JSON beside it."""
    result = extract(load_samples(inp), cfg, judge=judge)
    write_jsonl(out, result.records)
    write_json(funnel_path(out), {"funnel": result.funnel, "dropped": result.dropped,
                                  "config": dataclasses.asdict(cfg)})
    return result


def format_funnel(result: ExtractResult) -> str:
    lines = []
    for stage in FUNNEL_STAGES:
        drop = result.dropped.get(stage)
        lines.append(f"{stage:>16}: {result.funnel[stage]:>7}" + (f"  (-{drop})" if drop else ""))
    return "\n".join(lines)


__all__ = ["ExtractConfig", "ExtractResult", "FUNNEL_STAGES", "extract", "format_funnel", "funnel_path",
           "load_samples", "run_extract", "sft_record"]
