"""Scoring throughput: strict + loose verdicts per second on the archived IFEval GPT-4 responses (541 prompts) and
the IFBench sample responses (294 of 300 prompts).

    .venv/bin/python bench/score_speed.py [--repeats 3] [--data-dir /work/shared/data/ifeval]

Times `lightif.evaluate.score_responses` (both modes, every instruction) after one warm-up pass that loads
langdetect profiles, Punkt and the POS tagger; file loading is excluded; the per-text memo caches are cleared before every timed
pass. Prints the best of the repeats.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from lightif import evaluate as E
from lightif.constraints import clear_text_caches

SHARED = Path(os.environ.get("LIGHTIF_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DEFAULT_DIR = SHARED / "data" / "ifeval"


def _time(records, responses, repeats: int) -> tuple[float, object]:
    result = E.score_responses(records, responses)  # warm-up (loads langdetect profiles, Punkt, the tagger)
    best = float("inf")
    for _ in range(repeats):
        clear_text_caches()  # honest numbers: forget every memoised per-text result of the previous pass
        t = time.perf_counter()
        E.score_responses(records, responses)
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    args = ap.parse_args()
    responses_path = args.data_dir / "input_response_data_gpt4_20231107_145030.fixed_7afefd4.jsonl"
    if not responses_path.exists():
        print(f"score_speed: skipped, {responses_path} not found (set LIGHTIF_SHARED)")
        return 0
    runs = [("IFEval GPT-4 responses", E.load_benchmark("ifeval", args.data_dir / "input_data.jsonl"),
             E.load_responses(responses_path))]
    ifbench = SHARED / "data" / "ifbench" / "sample_output.jsonl"
    if ifbench.exists():
        runs.append(("IFBench sample responses", E.load_benchmark("ifbench"), E.load_responses(ifbench)))
    for name, records, responses in runs:
        best, result = _time(records, responses, args.repeats)
        n = len(responses)
        print(f"{name}: {n} prompts, {result.counts['instructions']} instructions, strict+loose")
        print(f"  best of {args.repeats}: {best:.3f} s  ->  {n / best:.1f} responses/s "
              f"({2 * result.counts['instructions'] / best:.0f} instruction verdicts/s)")
        print(f"  headline: prompt strict {100 * result.metrics['prompt_level_strict']:.2f}, "
              f"loose {100 * result.metrics['prompt_level_loose']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
