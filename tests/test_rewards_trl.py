"""`ConstraintReward` inside a real `trl.GRPOTrainer` step (tiny random model, CPU), and its TRL call contract."""

import json
import os

import pytest

from lightif.rewards import ConstraintReward, lightif_reward

os.environ.setdefault("OMP_NUM_THREADS", "1")

# dense (normalized) scores that vary with the random text, so the step sees a non-constant reward
SPECS = [
    [{"id": "lightif_en:word_count_range", "params": {"min_count": 4, "max_count": 6}},
     {"id": "lightif_en:letter_at_least", "params": {"letter": "e", "min_count": 3}}],
    [{"id": "lightif_zh:length_range", "params": {"min_chars": 20, "max_chars": 40}},
     {"id": "lightif_en:letter_forbidden", "params": {"letter": "a"}}],
]


class RecordingReward(ConstraintReward):
    """ConstraintReward that keeps what the trainer passed and returned (for the assertions below)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.calls = []

    def __call__(self, prompts, completions, constraints=None, completion_ids=None, **kwargs):
        out = super().__call__(prompts, completions, constraints, completion_ids, **kwargs)
        self.calls.append({"prompts": prompts, "completions": completions, "constraints": constraints,
                           "completion_ids": completion_ids, "kwargs": set(kwargs), "out": out})
        return out


@pytest.fixture()
def grpo_run(tiny_model_dir, tmp_path):
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    rows = [{"prompt": [{"role": "user", "content": f"Write a short note number {i}."}],
             "constraints": json.dumps(SPECS[i % 2], ensure_ascii=False)} for i in range(4)]
    # max_length above the generation cap: the cosine term then depends on each completion's length
    reward = RecordingReward(kind="normalized", think_required=False, length_reward=True, max_length=16)
    args = GRPOConfig(output_dir=str(tmp_path / "out"), per_device_train_batch_size=4, num_generations=2,
                      max_completion_length=8, max_steps=1, learning_rate=1e-3, beta=0.0, report_to=[],
                      use_cpu=True, logging_steps=1, save_strategy="no", seed=0, bf16=False,
                      dataloader_num_workers=0)
    trainer = GRPOTrainer(model=model, reward_funcs=[reward], args=args, train_dataset=Dataset.from_list(rows),
                          processing_class=tok)
    trainer.train()
    return trainer, reward, rows


def test_constraint_reward_in_a_grpo_step(grpo_run):
    trainer, reward, rows = grpo_run
    assert trainer.state.global_step == 1
    assert reward.calls, "the trainer never called the reward"
    call = reward.calls[0]
    # TRL passes the dataset column through (as JSON strings) plus its own helpers
    assert set(call["constraints"]) <= {r["constraints"] for r in rows}
    assert {"log_metric", "log_extra", "trainer_state"} <= call["kwargs"]
    assert all(isinstance(c, list) and c[0]["role"] == "assistant" for c in call["completions"])
    assert all(1 <= len(ids) <= 8 for ids in call["completion_ids"])
    assert len(set(call["out"])) > 1  # a non-constant signal (fixed seed), so the step has a real advantage
    # the values the trainer received are exactly the reward recomputed from the same inputs
    for comp, spec, ids, got in zip(call["completions"], call["constraints"], call["completion_ids"], call["out"],
                                    strict=True):
        want = lightif_reward(comp[0]["content"], spec, kind="normalized", think_required=False,
                              num_tokens=len(ids), max_length=16)
        assert got == pytest.approx(want.reward)
    logs = {k: v for entry in trainer.state.log_history for k, v in entry.items()}
    mean_out = sum(v for c in reward.calls for v in c["out"]) / sum(len(c["out"]) for c in reward.calls)
    assert logs[f"rewards/{reward.__name__}/mean"] == pytest.approx(mean_out, abs=1e-5)
    assert "lightif/acc" in logs and "lightif/errors" in logs and logs["lightif/errors"] == 0.0
    assert reward.num_errors == 0


def test_trl_picks_up_the_reward_name():
    from trl.trainer.utils import get_callable_name, is_async_callable

    rf = ConstraintReward(kind="normalized")
    assert get_callable_name(rf) == "normalized_reward"
    assert not is_async_callable(rf)
