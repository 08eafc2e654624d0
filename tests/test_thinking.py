"""Thinking-pattern detectors (preview, self-check, lazy), constraint coverage, fluency and the accept verdict."""

from __future__ import annotations

import pytest

from lightif import thinking as T
from lightif.errors import ConfigError

PROMPT_EN = ('Write a short poem about the sea. Use the word "harbor" at least 2 times. Write exactly 3 paragraphs '
             "separated by ***. Do not use any commas.")
SPECS_EN = [{"id": "keywords:frequency", "params": {"keyword": "harbor", "frequency": 2, "relation": "at least"}},
            {"id": "length_constraints:number_paragraphs", "params": {"num_paragraphs": 3}},
            {"id": "punctuation:no_comma", "params": {}}]
ANSWER_EN = ("The harbor sleeps beneath a silver moon\n***\nWaves hum a tune to every quiet boat\n***\n"
             "At dawn the harbor wakes and sails drift out")
GOOD_EN = """Let me list the constraints first:
1. The word "harbor" must appear at least 2 times.
2. Exactly 3 paragraphs separated by ***.
3. No commas anywhere.
Plan: the structure will be one image per paragraph: night, waves, dawn. I'll put harbor in paragraphs 1 and 3.

Draft:
The harbor sleeps beneath a silver moon
***
Waves hum a tune to every quiet boat
***
At dawn the harbor wakes and sails drift out

Now let me check each constraint. Count "harbor": paragraph 1 has one, paragraph 3 has one, that's 2 times, OK.
Paragraphs: 1, 2, 3 separated by *** -> 3 paragraphs.
Commas: I re-read every line and there is no comma. All constraints are satisfied."""
LAZY_EN = """The user wants a short poem about the sea.
The user wants the word harbor at least 2 times and exactly 3 paragraphs separated by ***, and no commas.
So I need to write a short poem about the sea with the word harbor, 3 paragraphs and no commas.
Okay, I'll write it now."""
PREVIEW_ONLY_EN = """Constraints to follow:
1. harbor at least 2 times
2. exactly 3 paragraphs with ***
3. no commas
Plan: three short stanzas, night, waves and dawn. Then I'll write the final poem."""

PROMPT_ZH = "写一首关于大海的短诗。全文共3段，段落之间用一个空行分隔。“港口”一词至少出现2次。"
SPECS_ZH = [{"id": "lightif_zh:paragraph_count", "params": {"num_paragraphs": 3}},
            {"id": "lightif_zh:keyword_at_least", "params": {"keyword": "港口", "min_count": 2}}]
ANSWER_ZH = "夜色里的港口静静沉睡，月光洒满海面。\n\n海浪轻轻歌唱，小船随波摇晃。\n\n黎明时港口醒来，白帆驶向远方。"
GOOD_ZH = """先梳理一下约束条件：
1. 全文共3段，段落之间用一个空行分隔。
2. “港口”至少出现2次。
结构安排：第一段写夜晚的港口，第二段写海浪，第三段写黎明的港口。

草稿：
夜色里的港口静静沉睡，月光洒满海面。

海浪轻轻歌唱，小船随波摇晃。

黎明时港口醒来，白帆驶向远方。

现在逐条检查：段落数一下，第一段、第二段、第三段，共3段，符合要求。
“港口”出现在第一段和第三段，一共2次，满足至少2次。没问题。"""
LAZY_ZH = """用户要求写一首关于大海的短诗，全文共3段，段落之间用一个空行分隔，“港口”一词至少出现2次。
那我就写一首关于大海的短诗，共3段，出现港口。好的，直接写。"""
CHECK_ONLY_ZH = """夜色里的港口静静沉睡，月光洒满海面。海浪轻轻歌唱。黎明时港口醒来。
检查一下：段落数一数，共3段，符合。“港口”一共出现2次，满足要求。确认没问题。"""
PREVIEW_ONLY_ZH = """约束条件：
1. 共3段，空行分隔
2. “港口”至少2次
结构安排：第一段夜晚，第二段海浪，第三段黎明。然后写正文。"""


def _sample(thinking: str, answer: str, prompt: str, specs: list[dict]) -> dict:
    return {"id": "p1", "sample": 0, "text": f"<think>{thinking}</think>{answer}", "constraints": specs,
            "messages": [{"role": "user", "content": prompt}], "lang": "en"}


@pytest.mark.parametrize("thinking,answer,prompt,specs", [
    (GOOD_EN, ANSWER_EN, PROMPT_EN, SPECS_EN), (GOOD_ZH, ANSWER_ZH, PROMPT_ZH, SPECS_ZH)], ids=["en", "zh"])
def test_preview_and_self_check_are_detected(thinking, answer, prompt, specs):
    rep = T.analyze(thinking, answer, prompt, specs)
    assert rep.draft_found and 0 < rep.draft_at < len(thinking)
    assert rep.preview >= 0.75 and rep.self_check >= 0.75
    assert not rep.lazy
    assert rep.preview_coverage == 1.0 and rep.check_coverage == 1.0
    assert T.accept(_sample(thinking, answer, prompt, specs)).ok


@pytest.mark.parametrize("thinking,answer,prompt,specs", [
    (LAZY_EN, ANSWER_EN, PROMPT_EN, SPECS_EN), (LAZY_ZH, ANSWER_ZH, PROMPT_ZH, SPECS_ZH)], ids=["en", "zh"])
def test_lazy_thinking_is_flagged_and_rejected(thinking, answer, prompt, specs):
    rep = T.analyze(thinking, answer, prompt, specs)
    assert rep.lazy
    assert rep.preview < 0.5 and rep.self_check < 0.5
    assert rep.restatement >= 0.6
    verdict = T.accept(_sample(thinking, answer, prompt, specs))
    assert not verdict.ok and verdict.reason == "no_preview"
    lenient = T.AcceptConfig(min_preview=0.0, min_self_check=0.0)
    assert T.accept(_sample(thinking, answer, prompt, specs), lenient).reason == "lazy"


@pytest.mark.parametrize("thinking,answer,prompt,specs", [
    (PREVIEW_ONLY_EN, ANSWER_EN, PROMPT_EN, SPECS_EN), (PREVIEW_ONLY_ZH, ANSWER_ZH, PROMPT_ZH, SPECS_ZH)],
    ids=["en", "zh"])
def test_preview_without_self_check_fails_the_self_check(thinking, answer, prompt, specs):
    rep = T.analyze(thinking, answer, prompt, specs)
    assert rep.preview >= 0.5 and rep.self_check < 0.5 and not rep.lazy
    assert T.accept(_sample(thinking, answer, prompt, specs)).reason == "no_self_check"


def test_self_check_without_preview_fails_the_preview():
    rep = T.analyze(CHECK_ONLY_ZH, ANSWER_ZH, PROMPT_ZH, SPECS_ZH)
    assert rep.self_check >= 0.75 and rep.preview < 0.5
    assert T.accept(_sample(CHECK_ONLY_ZH, ANSWER_ZH, PROMPT_ZH, SPECS_ZH)).reason == "no_preview"


def test_constraint_coverage_counts_only_the_constraints_mentioned():
    thinking = ("Constraints: 1. no commas. 2. the plan is three stanzas.\nDraft:\nThe harbor sleeps\n"
                "Check: commas? none, OK. Verified.")
    rep = T.analyze(thinking, ANSWER_EN, PROMPT_EN, SPECS_EN)
    assert rep.preview_coverage == pytest.approx(1 / 3)  # only no_comma is named before the draft
    assert rep.check_coverage == pytest.approx(1 / 3)
    cues = T.constraint_cues({"id": "keywords:frequency", "params": {"keyword": "harbor", "frequency": 1}})
    assert "harbor" in cues and "keyword" in cues and "1" not in cues  # 0 and 1 are too common to count
    assert "12" in T.constraint_cues({"id": "x:number_words", "params": {"num_words": 12}})
    assert T._mentions("it has 12 words", {"12"}) and not T._mentions("12. item", {"12"})


def test_draft_point_uses_the_answer_when_there_is_no_cue():
    thinking = "Plan first. Then this: The harbor sleeps beneath a silver moon and so on. Count: fine."
    at, found = T.find_draft_point(thinking, ANSWER_EN)
    assert found and thinking[at:].startswith("The harbor sleeps")
    at, found = T.find_draft_point("abcdefgh", "")
    assert (at, found) == (4, False)


def test_accept_checks_correctness_tags_and_lengths():
    bad_answer = ANSWER_EN.replace("sleeps", "sleeps, softly")
    assert T.accept(_sample(GOOD_EN, bad_answer, PROMPT_EN, SPECS_EN)).reason == "fails_constraints"
    unclosed = {"text": "<think>" + GOOD_EN + ANSWER_EN, "constraints": SPECS_EN, "prompt": PROMPT_EN}
    assert T.accept(unclosed).reason == "no_closed_thinking"
    short = T.AcceptConfig(max_thinking_chars=100)
    assert T.accept(_sample(GOOD_EN, ANSWER_EN, PROMPT_EN, SPECS_EN), short).reason == "thinking_length"
    tags = T.AcceptConfig(open_tag="<reasoning>", close_tag="</reasoning>")
    custom = {"text": f"<reasoning>{GOOD_EN}</reasoning>{ANSWER_EN}", "constraints": SPECS_EN, "prompt": PROMPT_EN}
    assert T.accept(custom, tags).ok
    assert T.split(custom["text"], "<reasoning>", "</reasoning>")[1] == ANSWER_EN


def test_accept_uses_the_judge_score_when_given():
    s = _sample(GOOD_EN, ANSWER_EN, PROMPT_EN, SPECS_EN)
    assert T.accept(s, judge_score=8).ok
    v = T.accept(s, judge_score=3)
    assert not v.ok and v.reason == "not_fluent" and v.judge_score == 3


def test_heuristic_fluency_flags_constraint_gaming():
    assert T.heuristic_fluency(ANSWER_EN) >= 0.9 and T.heuristic_fluency(ANSWER_ZH) >= 0.9
    assert T.heuristic_fluency("a b c d e f g harbor harbor x y z q r") < 0.6  # stuffed standalone letters
    assert T.heuristic_fluency("the same line again here\n" * 5) < 0.6
    assert T.heuristic_fluency("") == 0.0


@pytest.mark.parametrize("text,score", [
    ("Fluent enough. Score:[[7]]", 7), ("Score:[[11]] oops, I mean Score:[[9]]", 9), ("[[3]] then [[12]]", 3),
    ("no score here", None), ("Score:[[0]]", None), ("Score: [[ 10 ]]", 10)])
def test_parse_judge_score_takes_the_last_valid_double_bracket(text, score):
    assert T.parse_judge_score(text) == score


def test_judge_prompt_is_bilingual_and_carries_the_protocol():
    assert "Score:[[n]]" in T.judge_prompt("q", "a", "en") and "Score:[[n]]" in T.judge_prompt("问", "答", "zh")
    assert "[请求]\n问" in T.judge_prompt("问", "答", "zh")


def test_judge_fluency_runs_through_a_real_backend(tiny_model_dir):
    import torch

    from lightif.backends import load_backend

    torch.set_num_threads(1)
    backend = load_backend("transformers", str(tiny_model_dir), batch_size=2)
    scores = T.judge_fluency([("Write a poem.", ANSWER_EN, "en"), ("写诗。", ANSWER_ZH, "zh")], backend,
                             max_new_tokens=4)
    assert len(scores) == 2 and all(s is None or 1 <= s <= 10 for s in scores)


def test_accept_config_validates():
    with pytest.raises(ConfigError):
        T.AcceptConfig(min_preview=1.5)
    with pytest.raises(ConfigError):
        T.AcceptConfig(min_judge_score=0)
