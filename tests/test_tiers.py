"""Pass-rate tiers: thresholds, splitting scored samples, and `lightif filter` end to end on the tiny model."""

from __future__ import annotations

import json

import pytest

from lightif.cli import main
from lightif.errors import ConfigError
from lightif.io import read_jsonl
from lightif.schema import PromptRecord, load_prompts
from lightif.synth import SynthConfig, synthesize
from lightif.tiers import FilterConfig, filter_prompts, score_sample, split_by_pass_rate, tier_of

NO_COMMA = [{"id": "punctuation:no_comma", "params": {}}]


def _rec(rid: str) -> PromptRecord:
    return PromptRecord(rid, ({"role": "user", "content": "Write a line without commas."},), tuple(NO_COMMA), "en",
                        "test", {})


@pytest.mark.parametrize("rate,tier", [(0.0, "hard"), (0.125, "pass"), (0.74, "pass"), (0.75, "easy"), (1.0, "easy")])
def test_tier_of_default_thresholds(rate, tier):
    assert tier_of(rate) == tier


def test_tier_of_custom_thresholds_and_validation():
    assert tier_of(0.25, hard_max=0.25, easy_min=0.9) == "hard"
    assert tier_of(0.9, hard_max=0.25, easy_min=0.9) == "easy"
    with pytest.raises(ConfigError):
        FilterConfig(hard_max=0.8, easy_min=0.5)
    with pytest.raises(ConfigError):
        FilterConfig(samples=0)


def test_score_sample_scores_only_the_answer_after_thinking():
    cfg = FilterConfig(samples=1)
    rec = _rec("a")
    ok = score_sample(rec, {"id": "a", "sample": 0, "text": "<think>a, b, c</think>No commas here"}, cfg)
    assert ok["follow_all"] and ok["thinking_closed"] and ok["constraints"] == NO_COMMA
    bad = score_sample(rec, {"id": "a", "sample": 1, "text": "<think>fine</think>one, two"}, cfg)
    assert not bad["follow_all"]
    unclosed = score_sample(rec, {"id": "a", "sample": 2, "text": "<think>no commas but never closed"}, cfg)
    assert not unclosed["follow_all"] and not unclosed["thinking_closed"]


def test_split_by_pass_rate_buckets_histogram_and_stats():
    cfg = FilterConfig(samples=4)
    recs = [_rec(r) for r in ("h", "p", "e")]
    passes = {"h": 0, "p": 2, "e": 4}
    samples = [score_sample(r, {"id": r.id, "sample": i, "text": "<think>x</think>" + ("clean" if i < passes[r.id]
                                                                                         else "a, b")}, cfg)
               for r in recs for i in range(4)]
    res = split_by_pass_rate(recs, samples, cfg)
    assert [r.id for r in res.tiers["hard"]] == ["h"]
    assert [r.id for r in res.tiers["pass"]] == ["p"] and res.tiers["pass"][0].meta["pass_rate"] == 0.5
    assert [r.id for r in res.tiers["easy"]] == ["e"] and res.tiers["easy"][0].meta["tier"] == "easy"
    assert res.stats["pass_count_histogram"] == {"0": 1, "1": 0, "2": 1, "3": 0, "4": 1}
    assert res.stats["tiers"] == {"hard": 1, "pass": 1, "easy": 1}
    assert res.stats["constraint_pass_rate"] == {"punctuation:no_comma": 0.5}


@pytest.fixture(scope="module")
def tiny_prompts(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiers") / "prompts.jsonl"
    synthesize(SynthConfig(n=4, seed=3, min_constraints=1, max_constraints=2, out=str(path), keep_witness=False))
    return path


def test_filter_end_to_end_on_the_tiny_model(tiny_model_dir, tiny_prompts, tmp_path):
    import torch

    torch.set_num_threads(1)
    recs = load_prompts(tiny_prompts)
    cfg = FilterConfig(model=str(tiny_model_dir), samples=2, max_new_tokens=6, batch_size=4, seed=1)
    res = filter_prompts(recs, cfg, tmp_path / "out")
    out = tmp_path / "out"
    for name in ("hard", "pass", "easy", "samples", "generations"):
        assert (out / f"{name}.jsonl").exists()
    tiered = sum(len(list(read_jsonl(out / f"{t}.jsonl"))) for t in ("hard", "pass", "easy"))
    assert tiered == len(recs) == sum(res.stats["tiers"].values())
    samples = [r for _, r in read_jsonl(out / "samples.jsonl")]
    assert len(samples) == 2 * len(recs)
    assert all({"text", "constraints", "messages", "follow_all", "follow_list", "tier", "pass_rate"} <= set(s)
               for s in samples)
    stats = json.loads((out / "stats.json").read_text())
    assert sum(stats["pass_count_histogram"].values()) == len(recs)
    # resumable: a second run reuses generations.jsonl instead of sampling again
    before = (out / "generations.jsonl").read_text()
    filter_prompts(recs, cfg, out)
    assert (out / "generations.jsonl").read_text() == before


def test_filter_cli(tiny_model_dir, tiny_prompts, tmp_path, capsys):
    rc = main(["filter", "--model", str(tiny_model_dir), "--samples", "1", "--in", str(tiny_prompts), "--out",
               str(tmp_path / "o"), "--max-new-tokens", "4", "--hard-max", "0.0", "--easy-min", "0.5", "--limit", "2"])
    assert rc == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sum(info["tiers"].values()) == 2
    assert main(["filter", "--model", str(tiny_model_dir), "--in", str(tiny_prompts), "--out", str(tmp_path / "x"),
                 "--hard-max", "0.9", "--easy-min", "0.1"]) == 2
