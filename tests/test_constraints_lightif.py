"""Light-IF constraint families: semantics pinned at, just below and just above every threshold (zh and en)."""

import random

import pytest

from lightif import constraints as C
from lightif.constraints.base import Constraint
from lightif.errors import ConstraintArgsError

ZH = "lightif_zh:"
EN = "lightif_en:"

CASES = [
    # ----- zh keywords (substring counts) -----
    (ZH + "keyword_range", {"keyword": "科技", "min_count": 2, "max_count": 3}, "科技改变生活", False),
    (ZH + "keyword_range", {"keyword": "科技", "min_count": 2, "max_count": 3}, "科技，科技", True),
    (ZH + "keyword_range", {"keyword": "科技", "min_count": 2, "max_count": 3}, "科技科技科技", True),
    (ZH + "keyword_range", {"keyword": "科技", "min_count": 2, "max_count": 3}, "科技" * 4, False),
    (ZH + "keyword_at_least", {"keyword": "春天", "min_count": 2}, "春天来了", False),
    (ZH + "keyword_at_least", {"keyword": "春天", "min_count": 2}, "春天来了，春天真美", True),
    (ZH + "keyword_at_least", {"keyword": "春天", "min_count": 2}, "春天" * 3, True),
    (ZH + "keyword_exactly", {"keyword": "家乡", "count": 2}, "我的家乡", False),
    (ZH + "keyword_exactly", {"keyword": "家乡", "count": 2}, "家乡，家乡", True),
    (ZH + "keyword_exactly", {"keyword": "家乡", "count": 2}, "家乡家乡家乡", False),
    (ZH + "keyword_at_most", {"keyword": "美食", "max_count": 1}, "没有提到", True),
    (ZH + "keyword_at_most", {"keyword": "美食", "max_count": 1}, "美食很多", True),
    (ZH + "keyword_at_most", {"keyword": "美食", "max_count": 1}, "美食和美食", False),
    (ZH + "keyword_forbidden", {"keyword": "冬天"}, "春夏秋", True),
    (ZH + "keyword_forbidden", {"keyword": "冬天"}, "冬天来了", False),
    # ----- zh paragraphs: raw split (empty pieces count), minus 1 for a title -----
    (ZH + "paragraph_count", {"num_paragraphs": 3}, "甲\n\n乙\n\n丙", True),
    (ZH + "paragraph_count", {"num_paragraphs": 3}, "甲\n\n乙", False),
    (ZH + "paragraph_count", {"num_paragraphs": 3}, "甲\n\n乙\n\n丙\n\n丁", False),
    (ZH + "paragraph_count", {"num_paragraphs": 3}, "甲\n\n\n\n乙", True),  # ['甲', '', '乙']: official count 3
    (ZH + "paragraph_count", {"num_paragraphs": 3, "has_title": True}, "《题》\n\n甲\n\n乙\n\n丙", True),
    (ZH + "paragraph_count", {"num_paragraphs": 3, "has_title": True}, "甲\n\n乙\n\n丙", False),
    (ZH + "paragraph_count", {"num_paragraphs": 2, "separator": "\n\n\n"}, "甲\n\n\n乙", True),
    (ZH + "paragraph_count", {"num_paragraphs": 2, "separator": "\n\n\n"}, "甲\n\n乙", False),
    (ZH + "paragraph_count", {"num_paragraphs": 2, "separator": "\n\n\n"}, "甲\n\n\n乙\n\n\n丙", False),
    # ----- zh sentences on 。？！ -----
    (ZH + "sentence_count", {"num_sentences": 3}, "一。二！", False),
    (ZH + "sentence_count", {"num_sentences": 3}, "一。二！三？", True),
    (ZH + "sentence_count", {"num_sentences": 3}, "一。二！三？四。", False),
    (ZH + "sentence_count", {"num_sentences": 3}, "一。。二！三", True),  # empty pieces dropped, tail counts
    (ZH + "sentence_count", {"num_sentences": 1}, "Hello. World!", True),  # ASCII punctuation does not split
    # ----- zh length in characters -----
    (ZH + "length_range", {"min_chars": 5, "max_chars": 7}, "一二三四", False),
    (ZH + "length_range", {"min_chars": 5, "max_chars": 7}, "一二三四五", True),
    (ZH + "length_range", {"min_chars": 5, "max_chars": 7}, "一二三四五六七", True),
    (ZH + "length_range", {"min_chars": 5, "max_chars": 7}, "一二三四五六七八", False),
    (ZH + "length_min", {"min_chars": 5}, "一二三四", False),
    (ZH + "length_min", {"min_chars": 5}, "一二三四五", True),
    (ZH + "length_max", {"max_chars": 5}, "一二三四五", True),
    (ZH + "length_max", {"max_chars": 5}, "一二三四五六", False),
    (ZH + "length_max", {"max_chars": 5}, "一二\n三四", True),  # every character counts, newline included
    # ----- zh title -----
    (ZH + "title_style", {"brackets": "《》"}, "《春》正文", True),
    (ZH + "title_style", {"brackets": "《》"}, "春》正文", False),
    (ZH + "title_style", {"brackets": "《》"}, "[春]正文", False),
    (ZH + "title_style", {"brackets": "[]"}, "[春]正文", True),
    (ZH + "title_style", {"brackets": "【】"}, "【春】正文", True),
    (ZH + "title_max_length", {"brackets": "《》", "max_chars": 4}, "《一二三四》正文", True),
    (ZH + "title_max_length", {"brackets": "《》", "max_chars": 4}, "《一二三》正文", True),
    (ZH + "title_max_length", {"brackets": "《》", "max_chars": 4}, "《一二三四五》正文", False),
    (ZH + "title_max_length", {"brackets": "《》", "max_chars": 4}, "没有标题", False),  # D5: no free credit
    (ZH + "title_max_length", {"brackets": "[]", "max_chars": 4}, "a(b).c? [一二三四五]", False),  # escaped
    (ZH + "title_max_length", {"brackets": "[]", "max_chars": 4}, "a(b).c? [一二]", True),
    # ----- zh opening / closing (。 ignored) -----
    (ZH + "begin_with", {"text": "春天来了"}, "春天来了，花开了。", True),
    (ZH + "begin_with", {"text": "春天来了。"}, "。春天来了", True),
    (ZH + "begin_with", {"text": "春天来了"}, "啊春天来了", False),  # official quirk accepted text from the 2nd char
    (ZH + "begin_with", {"text": "春天来了", "title_brackets": "《》"}, "《春日》\n春天来了。", True),
    (ZH + "begin_with", {"text": "春天来了", "title_brackets": "《》"}, "《春日》\n今天春天来了", False),
    (ZH + "end_with", {"text": "未来可期。"}, "努力吧，未来可期。", True),
    (ZH + "end_with", {"text": "未来可期。"}, "努力吧，未来可期", True),
    (ZH + "end_with", {"text": "未来可期。"}, "努力吧，未来可期！", False),
    # ----- en repeat / markers -----
    (EN + "repeat_prompt", {"prompt_to_repeat": "Write a poem."}, "Write a poem. Roses are red.", True),
    (EN + "repeat_prompt", {"prompt_to_repeat": "Write a poem."}, "write a poem. Roses are red.", False),
    (EN + "repeat_prompt", {"prompt_to_repeat": "Write a poem."}, "Sure! Write a poem.", False),
    (EN + "highlights_at_least", {"num_highlights": 2}, "*a* only", False),
    (EN + "highlights_at_least", {"num_highlights": 2}, "*a* and _b_", True),
    (EN + "highlights_at_least", {"num_highlights": 2}, "*a* *b* *c*", True),
    (EN + "highlights_at_least", {"num_highlights": 2}, "**bold**", False),  # one span: '*bold*'
    (EN + "placeholders_at_least", {"num_placeholders": 2}, "[name]", False),
    (EN + "placeholders_at_least", {"num_placeholders": 2}, "[name] at [address]", True),
    (EN + "placeholders_at_least", {"num_placeholders": 2}, "[[nested]]", False),
    (EN + "bullets_exactly", {"num_bullets": 2}, "* a", False),
    (EN + "bullets_exactly", {"num_bullets": 2}, "* a\n* b", True),
    (EN + "bullets_exactly", {"num_bullets": 2}, "* a\n* b\n* c", False),
    (EN + "bullets_exactly", {"num_bullets": 2}, "* a\n- b\n*c", False),
    # ----- en words (\b\w+\b) -----
    (EN + "word_count_range", {"min_count": 3, "max_count": 5}, "one two", False),
    (EN + "word_count_range", {"min_count": 3, "max_count": 5}, "one two three", True),
    (EN + "word_count_range", {"min_count": 3, "max_count": 5}, "one two three four five", True),
    (EN + "word_count_range", {"min_count": 3, "max_count": 5}, "one two three four five six", False),
    (EN + "word_count_range", {"min_count": 3, "max_count": 5}, "don't stop", True),  # don, t, stop
    (EN + "word_count_min", {"min_count": 3}, "one two", False),
    (EN + "word_count_min", {"min_count": 3}, "one two three", True),
    (EN + "word_count_max", {"max_count": 3}, "one two three", True),
    (EN + "word_count_max", {"max_count": 3}, "one two three four", False),
    # ----- en all-caps words (whitespace tokens, len >= 2, isupper) -----
    (EN + "all_caps_range", {"min_count": 2, "max_count": 3}, "HELLO there", False),
    (EN + "all_caps_range", {"min_count": 2, "max_count": 3}, "HELLO WORLD ok", True),
    (EN + "all_caps_range", {"min_count": 2, "max_count": 3}, "HELLO BIG WORLD", True),
    (EN + "all_caps_range", {"min_count": 2, "max_count": 3}, "HELLO BIG WIDE WORLD", False),
    (EN + "all_caps_range", {"min_count": 2, "max_count": 3}, "A B I", False),  # single letters do not count
    (EN + "all_caps_exactly", {"count": 2}, "OK", False),
    (EN + "all_caps_exactly", {"count": 2}, "OK A1", True),  # 'A1'.isupper()
    (EN + "all_caps_exactly", {"count": 2}, "OK NO YES", False),
    (EN + "all_caps_min", {"min_count": 2}, "OK", False),
    (EN + "all_caps_min", {"min_count": 2}, "OK NO", True),
    (EN + "all_caps_max", {"max_count": 2}, "OK NO", True),
    (EN + "all_caps_max", {"max_count": 2}, "OK NO YES", False),
    # ----- en keywords: case-sensitive -----
    (EN + "keyword_at_least", {"keyword": "soil", "min_count": 2}, "soil and Soil", False),
    (EN + "keyword_at_least", {"keyword": "soil", "min_count": 2}, "soil and soil", True),
    (EN + "keyword_range", {"keyword": "soil", "min_count": 1, "max_count": 2}, "soil soil soil", False),
    (EN + "keyword_exactly", {"keyword": "soil", "count": 1}, "topsoil", True),  # substring count
    (EN + "keyword_at_most", {"keyword": "soil", "max_count": 1}, "soil soil", False),
    (EN + "keyword_forbidden", {"keyword": "soil"}, "dirt", True),
    # ----- en sentences on [.!?] -----
    (EN + "sentence_count_less", {"num_sentences": 3}, "A. B.", True),
    (EN + "sentence_count_less", {"num_sentences": 3}, "A. B. C.", False),
    (EN + "sentence_count_exactly", {"num_sentences": 3}, "A. B.", False),
    (EN + "sentence_count_exactly", {"num_sentences": 3}, "A. B! C?", True),
    (EN + "sentence_count_exactly", {"num_sentences": 3}, "A. B. C. D.", False),
    (EN + "sentence_count_exactly", {"num_sentences": 2}, "Pi is 3.14 roughly", True),  # '3' / '14 roughly'
    (EN + "sentence_count_more", {"num_sentences": 3}, "A. B. C.", False),
    (EN + "sentence_count_more", {"num_sentences": 3}, "A. B. C. D.", True),
    # ----- en letters: case-sensitive -----
    (EN + "letter_at_least", {"letter": "z", "min_count": 3}, "zz", False),
    (EN + "letter_at_least", {"letter": "z", "min_count": 3}, "zzz", True),
    (EN + "letter_at_least", {"letter": "z", "min_count": 3}, "ZZZ", False),
    (EN + "letter_at_most", {"letter": "z", "max_count": 2}, "zz", True),
    (EN + "letter_at_most", {"letter": "z", "max_count": 2}, "zzz", False),
    (EN + "letter_forbidden", {"letter": "z"}, "abc", True),
    (EN + "letter_forbidden", {"letter": "z"}, "lazy", False),
    # ----- en paragraphs (blank chunks dropped), ending, n-th paragraph -----
    (EN + "paragraph_count", {"num_paragraphs": 2}, "a", False),
    (EN + "paragraph_count", {"num_paragraphs": 2}, "a\n\nb", True),
    (EN + "paragraph_count", {"num_paragraphs": 2}, "a\n\n\n\nb", True),  # ['a', '', 'b'] minus the blank
    (EN + "paragraph_count", {"num_paragraphs": 2}, "a\n\nb\n\nc", False),
    (EN + "paragraph_count", {"num_paragraphs": 2, "separator": "***"}, "a *** b", True),
    (EN + "end_phrase", {"end_phrase": "Bye."}, "ok, Bye.", True),
    (EN + "end_phrase", {"end_phrase": "Bye."}, "Bye. ok", False),
    (EN + "nth_paragraph_first_word", {"nth_paragraph": 2, "first_word": "However"}, "a\n\nHowever, b", True),
    (EN + "nth_paragraph_first_word", {"nth_paragraph": 2, "first_word": "However"}, "a\n\nhowever, b", False),
    (EN + "nth_paragraph_first_word", {"nth_paragraph": 2, "first_word": "However"}, "However, a", False),
    (EN + "nth_paragraph_first_word", {"nth_paragraph": 2, "first_word": "The"}, "a\n\nTheory", True),  # prefix
    (EN + "nth_paragraph_first_word", {"nth_paragraph": 2, "first_word": "However", "separator": "***"},
     "a\n***\nHowever, b", True),  # leading whitespace ignored (officially failed)
    # ----- en: the repeated request is removed before counting (official) -----
    (EN + "word_count_max", {"max_count": 3, "ignore_text": "Write a poem."}, "Write a poem. one two three", True),
    (EN + "word_count_max", {"max_count": 3}, "Write a poem. one two three", False),
]


@pytest.mark.parametrize("cid,params,response,expected", CASES)
def test_check_and_score_agree(cid, params, response, expected):
    c = C.build({"id": cid, "params": params})
    assert c.check(response) is expected
    s = c.score(response)
    assert 0.0 <= s <= 1.0
    assert (s == 1.0) is expected  # dense score is 1.0 iff the check passes


def test_every_lightif_id_is_covered_by_the_table():
    covered = {cid for cid, *_ in CASES}
    assert set(C.all_ids("lightif_")) - covered == {EN + "check_code"}


# official partial-credit weights, LIGHT_IF_METHOD.md §6.3
WEIGHTS = {
    "keyword_range": 0.1, "keyword_exactly": 0.1, "keyword_at_least": 0.05, "keyword_at_most": 0.05,
    "keyword_forbidden": 0.05,
}
ZH_WEIGHTS = {**WEIGHTS, "paragraph_count": 0.1, "sentence_count": 0.2, "length_range": 0.1, "length_min": 0.05,
              "length_max": 0.05, "title_style": 0.02, "begin_with": 0.02, "end_with": 0.02, "title_max_length": 0.05}
EN_WEIGHTS = {**WEIGHTS, "paragraph_count": 0.1, "sentence_count_exactly": 0.2, "sentence_count_less": 0.05,
              "sentence_count_more": 0.05, "word_count_range": 0.1, "word_count_min": 0.05, "word_count_max": 0.05,
              "repeat_prompt": 0.1, "bullets_exactly": 0.1, "end_phrase": 0.1, "nth_paragraph_first_word": 0.1,
              "highlights_at_least": 0.05, "placeholders_at_least": 0.05, "all_caps_range": 0.1,
              "all_caps_exactly": 0.1, "all_caps_min": 0.05, "all_caps_max": 0.05, "letter_at_least": 0.05,
              "letter_at_most": 0.05, "letter_forbidden": 0.2, "check_code": 0.0}


def test_official_weights():
    got = {cid: C.get(cid).weight for cid in C.all_ids("lightif_")}
    want = {ZH + k: v for k, v in ZH_WEIGHTS.items()} | {EN + k: v for k, v in EN_WEIGHTS.items()}
    assert got == want


def test_dense_scores_grade_progress():
    at_least = C.build({"id": ZH + "keyword_at_least", "params": {"keyword": "春", "min_count": 4}})
    assert at_least.score("春") == pytest.approx(0.25)
    assert at_least.score("春春春") == pytest.approx(0.75)
    rng = C.build({"id": EN + "word_count_range", "params": {"min_count": 10, "max_count": 20}})
    assert rng.score(" ".join(["w"] * 25)) == pytest.approx(0.75)  # 5 over a bound of 20
    assert C.build({"id": EN + "letter_forbidden", "params": {"letter": "e"}}).score("eee") == pytest.approx(0.25)
    title = C.build({"id": ZH + "title_style", "params": {"brackets": "《》"}})
    assert title.score("《春") == 0.5


@pytest.mark.parametrize("cid", [i for i in C.all_ids("lightif_")])
def test_sample_gives_valid_round_tripping_params(cid):
    cls = C.get(cid)
    rng = random.Random(7)
    for lang in ("zh", "en"):
        for _ in range(20):
            c = cls.sample(rng, lang)
            assert isinstance(c, Constraint)
            assert C.build(c.spec()) == c
            for d_lang in ("zh", "en"):
                assert c.describe(d_lang).strip()
    assert set(cls.langs) == {"zh", "en"}


def test_sample_respects_fixed_params_and_describe_languages():
    c = C.get(ZH + "keyword_at_least").sample(random.Random(0), "zh", keyword="海洋")
    assert c.keyword == "海洋"
    assert "海洋" in c.describe("zh") and "至少" in c.describe("zh")
    assert "at least" in c.describe("en")
    w = C.get(EN + "word_count_range").sample(random.Random(1), "en")
    assert str(w.min_count) in w.describe("en") and str(w.max_count) in w.describe("zh")


@pytest.mark.parametrize("cid,params,param", [
    (ZH + "keyword_range", {"keyword": "a", "min_count": 3, "max_count": 3}, "max_count"),
    (ZH + "keyword_at_least", {"keyword": "", "min_count": 1}, "keyword"),
    (ZH + "paragraph_count", {"num_paragraphs": 2, "separator": "\n"}, "separator"),
    (ZH + "paragraph_count", {"num_paragraphs": 0}, "num_paragraphs"),
    (ZH + "title_style", {"brackets": "()"}, "brackets"),
    (ZH + "length_range", {"min_chars": 10, "max_chars": 9}, "max_chars"),
    (ZH + "begin_with", {"text": "。"}, "text"),
    (EN + "sentence_count_exactly", {"num_sentences": 0}, "num_sentences"),
    (EN + "letter_forbidden", {"letter": ""}, "letter"),
    (EN + "paragraph_count", {"num_paragraphs": 2, "separator": "---"}, "separator"),
    (EN + "check_code", {"code": "print('hi')"}, "code"),
    (EN + "word_count_min", {"min_count": 3, "bogus": 1}, "bogus"),
])
def test_bad_params_are_rejected_with_the_parameter_named(cid, params, param):
    with pytest.raises(ConstraintArgsError) as exc:
        C.build({"id": cid, "params": params})
    assert exc.value.param == param


def test_check_code_is_never_executed_by_the_registry(tmp_path):
    marker = tmp_path / "ran"
    code = f"def check_response(response):\n    open({str(marker)!r}, 'w').write('x')\n    return True\n"
    verdict = C.check([{"id": EN + "check_code", "params": {"code": code}}], "any answer")
    assert verdict.follow_list == (False,)
    assert "sandbox" in verdict.errors[0]
    assert not marker.exists()


def test_empty_answer_fails_even_forbidden_keyword():
    verdict = C.check([{"id": ZH + "keyword_forbidden", "params": {"keyword": "冬天"}}], "   ")
    assert verdict.follow_list == (False,)
