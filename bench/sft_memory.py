"""Peak training memory: Entropy-SFT (both implementations) vs plain TRL SFT on the same model, data and batch.

Each variant trains `--steps` optimiser steps in its own subprocess on a randomly initialised Qwen3-architecture model
with a large vocabulary (default 151,936, Qwen3's) built offline, so the next-token logits dominate as in the real
case. Variants: `plain` (TRL SFTTrainer default: fused LM head, no logits tensor), `logits` (Entropy-SFT on the
(B,T,V) logits, our default) and `fused` (Entropy-SFT from TRL's fused head, `entropy_sft_impl="fused"`).
Peak = CUDA `max_memory_allocated` on a GPU; on CPU the peak RSS increase over the RSS at the start of training
(sampled every 5 ms). Prints one JSON line per variant and the ratios to `plain`.

    python bench/sft_memory.py                        # CPU, small (a minute)
    python bench/sft_memory.py --device cuda --hidden 1024 --layers 8 --seq-len 8192
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def build_model(out: Path, vocab: int, hidden: int, layers: int) -> None:
    import torch
    from tiny import make_tokenizer
    from transformers import Qwen3Config, Qwen3ForCausalLM

    tok = make_tokenizer()
    torch.manual_seed(0)
    cfg = Qwen3Config(vocab_size=vocab, hidden_size=hidden, intermediate_size=3 * hidden, num_hidden_layers=layers,
                      num_attention_heads=max(hidden // 128, 2), num_key_value_heads=max(hidden // 256, 1),
                      head_dim=min(128, hidden // 2), max_position_embeddings=32768, tie_word_embeddings=True,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    Qwen3ForCausalLM(cfg).save_pretrained(out)
    tok.save_pretrained(out)


def write_data(path: Path, seq_len: int, n: int) -> None:
    import random

    rng = random.Random(0)
    words = ["alpha", "beta", "gamma", "delta", "sea", "count", "check", "think", "answer", "three", "bullet"]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            body = " ".join(rng.choice(words) for _ in range(seq_len))  # ≥ seq_len tokens; truncated to seq_len
            rec = {"messages": [{"role": "user", "content": f"Write note {i}."},
                                {"role": "assistant", "content": f"<think>{body[:len(body) // 4]}</think>{body}"}]}
            fh.write(json.dumps(rec) + "\n")


class RssPeak:
    """Samples this process's RSS every 5 ms (CPU peak memory; torch has no CPU allocator statistics)."""

    def __init__(self):
        self.peak = self.base = self._rss()
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def reset(self):
        self.peak = self.base = self._rss()


def run_one(variant: str, args) -> dict:
    import torch
    from transformers import TrainerCallback

    from lightif.sft import EntropySFTConfig, EntropySFTTrainer, load_chat_dataset

    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    cuda = args.device == "cuda"
    meter = None if cuda else RssPeak()

    class Reset(TrainerCallback):
        def on_train_begin(self, *a, **k):
            if cuda:
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            else:
                meter.reset()

    cfg = EntropySFTConfig(
        output_dir=str(Path(args.workdir) / variant), entropy_sft=variant != "plain",
        entropy_sft_impl="fused" if variant == "fused" else "logits", per_device_train_batch_size=args.batch,
        max_steps=args.steps, max_length=args.seq_len, learning_rate=1e-5, save_strategy="no", report_to="none",
        logging_steps=1, use_cpu=not cuda, bf16=cuda, activation_checkpointing=cuda, disable_tqdm=True,
        dataloader_num_workers=0, model_init_kwargs={"dtype": "bfloat16" if cuda else "float32"})
    tr = EntropySFTTrainer(model=args.model_dir, args=cfg, train_dataset=load_chat_dataset(args.data),
                           callbacks=[Reset()])
    t0 = time.perf_counter()
    tr.train()
    secs = time.perf_counter() - t0
    if cuda:
        peak, base = torch.cuda.max_memory_allocated(), 0
    else:
        peak, base = meter.peak, meter.base
    loss = [r["loss"] for r in tr.state.log_history if "loss" in r]
    return {"variant": variant, "peak_bytes": peak - base, "seconds": round(secs, 2), "loss": loss}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--vocab", type=int, default=151936)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--seq-len", type=int, default=512)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--variants", default="plain,logits,fused")
    ap.add_argument("--run-one", help=argparse.SUPPRESS)
    ap.add_argument("--workdir", help=argparse.SUPPRESS)
    ap.add_argument("--model-dir", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.device == "auto":
        import torch

        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.run_one:
        print("RESULT " + json.dumps(run_one(args.run_one, args)), flush=True)
        return
    with tempfile.TemporaryDirectory() as work:
        model_dir, data = Path(work) / "model", Path(work) / "sft.jsonl"
        build_model(model_dir, args.vocab, args.hidden, args.layers)
        write_data(data, args.seq_len, n=args.batch * args.steps)
        results = {}
        for v in args.variants.split(","):
            cmd = [sys.executable, __file__, "--run-one", v, "--workdir", work, "--model-dir", str(model_dir),
                   "--data", str(data), "--device", args.device, "--seq-len", str(args.seq_len),
                   "--batch", str(args.batch), "--steps", str(args.steps)]
            out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))})
            line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
            if out.returncode or not line:
                sys.exit(f"{v} failed:\n{out.stderr[-3000:]}")
            results[v] = json.loads(line[0][7:])
            print(json.dumps(results[v]))
    setup = (f"{args.device}, vocab {args.vocab}, hidden {args.hidden}, {args.layers} layers, "
             f"seq {args.seq_len} x {args.batch}")
    for v in results:
        if v != "plain" and "plain" in results:
            ratio = results[v]["peak_bytes"] / max(results["plain"]["peak_bytes"], 1)
            print(f"peak memory {v} / plain = {ratio:.3f}  ({setup}; "
                  f"{results[v]['peak_bytes'] / 2**20:.0f} MiB vs {results['plain']['peak_bytes'] / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
