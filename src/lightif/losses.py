"""Pure-torch losses for Entropy-SFT and TEA-RL (no TRL import). Method reference: docs LIGHT_IF_METHOD.md §5, §6.

`entropy_sft_loss` reproduces `build_entropy_loss_func` in the official Light-IF file
`coldstart/LLAMA-Factory/src/llamafactory/train/sft/custom_entropy_trainer.py` @ 01e9003:
δ_t = CE_t − λ·H_t over the supervised positions of the micro-batch (after the causal shift, flattened), keep the
k = max(⌊ρN⌋, 1) largest δ (selection carries no gradient), loss = mean CE over the kept tokens, or
Σ CE_kept / ⌊ρ·num_items_in_batch⌋ when the trainer passes `num_items_in_batch`.
Deviations from the official code:
- defaults ρ = 0.8, λ = 0.8 (the values the README used; the code defaults 0.2 / 1.0 are D11);
- CE and entropy are computed in row chunks and the CE gradient by a custom autograd function, so no full-vocabulary
  fp32 copy of the logits (B·T·V) is ever held; the official code upcasts the whole tensor;
- the labels are shifted instead of the logits, so the (B,T,V) logits are viewed, never copied;
- `entropy_sft_from_logprobs` does the same selection from per-token log-probs and entropies that a fused LM head
  computed chunk by chunk over the full vocabulary, so the (B,T,V) logits never exist at all;
- the ⌊ρ·num_items_in_batch⌋ denominator is clamped to ≥ 1 (the official code divides by 0 when it is 0).

`tea_regularizer` reproduces `compute_entropy_with_cov` in `rl/verl/verl/trainer/ppo/core_algos.py` @ 01e9003
(§6.2): w = min(α·softmax_t(Cov), u) with Cov = (A − Ā)(ℓ − ℓ̄), reg = token-mean(m·w·H). Deviations: fully-masked
rows give w = 0 instead of NaN; `detach_weights=True` (our default, a pure weighted entropy bonus) stops the gradient
through w, `False` lets it flow as the official code does (D1).

`k3_kl` is verl's `low_var_kl` with its clamps (Δ to ±20, result to ±10), which TRL's GRPO KL lacks.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

IGNORE_INDEX = -100
DEFAULT_CHUNK = 1024  # rows per chunk: 1024 × 151,936 × 4 B ≈ 0.6 GB of fp32 scratch for Qwen3's vocabulary


def token_entropy(logits: torch.Tensor, chunk_size: int = DEFAULT_CHUNK) -> torch.Tensor:
    """Entropy (nats) of softmax(logits) along the last axis, in fp32, computed in row chunks.

    logits (..., V) -> (...). Differentiable.

    >>> round(token_entropy(torch.zeros(1, 4)).item(), 4)  # uniform over 4 -> log 4
    1.3863
    """
    flat = logits.reshape(-1, logits.shape[-1])  # (N, V), a view when logits is contiguous
    out = []
    for chunk in flat.split(chunk_size, dim=0):
        logp = F.log_softmax(chunk.to(torch.promote_types(chunk.dtype, torch.float32)), dim=-1)  # (n,V) ≥ fp32
        out.append(-(logp.exp() * logp).sum(-1))
    return torch.cat(out).reshape(logits.shape[:-1])


class _SelectedCE(torch.autograd.Function):
    """CE_r = lse_r − logits[row_r, tgt_r] for selected rows, with a chunked backward.

    forward saves only the logits reference, the row ids, targets and the log-sum-exp (K floats); backward writes
    softmax − onehot chunk by chunk into one gradient tensor of the logits' own shape and dtype.
    """

    @staticmethod
    def forward(ctx, logits2d, rows, targets, lse, chunk_size):  # logits2d (N,V); rows, targets, lse (K,)
        ctx.save_for_backward(logits2d, rows, targets, lse)
        ctx.chunk_size = chunk_size
        return lse - logits2d[rows, targets].to(lse.dtype)  # (K,)

    @staticmethod
    def backward(ctx, grad_ce):  # grad_ce (K,)
        logits2d, rows, targets, lse = ctx.saved_tensors
        grad = torch.zeros_like(logits2d)  # (N,V) in the logits dtype; rows not selected get no gradient
        for start in range(0, rows.numel(), ctx.chunk_size):
            sl = slice(start, start + ctx.chunk_size)
            r, t = rows[sl], targets[sl]
            p = (logits2d[r].to(lse.dtype) - lse[sl, None]).exp()  # (n,V) softmax from the saved lse
            p[torch.arange(r.numel(), device=p.device), t] -= 1.0
            grad[r] = (p * grad_ce[sl, None].to(p.dtype)).to(grad.dtype)
        return grad, None, None, None, None


@dataclasses.dataclass
class EntropySFTOutput:
    """Loss plus the statistics the trainer logs (all detached except `loss`)."""

    loss: torch.Tensor  # scalar, differentiable
    num_supervised: int  # N
    num_selected: int  # k
    mean_entropy: torch.Tensor  # over the N supervised tokens
    mean_ce: torch.Tensor  # over the N supervised tokens
    accuracy: torch.Tensor  # argmax == label over the N supervised tokens


def _shifted_targets(labels: torch.Tensor, ignore_index: int) -> torch.Tensor:
    # labels (B,T) -> targets (B*T,): position t predicts labels[t+1]; the last position predicts nothing.
    pad = labels.new_full((labels.shape[0], 1), ignore_index)
    return torch.cat([labels[:, 1:], pad], dim=1).reshape(-1)


@torch.no_grad()
def _ce_entropy_lse(logits2d, rows, targets, chunk_size):
    """CE, entropy, log-sum-exp and top-1 hit for selected rows, chunked, without gradient. All (K,)."""
    ce, ent, lse, hit = [], [], [], []
    for start in range(0, rows.numel(), chunk_size):
        r, t = rows[start:start + chunk_size], targets[start:start + chunk_size]
        x = logits2d[r].to(torch.promote_types(logits2d.dtype, torch.float32))  # (n,V), ≥ fp32
        z = torch.logsumexp(x, dim=-1)  # (n,)
        logp = x - z[:, None]
        ent.append(-(logp.exp() * logp).sum(-1))
        ce.append(-logp.gather(1, t[:, None]).squeeze(1))
        lse.append(z)
        hit.append(x.argmax(-1) == t)
    return torch.cat(ce), torch.cat(ent), torch.cat(lse), torch.cat(hit)


def entropy_sft(
    logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    token_ratio: float = 0.8,
    entropy_coef: float = 0.8,
    ignore_index: int = IGNORE_INDEX,
    num_items_in_batch: int | torch.Tensor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> EntropySFTOutput:
    """Entropy-SFT loss and statistics. logits (B,T,V) and labels (B,T) exactly as an HF causal LM takes them."""
    if not 0.0 < token_ratio <= 1.0:
        raise ValueError(f"token_ratio must be in (0, 1], got {token_ratio}")
    if logits.shape[:2] != labels.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and labels {tuple(labels.shape)} disagree on (B,T)")
    logits2d = logits.reshape(-1, logits.shape[-1])  # (B*T,V): a view, no copy
    targets_all = _shifted_targets(labels, ignore_index)  # (B*T,)
    rows = (targets_all != ignore_index).nonzero(as_tuple=True)[0]  # (N,) supervised rows
    n = rows.numel()
    if n == 0:  # keep the graph connected so backward() works on an all-masked micro-batch
        zero = logits.sum() * 0.0
        return EntropySFTOutput(zero, 0, 0, zero.detach(), zero.detach(), zero.detach())
    targets = targets_all[rows]
    ce, ent, lse, hit = _ce_entropy_lse(logits2d, rows, targets, chunk_size)  # (N,) each, no grad
    k = max(int(token_ratio * n), 1)
    keep = torch.topk(ce - entropy_coef * ent, k).indices  # δ_t = CE_t − λ·H_t; the top-k carries no gradient
    ce_kept = _SelectedCE.apply(logits2d, rows[keep], targets[keep], lse[keep], chunk_size)  # (k,)
    if num_items_in_batch is None:
        loss = ce_kept.sum() / k
    else:
        denom = max(int(token_ratio * float(num_items_in_batch)), 1)
        loss = ce_kept.sum() / denom
    return EntropySFTOutput(loss, n, k, ent.mean(), ce.mean(), hit.float().mean())


def entropy_sft_from_logprobs(
    logprobs: torch.Tensor,
    entropy: torch.Tensor,
    mask: torch.Tensor,
    *,
    token_ratio: float = 0.8,
    entropy_coef: float = 0.8,
    num_items_in_batch: int | torch.Tensor | None = None,
) -> tuple[torch.Tensor, int, int]:
    """Entropy-SFT from per-token statistics already aligned with their targets (a fused LM head's output).

    logprobs (B,T) = log p(y_t), differentiable; entropy (B,T) = full-vocabulary H_t (used only to select);
    mask (B,T) bool = supervised. Returns (loss, N, k) with the same selection and normalisation as `entropy_sft`.
    """
    if not 0.0 < token_ratio <= 1.0:
        raise ValueError(f"token_ratio must be in (0, 1], got {token_ratio}")
    m = mask.bool()
    n = int(m.sum())
    if n == 0:
        return logprobs.sum() * 0.0, 0, 0
    ce = -logprobs[m]  # (N,)
    k = max(int(token_ratio * n), 1)
    keep = torch.topk(ce.detach().float() - entropy_coef * entropy[m].detach().float(), k).indices
    denom = k if num_items_in_batch is None else max(int(token_ratio * float(num_items_in_batch)), 1)
    return ce[keep].sum() / denom, n, k


def entropy_sft_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    token_ratio: float = 0.8,
    entropy_coef: float = 0.8,
    ignore_index: int = IGNORE_INDEX,
    num_items_in_batch: int | torch.Tensor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> torch.Tensor:
    """Entropy-SFT loss (scalar). See `entropy_sft` and the module docstring.

    >>> logits = torch.tensor([[[0.0, 0.0], [2.0, 0.0], [0.0, 0.0]]]); labels = torch.tensor([[-100, 0, 1]])
    >>> round(entropy_sft_loss(logits, labels, token_ratio=1.0, entropy_coef=0.0).item(), 4)  # == plain CE
    1.41
    """
    return entropy_sft(logits, labels, token_ratio=token_ratio, entropy_coef=entropy_coef, ignore_index=ignore_index,
                       num_items_in_batch=num_items_in_batch, chunk_size=chunk_size).loss


def make_compute_loss_func(token_ratio: float = 0.8, entropy_coef: float = 0.8, chunk_size: int = DEFAULT_CHUNK):
    """Adapter for TRL/transformers `compute_loss_func(outputs, labels, num_items_in_batch)`."""

    def compute_loss_func(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs.logits
        return entropy_sft_loss(logits, labels, token_ratio=token_ratio, entropy_coef=entropy_coef,
                                num_items_in_batch=num_items_in_batch, chunk_size=chunk_size)

    return compute_loss_func


@dataclasses.dataclass
class TEAStats:
    """Detached TEA weight statistics over valid tokens (for logging)."""

    weight_mean: float
    weight_max: float
    frac_capped: float


def tea_regularizer(
    entropy: torch.Tensor,
    logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    alpha: float = 10.0,
    cap: float = 5.0,
    detach_weights: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token-wise entropy-adaptive term of TEA-RL (§6.2). Returns (reg scalar, weights (B,T)).

    entropy, logprobs, mask: (B,T); advantages: (B,) or (B,T). The trainer adds −coef·reg to the loss.
    Ā and ℓ̄ are masked means over all valid tokens of the micro-batch (ℓ̄ from the detached ℓ);
    Cov = (A − Ā)(ℓ − ℓ̄), −∞ where mask = 0; w = min(α·softmax_t(Cov), cap) per row; reg = token-mean(m·w·H).
    """
    m = mask.to(entropy.dtype if entropy.is_floating_point() else torch.float32)  # (B,T)
    adv = advantages[:, None].expand_as(logprobs) if advantages.dim() == 1 else advantages  # (B,T)
    adv = adv.to(logprobs.dtype)
    n = m.sum().clamp(min=1.0)
    adv_mean = (adv * m).sum() / n  # Ā over valid tokens (token-weighted)
    lp_mean = (logprobs.detach() * m).sum() / n  # ℓ̄ from detached ℓ
    cov = (adv - adv_mean) * (logprobs - lp_mean)  # (B,T)
    cov = cov.masked_fill(m == 0, float("-inf"))
    # A fully-masked row is all −inf: softmax would be NaN there, so give it a zero row first.
    empty = (m.sum(-1, keepdim=True) == 0)  # (B,1)
    cov = cov.masked_fill(empty, 0.0)
    w = (alpha * torch.softmax(cov, dim=-1)).clamp(max=cap) * m  # (B,T), 0 on padding and empty rows
    if detach_weights:
        w = w.detach()
    reg = (w * entropy * m).sum() / n  # token-mean over the micro-batch
    return reg, w


def tea_stats(weights: torch.Tensor, mask: torch.Tensor, cap: float) -> TEAStats:
    """Mean / max / fraction-at-cap of the TEA weights over valid tokens."""
    with torch.no_grad():
        valid = weights[mask.bool()]
        if valid.numel() == 0:
            return TEAStats(0.0, 0.0, 0.0)
        return TEAStats(valid.mean().item(), valid.max().item(), (valid >= cap * (1 - 1e-6)).float().mean().item())


def k3_kl(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """verl `low_var_kl`: e^Δ − Δ − 1 with Δ = ref − logp clamped to ±20 and the result clamped to ±10. (B,T)->(B,T).

    >>> round(k3_kl(torch.tensor([0.0]), torch.tensor([1.0])).item(), 4)  # e − 2
    0.7183
    """
    delta = (ref_logprobs - logprobs).clamp(-20.0, 20.0)
    return (delta.exp() - delta - 1.0).clamp(-10.0, 10.0)
