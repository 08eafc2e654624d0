"""Entropy-SFT trainer: config checks, data loading, parity with TRL's loss at ρ=1/λ=0, 2-step smoke run, resume."""

from __future__ import annotations

import json
import os

import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault("OMP_NUM_THREADS", "1")

from lightif.errors import ConfigError, DataError  # noqa: E402
from lightif.io import read_jsonl  # noqa: E402

RECORDS = [
    {"messages": [{"role": "user", "content": "Write 3 bullet points."},
                  {"role": "assistant", "content": "<think> The user wants 3 bullet points. </think>* a\n* b\n* c"}]},
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Answer yes or no."},
                  {"role": "assistant", "content": "<think> Let me check. </think>My answer is yes."}]},
    {"messages": [{"role": "user", "content": "Say hello world with no commas."},
                  {"role": "assistant", "content": "<think> no commas: count 0 </think>Hello world!"}]},
    {"messages": [{"role": "user", "content": "请写春天。"},
                  {"role": "assistant", "content": "<think> 标题用《》 </think>《春天》春天来了。"}]},
]


@pytest.fixture()
def chat_file(tmp_path):
    p = tmp_path / "sft.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    return p


def _config(out, **kw):
    from lightif.sft import EntropySFTConfig

    base = dict(output_dir=str(out), per_device_train_batch_size=2, max_steps=2, learning_rate=5e-3,
                logging_steps=1, save_strategy="steps", save_steps=1, report_to="none", use_cpu=True, bf16=False,
                max_length=64, seed=0, dataloader_num_workers=0, disable_tqdm=True, lr_scheduler_type="constant")
    base.update(kw)
    return EntropySFTConfig(**base)


def test_config_checks_and_strict_loader(tmp_path):
    from lightif.config import from_dict
    from lightif.sft import EntropySFTConfig

    with pytest.raises(ValueError, match="token_ratio"):
        _config(tmp_path, token_ratio=1.5)
    with pytest.raises(ValueError, match="entropy_coef"):
        _config(tmp_path, entropy_coef=-1.0)
    with pytest.raises(ValueError, match="loss_type"):
        _config(tmp_path, loss_type="dft")
    with pytest.raises(ValueError, match="entropy_sft_impl"):
        _config(tmp_path, entropy_sft_impl="liger")
    with pytest.raises(ConfigError, match="unknown key 'token_ration'"):
        from_dict(EntropySFTConfig, {"output_dir": str(tmp_path), "token_ration": 0.5})
    assert _config(tmp_path).token_ratio == 0.8 and _config(tmp_path).entropy_coef == 0.8


def test_load_chat_dataset(chat_file, tmp_path):
    from lightif.sft import load_chat_dataset

    ds = load_chat_dataset(chat_file)
    assert len(ds) == 4 and ds[1]["prompt"][0]["role"] == "system"
    assert ds[0]["completion"][0]["content"].startswith("<think>")
    bad = tmp_path / "bad.jsonl"
    two_users = {"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]}
    bad.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps(two_users) + "\n")
    with pytest.raises(DataError, match=r"bad.jsonl:2: field 'messages': the last message must be the assistant"):
        load_chat_dataset(bad)


def _trainer(tiny_model_dir, chat_file, out, **kw):
    from lightif.sft import EntropySFTTrainer, JsonlMetricsCallback, load_chat_dataset

    return EntropySFTTrainer(model=str(tiny_model_dir), args=_config(out, **kw),
                             train_dataset=load_chat_dataset(chat_file), callbacks=[JsonlMetricsCallback()])


@pytest.mark.parametrize("impl", ["fused", "logits"])
def test_ratio_one_lambda_zero_equals_trl_loss(tiny_model_dir, chat_file, tmp_path, impl):
    """With ρ=1, λ=0 our loss must equal TRL's own fused-head NLL on the same batch (wiring check)."""
    ours = _trainer(tiny_model_dir, chat_file, tmp_path / "a", token_ratio=1.0, entropy_coef=0.0,
                    entropy_sft_impl=impl)
    batch = ours._prepare_inputs(next(iter(ours.get_train_dataloader())))
    assert (batch["labels"] != -100).sum() > 0 and (batch["labels"] == -100).sum() > 0  # prompt masked, answer kept
    with torch.no_grad():
        l_ours = ours.compute_loss(ours.model, dict(batch))
        ours.args.entropy_sft = False  # the parent's path, same model and batch
        l_trl = ours.compute_loss(ours.model, dict(batch))
        ours.args.entropy_sft, ours.args.token_ratio, ours.args.entropy_coef = True, 0.5, 0.8
        l_half = ours.compute_loss(ours.model, dict(batch))
    torch.testing.assert_close(l_ours, l_trl, rtol=1e-5, atol=1e-6)
    assert abs(l_half.item() - l_trl.item()) > 1e-3  # selection really changes the loss


def test_fused_impl_equals_logits_impl(tiny_model_dir, chat_file, tmp_path):
    """`entropy_sft_impl="fused"` (TRL's fused head: no logits tensor) gives the same loss and gradients."""
    tr = _trainer(tiny_model_dir, chat_file, tmp_path / "f")
    tr.model.train()
    batch = tr._prepare_inputs(next(iter(tr.get_train_dataloader())))
    results = {}
    for impl in ("logits", "fused"):
        tr.args.entropy_sft_impl = impl
        tr.model.zero_grad(set_to_none=True)
        loss = tr.compute_loss(tr.model, dict(batch), num_items_in_batch=torch.tensor(13))
        loss.backward()
        results[impl] = loss.detach(), {n: p.grad.clone() for n, p in tr.model.named_parameters()}
    torch.testing.assert_close(results["fused"][0], results["logits"][0], rtol=1e-5, atol=1e-6)
    for name, g in results["logits"][1].items():
        torch.testing.assert_close(results["fused"][1][name], g, rtol=1e-4, atol=1e-6)
    assert tr._metrics["train"]["entropy_sft/kept_tokens"][-1] == tr._metrics["train"]["entropy_sft/kept_tokens"][-2]


def test_smoke_two_steps_params_change_metrics_and_resume(tiny_model_dir, chat_file, tmp_path):
    from transformers import AutoModelForCausalLM

    from lightif.sft import resume_checkpoint, train_sft

    out = tmp_path / "run"
    before = AutoModelForCausalLM.from_pretrained(tiny_model_dir).state_dict()
    trainer = train_sft(_config(out), model=str(tiny_model_dir), train_file=str(chat_file))
    after = trainer.model.state_dict()
    unchanged = [k for k, v in after.items() if torch.equal(v.cpu(), before[k])]
    assert not unchanged, f"parameters not updated: {unchanged}"
    logs = [r for _, r in read_jsonl(out / "metrics.jsonl")]
    losses = [r["loss"] for r in logs if "loss" in r]
    assert len(losses) == 2 and all(v > 0 for v in losses)
    assert all(r["entropy_sft/kept_tokens"] > 0 and r["entropy"] > 0 for r in logs if "loss" in r)
    assert (out / "checkpoint-2").is_dir() and (out / "model.safetensors").exists()
    # resume: ask for 3 steps; the trainer restarts from checkpoint-2 and does exactly one more step
    assert resume_checkpoint(out, "auto").endswith("checkpoint-2")
    trainer2 = train_sft(_config(out, max_steps=3), model=str(tiny_model_dir), train_file=str(chat_file))
    assert trainer2.state.global_step == 3
    steps = [r["step"] for _, r in read_jsonl(out / "metrics.jsonl") if "loss" in r]
    assert steps == [1, 2, 3]
    assert resume_checkpoint(out, "never") is None


def test_lora_trains_only_adapters(tiny_model_dir, chat_file, tmp_path):
    from lightif.sft import LoraOptions, train_sft

    trainer = train_sft(_config(tmp_path / "lora", max_steps=1, save_strategy="no"), model=str(tiny_model_dir),
                        train_file=str(chat_file), lora=LoraOptions(r=4, alpha=8, dropout=0.0))
    trainable = [n for n, p in trainer.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)


def test_cli_sft_end_to_end_and_errors(tiny_model_dir, chat_file, tmp_path, capsys):
    from lightif.cli import main

    out = tmp_path / "cli"
    cfg = tmp_path / "sft.yaml"
    cfg.write_text(f"model: {tiny_model_dir}\ntrain_file: {chat_file}\noutput_dir: {out}\nuse_cpu: true\n"
                   "bf16: false\nmax_steps: 1\nlogging_steps: 1\nper_device_train_batch_size: 2\nmax_length: 64\n"
                   "save_strategy: 'no'\nreport_to: none\nlora:\n  r: 4\n  alpha: 8\n"
                   f"eval_file: {chat_file}\neval_strategy: steps\neval_steps: 1\n")
    assert main(["sft", "--config", str(cfg), "--check"]) == 0
    assert main(["sft", "--config", str(cfg), "--set", "lora.rank=4", "--check"]) == 2
    assert "unknown key 'rank'" in capsys.readouterr().err
    assert main(["sft", "--config", str(cfg), "--set", "token_ratio=2", "--check"]) == 2
    assert "token_ratio must be in (0, 1]" in capsys.readouterr().err
    assert main(["sft", "--config", str(cfg), "--set", "model=no-such-model", "--check"]) == 2
    assert "model 'no-such-model' not found" in capsys.readouterr().err
    assert main(["sft", "--config", str(cfg)]) == 0
    logs = [r for _, r in read_jsonl(out / "metrics.jsonl")]
    (rec,) = [r for r in logs if "loss" in r]
    (ev,) = [r for r in logs if "eval_loss" in r]
    assert rec["loss"] > 0 and ev["eval_loss"] > 0 and ev["eval_entropy_sft/kept_tokens"] > 0
    assert (out / "adapter_model.safetensors").exists()
