"""TEA-RL, Zero-RL and plain GRPO: `TEAGRPOConfig(GRPOConfig)` and `TEAGRPOTrainer(GRPOTrainer)` (§6, §3).

Reproduces the official Light-IF `rl/verl/verl/trainer/ppo/core_algos.py` (`compute_entropy_with_cov`) and the loss
the `rl/verl/recipe/Light-IF/*.sh` recipes intended @ 01e9003: L = L_PG − tea_coef·token-mean(m·w·H) + β·KL_k3.

What changes relative to TRL's `GRPOTrainer` (trl==1.16.0): only `_compute_loss`, and only in modes "tea"/"zero".
The parent computes the policy loss (its KL switched off for that call); we add β·k3 KL with verl's clamps
(TRL's k3 has none) aggregated exactly as the parent aggregates its loss, and in mode "tea" subtract tea_coef·reg
(`lightif.losses.tea_regularizer`). The per-token log-probs and entropies (with gradient, from TRL's fused LM head)
are taken from the parent's own `_get_per_token_logps_and_entropies` call, so nothing is recomputed.
Mode "grpo" runs the parent untouched. Mode "zero" = GRPO + clamped KL with the dense + cosine-length reward (§3).

Defaults mirror §6.1/§6.6: β = 0.001; ε_low = ε_high = 1.0 (ratio clipped to [0, 2]) and dual clip c = 10, which is
TRL's `delta` (clamping r at c makes −A·r ≤ −A·c for A < 0 and leaves A > 0 untouched since c > 1 + ε_high);
`loss_type="bnpo"` = verl's token-mean over the micro-batch; constant LR 5e-6, weight decay 0.01, grad-clip 1.0,
T = 1.0, n = 8. Deviations: the TEA term always applies in mode "tea" (fixes D1); weights detached by default
(`tea_detach_weights`; False = the official code); TRL standardises advantages with std + 1e-4 (verl: 1e-6); the
log-ratio is not clamped to ±20 before exp (TRL's clamp at `delta` keeps the loss finite).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from trl import GRPOConfig, GRPOTrainer

from lightif.errors import DataError
from lightif.losses import k3_kl, tea_regularizer, tea_stats

MODES = ("tea", "grpo", "zero")
KL_LOSS_TYPES = ("grpo", "bnpo", "dr_grpo", "dapo")  # the aggregations `_aggregate` mirrors


@dataclass
class TEAGRPOConfig(GRPOConfig):
    mode: str = field(default="tea", metadata={"help": "tea (TEA-RL) | grpo (plain TRL GRPO) | zero (Zero-RL)."})
    cov_alpha: float = field(default=10.0, metadata={"help": "α: scale of the covariance softmax (official 10)."})
    clip_cov_ub: float = field(default=5.0, metadata={"help": "u: cap on each TEA weight (official 5)."})
    tea_coef: float = field(default=1.0, metadata={"help": "Coefficient of the TEA entropy term (official 1)."})
    tea_detach_weights: bool = field(
        default=True, metadata={"help": "Stop the gradient through the TEA weights (False = the official code)."})
    think_required: bool = field(
        default=True, metadata={"help": "Reward 0 unless the completion closes its </think> block (§6.3)."})
    reward_kind: str = field(
        default="lightif", metadata={"help": "ConstraintReward kind: lightif (acc + official weights, §6.3; needs "
                                     "Light-IF constraints), normalized (mean dense score; any constraint), strict."})
    report_to: None | str | list[str] = field(
        default="tensorboard", metadata={"help": "Loggers (TensorBoard by default; metrics.jsonl is always written)."})
    # Light-IF values for inherited fields (§6.1, §6.6)
    beta: float = field(default=0.001, metadata={"help": "k3 KL coefficient (Light-IF 0.001)."})
    epsilon: float = field(default=1.0, metadata={"help": "Lower clip ε_low (Light-IF 1.0: ratio ≥ 0)."})
    epsilon_high: float | None = field(default=1.0, metadata={"help": "Upper clip ε_high (Light-IF 1.0)."})
    delta: float | None = field(default=10.0, metadata={"help": "Dual-clip constant c for A < 0 (Light-IF 10)."})
    loss_type: str = field(default="bnpo", metadata={"help": "bnpo = token-mean over the micro-batch (verl)."})
    learning_rate: float = field(default=5e-6, metadata={"help": "Light-IF 5e-6, constant."})
    lr_scheduler_type: str = field(default="constant", metadata={"help": "Light-IF: constant, no warmup."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay (Light-IF 0.01)."})
    num_generations: int | None = field(default=8, metadata={"help": "Rollouts per prompt (Light-IF 8)."})
    use_bias_correction_kl: bool = field(
        default=False, metadata={"help": "Multiply the KL by the IS ratio (TRL's default True; verl/Light-IF: no)."})

    def __post_init__(self):
        super().__post_init__()
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {self.mode!r}")
        if self.reward_kind not in ("lightif", "normalized", "strict"):
            raise ValueError(f"reward_kind must be lightif, normalized or strict, got {self.reward_kind!r}")
        if self.cov_alpha <= 0 or self.clip_cov_ub <= 0:
            raise ValueError("cov_alpha and clip_cov_ub must be > 0")
        if self.tea_coef < 0:
            raise ValueError(f"tea_coef must be >= 0, got {self.tea_coef}")
        if self.mode != "grpo" and self.loss_type not in KL_LOSS_TYPES:
            raise ValueError(f"mode {self.mode!r} supports loss_type in {list(KL_LOSS_TYPES)}, got {self.loss_type!r}")
        if self.mode != "grpo" and self.use_bias_correction_kl:
            raise ValueError(f"use_bias_correction_kl is not supported in mode {self.mode!r}")


class TEAGRPOTrainer(GRPOTrainer):
    """`GRPOTrainer` + clamped k3 KL + the TEA entropy term (see the module docstring)."""

    args: TEAGRPOConfig

    def _get_per_token_logps_and_entropies(self, *args, **kwargs):
        out = super()._get_per_token_logps_and_entropies(*args, **kwargs)
        if kwargs.get("compute_entropy"):  # the training forward of `_compute_loss`; keep its tensors for the loss
            self._last_logps_entropies = out[:2]
        return out

    def _compute_loss(self, model, inputs):
        if self.args.mode == "grpo":
            return super()._compute_loss(model, inputs)
        beta, self.beta = self.beta, 0.0  # the parent's unclamped KL is replaced by verl's clamped one below
        try:
            loss = super()._compute_loss(model, inputs)
        finally:
            self.beta = beta
        logps, entropies = self._last_logps_entropies  # (B,T) each, with gradient
        self._last_logps_entropies = None
        mode = "train" if self.model.training else "eval"
        mask = inputs["completion_mask"]  # (B,T), as the parent masks its loss
        if "tool_mask" in inputs:
            mask = mask * inputs["tool_mask"]
        accum = self.current_gradient_accumulation_steps if mode == "train" else 1.0
        if beta != 0.0:
            kl = k3_kl(logps, inputs["ref_per_token_logps"])  # (B,T)
            loss = loss + beta * self._aggregate(kl, mask, inputs, mode)
            self._log_mean(mode, "kl", kl, mask)
        if self.args.mode == "tea":
            reg, w = tea_regularizer(entropies, logps, inputs["advantages"], mask, alpha=self.args.cov_alpha,
                                     cap=self.args.clip_cov_ub, detach_weights=self.args.tea_detach_weights)
            loss = loss - self.args.tea_coef * reg / accum
            self._log_tea(mode, reg, w, mask)
        return loss

    def _log_tea(self, mode, reg, w, mask):
        """TEA weight statistics over the valid tokens of all ranks."""
        s = tea_stats(w, mask, self.args.clip_cov_ub)  # rank-local
        n = mask.sum().float()
        local = torch.stack([n * s.weight_mean, n, n * s.frac_capped, reg.detach() * n]).to(w.device, torch.float32)
        tot = self.accelerator.reduce(local, reduction="sum")
        den = tot[1].clamp(min=1.0)
        self._metrics[mode]["tea/reg"].append((tot[3] / den).item())
        self._metrics[mode]["tea/weight_mean"].append((tot[0] / den).item())
        self._metrics[mode]["tea/frac_capped"].append((tot[2] / den).item())
        wmax = torch.tensor([s.weight_max], device=w.device, dtype=torch.float32)
        self._metrics[mode]["tea/weight_max"].append(self.accelerator.gather(wmax).max().item())

    def _aggregate(self, per_token, mask, inputs, mode):
        """Reduce a (B,T) loss term exactly as the parent reduces its policy loss for `loss_type`."""
        accum = self.current_gradient_accumulation_steps if mode == "train" else 1.0
        lt = self.loss_type
        if lt == "grpo":
            return ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean() / accum
        if lt == "bnpo":
            return (per_token * mask).sum() / mask.sum().clamp(min=1.0) / accum
        if lt == "dr_grpo":
            return (per_token * mask).sum() / (per_token.size(0) * self.max_completion_length) / accum
        normalizer = inputs["num_items_in_batch"].clamp(min=1.0) / self.accelerator.num_processes  # dapo
        if mode == "train":
            normalizer = normalizer * self.current_gradient_accumulation_steps / self.args.steps_per_generation
        return (per_token * mask).sum() / normalizer

    def _log_mean(self, mode, name, x, mask):
        totals = self.accelerator.reduce(torch.stack([(x * mask).sum(), mask.sum().float()]).detach(), reduction="sum")
        self._metrics[mode][name].append((totals[0] / totals[1].clamp(min=1.0)).item())


# ---------------------------------------------------------------- data, metrics reward, entry point


def load_rl_dataset(path: str | Path):
    """Prompt-record JSONL (`lightif.schema.load_prompts`) -> Dataset(prompt=messages, constraints=JSON, id, lang)."""
    from datasets import Dataset

    from lightif.schema import load_prompts

    recs = load_prompts(path)
    if not recs:
        raise DataError("no prompt records", path=str(path))
    return Dataset.from_list([{"prompt": list(r.messages), "constraints": json.dumps(list(r.constraints)),
                               "id": r.id, "lang": r.lang} for r in recs])


def _text(completion) -> str:
    return completion[-1]["content"] if isinstance(completion, list) else completion


def _user_prompt(prompt) -> str | None:
    if isinstance(prompt, str):
        return prompt
    users = [m["content"] for m in prompt if m.get("role") == "user"]
    return users[-1] if users else None


def _family(constraint_id: str) -> str:
    from lightif import constraints

    module = constraints.get(constraint_id).__module__.rsplit(".", 1)[-1]
    return "ifbench" if module.startswith("ifbench") else module


class PassRateMetric:
    """Zero-weight reward: 1.0 iff the answer (after `</think>`) passes every constraint strictly, so TRL logs the
    all-pass rate as `rewards/all_pass/mean`; per-family pass rates go to `pass_rate/<family>` via `log_metric`."""

    __name__ = "all_pass"

    def __init__(self, think_required: bool = True):
        self.think_required = think_required

    def __call__(self, prompts, completions, constraints=None, log_metric=None, **kwargs) -> list[float | None]:
        from lightif.constraints import check
        from lightif.text import split_thinking

        out: list[float | None] = []
        family_hits: dict[str, list[float]] = {}
        specs_col = constraints or [None] * len(prompts)
        for prompt, completion, spec_json in zip(prompts, completions, specs_col, strict=True):
            specs = json.loads(spec_json) if isinstance(spec_json, str) else spec_json
            if not specs:
                out.append(None)
                continue
            split = split_thinking(_text(completion))
            answer = split.answer if (split.closed or not self.think_required) else ""
            verdict = check(specs, answer, prompt=_user_prompt(prompt), dense=False)
            out.append(float(verdict.follow_all))
            for cid, ok in zip(verdict.ids, verdict.follow_list, strict=True):
                family_hits.setdefault(_family(cid), []).append(float(ok))
        if log_metric is not None:
            for fam, hits in sorted(family_hits.items()):
                log_metric(f"pass_rate/{fam}", sum(hits) / len(hits))
        return out


def default_reward_funcs(config: TEAGRPOConfig) -> list:
    """The Light-IF dense rule reward (plus the cosine length term in mode "zero") and the zero-weight metric."""
    from lightif.rewards import ConstraintReward

    reward = ConstraintReward(kind=config.reward_kind, think_required=config.think_required,
                              length_reward=(config.mode == "zero"), max_length=config.max_completion_length)
    return [reward, PassRateMetric(config.think_required)]


def train_rl(config: TEAGRPOConfig, *, model: str, train_file: str, eval_file: str | None = None, lora=None,
             resume: str = "auto", reward_funcs: list | None = None) -> TEAGRPOTrainer:
    """Build the datasets, rewards and trainer, train (resuming when asked), save the final model."""
    from lightif.sft import JsonlMetricsCallback, resume_checkpoint

    train = load_rl_dataset(train_file)
    evals = load_rl_dataset(eval_file) if eval_file else None
    if reward_funcs is None:
        reward_funcs = default_reward_funcs(config)
        if config.reward_weights is None:  # the metric function must not move the reward
            config.reward_weights = [1.0] + [0.0] * (len(reward_funcs) - 1)
    trainer = TEAGRPOTrainer(model=model, reward_funcs=reward_funcs, args=config, train_dataset=train,
                             eval_dataset=evals, peft_config=lora.to_peft() if lora else None,
                             callbacks=[JsonlMetricsCallback()])
    trainer.train(resume_from_checkpoint=resume_checkpoint(config.output_dir, resume))
    trainer.save_model(config.output_dir)
    return trainer
