"""Batched generation speed: `TransformersBackend` (left-padded, length-sorted batches) vs one prompt at a time.

    python bench/generate_speed.py [--prompts 64] [--new-tokens 128] [--batch-size 32] [--threads 1]

Model: SmolLM2-135M-Instruct (`lightif models pull smollm2-135m-instruct`), prompts: the first N IFEval prompts,
greedy decoding. The baseline renders the same chat prompt and calls `model.generate` once per prompt (no padding).
Prints wall time, CPU time, generated tokens and tokens/s for both, and the speed-up ratios (target: >= 4x). On a
shared machine the CPU-time ratio is the reliable one (wall time depends on what else runs); with one thread
(the default) it is the same measure as wall time on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from lightif.backends import SamplingParams, load_backend
    from lightif.evaluate import load_benchmark

    convs = [list(r.messages) for r in load_benchmark("ifeval")[:args.prompts]]
    params = SamplingParams(max_new_tokens=args.new_tokens)
    backend = load_backend("transformers", args.model, batch_size=args.batch_size, device="cpu")

    t0, c0 = time.perf_counter(), time.process_time()
    batched = backend.generate(convs, params)
    t_batched, c_batched = time.perf_counter() - t0, time.process_time() - c0
    tok_batched = sum(g[0].completion_tokens for g in batched)

    gen_cfg = backend._generation_config(params)
    tok_single, t0, c0 = 0, time.perf_counter(), time.process_time()
    with torch.inference_mode():
        for conv in convs:
            ids = torch.tensor([backend.render(conv, params)])
            out = backend.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=gen_cfg)
            tok_single += backend._to_generation(out[0, ids.shape[1]:].tolist(), ids.shape[1]).completion_tokens
    t_single, c_single = time.perf_counter() - t0, time.process_time() - c0

    result = {"prompts": len(convs), "new_tokens": args.new_tokens, "batch_size": args.batch_size,
              "threads": args.threads, "batched_s": round(t_batched, 1), "batched_tokens": tok_batched,
              "batched_tok_per_s": round(tok_batched / t_batched, 1), "single_s": round(t_single, 1),
              "single_tokens": tok_single, "single_tok_per_s": round(tok_single / t_single, 1),
              "batched_cpu_s": round(c_batched, 1), "single_cpu_s": round(c_single, 1),
              "speedup_wall": round(t_single / t_batched, 2), "speedup_cpu": round(c_single / c_batched, 2),
              "speedup_tok_per_s": round((tok_batched / t_batched) / (tok_single / t_single), 2)}
    print(json.dumps(result, indent=1))
    print(f"speed-up: {result['speedup_cpu']}x CPU time, {result['speedup_wall']}x wall time "
          f"({result['speedup_tok_per_s']}x tokens/s)")


if __name__ == "__main__":
    main()
