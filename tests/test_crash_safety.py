"""Crash safety: SIGKILL a real stage mid-run, run it again, and check that nothing is lost or duplicated.

- generation (`lightif.generate.generate_records`, real transformers backend on the tiny model): rows are appended
  with `JsonlAppender`; after the kill and a re-run every (id, sample) is present exactly once;
- scoring (`lightif score`): outputs are written atomically, so a kill leaves either nothing or complete files under
  the final names, and the re-run equals an uninterrupted run byte for byte;
- synthesis (`lightif synth`): same seed -> same file, even across a kill;
- training (`lightif sft`, tiny model): killed after a checkpoint, the re-run resumes from it (the checkpoint is
  reused, not rewritten) and reaches `max_steps`.

Every kill is a real `SIGKILL` of a child process (no cleanup handlers run).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}
LIGHTIF = [sys.executable, "-m", "lightif"]


def kill_when(proc: subprocess.Popen, ready, timeout: float = 240.0) -> bool:
    """SIGKILL `proc` as soon as `ready()` holds. Returns False if the process ended first (nothing to test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    raise AssertionError("the stage never reached the kill point")


def after(seconds: float):
    """A `ready` predicate that turns true `seconds` from now."""
    t0 = time.monotonic()
    return lambda: time.monotonic() - t0 > seconds


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def final_name_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]


# ------------------------------------------------------------------------------------------- generation
_GEN = r"""
import sys
from lightif.backends import SamplingParams, load_backend
from lightif.generate import generate_records
from lightif.schema import PromptRecord
import torch
torch.set_num_threads(1)
model, out = sys.argv[1], sys.argv[2]
records = [PromptRecord(id=f"r{i}", messages=({"role": "user", "content": f"Say {i} " + "x " * (i % 7)},),
                        constraints=()) for i in range(24)]
backend = load_backend("transformers", model, device="cpu")
def on_batch(written, tokens):
    print("batch", written, flush=True)
rows = generate_records(records, backend, SamplingParams(n=2, temperature=0.0, max_new_tokens=6, seed=0), out,
                        batch_size=2, progress=False, on_batch=on_batch)
print("done", len(rows), flush=True)
"""


@pytest.mark.slow
def test_generation_survives_kill_9(tmp_path, tiny_model_dir):
    out = tmp_path / "gen.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-c", _GEN, str(tiny_model_dir), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
    batches = 0

    def three_batches() -> bool:
        nonlocal batches
        line = proc.stdout.readline()
        batches += line.startswith("batch")
        return batches >= 3

    assert kill_when(proc, three_batches), "generation finished before the kill"
    partial = [(r["id"], r["sample"]) for r in lines(out)] if out.read_bytes().endswith(b"\n") else None
    rerun = subprocess.run(
        [sys.executable, "-c", _GEN, str(tiny_model_dir), str(out)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "done 48" in rerun.stdout
    keys = [(r["id"], r["sample"]) for r in lines(out)]
    assert len(keys) == len(set(keys)) == 48, "lost or duplicated rows"
    assert set(keys) == {(f"r{i}", s) for i in range(24) for s in range(2)}
    if partial is not None:  # rows written before the kill were kept as they were, first in the file
        assert keys[: len(partial)] == partial


# ------------------------------------------------------------------------------------------- scoring
def _score_inputs(tmp_path: Path) -> Path:
    from lightif.resources import benchmark_file

    prompts = [json.loads(x) for x in Path(benchmark_file("ifeval")).read_text(encoding="utf-8").splitlines()]
    body = "Paragraph one has words.\n\n***\n\nParagraph TWO, with a comma. P.S. done. " * 60
    resp = tmp_path / "responses.jsonl"
    resp.write_text(
        "".join(json.dumps({"prompt": p["prompt"], "response": f"{i} {body}"}) + "\n" for i, p in enumerate(prompts)),
        encoding="utf-8",
    )
    return resp


@pytest.mark.slow
def test_scoring_survives_kill_9(tmp_path):
    resp = _score_inputs(tmp_path)
    ref, out = tmp_path / "ref", tmp_path / "out"
    argv = ["score", "--benchmark", "ifeval", "--responses", str(resp)]
    t0 = time.monotonic()
    first = subprocess.run(
        LIGHTIF + argv + ["--out", str(ref)], capture_output=True, text=True, env=ENV, timeout=600, check=False
    )
    uninterrupted_s = time.monotonic() - t0
    assert first.returncode == 0, first.stderr[-2000:]

    kills = 0
    for fraction in (0.4, 0.8):  # kill at two points of an uninterrupted run's wall time (loading / scoring / writing)
        proc = subprocess.Popen(
            LIGHTIF + argv + ["--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
        )
        kills += kill_when(proc, after(fraction * uninterrupted_s))
        for f in final_name_files(out) if out.exists() else []:  # whatever exists under a final name is whole
            if f.suffix == ".jsonl":
                assert digest(f) == digest(ref / f.relative_to(out)), f"{f.name} is partial after kill -9"
            elif f.suffix == ".json":
                json.loads(f.read_text(encoding="utf-8"))  # parses: not torn
    assert kills, "scoring finished before both kills"

    rerun = subprocess.run(
        LIGHTIF + argv + ["--out", str(out)], capture_output=True, text=True, env=ENV, timeout=600, check=False
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    for name in ("eval_results_strict.jsonl", "eval_results_loose.jsonl"):
        assert digest(out / name) == digest(ref / name)
        assert len(lines(out / name)) == 541


# ------------------------------------------------------------------------------------------- synthesis
@pytest.mark.slow
def test_synthesis_survives_kill_9(tmp_path):
    # The kill lands at 60 % of an uninterrupted run's wall time (synthesis got fast enough to finish 1,200
    # prompts inside a fixed 3 s, which left nothing to kill): mid-synthesis, after start-up.
    argv = ["synth", "--n", "4000", "--seed", "7", "--lang", "en,zh"]
    ref = tmp_path / "ref.jsonl"
    t0 = time.monotonic()
    first = subprocess.run(
        LIGHTIF + argv + ["--out", str(ref)], capture_output=True, text=True, env=ENV, timeout=900, check=False
    )
    uninterrupted_s = time.monotonic() - t0
    assert first.returncode == 0, first.stderr[-2000:]
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        LIGHTIF + argv + ["--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
    )
    assert kill_when(proc, after(0.6 * uninterrupted_s)), "synthesis finished before the kill"
    assert not out.exists() or digest(out) == digest(ref), "a partial synthesis file under the final name"
    rerun = subprocess.run(
        LIGHTIF + argv + ["--out", str(out)], capture_output=True, text=True, env=ENV, timeout=900, check=False
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert digest(out) == digest(ref)
    ids = [r["id"] for r in lines(out)]
    assert len(ids) == len(set(ids)) == 4000


# ------------------------------------------------------------------------------------------- training
@pytest.mark.slow
def test_training_resumes_from_last_checkpoint_after_kill_9(tmp_path, tiny_model_dir):
    train = tmp_path / "chat.jsonl"
    train.write_text(
        "".join(
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": f"Count to {i}."},
                        {"role": "assistant", "content": f"<think>count</think>{' '.join(map(str, range(i)))}"},
                    ]
                }
            )
            + "\n"
            for i in range(1, 41)
        ),
        encoding="utf-8",
    )
    out_dir = tmp_path / "sft"
    cfg = tmp_path / "sft.yaml"
    cfg.write_text(
        f"model: {tiny_model_dir}\ntrain_file: {train}\noutput_dir: {out_dir}\n"
        "entropy_sft: true\nmax_length: 128\nper_device_train_batch_size: 2\ngradient_accumulation_steps: 1\n"
        "max_steps: 8\nsave_strategy: steps\nsave_steps: 2\nlogging_steps: 1\nlearning_rate: 1.0e-4\n"
        "seed: 0\nuse_cpu: true\nbf16: false\nreport_to: none\ndataloader_num_workers: 0\n",
        encoding="utf-8",
    )
    argv = LIGHTIF + ["sft", "--config", str(cfg)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)

    def checkpoint_saved() -> bool:  # a checkpoint counts once its trainer_state.json (written last) is there
        return any((p / "trainer_state.json").exists() for p in out_dir.glob("checkpoint-*"))

    assert kill_when(proc, checkpoint_saved, timeout=600), "training finished before the kill"
    saved = sorted(out_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    complete = [p for p in saved if (p / "trainer_state.json").exists()]
    last = complete[-1]
    last_step = int(last.name.split("-")[1])
    assert last_step < 8
    stamp = {p.name: p.stat().st_mtime_ns for p in last.iterdir()}

    rerun = subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=900, check=False)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "8 steps" in rerun.stdout
    # resumed, not restarted: the checkpoint it resumed from was read, not rewritten
    assert {p.name: p.stat().st_mtime_ns for p in last.iterdir()} == stamp
    state = json.loads((out_dir / "checkpoint-8" / "trainer_state.json").read_text())
    assert state["global_step"] == 8
    steps = [h["step"] for h in state["log_history"] if "loss" in h]
    assert steps == sorted(set(steps)), f"duplicated or out-of-order steps in the log: {steps}"
