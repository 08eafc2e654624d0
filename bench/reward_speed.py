"""Reward throughput: `ConstraintReward` on 10,000 rollouts x 5 Light-IF constraints, one core.

    .venv/bin/python bench/reward_speed.py [--rollouts 10000] [--per-prompt 8] [--repeats 3] [--seed 0]

Workload (deterministic from the seed): rollouts/8 prompts, each with 5 constraints drawn by `sample` from the zh or
the en family (half each), stored as the JSON-string dataset column the trainer uses; 8 rollouts per prompt, each
`<think>...</think>` + an answer of 150-400 words (en) or 300-900 characters (zh) built from word pools, so every
check runs on realistic lengths. Scored in TRL-sized batches of 64 rollouts. "cold" clears the spec cache first (JSON
parse + validation + build included), "warm" reuses it (what GRPO sees after the first step of an epoch is cold per
prompt, then 7 warm rollouts). The process is pinned to one CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

from lightif import constraints as C
from lightif import rewards as R

EN_WORDS = ("the river light data future growth team design ocean trust energy quick brown fox jumps over lazy "
            "dog IMPORTANT NOTE garden soil water plant season morning evening city road [name] *key* _idea_").split()
ZH_CHUNKS = ("春天", "科技", "环境", "教育", "未来", "健康", "城市", "文化", "我们", "发展",
             "生活", "美好", "，", "。", "！", "？", "的", "了", "在", "是")


def make_answer(rng: random.Random, lang: str) -> str:
    if lang == "en":
        words = [rng.choice(EN_WORDS) for _ in range(rng.randint(150, 400))]
        for i in range(12, len(words), rng.randint(10, 20)):
            words[i] += rng.choice([".", "!", "?", ".\n\n", "\n* item"])
        return " ".join(words)
    n = rng.randint(300, 900)
    parts, size = [], 0
    while size < n:
        c = rng.choice(ZH_CHUNKS)
        parts.append(c + ("\n\n" if rng.random() < 0.02 else ""))
        size += len(c)
    return "《标题》\n\n" + "".join(parts)


def make_workload(n_rollouts: int, per_prompt: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    families = {lang: [i for i in C.all_ids(f"lightif_{lang}:") if i != R.CHECK_CODE_ID] for lang in ("zh", "en")}
    prompts, completions, columns = [], [], []
    for p in range((n_rollouts + per_prompt - 1) // per_prompt):
        lang = "zh" if p % 2 == 0 else "en"
        ids = rng.sample(families[lang], 5)
        spec = json.dumps([C.get(i).sample(rng, lang).spec() for i in ids], ensure_ascii=False)
        for _ in range(per_prompt):
            prompts.append(f"prompt {p}")
            completions.append("<think>" + "plan and check. " * rng.randint(20, 200) + "</think>\n"
                               + make_answer(rng, lang))
            columns.append(spec)
    return prompts[:n_rollouts], completions[:n_rollouts], columns[:n_rollouts]


def run_once(prompts, completions, columns, *, cold: bool, batch: int = 64) -> tuple[float, list[float]]:
    if cold:
        R._build_cached.cache_clear()
    rf = R.ConstraintReward()
    out: list[float] = []
    t = time.perf_counter()
    for i in range(0, len(completions), batch):
        out += rf(prompts[i:i + batch], completions[i:i + batch], constraints=columns[i:i + batch])
    elapsed = time.perf_counter() - t
    if rf.num_errors:
        raise SystemExit(f"reward_speed: {rf.num_errors} scoring errors: {dict(rf.errors.counts)}")
    return elapsed, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rollouts", type=int, default=10_000)
    ap.add_argument("--per-prompt", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    prompts, completions, columns = make_workload(args.rollouts, args.per_prompt, args.seed)
    run_once(prompts[:64], completions[:64], columns[:64], cold=True)  # import/registry warm-up
    n = len(completions)
    chars = sum(len(c) for c in completions) / n
    print(f"{n} rollouts x 5 constraints ({n // args.per_prompt} prompts, mean completion {chars:.0f} chars), 1 core")
    for cold in (True, False):
        best, out = float("inf"), []
        for _ in range(args.repeats):
            elapsed, out = run_once(prompts, completions, columns, cold=cold)
            best = min(best, elapsed)
        acc = sum(1 for r in out if r >= 1.0) / n
        label = "cold (parse+build every prompt)" if cold else "warm (spec cache hit)"
        print(f"{label:33s} best of {args.repeats}: {best:.3f} s  ->  {1000 * best / n * 1000:.1f} ms per 1,000 "
              f"rollouts  (mean reward {sum(out) / n:.3f}, acc {acc:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
