"""Entropy-SFT: `EntropySFTConfig(SFTConfig)` and `EntropySFTTrainer(SFTTrainer)` (LIGHT_IF_METHOD.md §5).

Reproduces the official Light-IF `coldstart/LLAMA-Factory/src/llamafactory/train/sft/custom_entropy_trainer.py`
@ 01e9003 (`build_entropy_loss_func`, used as the Trainer's `compute_loss_func` under `--enable_entropy_sft`).

What changes relative to TRL's `SFTTrainer` (trl==1.16.0): only `compute_loss`. TRL's default loss is the fused LM
head's NLL, which ignores the entropy. With `entropy_sft=True` the loss is Entropy-SFT, computed one of two ways that
tests prove equal (loss and gradients):
- `entropy_sft_impl="fused"` (default): TRL's fused LM head returns, per supervised token, log p(y_t) and the entropy
  of the FULL next-token distribution (computed over the whole vocabulary in chunks, so the (B,T,V) logits never
  exist); `lightif.losses.entropy_sft_from_logprobs` selects the top `token_ratio` tokens by CE − `entropy_coef`·H
  and returns their CE. Peak memory equals plain TRL SFT (docs/RESULTS.md).
- `entropy_sft_impl="logits"`: the model's plain forward (full (B,T,V) logits) and `lightif.losses.entropy_sft`, a
  direct transcription of the official function; the reference, 2-4.5x the memory at 2k-8k tokens.
TRL's `entropy` and `mean_token_accuracy` metrics are logged from the same pass, plus `entropy_sft/kept_tokens`.
With `entropy_sft=False` the parent runs unchanged (plain SFT, for ablations and the memory benchmark).

Data: chat JSONL, one `{"messages": [...]}` per line, the last message the assistant's `<think>…</think>answer`.
Each record becomes a conversational prompt/completion pair, so TRL trains on the last assistant turn only (think and
answer tokens alike, as the official `qwen3` template does for single-turn data); earlier turns are context.
Deviations: defaults ρ = λ = 0.8 (D11); `num_items_in_batch` normalisation clamps the denominator to ≥ 1.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import TrainerCallback
from trl import SFTConfig, SFTTrainer

from lightif.errors import DataError
from lightif.io import JsonlAppender, read_jsonl
from lightif.losses import DEFAULT_CHUNK, entropy_sft, entropy_sft_from_logprobs


@dataclass
class EntropySFTConfig(SFTConfig):
    entropy_sft: bool = field(default=True, metadata={"help": "Train with the Entropy-SFT loss (False: plain SFT)."})
    token_ratio: float = field(
        default=0.8, metadata={"help": "ρ: fraction of supervised tokens kept per micro-batch (official code 0.2)."})
    entropy_coef: float = field(
        default=0.8, metadata={"help": "λ in δ = CE − λ·H, the token-selection score (official code 1.0)."})
    entropy_sft_impl: str = field(
        default="fused",
        metadata={"help": "fused: per-token log p and full-vocabulary entropy from TRL's fused LM head (chunked, no "
                  "logits tensor; same memory as plain SFT); logits: the reference, on the model's (B,T,V) logits "
                  "(2-4.5x the memory at 2k-8k tokens). Same loss: tests/test_sft.py."})
    entropy_chunk_size: int = field(
        default=DEFAULT_CHUNK, metadata={"help": "Rows per chunk for CE/entropy over the full vocabulary."})
    report_to: None | str | list[str] = field(
        default="tensorboard", metadata={"help": "Loggers (TensorBoard by default; metrics.jsonl is always written)."})

    def __post_init__(self):
        super().__post_init__()
        if not 0.0 < self.token_ratio <= 1.0:
            raise ValueError(f"token_ratio must be in (0, 1], got {self.token_ratio}")
        if not math.isfinite(self.entropy_coef) or self.entropy_coef < 0:
            raise ValueError(f"entropy_coef must be a finite number >= 0, got {self.entropy_coef}")
        if self.entropy_sft_impl not in ("logits", "fused"):
            raise ValueError(f"entropy_sft_impl must be 'logits' or 'fused', got {self.entropy_sft_impl!r}")
        if self.entropy_chunk_size < 1:
            raise ValueError(f"entropy_chunk_size must be >= 1, got {self.entropy_chunk_size}")
        if self.entropy_sft and self.loss_type != "nll":
            raise ValueError(f"entropy_sft=True replaces the loss; loss_type must stay 'nll', got {self.loss_type!r}")
        if self.entropy_sft and self.label_smoothing_factor:
            raise ValueError("entropy_sft=True is incompatible with label_smoothing_factor > 0")


class EntropySFTTrainer(SFTTrainer):
    """`SFTTrainer` whose loss is Entropy-SFT over the full next-token distribution (see the module docstring)."""

    args: EntropySFTConfig

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if not self.args.entropy_sft:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        mode = "train" if self.model.training else "eval"
        a = self.args
        if a.entropy_sft_impl == "fused":
            outputs = model(**inputs, use_cache=False, fused_lm_head=True)  # per-token log p, H (full vocab), top-1
            mask = outputs.label_mask
            loss, n, k = entropy_sft_from_logprobs(outputs.log_probs, outputs.entropy, mask, token_ratio=a.token_ratio,
                                                   entropy_coef=a.entropy_coef, num_items_in_batch=num_items_in_batch)
            den = max(n, 1)
            stats = (outputs.entropy.detach().sum() / den, outputs.is_top1.sum() / den, n, k)
        else:
            model_inputs = {k: v for k, v in inputs.items() if k != "labels"}
            outputs = model(**model_inputs, use_cache=False)  # plain forward: (B,T,V) logits, not TRL's fused head
            res = entropy_sft(outputs.logits, inputs["labels"], token_ratio=a.token_ratio,
                              entropy_coef=a.entropy_coef, num_items_in_batch=num_items_in_batch,
                              chunk_size=a.entropy_chunk_size)
            loss, stats = res.loss, (res.mean_entropy, res.accuracy, res.num_supervised, res.num_selected)
        # As TRL/Trainer do: num_items_in_batch counts every rank's tokens and DDP averages the gradients.
        if a.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes
        self._log_entropy_sft(mode, *stats, inputs)
        if return_outputs and a.entropy_sft_impl == "fused":  # callers then want logits, as from the parent
            with torch.no_grad():
                outputs = model(**{k: v for k, v in inputs.items() if k != "labels"}, use_cache=False)
        return (loss, outputs) if return_outputs else loss

    def _log_entropy_sft(self, mode, mean_entropy, accuracy, num_supervised, num_selected, inputs) -> None:
        n = float(num_supervised)
        dev = self.accelerator.device
        stats = torch.tensor([float(mean_entropy) * n, float(accuracy) * n, n, float(num_selected)], device=dev)
        tot = self.accelerator.gather_for_metrics(stats.unsqueeze(0)).sum(0)
        denom = max(tot[2].item(), 1.0)
        self._metrics[mode]["entropy"].append(tot[0].item() / denom)
        self._metrics[mode]["mean_token_accuracy"].append(tot[1].item() / denom)
        self._metrics[mode]["entropy_sft/kept_tokens"].append(tot[3].item())
        if mode == "train" and "attention_mask" in inputs:
            tokens = self.accelerator.gather_for_metrics(inputs["attention_mask"].sum()).sum().item()
            self._total_train_tokens += tokens
            self._metrics[mode]["num_tokens"] = [self._total_train_tokens]


# ---------------------------------------------------------------- data and run plumbing shared with `lightif.rl`


def load_chat_dataset(path: str | Path):
    """Chat JSONL -> `datasets.Dataset` with conversational `prompt` / `completion` columns (see module docstring)."""
    from datasets import Dataset

    rows = []
    for line, rec in read_jsonl(path):
        msgs = rec.get("messages")
        if not isinstance(msgs, list) or len(msgs) < 2:
            raise DataError("expected a list of at least 2 messages", path=str(path), line=line, field="messages")
        for i, m in enumerate(msgs):
            if not (isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)):
                raise DataError(f"message {i} needs string 'role' and 'content'", path=str(path), line=line,
                                field="messages")
        if msgs[-1]["role"] != "assistant":
            raise DataError("the last message must be the assistant's", path=str(path), line=line, field="messages")
        rows.append({"prompt": [dict(role=m["role"], content=m["content"]) for m in msgs[:-1]],
                     "completion": [{"role": "assistant", "content": msgs[-1]["content"]}]})
    if not rows:
        raise DataError("no records", path=str(path))
    return Dataset.from_list(rows)


@dataclass
class LoraOptions:
    """LoRA via peft; absent from the YAML = full fine-tuning."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = dataclasses.field(default_factory=lambda: ["all-linear"])

    def to_peft(self):
        from peft import LoraConfig

        targets = self.target_modules[0] if self.target_modules == ["all-linear"] else self.target_modules
        return LoraConfig(r=self.r, lora_alpha=self.alpha, lora_dropout=self.dropout, target_modules=targets,
                          task_type="CAUSAL_LM")


class JsonlMetricsCallback(TrainerCallback):
    """Appends every `log` event as one line `{"step": ..., **logs}` to `<output_dir>/metrics.jsonl` (crash-safe)."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            with JsonlAppender(Path(args.output_dir) / "metrics.jsonl") as out:
                out.write({"step": state.global_step, "epoch": state.epoch, **_jsonable(logs)})


def _jsonable(logs: dict) -> dict:
    return {k: (v if isinstance(v, int | float | str | bool) or v is None else json.loads(json.dumps(v, default=str)))
            for k, v in logs.items()}


def resume_checkpoint(output_dir: str | Path, resume: str) -> str | None:
    """`resume`: "auto" (the last `checkpoint-*` in output_dir, if any), "never", or a checkpoint path."""
    if resume == "never":
        return None
    if resume != "auto":
        if not Path(resume).is_dir():
            raise DataError("checkpoint directory not found", path=resume)
        return resume
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(output_dir)) if Path(output_dir).is_dir() else None


def train_sft(config: EntropySFTConfig, *, model: str, train_file: str, eval_file: str | None = None,
              lora: LoraOptions | None = None, resume: str = "auto") -> EntropySFTTrainer:
    """Build the datasets and the trainer, train (resuming when asked), save the final model; return the trainer."""
    train = load_chat_dataset(train_file)
    evals = load_chat_dataset(eval_file) if eval_file else None
    trainer = EntropySFTTrainer(model=model, args=config, train_dataset=train, eval_dataset=evals,
                                peft_config=lora.to_peft() if lora else None, callbacks=[JsonlMetricsCallback()])
    trainer.train(resume_from_checkpoint=resume_checkpoint(config.output_dir, resume))
    trainer.save_model(config.output_dir)
    return trainer
