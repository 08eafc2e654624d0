"""Step time of TEA-RL vs plain TRL GRPO on the same model, batch and settings.

Two measurements on a randomly initialised Qwen3-architecture model built offline:
1. loss step: `_compute_loss` + backward on one generated batch, mode "tea" (our override: TEA term + clamped KL)
   vs mode "grpo" (TRL's `GRPOTrainer._compute_loss` untouched), alternated, median of `--repeats`;
2. full step: TRL's logged `step_time` (generation + loss + optimiser) over `--full-steps` training steps per mode.
Prints both ratios (goal ≤ 1.15).

    python bench/rl_step.py                         # CPU, small (a minute)
    python bench/rl_step.py --hidden 1024 --layers 8 --completion-len 1024 --batch 16
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))


def reward_even(prompts, completions, completion_ids, **kwargs):
    """Any dense reward works for timing (nonzero advantages): the share of even token ids."""
    return [sum(t % 2 == 0 for t in ids) / max(len(ids), 1) for ids in completion_ids]


def make_trainer(mode: str, args, work: Path, steps: int):
    from transformers import PrinterCallback

    from lightif.rl import TEAGRPOConfig, TEAGRPOTrainer, load_rl_dataset

    cuda = args.device == "cuda"
    cfg = TEAGRPOConfig(output_dir=str(work / mode), mode=mode, per_device_train_batch_size=args.batch,
                        num_generations=4, max_completion_length=args.completion_len, max_steps=steps,
                        logging_steps=1, report_to="none", save_strategy="no", use_cpu=not cuda, bf16=cuda,
                        learning_rate=1e-6, think_required=False, seed=0, disable_tqdm=True,
                        model_init_kwargs={"dtype": "bfloat16" if cuda else "float32"},
                        generation_kwargs={"min_new_tokens": args.completion_len})  # fixed length: fair timing
    tr = TEAGRPOTrainer(model=str(work / "model"), reward_funcs=[reward_even], args=cfg,
                        train_dataset=load_rl_dataset(work / "prompts.jsonl"))
    tr.remove_callback(PrinterCallback)
    return tr


def loss_step_times(args, work: Path) -> dict[str, float]:
    import torch

    tr = make_trainer("tea", args, work, steps=1)
    tr.model.train()
    tr.current_gradient_accumulation_steps = 1
    inputs = tr._prepare_inputs(next(iter(tr.get_train_dataloader())))
    times: dict[str, list[float]] = {"tea": [], "grpo": []}
    for i in range(args.repeats + 1):
        for mode in ("tea", "grpo"):
            tr.args.mode = mode
            tr.model.zero_grad(set_to_none=True)
            if args.device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            tr._compute_loss(tr.model, dict(inputs)).backward()
            if args.device == "cuda":
                torch.cuda.synchronize()
            if i:  # the first round warms up
                times[mode].append(time.perf_counter() - t0)
    return {m: statistics.median(v) for m, v in times.items()}


def full_step_times(args, work: Path) -> dict[str, list[float]]:
    """Per-step times; each mode runs twice, interleaved (grpo, tea, grpo, tea), so warm-up and clock ramp-up
    (GPU clocks, kernel compilation) cannot favour one mode; the first step of every run is dropped."""
    out: dict[str, list[float]] = {"grpo": [], "tea": []}
    for mode in ("grpo", "tea", "grpo", "tea"):
        tr = make_trainer(mode, args, work, steps=args.full_steps + 1)
        tr.train()
        out[mode] += [r["step_time"] for r in tr.state.log_history if "step_time" in r][1:]
        del tr
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--vocab", type=int, default=151936)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8, help="completions per micro-batch")
    ap.add_argument("--completion-len", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--full-steps", type=int, default=3)
    args = ap.parse_args()
    import torch

    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    from sft_memory import build_model

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_model(work / "model", args.vocab, args.hidden, args.layers)
        with open(work / "prompts.jsonl", "w", encoding="utf-8") as fh:
            for i in range(64):
                fh.write(json.dumps({"id": f"p{i}", "messages": [{"role": "user", "content": f"Write note {i}."}],
                                     "constraints": [{"id": "punctuation:no_comma", "params": {}}]}) + "\n")
        setup = (f"{args.device}, vocab {args.vocab}, hidden {args.hidden}, {args.layers} layers, "
                 f"{args.batch} x {args.completion_len} completion tokens")
        ls = loss_step_times(args, work)
        print(json.dumps({"loss_step_s": ls}))
        print(f"loss+backward time tea / grpo = {ls['tea'] / ls['grpo']:.3f}  ({setup})")
        if args.full_steps:
            fs = full_step_times(args, work)
            print(json.dumps({"full_step_s": fs}))
            med = statistics.median(fs["tea"]) / statistics.median(fs["grpo"])
            best = min(fs["tea"]) / min(fs["grpo"])  # robust to one-off warm-up stalls (kernel compiles, clocks)
            print(f"full step time tea / grpo = {best:.3f} (fastest steps), {med:.3f} (medians)  ({setup}, incl. "
                  "generation)")


if __name__ == "__main__":
    main()
