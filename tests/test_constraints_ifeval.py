"""The 25 IFEval constraints: threshold tables, parameter validation, descriptions, dense scores, determinism."""

import json
import re
import subprocess
import sys

import pytest

from lightif import constraints as C
from lightif.constraints import ifeval as I
from lightif.errors import ConstraintArgsError

LOREM = "The quick brown fox jumps over the lazy dog. "


def chk(cid, params, text):
    return C.build({"id": cid, "params": params}).check(text)


# (id, params, text, expected) — cases at, just below and just above each threshold
TABLE = [
    ("keywords:existence", {"keywords": ["apple", "pear"]}, "An Apple and a PEAR.", True),
    ("keywords:existence", {"keywords": ["apple", "pear"]}, "An apple only.", False),
    ("keywords:existence", {"keywords": ["app"]}, "apples", True),  # substring regex, as upstream
    ("keywords:frequency", {"keyword": "cat", "frequency": 3, "relation": "at least"}, "cat Cat CAT", True),
    ("keywords:frequency", {"keyword": "cat", "frequency": 3, "relation": "at least"}, "cat Cat", False),
    ("keywords:frequency", {"keyword": "cat", "frequency": 3, "relation": "less than"}, "cat Cat", True),
    ("keywords:frequency", {"keyword": "cat", "frequency": 3, "relation": "less than"}, "cat cat cat", False),
    ("keywords:frequency", {"keyword": " cat ", "frequency": 1, "relation": "at least"}, "a cat", True),
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "this is badly done", True),  # \b word \b
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "not BAD at all", False),
    ("keywords:forbidden_words", {"forbidden_words": ["bad", "ugly"]}, "good", True),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "at least"}, "aAa", True),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "at least"}, "aA", False),
    ("keywords:letter_frequency", {"letter": "A", "let_frequency": 3, "let_relation": "less than"}, "aA", True),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "less than"}, "aaa", False),
    ("keywords:letter_frequency", {"letter": "#", "let_frequency": 2, "let_relation": "at least"}, "# title #", True),
    ("keywords:letter_frequency", {"letter": "#", "let_frequency": 2, "let_relation": "at least"}, "# title", False),
    ("language:response_language", {"language": "de"}, "Das ist ein kurzer deutscher Satz über das Wetter heute.",
     True),
    ("language:response_language", {"language": "de"}, "This is a short English sentence about the weather.",
     False),
    ("language:response_language", {"language": "de"}, "12345 67890", True),  # LangDetectException counts as pass
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "One. Two. Three.", True),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "One. Two.", False),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"}, "One. Two.", True),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"}, "One. Two. Three. Four.",
     False),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"}, "Mr. Smith went home.",
     True),  # punkt knows the abbreviation
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n***\nb", True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "***\na\n***\nb\n***", True),  # empty ends ignored
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n***\n\n***\nb", False),  # empty middle
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n***\nb\n***\nc", False),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a b", False),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "one two-three", True),
    ("length_constraints:number_words", {"num_words": 3, "relation": "at least"}, "one two", False),
    ("length_constraints:number_words", {"num_words": 3, "relation": "less than"}, "one, two!", True),
    ("length_constraints:number_words", {"num_words": 3, "relation": "less than"}, "a b c", False),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "Then"},
     "First para.\n\n\"Then, second.", True),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
     "First para.\n\nNow second.", False),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
     "One.\n\nthen two.\n\nThree.", False),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
     "One.\n\n\n\nthen two.", False),  # upstream indexes the raw split list: paragraph 2 is the empty piece
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "[name] lives at [address]", True),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "[name] lives at [addr\ness]", False),
    ("detectable_content:number_placeholders", {"num_placeholders": 1}, "no brackets", False),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\n\nP.S. bye", True),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi. p. s. bye", True),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi. PS bye", False),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "text P.P.S more", True),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "text P.S. more", False),
    ("detectable_content:postscript", {"postscript_marker": "Note:"}, "x\nNOTE: y", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n- b\nc", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n- b\n  * c", False),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n**bold**", False),
    ("detectable_format:constrained_response", {}, "  My answer is maybe.  ", True),
    ("detectable_format:constrained_response", {}, "my answer is yes.", False),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a* and **b**", True),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a* and * *", False),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 3}, "*a* *b* *c*", True),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2},
     "Section 1\nx\nSection 2\ny", True),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 3},
     "Section 1\nx\nSection 2\ny", False),
    ("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 1}, "Section 1 x", False),
    ("detectable_format:json_format", {}, '```json\n{"a": 1}\n```', True),
    ("detectable_format:json_format", {}, '{"a": 1', False),
    ("detectable_format:json_format", {}, "[" * 100000, False),  # recursion: upstream crashes, we fail
    ("detectable_format:title", {}, "<<My Title>>\ntext", True),
    ("detectable_format:title", {}, "<< >> and <<\nx>>", False),
    ("detectable_format:title", {}, "<<<a>>>", True),
    ("combination:two_responses", {}, "first\n******\nsecond", True),
    ("combination:two_responses", {}, "same\n******\nsame", False),
    ("combination:two_responses", {}, "a\n******\n\n******\nb", False),
    ("combination:two_responses", {}, "a ****** b ****** c", False),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Say hi."}, "  say HI. Hi!", True),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Say hi."}, "Sure. Say hi.", False),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, 'Text. any other questions?"  ', True),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, "Any other questions? Bye", False),
    ("startend:quotation", {}, ' "quoted" ', True),
    ("startend:quotation", {}, '"', False),
    ("startend:quotation", {}, '"half', False),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"}, "USA and UK.",
     True),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"}, "USA and Uk.",
     False),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"}, "I am.",
     True),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"},
     "I CANnot DO it.", False),  # treebank splits CAN|not: CAN, DO, I
    ("change_case:english_capital", {}, "THIS IS AN ENGLISH SENTENCE ABOUT THE WEATHER.", True),
    ("change_case:english_capital", {}, "THIS IS An ENGLISH SENTENCE.", False),
    ("change_case:english_capital", {}, "DAS IST EIN DEUTSCHER SATZ ÜBER DAS WETTER HEUTE UND MORGEN.", False),
    ("change_case:english_lowercase", {}, "this is an english sentence about the weather.", True),
    ("change_case:english_lowercase", {}, "this is an English sentence.", False),
    ("punctuation:no_comma", {}, "no commas here", True),
    ("punctuation:no_comma", {}, "one, comma", False),
]


@pytest.mark.parametrize("cid,params,text,expected", TABLE, ids=[f"{t[0]}-{i}" for i, t in enumerate(TABLE)])
def test_table(cid, params, text, expected):
    c = C.build({"id": cid, "params": params})
    assert c.check(text) is expected
    score = c.score(text)
    assert 0.0 <= score <= 1.0
    assert (score == 1.0) == expected


def test_all_25_ids_registered_and_covered():
    assert len(I.IFEVAL_IDS) == 25 == len(set(I.IFEVAL_IDS))
    assert set(I.IFEVAL_IDS) <= set(C.all_ids())
    assert {t[0] for t in TABLE} == set(I.IFEVAL_IDS)


def test_categories_are_the_official_tier0_prefixes():
    for cid in I.IFEVAL_IDS:
        assert C.get(cid).get_category() == cid.split(":")[0]


def test_quirks_switch_makes_keywords_literal():
    from lightif.constraints.base import fixed_quirks

    c = C.build({"id": "keywords:existence", "params": {"keywords": ["a.c"]}})
    assert c.check("abc")  # upstream: regex
    with fixed_quirks():
        assert not c.check("abc") and c.check("a.c")
    bad_regex = C.build({"id": "keywords:frequency", "params": {"keyword": "C++", "frequency": 2,
                                                                 "relation": "at least"}})
    assert bad_regex.check("C++ and c++")  # invalid regex: matched literally instead of crashing


def test_dense_scores_grade_progress():
    words = C.build({"id": "length_constraints:number_words", "params": {"num_words": 10, "relation": "at least"}})
    assert words.score("a b c d e") == pytest.approx(0.5)
    kws = C.build({"id": "keywords:existence", "params": {"keywords": ["a", "b", "c", "d"]}})
    assert kws.score("a b") == pytest.approx(0.5)
    forb = C.build({"id": "keywords:forbidden_words", "params": {"forbidden_words": ["x", "y"]}})
    assert forb.score("x only") == pytest.approx(0.5)
    less = C.build({"id": "keywords:frequency", "params": {"keyword": "z", "frequency": 4, "relation": "less than"}})
    assert 0.0 < less.score("z z z z") < less.score("z z z") == 1.0
    comma = C.build({"id": "punctuation:no_comma", "params": {}})
    assert comma.score("a, b") > comma.score("a, b, c") > 0.0
    for cid in I.IFEVAL_IDS:
        c = C.build({"id": cid, "params": next(t[1] for t in TABLE if t[0] == cid)})
        for text in ("", "x", LOREM * 20):
            assert 0.0 <= c.score(text) <= 1.0
            assert (c.score(text) == 1.0) == c.check(text)


# ----- parameter validation --------------------------------------------------------------------------------------
BAD_PARAMS = [
    ("keywords:existence", {"keywords": []}, "keywords"),
    ("keywords:existence", {"keywords": ["ok", " "]}, "keywords"),
    ("keywords:existence", {}, "keywords"),
    ("keywords:frequency", {"keyword": "a", "frequency": -1, "relation": "at least"}, "frequency"),
    ("keywords:frequency", {"keyword": "a", "frequency": 2, "relation": "at most"}, "relation"),
    ("keywords:frequency", {"keyword": "a", "frequency": "2", "relation": "at least"}, "frequency"),
    ("keywords:letter_frequency", {"letter": "ab", "let_frequency": 1, "let_relation": "at least"}, "letter"),
    ("keywords:letter_frequency", {"letter": " ", "let_frequency": 1, "let_relation": "at least"}, "letter"),
    ("language:response_language", {"language": "xx"}, "language"),
    ("length_constraints:number_words", {"num_words": 10}, "relation"),
    ("length_constraints:number_sentences", {"num_sentences": -2, "relation": "at least"}, "num_sentences"),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "a"},
     "nth_paragraph"),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "a b"},
     "first_word"),
    ("detectable_format:multiple_sections", {"section_spliter": "", "num_sections": 2}, "section_spliter"),
    ("detectable_content:postscript", {"postscript_marker": " "}, "postscript_marker"),
    ("combination:repeat_prompt", {"prompt_to_repeat": ""}, "prompt_to_repeat"),
    ("startend:end_checker", {"end_phrase": "  "}, "end_phrase"),
    ("punctuation:no_comma", {"extra": 1}, "extra"),
    ("detectable_format:number_bullet_lists", {"num_bullets": True}, "num_bullets"),
]


@pytest.mark.parametrize("cid,params,param", BAD_PARAMS, ids=[f"{b[0]}-{b[2]}" for b in BAD_PARAMS])
def test_bad_params_name_id_and_param(cid, params, param):
    with pytest.raises(ConstraintArgsError) as info:
        C.build({"id": cid, "params": params})
    assert info.value.constraint_id == cid and info.value.param == param
    assert cid in str(info.value) and f"'{param}'" in str(info.value)


# ----- descriptions ----------------------------------------------------------------------------------------------
OFFICIAL_EN = [
    ("keywords:existence", {"keywords": ["pear", "apple"]}, "Include keywords ['apple', 'pear'] in the response."),
    ("length_constraints:number_words", {"num_words": 300, "relation": "at least"}, "Answer with at least 300 words."),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"},
     "At the end of your response, please explicitly add a postscript starting with P.P.S"),
    ("language:response_language", {"language": "kn"},
     "Your ENTIRE response should be in Kannada language, no other language is allowed."),
    ("detectable_format:constrained_response", {},
     "Answer with one of the following options: ('My answer is yes.', 'My answer is no.', 'My answer is maybe.')"),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 4, "nth_paragraph": 2, "first_word": "Hi"},
     ("There should be 4 paragraphs. Paragraphs and only paragraphs are separated with each other by two new lines "
      "as if it was '\\n\\n' in python. Paragraph 2 must start with word hi.")),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3},
     ("Your answer must contain exactly 3 bullet points. Use the markdown bullet points such as:\n"
      "* This is point 1. \n* This is point 2")),
]


@pytest.mark.parametrize("cid,params,text", OFFICIAL_EN, ids=[o[0] for o in OFFICIAL_EN])
def test_describe_en_is_the_official_phrasing(cid, params, text):
    assert C.build({"id": cid, "params": params}).describe("en") == text


@pytest.mark.parametrize("cid", I.IFEVAL_IDS)
def test_describe_en_and_zh(cid):
    params = next(t[1] for t in TABLE if t[0] == cid)
    c = C.build({"id": cid, "params": params})
    assert c.langs == ("en", "zh")
    en, zh = c.describe("en"), c.describe("zh")
    assert en and zh and en != zh
    assert not re.search(r"[\u4e00-\u9fff]", en)
    assert re.search(r"[\u4e00-\u9fff]", zh)
    for value in params.values():  # every parameter value appears in both renderings
        if isinstance(value, int):
            assert str(value) in en and str(value) in zh
    if cid == "language:response_language":
        assert "德语" in zh


# ----- helpers equal the official regex formulations --------------------------------------------------------------
def test_linear_helpers_agree_with_official_regexes_on_samples():
    import random

    rng = random.Random(7)
    alphabet = ["*", "-", " ", "\n", "a", "[", "]", "<", ">", "\t", "\u2028"]
    for _ in range(20000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        bullets = (len(re.findall(r"^\s*\*[^\*].*$", s, flags=re.MULTILINE))
                   + len(re.findall(r"^\s*-.*$", s, flags=re.MULTILINE)))
        assert I.count_bullets(s) == bullets, s
        assert I.count_placeholders(s) == len(re.findall(r"\[.*?\]", s)), s
        titles = any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", s))
        assert I.has_title(s) == titles, s


def test_capital_word_fast_path_equals_word_tokenize(shared_data):
    import nltk

    from lightif.resources import ensure_nltk

    ensure_nltk()
    path = shared_data / "ifeval" / "input_response_data_gpt4_20231107_145030.fixed_7afefd4.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    extra = ["I CANnot GONna WANna go.", "Ⓐ circled, „QUOTED“ DON'T 'TIS", "McDONALD's U.S.A. e.g. NASA-led"]
    for text in [r["response"] for r in rows[:150]] + extra:
        expected = sum(1 for w in nltk.word_tokenize(text) if w.isupper())
        assert I.count_capital_words(text) == expected
        assert I.count_sentences(text) == len(nltk.sent_tokenize(text))


# ----- determinism -------------------------------------------------------------------------------------------------
_SCRIPT = """
import json
from lightif import constraints as C
cases = [
    ("language:response_language", {"language": "pt"}, "Olá, tudo bem? Eu gosto de programar em Python."),
    ("language:response_language", {"language": "es"}, "Olá, tudo bem? Eu gosto de programar."),
    ("change_case:english_capital", {}, "HELLO WORLD. THIS IS FINE."),
    ("change_case:english_lowercase", {}, "ciao mondo, tutto bene"),
    ("length_constraints:number_sentences", {"num_sentences": 4, "relation": "at least"}, "A b. C d. E f?"),
]
out = []
for cid, params, text in cases:
    for mode in ("strict", "loose"):
        v = C.check([{"id": cid, "params": params}], text, mode)
        out.append([cid, mode, v.follow_list, v.scores])
print(json.dumps(out))
"""


def test_deterministic_across_processes():
    runs = [subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert json.loads(runs[0])[0][2] == [True]


def test_forbidden_word_prefilter_folds_like_ignorecase():
    """`ForbiddenWords` skips the regex when a plain word is not in `text.translate(FOLD).lower()`: sound only if a
    code point matches each plain-word character under re.IGNORECASE exactly when it folds to its lowercase."""
    import re
    import string

    from lightif.constraints.tokenize import FOLD

    for ch in string.ascii_letters + string.digits + " '-":
        rx = re.compile(re.escape(ch), re.IGNORECASE)
        assert {chr(cp) for cp in range(0x110000) if rx.fullmatch(chr(cp))} == {
            chr(cp) for cp in range(0x110000) if chr(cp).translate(FOLD).lower() == ch.lower()}, ch


@pytest.mark.parametrize("text", ["The KILLER was found.", "no such words here", "ſtory", "\u212aill", "İnk",
                                  "room-mate", "rooms", "ROOM", "a law.", "|" * 100, "it's", "x-ray"])
def test_forbidden_word_prefilter_agrees_with_the_regex(text):
    from lightif.constraints.ifeval import ForbiddenWords

    words = ["story", "killer", "kill", "room", "law", "ink", "it's", "x-ray", "Room", "st.ry", "k+"]
    c = ForbiddenWords(forbidden_words=words)
    expected = [not re.search(r"\b" + w + r"\b", text, flags=re.IGNORECASE) for w in sorted(set(words))]
    assert c._absent(text) == expected
