"""`lightif eval` end to end on the tiny model: outputs, resume, refused setting changes, CFBench, data errors."""

from __future__ import annotations

import json

import pytest
import torch

from lightif.cli import main

torch.set_num_threads(1)


def summary(out) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_eval_ifeval_writes_outputs_and_resumes(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["eval", "--model", str(tiny_model_dir), "--benchmark", "ifeval", "--out", str(out), "--limit", "4",
            "--max-new-tokens", "8", "--batch-size", "2", "--no-progress"]
    assert main(argv) == 0
    for name in ("responses.jsonl", "responses_scored.jsonl", "generation.json", "summary.json", "report.md",
                 "eval_results_strict.jsonl", "eval_results_loose.jsonl"):
        assert (out / name).exists(), name
    s = summary(out)
    assert s["n_prompts"] == 4 and s["generation"]["sampling"]["max_new_tokens"] == 8
    assert s["generation"]["sampling"]["temperature"] == 0.0 and s["generation_timing"]["generated_this_run"] == 4
    assert "prompt_level_strict" in capsys.readouterr().out
    scored = [json.loads(x) for x in (out / "responses_scored.jsonl").read_text().splitlines()]
    assert [r["key"] for r in scored] == [1000, 1001, 1005, 1012]  # the first 4 IFEval prompts, keys as in the data
    argv[argv.index("--limit") + 1] = "6"
    assert main(argv) == 0
    s = summary(out)
    assert s["n_prompts"] == 6 and s["generation_timing"]["generated_this_run"] == 2  # 4 reused, 2 new
    assert len((out / "responses.jsonl").read_text().splitlines()) == 6


def test_changed_settings_are_refused(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "run"
    base = ["eval", "--model", str(tiny_model_dir), "--benchmark", "ifeval", "--out", str(out), "--limit", "1",
            "--no-progress"]
    assert main(base + ["--max-new-tokens", "4"]) == 0
    capsys.readouterr()
    assert main(base + ["--max-new-tokens", "5"]) == 2
    assert "different sampling" in capsys.readouterr().err


def test_prompt_file_benchmark(tiny_model_dir, tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps({"id": "a", "messages": [{"role": "user", "content": "Say hi."}],
                             "constraints": [{"id": "change_case:english_lowercase", "params": {}}]}) + "\n")
    out = tmp_path / "run"
    assert main(["eval", "--model", str(tiny_model_dir), "--benchmark", str(f), "--out", str(out),
                 "--max-new-tokens", "4", "--no-progress"]) == 0
    assert summary(out)["n_instructions"] == 1


def test_cfbench_end_to_end_with_a_local_judge(tiny_model_dir, tmp_path, shared_data):
    out = tmp_path / "cf"
    assert main(["eval", "--model", str(tiny_model_dir), "--benchmark", "cfbench", "--data",
                 str(shared_data / "cfbench" / "cfbench_data.json"), "--limit", "2", "--out", str(out),
                 "--max-new-tokens", "4", "--judge-backend", "transformers", "--judge-model", str(tiny_model_dir),
                 "--judge-rounds", "1", "--judge-max-new-tokens", "4", "--no-progress"]) == 0
    s = summary(out)
    assert s["benchmark"] == "cfbench" and s["n_samples"] == 2 and s["judge"]["rounds"] == 1
    assert sum(s["counts"][k] for k in ("strict", "positional", "fallback", "failed")) == 2
    assert len((out / "judgements.jsonl").read_text().splitlines()) == 2


@pytest.mark.parametrize("extra, message", [
    (["--benchmark", "cfbench", "--judge-model", "m"], "not shipped"),
    (["--benchmark", "cfbench", "--data", "x.json"], "needs a judge"),
    (["--benchmark", "nope.jsonl"], "not a known benchmark"),
    (["--benchmark", "ifeval", "--limit", "0"], "--limit must be"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, extra, message):
    assert main(["eval", "--model", "smollm2-135m-instruct", "--out", str(tmp_path / "o")] + extra) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
