"""TEA-RL trainer: parity with TRL's GRPO loss at tea_coef=0, the TEA term on top, metrics, smoke run, resume, CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault("OMP_NUM_THREADS", "1")

from lightif.io import read_jsonl  # noqa: E402

PROMPTS = [
    {"id": f"p{i}", "messages": [{"role": "user", "content": f"Write a short note {i}. Do not use any commas."}],
     "constraints": [{"id": "punctuation:no_comma", "params": {}}]}
    for i in range(4)
]


def low_id_reward(prompts, completions, completion_ids, **kwargs):
    """Trivially learnable: the share of completion tokens with id < 200 (half the tiny vocabulary)."""
    return [sum(t < 200 for t in ids) / max(len(ids), 1) for ids in completion_ids]


@pytest.fixture()
def prompt_file(tmp_path):
    p = tmp_path / "prompts.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in PROMPTS), encoding="utf-8")
    return p


def _config(out, **kw):
    from lightif.rl import TEAGRPOConfig

    base = dict(output_dir=str(out), per_device_train_batch_size=4, num_generations=2, max_completion_length=10,
                max_steps=2, logging_steps=1, report_to="none", use_cpu=True, bf16=False, save_strategy="no",
                learning_rate=1e-2, think_required=False, seed=0, disable_tqdm=True, reward_weights=[1.0, 0.0])
    base.update(kw)
    return TEAGRPOConfig(**base)


def _trainer(tiny_model_dir, prompt_file, out, **kw):
    from lightif.rl import PassRateMetric, TEAGRPOTrainer, load_rl_dataset

    cfg = _config(out, **kw)
    return TEAGRPOTrainer(model=str(tiny_model_dir), reward_funcs=[low_id_reward, PassRateMetric(False)], args=cfg,
                          train_dataset=load_rl_dataset(prompt_file))


def test_config_defaults_and_checks(tmp_path):
    c = _config(tmp_path)
    assert (c.mode, c.beta, c.epsilon, c.epsilon_high, c.delta, c.loss_type) == ("tea", 0.001, 1.0, 1.0, 10.0, "bnpo")
    assert (c.cov_alpha, c.clip_cov_ub, c.tea_coef, c.tea_detach_weights) == (10.0, 5.0, 1.0, True)
    with pytest.raises(ValueError, match="mode"):
        _config(tmp_path, mode="ppo")
    with pytest.raises(ValueError, match="loss_type"):
        _config(tmp_path, loss_type="cispo")
    with pytest.raises(ValueError, match="reward_kind"):
        _config(tmp_path, reward_kind="dense")
    assert _config(tmp_path, mode="grpo", loss_type="cispo").loss_type == "cispo"


def _batch_with_offpolicy_and_kl(trainer):
    """A generated batch where old logps ≠ current (ratios spread over the clip and dual-clip range), ref ≠ policy."""
    trainer.model.train()
    trainer.current_gradient_accumulation_steps = 2  # set by Trainer.train(); 2 exercises the accumulation scaling
    inputs = trainer._prepare_inputs(next(iter(trainer.get_train_dataloader())))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in trainer.model.parameters():  # move the policy away from the reference model
            p.add_(torch.randn(p.shape, generator=g) * 0.05)
    shape = inputs["completion_ids"].shape
    inputs["old_per_token_logps"] = inputs["ref_per_token_logps"] + torch.randn(shape, generator=g) * 1.5
    inputs["advantages"] = torch.randn(shape[0], generator=g)  # both signs, nonzero
    return inputs


def _loss_and_grads(fn, trainer, inputs):
    trainer.model.zero_grad(set_to_none=True)
    loss = fn(trainer.model, dict(inputs))
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in trainer.model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("loss_type", ["bnpo", "grpo", "dr_grpo", "dapo"])
def test_tea_coef_zero_reproduces_trl_grpo_loss(tiny_model_dir, prompt_file, tmp_path, loss_type):
    from trl import GRPOTrainer

    tr = _trainer(tiny_model_dir, prompt_file, tmp_path, tea_coef=0.0, loss_type=loss_type)
    inputs = _batch_with_offpolicy_and_kl(tr)
    l_trl, g_trl = _loss_and_grads(lambda m, x: GRPOTrainer._compute_loss(tr, m, x), tr, inputs)
    l_ours, g_ours = _loss_and_grads(tr._compute_loss, tr, inputs)
    assert tr._metrics["train"]["kl"][-1] > 1e-4  # the KL term is really exercised
    torch.testing.assert_close(l_ours, l_trl, rtol=1e-6, atol=1e-7)
    assert g_ours.keys() == g_trl.keys() and len(g_ours) > 0
    for k in g_trl:
        torch.testing.assert_close(g_ours[k], g_trl[k], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("detach", [True, False])
def test_tea_term_is_added_on_top_of_trl_loss(tiny_model_dir, prompt_file, tmp_path, detach):
    from trl import GRPOTrainer

    from lightif.losses import tea_regularizer

    tr = _trainer(tiny_model_dir, prompt_file, tmp_path, tea_coef=0.7, tea_detach_weights=detach)
    inputs = _batch_with_offpolicy_and_kl(tr)
    l_trl = GRPOTrainer._compute_loss(tr, tr.model, dict(inputs)).detach()
    l_ours = tr._compute_loss(tr.model, dict(inputs)).detach()
    with torch.no_grad():
        ids = torch.cat([inputs["prompt_ids"], inputs["completion_ids"]], 1)
        att = torch.cat([inputs["prompt_mask"], inputs["completion_mask"]], 1)
        logps, ent, _ = tr._get_per_token_logps_and_entropies(tr.model, ids, att, inputs["completion_ids"].size(1),
                                                               compute_entropy=True)
        reg, w = tea_regularizer(ent, logps, inputs["advantages"], inputs["completion_mask"], alpha=10.0, cap=5.0)
    assert reg.item() > 0
    torch.testing.assert_close(l_ours, l_trl - 0.7 * reg / tr.current_gradient_accumulation_steps,
                               rtol=1e-6, atol=1e-6)
    w_mean = w[inputs["completion_mask"].bool()].mean().item()
    assert tr._metrics["train"]["tea/weight_mean"][-1] == pytest.approx(w_mean)


def test_grpo_mode_is_the_parent(tiny_model_dir, prompt_file, tmp_path):
    from trl import GRPOTrainer

    tr = _trainer(tiny_model_dir, prompt_file, tmp_path, mode="grpo", use_bias_correction_kl=True)
    inputs = _batch_with_offpolicy_and_kl(tr)
    l_trl = GRPOTrainer._compute_loss(tr, tr.model, dict(inputs)).detach()
    assert torch.equal(tr._compute_loss(tr.model, dict(inputs)).detach(), l_trl)


def test_pass_rate_metric_and_dataset(prompt_file):
    from lightif.rl import PassRateMetric, load_rl_dataset

    ds = load_rl_dataset(prompt_file)
    assert ds[0]["prompt"][0]["role"] == "user" and json.loads(ds[0]["constraints"])[0]["id"] == "punctuation:no_comma"
    logged = {}
    metric = PassRateMetric(think_required=True)
    comps = [[{"role": "assistant", "content": "<think>a, b</think>no commas here"}],
             [{"role": "assistant", "content": "<think>plan</think>one, two"}],
             [{"role": "assistant", "content": "<think>never closed"}],
             [{"role": "assistant", "content": "x"}]]
    specs = [ds[0]["constraints"]] * 3 + [json.dumps([])]
    out = metric([ds[0]["prompt"]] * 4, comps, constraints=specs, log_metric=lambda k, v: logged.__setitem__(k, v))
    assert out == [1.0, 0.0, 0.0, None]
    assert logged == {"pass_rate/ifeval": pytest.approx(1 / 3)}


def test_smoke_two_steps_params_change_metrics_and_resume(tiny_model_dir, prompt_file, tmp_path):
    from transformers import AutoModelForCausalLM

    from lightif.rl import PassRateMetric, train_rl

    out = tmp_path / "run"
    before = AutoModelForCausalLM.from_pretrained(tiny_model_dir).state_dict()
    rewards = [low_id_reward, PassRateMetric(False)]
    cfg = _config(out, save_strategy="steps", save_steps=1)
    tr = train_rl(cfg, model=str(tiny_model_dir), train_file=str(prompt_file), reward_funcs=rewards)
    after = tr.model.state_dict()
    unchanged = [k for k, v in after.items() if torch.equal(v.cpu(), before[k])]
    assert not unchanged, f"parameters not updated: {unchanged}"
    logs = [r for _, r in read_jsonl(out / "metrics.jsonl") if "loss" in r]
    assert [r["step"] for r in logs] == [1, 2]
    for key in ("reward", "reward_std", "rewards/all_pass/mean", "pass_rate/ifeval", "entropy", "kl",
                "tea/weight_mean", "tea/weight_max", "tea/frac_capped", "completions/mean_length"):
        assert all(key in r for r in logs), key
    assert (out / "checkpoint-2").is_dir()
    tr2 = train_rl(_config(out, save_strategy="steps", save_steps=1, max_steps=3), model=str(tiny_model_dir),
                   train_file=str(prompt_file), reward_funcs=rewards)
    assert tr2.state.global_step == 3
    assert [r["step"] for _, r in read_jsonl(out / "metrics.jsonl") if "loss" in r] == [1, 2, 3]


def test_cli_check_and_errors(tiny_model_dir, prompt_file, tmp_path, capsys):
    from lightif.cli import main

    cfg = tmp_path / "rl.yaml"
    cfg.write_text(f"model: {tiny_model_dir}\ntrain_file: {prompt_file}\noutput_dir: {tmp_path / 'o'}\n"
                   "use_cpu: true\nbf16: false\nmode: tea\nnum_generations: 2\nper_device_train_batch_size: 2\n")
    assert main(["rl", "--config", str(cfg), "--check"]) == 0
    assert "ok:" in capsys.readouterr().out
    assert main(["rl", "--config", str(cfg), "--check", "--set", "cov_alfa=3"]) == 2
    assert "unknown key 'cov_alfa' (did you mean 'cov_alpha'?)" in capsys.readouterr().err
    assert main(["rl", "--config", str(cfg), "--check", "--set", "mode=ppo"]) == 2
    assert "mode must be one of" in capsys.readouterr().err
    assert main(["rl", "--config", str(cfg), "--check", "--set", "train_file=/nonexistent.jsonl"]) == 2
    assert "/nonexistent.jsonl: file not found" in capsys.readouterr().err
    assert main(["sft", "--config", str(cfg), "--check"]) == 2  # rl keys are not sft keys
    assert "unknown key 'mode'" in capsys.readouterr().err


@pytest.mark.slow
def test_tea_rl_raises_mean_reward_and_keeps_entropy(tiny_model_dir, prompt_file, tmp_path):
    """30 steps on a trivially learnable reward: TEA-RL raises the mean reward, and keeps the token entropy above
    plain GRPO's on the same seed. α = 0.1 because the TEA weights sum to ~α per sequence: at 8 tokens α = 10 would
    put 1.25 on every token (a huge entropy bonus); 0.1/8 ≈ 10/800 is the per-token weight of an 800-token answer."""
    from lightif.rl import PassRateMetric, train_rl

    def run(mode):
        cfg = _config(tmp_path / mode, mode=mode, max_steps=30, learning_rate=2e-2, max_completion_length=8,
                      per_device_train_batch_size=8, num_generations=4, cov_alpha=0.1)
        tr = train_rl(cfg, model=str(tiny_model_dir), train_file=str(prompt_file),
                      reward_funcs=[low_id_reward, PassRateMetric(False)])
        hist = [r for r in tr.state.log_history if "entropy" in r]
        return [r["rewards/low_id_reward/mean"] for r in hist], [r["entropy"] for r in hist]

    rewards, entropy = run("tea")
    first, last = sum(rewards[:5]) / 5, sum(rewards[-5:]) / 5
    _, entropy_grpo = run("grpo")
    print(f"TEA-RL mean reward first 5 steps {first:.3f} -> last 5 {last:.3f}; final entropy TEA {entropy[-1]:.2f} "
          f"vs GRPO {entropy_grpo[-1]:.2f}")
    assert last > first + 0.2
    assert entropy[-1] > entropy_grpo[-1]


CONFIGS = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "configs").glob("*.yaml")
                 if p.name.startswith(("sft-", "rl-")))


@pytest.mark.parametrize("name", CONFIGS)
def test_shipped_configs_validate(name, tiny_model_dir, prompt_file, tmp_path):
    """Every shipped config loads strictly (no unknown keys, valid values); paths/GPU-only keys are overridden."""
    from lightif.commands.sft import load_run
    from lightif.rl import TEAGRPOConfig
    from lightif.sft import EntropySFTConfig

    path = Path(__file__).resolve().parents[1] / "configs" / name
    cls = EntropySFTConfig if name.startswith("sft-") else TEAGRPOConfig
    overrides = [f"model={tiny_model_dir}", f"train_file={prompt_file}", f"output_dir={tmp_path}", "bf16=false",
                 "use_cpu=true"]
    opts, cfg = load_run(cls, str(path), overrides)
    assert opts["model"] == str(tiny_model_dir) and cfg.output_dir == str(tmp_path)
    if cls is TEAGRPOConfig and "qwen3" in name:
        assert (cfg.mode, cfg.beta, cfg.cov_alpha, cfg.clip_cov_ub, cfg.learning_rate) == ("tea", 0.001, 10, 5, 5e-6)
        assert cfg.per_device_train_batch_size * cfg.steps_per_generation % cfg.num_generations == 0


def test_cli_rl_end_to_end_with_constraint_reward(tiny_model_dir, prompt_file, tmp_path):
    """`lightif rl` with the real `ConstraintReward` (mode zero: dense + cosine length term) runs 1 step."""
    from lightif.cli import main

    out = tmp_path / "cli"
    cfg = tmp_path / "rl.yaml"
    cfg.write_text(f"model: {tiny_model_dir}\ntrain_file: {prompt_file}\noutput_dir: {out}\nuse_cpu: true\n"
                   "bf16: false\nmode: zero\nthink_required: false\nreward_kind: normalized\nnum_generations: 2\n"
                   "per_device_train_batch_size: 4\nmax_completion_length: 8\nmax_steps: 1\nlogging_steps: 1\n"
                   "save_strategy: 'no'\nreport_to: none\n")
    assert main(["rl", "--config", str(cfg)]) == 0
    (rec,) = [r for _, r in read_jsonl(out / "metrics.jsonl") if "loss" in r]
    assert "rewards/normalized_reward_len/mean" in rec and "rewards/all_pass/mean" in rec and "lightif/acc" in rec
    assert rec["lightif/errors"] == 0 and "lightif/length" in rec
    assert "tea/weight_mean" not in rec  # mode zero has no TEA term
    # the pass-rate metric has weight 0: the reward is the constraint reward alone
    assert rec["reward"] == pytest.approx(rec["rewards/normalized_reward_len/mean"], abs=1e-6)


@pytest.mark.slow
def test_tea_rl_learns_a_constraint_with_constraint_reward(tiny_model_dir, tmp_path):
    """The real reward path: `ConstraintReward(kind="normalized")` on "at least 8 words" in 12 tokens (the dense
    score gives partial credit); 30 TEA-RL steps raise the mean reward and the all-pass rate. Reached 1.0 by step
    25 for seeds 0, 1, 2; with the shorter prompt "Note {i}." 30 steps were not enough (seed 0)."""
    from lightif.rewards import ConstraintReward
    from lightif.rl import PassRateMetric, train_rl

    spec = {"id": "length_constraints:number_words", "params": {"num_words": 8, "relation": "at least"}}
    prompts = tmp_path / "words.jsonl"
    recs = [{"id": f"w{i}", "messages": [{"role": "user", "content": f"Write a note {i}."}], "constraints": [spec]}
            for i in range(8)]
    prompts.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    cfg = _config(tmp_path / "words", max_steps=30, learning_rate=2e-2, max_completion_length=12,
                  per_device_train_batch_size=8, num_generations=4, cov_alpha=0.1, reward_kind="normalized")
    tr = train_rl(cfg, model=str(tiny_model_dir), train_file=str(prompts),
                  reward_funcs=[ConstraintReward(kind="normalized", think_required=False), PassRateMetric(False)])
    hist = [r for r in tr.state.log_history if "rewards/normalized_reward/mean" in r]
    reward = [r["rewards/normalized_reward/mean"] for r in hist]
    passed = [r["rewards/all_pass/mean"] for r in hist]
    first, last = sum(reward[:5]) / 5, sum(reward[-5:]) / 5
    print(f"constraint reward first 5 steps {first:.3f} -> last 5 {last:.3f}; all-pass "
          f"{sum(passed[:5]) / 5:.2f} -> {sum(passed[-5:]) / 5:.2f}")
    assert last > first + 0.3 and sum(passed[-5:]) > sum(passed[:5])
