"""Rejection sampling: the extract funnel on hand-written samples, the SFT output format, and the tiny-model path."""

from __future__ import annotations

import json

import pytest
from test_thinking import (
    ANSWER_EN,
    ANSWER_ZH,
    GOOD_EN,
    GOOD_ZH,
    LAZY_EN,
    PREVIEW_ONLY_EN,
    PROMPT_EN,
    PROMPT_ZH,
    SPECS_EN,
    SPECS_ZH,
)

from lightif.cli import main
from lightif.errors import ConfigError, DataError
from lightif.extract import ExtractConfig, extract, funnel_path, run_extract
from lightif.io import read_jsonl, write_jsonl


def _s(pid: str, i: int, thinking: str | None, answer: str, lang: str = "en") -> dict:
    prompt, specs = (PROMPT_ZH, SPECS_ZH) if lang == "zh" else (PROMPT_EN, SPECS_EN)
    text = answer if thinking is None else f"<think>{thinking}</think>{answer}"
    return {"id": pid, "sample": i, "text": text, "constraints": specs, "lang": lang,
            "messages": [{"role": "user", "content": prompt}], "follow_all": True}


@pytest.fixture()
def samples() -> list[dict]:
    other_en = ANSWER_EN.replace("silver moon", "pale moon")
    return [
        _s("en1", 0, GOOD_EN, ANSWER_EN),                                   # kept
        _s("en1", 1, GOOD_EN, ANSWER_EN),                                   # duplicate answer
        _s("en1", 2, GOOD_EN + " Count again: 2 times, 3 paragraphs, verified.", other_en),  # same prompt: capped
        _s("en2", 0, GOOD_EN, ANSWER_EN.replace("sleeps", "sleeps, softly")),  # fails the no-comma rule
        _s("en3", 0, LAZY_EN, ANSWER_EN.replace("moon", "light")),          # lazy
        _s("en4", 0, PREVIEW_ONLY_EN, ANSWER_EN.replace("moon", "sky")),    # no self-check
        _s("en5", 0, None, ANSWER_EN.replace("moon", "star")),              # no thinking block
        _s("en6", 0, GOOD_EN, "harbor harbor a b c d e f g h\n***\nx y z q\n***\nr s t u v"),  # gamed: not fluent
        _s("zh1", 0, GOOD_ZH, ANSWER_ZH, "zh"),                             # kept
    ]


def test_funnel_counts_each_filter(samples):
    res = extract(samples, ExtractConfig())
    assert res.dropped == {"tier": 0, "closed_thinking": 1, "correct": 1, "length": 0, "preview": 1, "self_check": 1,
                           "not_lazy": 0, "fluent": 1, "unique": 1, "per_prompt_cap": 1}
    assert res.funnel["total"] == 9 and res.funnel["per_prompt_cap"] == 2
    assert [r["id"] for r in res.records] == ["en1#2", "zh1#0"]  # en1: the sample with the stronger self-check


def test_only_the_requested_tiers_are_sampled(samples):
    for s in samples:
        s["tier"] = "easy" if s["id"] == "zh1" else "pass"
    res = extract(samples, ExtractConfig())
    assert res.dropped["tier"] == 1 and [r["id"] for r in res.records] == ["en1#2"]
    both = extract(samples, ExtractConfig(tiers=["pass", "easy"]))
    assert [r["meta"]["tier"] for r in both.records] == ["pass", "easy"]
    with pytest.raises(ConfigError):
        ExtractConfig(tiers=["medium"])


def test_non_thinking_answers_when_think_is_not_required(samples):
    assert extract(samples, ExtractConfig()).dropped["closed_thinking"] == 1  # en5 has no think block
    res = extract(samples, ExtractConfig(think_required=False, max_per_prompt=5))
    plain = [r for r in res.records if r["meta"]["prompt_id"] == "en5"]
    assert len(plain) == 1 and plain[0]["messages"][-1]["content"] == ANSWER_EN.replace("moon", "star")
    assert plain[0]["meta"]["patterns"] is None
    truncated = _s("en9", 0, None, "<think>never closed " + ANSWER_EN)
    assert extract([truncated], ExtractConfig(think_required=False)).dropped["closed_thinking"] == 1


def test_output_is_chat_sft_format(samples, tmp_path):
    res = extract(samples, ExtractConfig(max_per_prompt=3))
    assert len(res.records) == 3
    rec = res.records[-1]
    assert rec["messages"][0] == {"role": "user", "content": PROMPT_ZH}
    content = rec["messages"][-1]["content"]
    assert rec["messages"][-1]["role"] == "assistant"
    assert content.startswith("<think>\n") and content.endswith("</think>\n\n" + ANSWER_ZH)
    assert rec["meta"]["prompt_id"] == "zh1" and rec["meta"]["patterns"]["self_check"] >= 0.5
    out = tmp_path / "cold.jsonl"
    write_jsonl(out, res.records)
    from lightif.sft import load_chat_dataset

    ds = load_chat_dataset(out)
    assert len(ds) == 3


def test_thresholds_are_parameters(samples):
    lenient = extract(samples, ExtractConfig(min_preview=0.0, min_self_check=0.0, reject_lazy=False, min_fluency=0.0,
                                             max_per_prompt=5))
    assert {r["meta"]["prompt_id"] for r in lenient.records} == {"en1", "en3", "en4", "en6", "zh1"}
    strict = extract(samples, ExtractConfig(min_preview_coverage=1.0, min_check_coverage=1.0))
    assert [r["id"] for r in strict.records] == ["en1#2", "zh1#0"]
    capped = extract(samples, ExtractConfig(max_total=1))
    assert len(capped.records) == 1 and capped.funnel["per_prompt_cap"] == 1
    with pytest.raises(ConfigError):
        ExtractConfig(max_per_prompt=0)


def test_cli_writes_output_and_funnel(samples, tmp_path, capsys):
    inp, out = tmp_path / "samples.jsonl", tmp_path / "coldstart.jsonl"
    write_jsonl(inp, samples)
    assert main(["extract", "--in", str(inp), "--out", str(out), "--min-preview", "0.5"]) == 0
    printed = capsys.readouterr().out
    assert "closed_thinking" in printed and "kept 2" in printed
    assert main(["extract", "--in", str(inp), "--out", str(tmp_path / "plain.jsonl"), "--no-think-required"]) == 0
    assert "kept 3" in capsys.readouterr().out  # + the tag-less en5 answer
    assert len(list(read_jsonl(out))) == 2
    funnel = json.loads(funnel_path(out).read_text())
    assert funnel["funnel"]["per_prompt_cap"] == 2 and funnel["dropped"]["correct"] == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "hi"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="field 'constraints'"):
        run_extract(bad, tmp_path / "o.jsonl", ExtractConfig())
    assert main(["extract", "--in", str(bad), "--out", str(tmp_path / "o.jsonl")]) == 2


def test_extract_with_a_judge_backend(samples, tiny_model_dir):
    import torch

    from lightif.backends import load_backend

    torch.set_num_threads(1)
    judge = load_backend("transformers", str(tiny_model_dir), batch_size=4)
    res = extract(samples, ExtractConfig(judge_max_new_tokens=4), judge=judge)
    # a random tiny judge never writes a parsable Score:[[n]], so every judged survivor is dropped as not fluent
    assert res.records == [] and res.dropped["fluent"] == 5


def test_filter_then_extract_end_to_end_on_the_tiny_model(tiny_model_dir, tmp_path):
    import torch

    from lightif.synth import SynthConfig, synthesize
    from lightif.tiers import FilterConfig, filter_prompts

    torch.set_num_threads(1)
    recs = synthesize(SynthConfig(n=3, seed=9, min_constraints=1, max_constraints=2))
    filter_prompts(recs, FilterConfig(model=str(tiny_model_dir), samples=2, max_new_tokens=6), tmp_path / "f")
    out = tmp_path / "cold.jsonl"
    assert main(["extract", "--in", str(tmp_path / "f" / "samples.jsonl"), "--out", str(out), "--tiers",
                 "hard,pass,easy"]) == 0
    funnel = json.loads(funnel_path(out).read_text())["funnel"]
    assert funnel["total"] == 6 and funnel["tier"] == 6
    assert funnel["per_prompt_cap"] == len(list(read_jsonl(out)))
