"""Entropy-SFT and TEA losses against naive reference implementations (values and gradients, tight tolerances)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lightif.losses import (
    entropy_sft,
    entropy_sft_from_logprobs,
    entropy_sft_loss,
    k3_kl,
    make_compute_loss_func,
    tea_regularizer,
    tea_stats,
    token_entropy,
)

torch.set_num_threads(1)


def naive_entropy_sft(logits, labels, rho, lam, num_items=None):
    """Literal transcription of §5: shift logits, flatten, full fp64 softmax, top-k by CE − λH."""
    x = logits[:, :-1].reshape(-1, logits.shape[-1]).double()
    y = labels[:, 1:].reshape(-1)
    keep_rows = y != -100
    x, y = x[keep_rows], y[keep_rows]
    logp = torch.log_softmax(x, -1)
    ce = -logp[torch.arange(len(y)), y]
    ent = -(logp.exp() * logp).sum(-1)
    k = max(int(rho * len(y)), 1)
    idx = torch.topk((ce - lam * ent).detach(), k).indices
    if num_items is None:
        return ce[idx].mean()
    return ce[idx].sum() / int(rho * num_items)


def _data(seed=0, b=3, t=7, v=11, masked_rows=()):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, t, v, generator=g, dtype=torch.float64) * 2
    labels = torch.randint(0, v, (b, t), generator=g)
    labels[:, :2] = -100  # a "prompt"
    labels[1, -1] = -100
    for r in masked_rows:
        labels[r] = -100
    return logits, labels


def _grad(fn, logits):
    x = logits.clone().requires_grad_(True)
    val = fn(x)
    val.backward()
    return val.detach(), x.grad


@pytest.mark.parametrize("rho,lam", [(0.8, 0.8), (0.2, 1.0), (0.5, 0.0), (1.0, 0.8)])
def test_entropy_sft_matches_naive_value_and_grad(rho, lam):
    logits, labels = _data()
    v1, g1 = _grad(lambda x: entropy_sft_loss(x, labels, token_ratio=rho, entropy_coef=lam, chunk_size=4), logits)
    v2, g2 = _grad(lambda x: naive_entropy_sft(x, labels, rho, lam), logits)
    torch.testing.assert_close(v1.double(), v2, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(g1, g2, rtol=1e-5, atol=1e-6)


def test_ratio_one_lambda_zero_is_plain_ce():
    logits, labels = _data(seed=1)
    v1, g1 = _grad(lambda x: entropy_sft_loss(x, labels, token_ratio=1.0, entropy_coef=0.0), logits)
    ref = lambda x: F.cross_entropy(x[:, :-1].reshape(-1, x.shape[-1]), labels[:, 1:].reshape(-1))  # noqa: E731
    v2, g2 = _grad(ref, logits)
    torch.testing.assert_close(v1.double(), v2, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(g1, g2, rtol=1e-5, atol=1e-6)


def test_num_items_in_batch_normalisation():
    logits, labels = _data(seed=2)
    n_here = int((labels[:, 1:] != -100).sum())
    total = 3 * n_here  # as if two more micro-batches of the same size were accumulated
    v1, g1 = _grad(lambda x: entropy_sft_loss(x, labels, num_items_in_batch=torch.tensor(total)), logits)
    v2, g2 = _grad(lambda x: naive_entropy_sft(x, labels, 0.8, 0.8, num_items=total), logits)
    torch.testing.assert_close(v1.double(), v2, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(g1, g2, rtol=1e-5, atol=1e-6)
    k = max(int(0.8 * n_here), 1)
    mean_loss = entropy_sft_loss(logits, labels)
    assert v1.item() == pytest.approx(mean_loss.item() * k / int(0.8 * total), rel=1e-9)


def test_chunked_equals_unchunked_and_fp32_path():
    logits, labels = _data(seed=3, b=4, t=9, v=37)
    logits = logits.float()
    outs = [_grad(lambda x, c=c: entropy_sft_loss(x, labels, chunk_size=c), logits) for c in (1, 3, 1000)]
    for v, g in outs[1:]:
        torch.testing.assert_close(v, outs[0][0], rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(g, outs[0][1], rtol=1e-6, atol=1e-7)


def test_bf16_logits_gradient_in_logit_dtype():
    logits, labels = _data(seed=4)
    x = logits.to(torch.bfloat16).requires_grad_(True)
    entropy_sft_loss(x, labels).backward()
    assert x.grad.dtype == torch.bfloat16
    ref = logits.to(torch.bfloat16).double().requires_grad_(True)
    naive_entropy_sft(ref, labels, 0.8, 0.8).backward()
    torch.testing.assert_close(x.grad.double(), ref.grad, rtol=0, atol=2e-3)


def test_selection_drops_confident_and_high_entropy_tokens():
    v = 4
    logits = torch.zeros(1, 4, v, dtype=torch.float64)
    logits[0, 0] = torch.tensor([10.0, 0, 0, 0])  # confident and right: δ ≈ 0
    logits[0, 1] = torch.tensor([0.0, 0, 0, 0])  # uniform: CE = H = log 4, δ = 0.2·log 4
    logits[0, 2] = torch.tensor([10.0, 0, 0, 0])  # confident and wrong: δ ≈ 10
    labels = torch.tensor([[-100, 0, 1, 1]])
    out = entropy_sft(logits, labels, token_ratio=0.5, entropy_coef=0.8)
    assert (out.num_supervised, out.num_selected) == (3, 1)
    assert out.loss.item() == pytest.approx(10.0 + math.log(1 + 3 * math.exp(-10)), rel=1e-9)


def test_all_masked_batch_is_zero_and_backpropagates():
    logits, labels = _data(masked_rows=(0, 1, 2))
    x = logits.clone().requires_grad_(True)
    loss = entropy_sft_loss(x, labels)
    loss.backward()
    assert loss.item() == 0.0 and torch.count_nonzero(x.grad) == 0


def test_bad_ratio_rejected():
    logits, labels = _data()
    with pytest.raises(ValueError, match="token_ratio"):
        entropy_sft_loss(logits, labels, token_ratio=0.0)


def test_compute_loss_func_adapter():
    logits, labels = _data(seed=5)
    fn = make_compute_loss_func(0.8, 0.8)
    assert fn({"logits": logits}, labels, num_items_in_batch=None).item() == pytest.approx(
        naive_entropy_sft(logits, labels, 0.8, 0.8).item(), rel=1e-9)


def test_token_entropy_matches_naive():
    x = torch.randn(2, 5, 13, dtype=torch.float64)
    p = x.softmax(-1)
    torch.testing.assert_close(token_entropy(x, chunk_size=3).double(), -(p * p.log()).sum(-1), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- TEA


def naive_tea(entropy, logprobs, adv, mask, alpha, cap):
    """Loop-based transcription of §6.2 with the attached (official) weights."""
    b, t = mask.shape
    valid = [(i, j) for i in range(b) for j in range(t) if mask[i, j]]
    a = adv if adv.dim() == 2 else adv[:, None].expand(b, t)
    a_bar = sum(a[i, j] for i, j in valid) / len(valid)
    l_bar = sum(logprobs[i, j].detach() for i, j in valid) / len(valid)
    reg = 0.0
    for i in range(b):
        cols = [j for j in range(t) if mask[i, j]]
        if not cols:
            continue
        cov = torch.stack([(a[i, j] - a_bar) * (logprobs[i, j] - l_bar) for j in cols])
        w = torch.clamp(alpha * torch.softmax(cov, 0), max=cap)
        reg = reg + sum(w[c] * entropy[i, j] for c, j in enumerate(cols))
    return reg / len(valid)


def _tea_data(seed=0, b=4, t=6):
    g = torch.Generator().manual_seed(seed)
    entropy = torch.rand(b, t, generator=g, dtype=torch.float64) * 3
    logprobs = -torch.rand(b, t, generator=g, dtype=torch.float64) * 4
    adv = torch.randn(b, generator=g, dtype=torch.float64)
    mask = torch.ones(b, t, dtype=torch.long)
    mask[0, 4:] = 0
    mask[2, 1:] = 0
    return entropy, logprobs, adv, mask


def test_tea_matches_naive_with_attached_weights():
    entropy, logprobs, adv, mask = _tea_data()
    e1, l1 = entropy.clone().requires_grad_(True), logprobs.clone().requires_grad_(True)
    reg, _ = tea_regularizer(e1, l1, adv, mask, alpha=10.0, cap=5.0, detach_weights=False)
    reg.backward()
    e2, l2 = entropy.clone().requires_grad_(True), logprobs.clone().requires_grad_(True)
    ref = naive_tea(e2, l2, adv, mask, 10.0, 5.0)
    ref.backward()
    torch.testing.assert_close(reg, ref, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(e1.grad, e2.grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(l1.grad, l2.grad, rtol=1e-10, atol=1e-12)
    assert l1.grad.abs().sum() > 0


def test_tea_detached_weights_gradient_only_through_entropy():
    entropy, logprobs, adv, mask = _tea_data(seed=1)
    e1, l1 = entropy.clone().requires_grad_(True), logprobs.clone().requires_grad_(True)
    reg, w = tea_regularizer(e1, l1, adv, mask)
    reg.backward()
    assert l1.grad is None or torch.count_nonzero(l1.grad) == 0
    torch.testing.assert_close(e1.grad, w * mask / mask.sum())
    ref = naive_tea(entropy, logprobs, adv, mask, 10.0, 5.0)
    torch.testing.assert_close(reg.detach(), ref, rtol=1e-10, atol=1e-12)


def test_tea_closed_form_under_grpo_constant_advantage():
    """w_bt = min(cap, α·p^k / Σ_s p^k) with k_b = A_b − Ā and p = exp(ℓ) (§6.2)."""
    entropy, logprobs, adv, mask = _tea_data(seed=2)
    alpha, cap = 10.0, 5.0
    _, w = tea_regularizer(entropy, logprobs, adv, mask, alpha=alpha, cap=cap)
    m = mask.double()
    a_bar = (adv[:, None] * m).sum() / m.sum()
    for b in range(mask.shape[0]):
        cols = mask[b].bool()
        k = adv[b] - a_bar
        pk = logprobs[b, cols].exp() ** k
        expected = torch.clamp(alpha * pk / pk.sum(), max=cap)
        torch.testing.assert_close(w[b, cols], expected, rtol=1e-10, atol=1e-12)
        assert torch.all(w[b, ~cols] == 0)
    # the single-token row (row 2) holds all its row's mass: alpha * 1 capped at 5
    assert w[2, 0].item() == cap


def test_tea_zero_advantage_is_uniform():
    entropy, logprobs, _, mask = _tea_data(seed=3)
    adv = torch.zeros(mask.shape[0], dtype=torch.float64)
    _, w = tea_regularizer(entropy, logprobs, adv, mask)
    for b in range(mask.shape[0]):
        n = int(mask[b].sum())
        torch.testing.assert_close(w[b, :n], torch.full((n,), min(5.0, 10.0 / n), dtype=torch.float64))


def test_tea_fully_masked_row_and_batch_no_nan():
    entropy, logprobs, adv, mask = _tea_data(seed=4)
    mask[1] = 0
    lp = logprobs.clone().requires_grad_(True)
    reg, w = tea_regularizer(entropy, lp, adv, mask, detach_weights=False)
    reg.backward()
    assert torch.isfinite(reg) and torch.isfinite(w).all() and torch.isfinite(lp.grad).all()
    assert torch.all(w[1] == 0)
    reg0, w0 = tea_regularizer(entropy, logprobs, adv, torch.zeros_like(mask))
    assert reg0.item() == 0.0 and torch.all(w0 == 0)


def test_tea_token_level_advantages_equal_broadcast():
    entropy, logprobs, adv, mask = _tea_data(seed=5)
    r1, w1 = tea_regularizer(entropy, logprobs, adv, mask)
    r2, w2 = tea_regularizer(entropy, logprobs, adv[:, None].expand_as(logprobs), mask)
    torch.testing.assert_close(r1, r2)
    torch.testing.assert_close(w1, w2)


def test_tea_stats():
    w = torch.tensor([[5.0, 1.0, 0.0], [2.0, 0.0, 0.0]])
    m = torch.tensor([[1, 1, 0], [1, 0, 0]])
    s = tea_stats(w, m, cap=5.0)
    assert (s.weight_mean, s.weight_max, s.frac_capped) == (pytest.approx(8 / 3), 5.0, pytest.approx(1 / 3))


def test_k3_kl_clamps():
    lp = torch.tensor([0.0, 0.0, 0.0, -30.0], dtype=torch.float64)
    ref = torch.tensor([0.0, 1.0, -1.0, 0.0], dtype=torch.float64)
    out = k3_kl(lp, ref)
    torch.testing.assert_close(out[:3], torch.tensor([0.0, math.e - 2, math.exp(-1)], dtype=torch.float64))
    assert out[3].item() == 10.0  # Δ = 30 -> clamped to 20 -> e^20 − 21 -> clamped to 10


@pytest.mark.parametrize("num_items", [None, 40])
def test_entropy_sft_from_logprobs_matches_logits_version(num_items):
    """The fused-head variant (per-token log p and H already aligned with targets) equals the logits version."""
    logits, labels = _data(seed=6)
    v1, g1 = _grad(lambda x: entropy_sft_loss(x, labels, num_items_in_batch=num_items), logits)

    def from_stats(x):
        logp = torch.log_softmax(x[:, :-1], -1)  # (B,T-1,V), aligned with labels[:, 1:]
        tgt = labels[:, 1:]
        mask = tgt != -100
        lp = logp.gather(-1, tgt.clamp(min=0)[..., None]).squeeze(-1) * mask
        ent = -(logp.exp() * logp).sum(-1)
        return entropy_sft_from_logprobs(lp, ent, mask, num_items_in_batch=num_items)[0]

    v2, g2 = _grad(from_stats, logits)
    torch.testing.assert_close(v1.double(), v2, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(g1, g2, rtol=1e-5, atol=1e-6)
    loss, n, k = entropy_sft_from_logprobs(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.bool))
    assert (loss.item(), n, k) == (0.0, 0, 0)
