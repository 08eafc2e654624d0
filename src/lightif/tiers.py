"""Pass-rate tiers (Light-IF's hard / pass / easy split): sample K responses per prompt and bucket by pass rate.

Each prompt gets K samples from a backend (`lightif.generate.generate_records`, resumable), each sample is scored with
`lightif.constraints.check` (strict) on the answer after the thinking block (`lightif.text.split_thinking`: an
unclosed think block scores as an empty answer), and the prompt's pass rate r = passing samples / K decides its tier:

    hard : r <= hard_max         (default 0.0 — no sample passes)
    easy : r >= easy_min         (default 0.75 — with K = 8, six or more samples pass)
    pass : otherwise             (sometimes solved: the pool for rejection sampling)

The paper names the three sets but publishes neither K nor the thresholds (LIGHT_IF_METHOD.md §2, UNKNOWN). Our
defaults, and why: `hard_max = 0` because a prompt the policy never solves gives GRPO groups with all-equal strict
rewards and gives rejection sampling nothing to keep; `easy_min = 0.75` because above it most GRPO groups of 8 are
near-uniform (little advantage signal) and the prompt adds little to a cold-start set, while prompts solved 1–5 times
in 8 are the informative middle. Both are parameters; `hard_max < easy_min` is required.

Outputs in the output folder: `generations.jsonl` (raw, resumable), `samples.jsonl` (every scored sample with the
prompt, constraints and verdict: the input of `lightif extract`), `hard.jsonl` / `pass.jsonl` / `easy.jsonl` (prompt
records with `meta.pass_rate`, `meta.tier`, `meta.k`) and `stats.json` (tier sizes, pass-count histogram,
per-constraint pass rates).
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from lightif.errors import ConfigError
from lightif.io import write_json, write_jsonl
from lightif.schema import PromptRecord
from lightif.text import THINK_CLOSE, THINK_OPEN, split_thinking

TIERS = ("hard", "pass", "easy")


@dataclasses.dataclass
class FilterConfig:
    """Settings of `filter_prompts` (and `lightif filter`)."""

    model: str = ""
    backend: str = "transformers"
    samples: int = 8  # K responses per prompt
    temperature: float = 1.0  # sampling, not greedy: the pass rate estimates the policy's success probability
    top_p: float = 1.0
    top_k: int = 0
    max_new_tokens: int = 4096
    batch_size: int = 16
    seed: int = 0
    enable_thinking: bool | None = None
    hard_max: float = 0.0
    easy_min: float = 0.75
    mode: str = "strict"  # strict | loose scoring of the answer
    open_tag: str = THINK_OPEN
    close_tag: str = THINK_CLOSE
    backend_options: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.samples < 1:
            raise ConfigError(f"samples must be >= 1 (got {self.samples})")
        if not 0.0 <= self.hard_max < self.easy_min <= 1.0:
            raise ConfigError(f"need 0 <= hard_max < easy_min <= 1 (got {self.hard_max}, {self.easy_min})")
        if self.mode not in ("strict", "loose"):
            raise ConfigError(f"mode must be strict or loose (got {self.mode!r})")


@dataclasses.dataclass
class TierResult:
    tiers: dict[str, list[PromptRecord]]
    samples: list[dict]
    stats: dict[str, Any]


def tier_of(pass_rate: float, hard_max: float = 0.0, easy_min: float = 0.75) -> str:
    """The tier of a prompt with this pass rate (see module docstring)."""
    if pass_rate <= hard_max:
        return "hard"
    if pass_rate >= easy_min:
        return "easy"
    return "pass"


def score_sample(record: PromptRecord, row: dict, cfg: FilterConfig) -> dict:
    """One generation row -> a scored sample (prompt, constraints and verdict included, for `lightif extract`)."""
    from lightif import constraints as C

    text = str(row.get("text", ""))
    split = split_thinking(text, cfg.open_tag, cfg.close_tag)
    v = C.check(record.constraints, split.answer, mode=cfg.mode, prompt=record.prompt)  # type: ignore[arg-type]
    return {
        "id": record.id, "sample": int(row.get("sample", 0)), "text": text,
        "messages": list(record.messages), "constraints": list(record.constraints), "lang": record.lang,
        "source": record.source, "thinking_closed": split.closed,
        "follow_all": v.follow_all, "follow_list": list(v.follow_list), "mean_score": round(v.mean_score, 4),
        "errors": [e for e in v.errors if e], "finish_reason": row.get("finish_reason"),
        "completion_tokens": row.get("completion_tokens"),
    }


def split_by_pass_rate(records: list[PromptRecord], samples: list[dict], cfg: FilterConfig) -> TierResult:
    """Bucket prompts by the pass rate of their scored samples."""
    by_id: dict[str, list[dict]] = defaultdict(list)
    for s in samples:
        by_id[s["id"]].append(s)
    tiers: dict[str, list[PromptRecord]] = {t: [] for t in TIERS}
    hist: Counter[int] = Counter()
    per_id: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rec in records:
        mine = by_id.get(rec.id, [])
        k = len(mine)
        passes = sum(1 for s in mine if s["follow_all"])
        rate = passes / k if k else 0.0
        tier = tier_of(rate, cfg.hard_max, cfg.easy_min)
        hist[passes] += 1
        meta = dict(rec.meta, pass_rate=round(rate, 4), passes=passes, k=k, tier=tier)
        tiers[tier].append(dataclasses.replace(rec, meta=meta))
        for s in mine:
            s["tier"], s["pass_rate"] = tier, round(rate, 4)  # extract keeps only the requested tiers
            for spec, ok in zip(s["constraints"], s["follow_list"]):
                per_id[spec["id"]][0] += int(ok)
                per_id[spec["id"]][1] += 1
    n = max(1, len(records))
    stats = {
        "prompts": len(records), "samples_per_prompt": cfg.samples, "samples": len(samples),
        "thresholds": {"hard_max": cfg.hard_max, "easy_min": cfg.easy_min},
        "tiers": {t: len(v) for t, v in tiers.items()},
        "pass_count_histogram": {str(j): hist.get(j, 0) for j in range(cfg.samples + 1)},
        "mean_pass_rate": round(sum(r.meta["pass_rate"] for t in tiers.values() for r in t) / n, 4),
        "sample_pass_rate": round(sum(s["follow_all"] for s in samples) / max(1, len(samples)), 4),
        "closed_thinking_rate": round(sum(s["thinking_closed"] for s in samples) / max(1, len(samples)), 4),
        "constraint_pass_rate": {cid: round(a / b, 4) for cid, (a, b) in sorted(per_id.items())},
    }
    return TierResult(tiers, samples, stats)


def write_tiers(result: TierResult, out_dir: str | Path) -> None:
    out = Path(out_dir)
    for t in TIERS:
        write_jsonl(out / f"{t}.jsonl", (r.to_json() for r in result.tiers[t]))
    write_jsonl(out / "samples.jsonl", result.samples)
    write_json(out / "stats.json", result.stats)


def filter_prompts(records: list[PromptRecord], cfg: FilterConfig, out_dir: str | Path,
                   backend: Any = None, progress: bool = False) -> TierResult:
    """Sample, score and split `records`; write everything under `out_dir` (see module docstring).

    `backend` defaults to `lightif.backends.load_backend(cfg.backend, cfg.model, **cfg.backend_options)`.
    Generation is resumable: re-running with the same `out_dir` skips samples already in `generations.jsonl`.
    """
    from lightif.backends import SamplingParams, load_backend
    from lightif.generate import generate_records

    if backend is None:
        if not cfg.model:
            raise ConfigError("filter needs a model (--model)")
        backend = load_backend(cfg.backend, cfg.model, **cfg.backend_options)
    params = SamplingParams(temperature=cfg.temperature, top_p=cfg.top_p, top_k=cfg.top_k,
                            max_new_tokens=cfg.max_new_tokens, n=cfg.samples, seed=cfg.seed,
                            enable_thinking=cfg.enable_thinking)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = generate_records(records, backend, params, out / "generations.jsonl", batch_size=cfg.batch_size,
                            progress=progress)
    by_id = {r.id: r for r in records}
    samples = [score_sample(by_id[str(row["id"])], row, cfg) for row in rows]
    result = split_by_pass_rate(records, samples, cfg)
    write_tiers(result, out)
    return result


__all__ = ["FilterConfig", "TIERS", "TierResult", "filter_prompts", "score_sample", "split_by_pass_rate", "tier_of",
           "write_tiers"]
