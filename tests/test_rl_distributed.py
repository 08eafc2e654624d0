"""A 2-process `accelerate launch` on CPU (gloo) runs a few TEA-RL steps (DDP, gathered rewards and metrics).

`--multi_gpu` selects accelerate's torchrun launcher (its `--cpu` multi-process path needs mpirun); `use_cpu=True` in
the config then makes each process a gloo CPU rank.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lightif.io import read_jsonl

SCRIPT = textwrap.dedent('''
    import sys, torch
    torch.set_num_threads(1)
    from lightif.rl import PassRateMetric, TEAGRPOConfig, train_rl

    def low_id_reward(prompts, completions, completion_ids, **kwargs):
        return [sum(t < 200 for t in ids) / max(len(ids), 1) for ids in completion_ids]

    model, prompts, out = sys.argv[1:4]
    cfg = TEAGRPOConfig(output_dir=out, per_device_train_batch_size=2, num_generations=2, max_completion_length=8,
                        max_steps=3, logging_steps=1, report_to="none", use_cpu=True, bf16=False, save_strategy="no",
                        learning_rate=1e-2, think_required=False, seed=0, disable_tqdm=True,
                        reward_weights=[1.0, 0.0], ddp_backend="gloo")
    tr = train_rl(cfg, model=model, train_file=prompts, reward_funcs=[low_id_reward, PassRateMetric(False)])
    print(f"rank {tr.accelerator.process_index}/{tr.accelerator.num_processes} done at step {tr.state.global_step}")
''')


@pytest.mark.slow
def test_two_process_cpu_tea_rl(tiny_model_dir, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"p{i}", "messages": [{"role": "user", "content": f"Note {i}."}],
                                           "constraints": [{"id": "punctuation:no_comma", "params": {}}]}) + "\n"
                               for i in range(8)), encoding="utf-8")
    script = tmp_path / "run_rl.py"
    script.write_text(SCRIPT, encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "2", "--num_machines", "1",
           "--multi_gpu", "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29517",
           str(script), str(tiny_model_dir), str(prompts), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "rank 0/2 done at step 3" in proc.stdout and "rank 1/2 done at step 3" in proc.stdout
    logs = [r for _, r in read_jsonl(out / "metrics.jsonl") if "loss" in r]
    assert [r["step"] for r in logs] == [1, 2, 3]  # written by rank 0 only
    assert all("tea/weight_mean" in r and "kl" in r for r in logs)
    assert (out / "model.safetensors").exists()
