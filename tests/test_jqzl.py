"""The official Light-IF ground truth -> our specs, with the official defects D3, D4, D5, D6 and D7 fixed.

Each defect test shows the official rule (a few lines re-stated from IF.py @ 01e9003) giving the wrong verdict on
the same input, then our verdict.
"""

import ast
import json
import re
from pathlib import Path

import pytest

from lightif import constraints as C
from lightif.errors import DataError
from lightif.jqzl import extract_check_code, prompt_record_from_jqzl, specs_from_jqzl
from lightif.rewards import lightif_reward
from lightif.schema import load_prompts

ASSET = Path(__file__).parent / "assets" / "jqzl_examples.jsonl"


def examples() -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, ASSET.read_text(encoding="utf-8").splitlines())}


def ids(specs):
    return [s["id"] for s in specs]


def test_zh_example_conversion():
    specs = specs_from_jqzl(examples()["jqzl-zh-001"])
    assert specs == [
        {"id": "lightif_zh:keyword_at_least", "params": {"keyword": "春天", "min_count": 2}},
        {"id": "lightif_zh:keyword_forbidden", "params": {"keyword": "冬天"}},
        {"id": "lightif_zh:paragraph_count", "params": {"num_paragraphs": 3, "separator": "\n\n", "has_title": True}},
        {"id": "lightif_zh:length_range", "params": {"min_chars": 60, "max_chars": 300}},
        {"id": "lightif_zh:title_style", "params": {"brackets": "《》"}},
        {"id": "lightif_zh:title_max_length", "params": {"brackets": "《》", "max_chars": 6}},
        {"id": "lightif_zh:begin_with", "params": {"text": "春天来了", "title_brackets": "《》"}},
        {"id": "lightif_zh:end_with", "params": {"text": "未来可期。"}},
    ]
    assert ids(specs_from_jqzl(examples()["jqzl-zh-003"])) == [
        "lightif_zh:keyword_range", "lightif_zh:paragraph_count", "lightif_zh:length_min", "lightif_zh:title_style"]
    assert specs_from_jqzl(examples()["jqzl-zh-003"])[1]["params"]["separator"] == "\n\n\n"  # paragraphs_split 3


def test_en_example_conversion_and_json_string_input():
    rec = examples()["jqzl-en-001"]
    specs = specs_from_jqzl(json.dumps(rec))  # verl stores the ground truth as a JSON string
    assert ids(specs) == ["lightif_en:highlights_at_least", "lightif_en:word_count_range",
                          "lightif_en:bullets_exactly", "lightif_en:keyword_at_least", "lightif_en:end_phrase"]
    assert specs[1]["params"] == {"min_count": 40, "max_count": 200}
    specs3 = specs_from_jqzl(examples()["jqzl-en-003"])
    assert ids(specs3) == ["lightif_en:placeholders_at_least", "lightif_en:all_caps_range",
                           "lightif_en:sentence_count_more", "lightif_en:paragraph_count",
                           "lightif_en:nth_paragraph_first_word"]
    assert specs3[4]["params"] == {"nth_paragraph": 2, "first_word": "However", "separator": "***"}


def test_en_repeat_request_is_stripped_before_the_other_checks():
    rec = examples()["jqzl-en-002"]
    specs = specs_from_jqzl(rec)
    request = specs[0]["params"]["prompt_to_repeat"]
    assert request.startswith("Describe a rainy afternoon") and "First repeat" not in request
    assert all(s["params"]["ignore_text"] == request for s in specs[1:])
    assert ids(specs)[1:] == ["lightif_en:all_caps_min", "lightif_en:sentence_count_less",
                              "lightif_en:letter_forbidden"]
    # the request contains a 'z' and the caps word ALL; the official checker removes it before counting, as we do
    answer = request + " It RAINED ALL day. Puddles grew. Cats slept."
    r = lightif_reward("<think>plan</think>" + answer, specs)
    assert (r.acc, r.point) == (1.0, pytest.approx(0.1 + 0.05 + 0.05 + 0.2))
    unstripped = C.build({"id": "lightif_en:letter_forbidden", "params": {"letter": "z"}})
    assert not unstripped.check(answer)


def test_code_and_mapping_rules():
    zh = {"source": "jqzl", "query": "q", "jqzl_prompt": {
        "keywords": ["甲", "乙", "丙", "丁", "戊"], "keywords_num": [[1, 3], [2, 1], [2, 2], [-1, 2], [0, 0]],
        "keywords_req": True, "low_word_cnt": 50, "max_word_cnt": 50}}
    assert ids(specs_from_jqzl(zh)) == ["lightif_zh:keyword_range", "lightif_zh:keyword_at_least",
                                        "lightif_zh:keyword_exactly", "lightif_zh:keyword_at_most",
                                        "lightif_zh:keyword_forbidden", "lightif_zh:length_range"]
    zh["jqzl_prompt"]["keywords_req"] = False  # zh keywords apply only with keywords_req
    assert ids(specs_from_jqzl(zh)) == ["lightif_zh:length_range"]
    en = {"source": "jqzl-en", "query": "q", "jqzl_prompt": {
        "low_word_cnt": 30, "max_word_cnt": 30, "low_capital_cnt": 2, "max_capital_cnt": 2,
        "letter": "e", "low_letter_num": -1, "max_letter_num": 4, "nth_paragraph": 1, "first_word": "Yes"}}
    specs = specs_from_jqzl(en)
    assert ids(specs) == ["lightif_en:word_count_min", "lightif_en:all_caps_exactly", "lightif_en:letter_at_most",
                          "lightif_en:nth_paragraph_first_word"]
    assert specs[3]["params"]["separator"] == "\n\n"  # official split("") raised; we default to a blank line
    en["jqzl_prompt"].update(max_letter_num=-100)  # the official "no requirement" sentinel
    assert "lightif_en:letter_at_most" not in ids(specs_from_jqzl(en))
    en["jqzl_prompt"].update(max_letter_num=-1)
    assert "lightif_en:letter_forbidden" in ids(specs_from_jqzl(en))


# ----- D3 ---------------------------------------------------------------------------------------------------------
def test_d3_sentence_count_only_when_requested():
    gt = {"source": "jqzl", "query": "写一句话", "jqzl_prompt": {"sentence_num": -1, "max_word_cnt": 20}}
    answer = "春天来了。花开了。"
    official_acc = 0.0 if len(re.split("[。？！]", answer)) != gt["jqzl_prompt"]["sentence_num"] else 1.0
    assert official_acc == 0.0  # officially compared with -1: can never pass
    assert ids(specs_from_jqzl(gt)) == ["lightif_zh:length_max"]
    assert lightif_reward(f"<think>x</think>{answer}", gt).acc == 1.0
    gt["jqzl_prompt"]["sentence_num"] = 3
    r = lightif_reward(f"<think>x</think>{answer}", gt)
    assert (r.acc, r.point) == (0.0, 0.05)  # 2 sentences != 3: only the length credit


# ----- D4 ---------------------------------------------------------------------------------------------------------
def official_zh_keyword_strict(low: int, high: int, cnt: int) -> bool:
    """The four `if`s of the official zh `validate_article` keyword loop."""
    if low > 0 and low <= high and cnt < low:
        return False
    if high > 0 and high > low and cnt > high:
        return False
    if low > 0 and low == high and cnt != low:
        return False
    if low <= 0 and high <= 0 and cnt > 0:
        return False
    return True


def test_d4_zh_keyword_at_least_is_enforced():
    gt = {"source": "jqzl", "query": "q", "jqzl_prompt": {"keywords": ["春天"], "keywords_num": [[3, 1]],
                                                        "keywords_req": True}}
    answer = "春天来了。"
    assert official_zh_keyword_strict(3, 1, answer.count("春天")) is True  # officially acc = 1 with 1 < 3
    r = lightif_reward(f"<think>x</think>{answer}", gt)
    assert (r.acc, r.point) == (0.0, 0.0)
    r = lightif_reward("<think>x</think>春天，春天，春天。", gt)
    assert (r.acc, r.point) == (1.0, 0.05)


# ----- D5 ---------------------------------------------------------------------------------------------------------
def test_d5_no_free_credit_for_absent_title_begin_end():
    empty = {"source": "jqzl", "query": "随便写", "jqzl_prompt": {"topic_style": 0, "begin_content": "",
                                                               "end_content": ""}}
    official_point = 0.02 + 0.02 + 0.02  # title style, begin and end credited although not required
    assert specs_from_jqzl(empty) == []
    r = lightif_reward("<think>x</think>随便写点什么。", empty)
    assert (r.acc, r.point, r.reward) == (1.0, 0.0, 1.0)
    assert official_point == pytest.approx(0.06)
    titled = {"source": "jqzl", "query": "q", "jqzl_prompt": {"topic_style": 1, "max_topic_word_cnt": 5}}
    no_title = "这篇文章没有标题。"
    official_title_len_credit = 0.05 if re.search("《(.*?)》", no_title) is None else 0.0
    assert official_title_len_credit == 0.05  # officially an absent title earned the title-length credit
    r = lightif_reward(f"<think>x</think>{no_title}", titled)
    assert (r.acc, r.point) == (0.0, 0.0)
    r = lightif_reward("<think>x</think>《春日》这篇有标题。", titled)
    assert (r.acc, r.point) == (1.0, pytest.approx(0.07))


# ----- D7 / D6: type B --------------------------------------------------------------------------------------------
CODE = "def check_response(response):\n    return response.count('!') == 0\n"


def test_d7_type_b_detected_by_key_not_substring():
    gt = {"source": "jqzl-en", "query": "Explain what the check_code field is for. End with 'Done.'",
          "jqzl_prompt": {"end_phrase": "Done."}}
    raw = json.dumps(gt)
    assert "check_code" in raw  # the official substring test sends this record down the exec path (reward 0)
    assert ids(specs_from_jqzl(raw)) == ["lightif_en:end_phrase"]
    r = lightif_reward("<think>x</think>It stores a checker. Done.", raw)
    assert (r.acc, r.point, r.reward) == (1.0, 0.1, 1.1)
    type_b = {"messages": [{"role": "user", "content": "No exclamation marks."}, {"role": "assistant", "content": ""}],
              "check_code": "```json\n" + json.dumps({"check_code": CODE}) + "\n```"}
    assert specs_from_jqzl(type_b) == [{"id": "lightif_en:check_code", "params": {"code": CODE.strip()}}]


@pytest.mark.parametrize("payload", [
    "```json\n" + json.dumps({"check_code": CODE}) + "\n```",
    json.dumps({"check_code": CODE}),
    "```python\n" + CODE + "```",
    CODE,
])
def test_d6_fences_removed_by_prefix(payload):
    assert extract_check_code(payload) == CODE.strip()


def test_d6_official_char_set_strip_breaks_python_fences():
    payload = "```python\n" + CODE + "```"
    stripped = payload.strip("```json\n").strip("```")  # noqa: B005 (the official code, on purpose)
    with pytest.raises(json.JSONDecodeError):  # officially: exception -> reward 0
        json.loads(stripped)
    assert extract_check_code(payload).startswith("def check_response")


def test_d6_official_literal_building_corrupts_backslashes():
    answer = "Path: C:\\new\\table"
    escaped = answer.replace("\n", "\\n").replace('"', '\\"').replace("'", "\\'")
    assert ast.literal_eval("'" + escaped + "'") != answer  # '\n' and '\t' become control characters


def test_bad_type_b_payload():
    with pytest.raises(DataError, match="check_response"):
        extract_check_code("print('no function')")
    with pytest.raises(DataError, match="JSON"):
        extract_check_code('{"check_code": ')


# ----- prompt records ---------------------------------------------------------------------------------------------
def test_load_prompts_reads_official_lines():
    recs = load_prompts(ASSET)
    assert [r.id for r in recs] == ["jqzl-zh-001", "jqzl-zh-002", "jqzl-zh-003", "jqzl-en-001", "jqzl-en-002",
                                    "jqzl-en-003"]
    zh1, en1 = recs[0], recs[3]
    assert (zh1.lang, en1.lang) == ("zh", "en")
    assert zh1.source == "lightif-official" and zh1.meta["jqzl_source"] == "jqzl"
    assert zh1.prompt.startswith("请以《春日》为题")
    assert zh1.messages == ({"role": "user", "content": zh1.prompt},)
    for r in recs:
        for spec in r.constraints:
            C.build(spec)


def test_prompt_record_defaults_id_and_reports_file_line():
    rec = {"source": "jqzl", "query": "写", "jqzl_prompt": {"sentence_num": 2}}
    pr = prompt_record_from_jqzl(rec, path="data/rl.jsonl", line=7)
    assert pr.id == "rl-7" and pr.constraints == ({"id": "lightif_zh:sentence_count", "params": {"num_sentences": 2}},)
    bad = {"source": "jqzl", "query": "q", "jqzl_prompt": {"keywords": ["a", "b"], "keywords_num": [[1, 2]],
                                                         "keywords_req": True}}
    with pytest.raises(DataError) as exc:
        prompt_record_from_jqzl(bad, path="data/rl.jsonl", line=9)
    assert str(exc.value).startswith("data/rl.jsonl:9: field 'jqzl_prompt.keywords_num'")


@pytest.mark.parametrize("gt,field", [
    ({"source": "jqzl-en", "query": "q", "jqzl_prompt": {"num_sentences": 3, "sentences_style": 2}},
     "jqzl_prompt.sentences_style"),
    ({"source": "jqzl", "query": "q", "jqzl_prompt": {"sentence_num": "3"}}, "jqzl_prompt.sentence_num"),
    ({"source": "jqzl-en", "query": "q", "jqzl_prompt": {"paragraphs_num": 2, "paragraphs": "---"}},
     "jqzl_prompt.paragraphs"),
    ({"source": "jqzl", "query": "q", "jqzl_prompt": {"keywords": ["a"], "keywords_num": [[1]],
                                                      "keywords_req": True}}, "jqzl_prompt.keywords_num[0]"),
    ({"source": "jqzl", "query": "q"}, "jqzl_prompt"),
])
def test_malformed_records_raise(gt, field):
    with pytest.raises(DataError) as exc:
        specs_from_jqzl(gt)
    assert exc.value.field == field


def test_invalid_json_string():
    with pytest.raises(DataError, match="not valid JSON"):
        specs_from_jqzl('{"source": ')


def test_type_b_prompt_record_uses_the_user_message():
    rec = {"id": "b-1", "messages": [{"role": "user", "content": "No exclamation marks, please."},
                                     {"role": "assistant", "content": ""}],
           "check_code": json.dumps({"check_code": CODE})}
    pr = prompt_record_from_jqzl(rec, path="b.jsonl", line=1)
    assert (pr.prompt, pr.lang) == ("No exclamation marks, please.", "en")
    assert pr.constraints == ({"id": "lightif_en:check_code", "params": {"code": CODE.strip()}},)
