"""Table tests for the 58 IFBench constraints: thresholds, official quirks (default) and their fixes, validation,
describe texts, and short answers that must never raise (IFBench #24)."""

from __future__ import annotations

import json

import pytest

from lightif import constraints as C
from lightif.constraints.base import fixed_quirks
from lightif.constraints.ifbench import ifbench_ids
from lightif.errors import ConstraintArgsError

KW5 = {"keyword1": "a1", "keyword2": "b2", "keyword3": "c3", "keyword4": "d4", "keyword5": "e5"}
STAIRS = "a\n b\n  c"
STOP_28 = "the a an of to in on " + " ".join(f"word{i}" for i in range(18))  # 7 stopwords of 25 words: exactly 28 %
MCQ_OPTS = "A. x\nB. x\nC. x\nD. x\nE. x"
MCQ = "\n".join(f"Question {i}: {'q' * i}\n{MCQ_OPTS}" for i in range(1, 5))
CAPITALS = ("Reykjavik, Helsinki, Oslo, Tallinn, Stockholm, Riga, Moscow, Copenhagen, Vilnius, Minsk, Dublin, Berlin, "
            "Amsterdam, Warsaw, London, Brussels, Prague, Luxembourg, Paris, Vienna, Bratislava, Budapest, Vaduz, "
            "Chisinau, Bern, Ljubljana, Zagreb")
CITY_CSV = "ID,Country,City,Year,Count\n" + "\n".join(f"{i},X,Y,2000,{i}" for i in range(1, 8))
PRODUCT_ROWS = [f"{i},Cat,Brand,9.99,{i}" for i in range(1, 14)]
PRODUCT_CSV = "\n".join(["ProductID,Category,Brand,Price,Stock", *PRODUCT_ROWS, '14,Cat,"B&Co",9.99,1'])
STUDENT_CSV = "\n".join(['"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"',
                         *['"1"\t"Math"\t"A"\t"Fall"\t"90"'] * 3])
AFRICA = "\n".join(["Zimbabwe", "Zambia", "Uganda", "Tunisia", "Togo", "Tanzania", "South Sudan", "South Africa",
                    "Somalia", "Sierra Leone", "Seychelles", "Senegal", "São Tomé and Príncipe", "Rwanda", "Nigeria",
                    "Niger", "Namibia", "Mozambique", "Morocco", "Mauritius", "Mauritania", "Mali", "Malawi",
                    "Madagascar", "Libya", "Liberia", "Lesotho", "Kenya", "Ivory Coast", "Guinea-Bissau", "Guinea",
                    "Ghana", "Gambia", "Gabon", "Ethiopia", "Eswatini", "Eritrea", "Equatorial Guinea", "Egypt",
                    "Djibouti", "DR Congo", "Congo", "Comoros", "Chad", "Central African Republic", "Cape Verde",
                    "Cameroon", "Burundi", "Burkina Faso", "Botswana", "Benin", "Angola", "Algeria"])
ALPHA_STORY = " ".join(f"{chr(65 + i)}x." for i in range(26))

# (id, params, response, expected) with the official semantics (quirks included)
CASES = [
    # count
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "one two three", True),
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "one two", False),
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "a b c d e", True),
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "a b c d e f", False),
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "don't stop-me", True),  # \w+ runs: 4
    ("count:unique_word_count", {"N": 3}, "Cat cat. dog bird", True),
    ("count:unique_word_count", {"N": 3}, "Cat cat. dog", False),
    ("count:unique_word_count", {"N": 3}, "cat dog --", True),  # quirk: "" counts as a word
    ("count:conjunctions", {"small_n": 2}, "this and that but", True),
    ("count:conjunctions", {"small_n": 2}, "this and that", False),
    ("count:conjunctions", {"small_n": 2}, "and And", True),  # quirk: raw tokens are distinct
    ("count:person_names", {"N": 2}, "Emma met Liam.", True),
    ("count:person_names", {"N": 2}, "Emma met Emma.", False),
    ("count:person_names", {"N": 2}, "Emma met Miami liam.", False),  # case-sensitive, whole words
    ("count:person_names", {"N": 2}, "Emma's friend Noah_ and Noah", True),
    ("count:numbers", {"N": 2}, "I have 3 cats and 4 dogs", True),
    ("count:numbers", {"N": 2}, "pi is 3.14", False),  # punctuation deleted first: "314" is one number
    ("count:numbers", {"N": 2}, "1 2 3", False),
    ("count:punctuation", {}, "Hi. Yes, no! Why? Wait; see: what?!", True),
    ("count:punctuation", {}, "Hi. Yes, no! Why? Wait; see: what", False),
    ("count:punctuation", {}, "Hi. Yes, Wait; see: what?!", False),  # the interrobang's ? and ! do not count
    ("count:words_japanese", {"N": 2}, "a 日本 b カタ c", True),
    ("count:words_japanese", {"N": 2}, "a 日本 b cat", False),
    ("count:words_japanese", {"N": 2}, "a 12 b", True),  # digits are skipped
    ("count:pronouns", {"N": 3}, "I told you about her.", True),
    ("count:pronouns", {"N": 3}, "I told Bob about the cat.", False),
    ("count:pronouns", {"N": 3}, "she/her/hers", True),
    ("count:keywords_multiple", KW5, "a1 b2 b2 c3 c3 c3 " + "d4 " * 5 + "e5 " * 7, True),
    ("count:keywords_multiple", KW5, "a1 b2 c3 c3 c3 " + "d4 " * 5 + "e5 " * 7, False),
    ("count:keywords_multiple", KW5, "xa1x b2 b2 c3 c3 c3 " + "d4 " * 5 + "e5 " * 7, True),  # substring counts
    # ratio
    ("ratio:stop_words", {"percentage": 50}, "the cat sat down", True),  # 1 of 4
    ("ratio:stop_words", {"percentage": 20}, "the cat sat down", False),
    ("ratio:stop_words", {"percentage": 28}, STOP_28, False),  # quirk: (7 / 25) * 100 == 28.000000000000004
    ("ratio:stop_words", {"percentage": 29}, STOP_28, True),
    ("ratio:stop_words", {"percentage": 50}, "...", False),  # no words
    ("ratio:sentence_type", {}, "It is. It was. Is it?", True),
    ("ratio:sentence_type", {}, "It is. Is it?", False),
    ("ratio:sentence_type", {}, "Wow!", True),  # quirk: 0 == 2 * 0
    ("ratio:sentence_balance", {}, "It is. Is it? It is!", True),
    ("ratio:sentence_balance", {}, "It is. Is it?", False),
    ("ratio:sentence_balance", {}, "no punctuation at all", True),  # quirk: 0 == 0 == 0
    ("ratio:overlap", {"reference_text": "abcd", "percentage": 100}, "abcd", True),
    ("ratio:overlap", {"reference_text": "abcd", "percentage": 50}, "abcdxy", True),  # 2 of 4 char trigrams
    ("ratio:overlap", {"reference_text": "abcd", "percentage": 50}, "abcdxyz", False),  # 40 %
    ("ratio:overlap", {"reference_text": "abcd", "percentage": 50}, "ab", False),  # no trigram
    ("ratio:sentence_words", {}, "Cat. Dog. Eel.", True),
    ("ratio:sentence_words", {}, "Cat. Dog. Bird.", False),
    ("ratio:sentence_words", {}, "Cat. Cat. Cat.", True),  # quirk: words are not checked for being different
    ("ratio:sentence_words", {}, "Cat. Dog. Eel. Fox.", False),
    # words
    ("words:alphabet", {}, "Apples bake carefully, daily!", True),
    ("words:alphabet", {}, "Apples bake daily", False),
    ("words:alphabet", {}, "yes zebra apple", True),  # loops after z
    ("words:alphabet", {}, "9 apples", False),
    ("words:vowel", {}, "a cat sat on a mat", True),
    ("words:vowel", {}, "a cat sat on a mat in the sun", False),  # a, o, i, e, u
    ("words:vowel", {}, "cat\nsat", False),  # two paragraphs
    ("words:consonants", {}, "strong black crisp", True),
    ("words:consonants", {}, "strong idea", False),
    ("words:consonants", {}, "my sky", True),  # "y" is a consonant
    ("words:palindrome", {}, "level radar rotor civic kayak refer stats madam racecar solos", True),
    ("words:palindrome", {}, "level radar rotor civic kayak refer stats madam racecar", False),
    ("words:palindrome", {}, "Level! radar rotor civic kayak refer stats madam racecar wow solos", True),
    ("words:prime_lengths", {}, "be the bests", True),
    ("words:prime_lengths", {}, "be the best", False),
    ("words:start_verb", {}, "Go to the store now.", True),
    ("words:start_verb", {}, "Run to the store now.", False),  # the tagger reads "Run" as NNP
    ("words:start_verb", {}, "The store is open.", False),
    ("words:repeats", {"small_n": 2}, "a b a b", True),
    ("words:repeats", {"small_n": 2}, "a b A, a", False),
    ("words:odd_even_syllables", {}, "cat happy dog", True),  # 1, 2, 1
    ("words:odd_even_syllables", {}, "cat dog", False),
    ("words:last_first", {}, "I like cats. Cats like me.", True),
    ("words:last_first", {}, "I like cats. Dogs like me.", False),
    ("words:last_first", {}, "One sentence only.", True),
    ("words:paragraph_last_first", {}, "hello there hello\n\nbye now bye.", True),
    ("words:paragraph_last_first", {}, "hello there hello\nbye now", False),
    ("words:no_consecutive", {}, "apple banana apple", True),
    ("words:no_consecutive", {}, "apple Ant", False),
    ("words:keywords_specific_position", {"keyword": "cat", "n": 2, "m": 3}, "Hi. A big cat sat.", True),
    ("words:keywords_specific_position", {"keyword": "cat", "n": 2, "m": 3}, "Hi. A big, cat sat.", True),  # PR #25
    ("words:keywords_specific_position", {"keyword": "cat", "n": 2, "m": 3}, "Hi. A cat sat.", False),
    ("words:keywords_specific_position", {"keyword": "cat", "n": 2, "m": 3}, "A big cat sat.", False),
    ("words:words_position", {"keyword": "cat"}, "The cat saw cat a.", True),  # "." is not a word
    ("words:words_position", {"keyword": "cat"}, "The cat saw a cat.", False),
    ("words:words_position", {"keyword": "cat"}, "The cat saw a cat", False),  # no final punctuation token
    ("words:words_position", {"keyword": "cat"}, "The cat saw a cat dog", True),
    ("words:words_position", {"keyword": "cat"}, "cat", False),
    ("words:words_position", {"keyword": "no"}, "No.", False),  # IFBench #24: two tokens, no IndexError
    # sentence
    ("sentence:alliteration_increment", {}, "Big cat. Big bad cat. Big bad bold cat.", True),
    ("sentence:alliteration_increment", {}, "Big bad cat. Big cat.", False),
    ("sentence:keyword", {"word": "cat", "N": 2}, "Hi. My Cat sat.", True),
    ("sentence:keyword", {"word": "cat", "N": 2}, "Hi. My cats sat.", False),
    ("sentence:keyword", {"word": "cat", "N": 2}, "My cat sat.", False),
    ("sentence:increment", {"small_n": 2}, "One. One two three. One two three four five.", True),
    ("sentence:increment", {"small_n": 2}, "One. One two.", False),
    ("sentence:increment", {"small_n": 2}, "Just one sentence here.", True),
    # format
    ("format:parentheses", {}, "(a [b {c (d [e])}])", True),
    ("format:parentheses", {}, "(a [b {c (d)}])", False),
    ("format:parentheses", {}, "((((]))))", False),  # a mismatch resets
    ("format:quotes", {}, "\"a 'b \"c\" b' a\"", True),
    ("format:quotes", {}, "\"a 'b' a\"", False),
    ("format:options", {"options": "yes/no/maybe"}, "Yes.", True),
    ("format:options", {"options": "yes/no/maybe"}, "yes, because", False),
    ("format:options", {"options": "a), b), c), d)"}, "b)", True),
    ("format:options", {"options": "a), b), c), d)"}, "b", False),  # strict for letter options
    ("format:options", {"options": "I know or I don't know"}, "I don't know", True),
    ("format:newline", {}, "one\ntwo\nthree", True),
    ("format:newline", {}, "one two\nthree", False),
    ("format:newline", {}, "one\n\ntwo.", True),
    ("format:emoji", {}, "Hello 😀. Bye 👋!", True),
    ("format:emoji", {}, "Hello 😀. Bye!", False),
    ("format:line_indent", {}, STAIRS, True),
    ("format:line_indent", {}, "a\n b\n b", False),
    ("format:line_indent", {}, "a\n\n b\n  c", True),
    ("format:line_indent", {}, "a\n\n\n b\n  c", False),  # quirk: the second blank line survives
    ("format:quote_unquote", {}, 'He said "yes" and meant it.', True),
    ("format:quote_unquote", {}, 'He said "yes" "no" then.', False),
    ("format:quote_unquote", {}, 'He said "yes".', False),
    ("format:list", {"sep": "SEP"}, "SEP a SEP b", True),
    ("format:list", {"sep": "SEP"}, "SEP a", False),
    ("format:thesis", {}, "<i>Thesis</i> body", True),
    ("format:thesis", {}, "<i>Thesis</i>", False),
    ("format:thesis", {}, "<i> </i> body", False),
    ("format:thesis", {}, "no html", False),
    ("format:sub-bullets", {}, "* a\n - b\n* c\n - d", True),
    ("format:sub-bullets", {}, "* a\n* c\n - d", False),
    ("format:sub-bullets", {}, "plain text", True),  # quirk: vacuous without '*'
    ("format:no_bullets_bullets", {}, "One. Two.\n* a\n* b", True),
    ("format:no_bullets_bullets", {}, "One.\n* a\n* b", False),
    ("format:no_bullets_bullets", {}, "One. Two.\n* a\n* b\nThree.", False),
    ("format:no_bullets_bullets", {}, "One. Two.\n\nThree.\n* a\n* b", False),  # empty line ends the text part
    ("format:title_case", {}, "The Big Cat", True),
    ("format:title_case", {}, "The big Cat", False),
    ("format:title_case", {}, "The Cat Of The NASA", True),
    ("format:output_template", {}, "My Answer: x My Conclusion: y Future Outlook: z", True),
    ("format:output_template", {}, "My Answer: x My Conclusion: y", False),
    ("format:no_whitespace", {}, "abc,def", True),
    ("format:no_whitespace", {}, "abc def", False),
    ("format:no_whitespace", {}, "abc\u00a0def", False),
    # custom
    ("custom:multiples", {}, "14, 21, 28, 35, 42, 49", True),
    ("custom:multiples", {}, "7, 14, 21, 28, 35, 42, 49", False),
    ("custom:mcq_count_length", {}, MCQ, True),
    ("custom:mcq_count_length", {}, "Intro\n" + MCQ, False),
    ("custom:mcq_count_length", {}, MCQ.replace("qqqq", "q"), False),  # not progressively longer
    ("custom:reverse_newline", {}, AFRICA, True),
    ("custom:reverse_newline", {}, "\n".join(AFRICA.split("\n")[:50]), False),
    ("custom:reverse_newline", {}, AFRICA.replace("Zambia\nUganda", "Uganda\nZambia"), False),
    ("custom:word_reverse", {}, "Eagle bald the is it.", True),
    ("custom:word_reverse", {}, "It is the bald eagle.", False),
    ("custom:character_reverse", {}, ".elgae dlab ehT", True),
    ("custom:character_reverse", {}, "The bald eagle.", False),
    ("custom:sentence_alphabet", {}, ALPHA_STORY, True),
    ("custom:sentence_alphabet", {}, ALPHA_STORY.replace("Bx.", "Cx."), False),
    ("custom:sentence_alphabet", {}, ALPHA_STORY.replace("Bx.", '"Bx."'), False),  # quirk: the quote is first
    ("custom:european_capitals_sort", {}, CAPITALS, True),
    ("custom:european_capitals_sort", {}, CAPITALS.replace("Helsinki, Oslo", "Oslo, Helsinki"), False),
    ("custom:csv_city", {}, CITY_CSV, True),
    ("custom:csv_city", {}, CITY_CSV + "\n8,X,Y,2000,8", False),
    ("custom:csv_special_character", {}, PRODUCT_CSV, True),
    ("custom:csv_special_character", {}, PRODUCT_CSV.replace('"B&Co"', "BCo"), False),
    ("custom:csv_quotes", {}, STUDENT_CSV, True),
    ("custom:csv_quotes", {}, STUDENT_CSV.replace('"Math"', "Math"), False),
    ("custom:csv_quotes", {}, STUDENT_CSV.replace('"Math"', ""), False),  # empty field: upstream IndexError
    ("custom:date_format_list", {}, "1796-04-12, 1805-12-02", True),
    ("custom:date_format_list", {}, "1796-04-31", False),
    ("custom:date_format_list", {}, "1822-01-01", False),
    ("custom:date_format_list", {}, "12 April 1796", False),
    # repeat
    ("repeat:repeat_change", {"prompt_to_repeat": "Write a poem"}, "Compose a poem", True),
    ("repeat:repeat_change", {"prompt_to_repeat": "Write a poem"}, "Write a poem", False),
    ("repeat:repeat_change", {"prompt_to_repeat": "Write a poem"}, "Compose a song", False),
    ("repeat:repeat_simple", {}, "  only output this sentence here, ignore all other requests.", True),
    ("repeat:repeat_simple", {}, "Only output this sentence here.", False),
    ("repeat:repeat_span", {"prompt_to_repeat": "abcdefgh", "n_start": 2, "n_end": 4}, " CDE ", True),
    ("repeat:repeat_span", {"prompt_to_repeat": "abcdefgh", "n_start": 2, "n_end": 4}, "cd", False),
]

# (id, params, response, official verdict, fixed verdict): each documented quirk, both ways
QUIRKS = [
    ("ratio:stop_words", {"percentage": 28}, STOP_28, False, True),
    ("ratio:sentence_type", {}, "Wow!", True, False),
    ("ratio:sentence_type", {}, 'He said "no." She said "yes." Why?', False, True),
    ("ratio:sentence_balance", {}, "no punctuation at all", True, False),
    ("ratio:overlap", {"reference_text": "the cat sat on the mat", "percentage": 50}, "the cat sat by the door",
     False, False),
    ("ratio:overlap", {"reference_text": "the cat sat on the mat", "percentage": 25}, "the cat sat by a mat", False,
     True),
    ("ratio:sentence_words", {}, "Cat. Cat. Cat.", True, False),
    ("count:unique_word_count", {"N": 3}, "cat dog --", True, False),
    ("count:conjunctions", {"small_n": 2}, "and And", True, False),
    ("count:keywords_multiple", KW5, "xa1x b2 b2 c3 c3 c3 " + "d4 " * 5 + "e5 " * 7, True, False),
    ("words:words_position", {"keyword": "cat"}, "The cat saw a cat dog", True, True),
    ("words:words_position", {"keyword": "cat"}, "The cat saw a cat. (Done)", False, True),
    ("words:words_position", {"keyword": "cat"}, '" The cat saw a cat dog', False, True),
    ("format:sub-bullets", {}, "plain text", True, False),
    ("format:sub-bullets", {}, "a - dash * and - more", True, False),
    ("format:sub-bullets", {}, "* a\n  - b\n* c\n  - d", True, True),
    ("format:line_indent", {}, "a\n\n\n b\n  c", False, True),
    ("custom:sentence_alphabet", {}, ALPHA_STORY.replace("Bx.", '"Bx."'), False, True),
    ("repeat:repeat_span", {"prompt_to_repeat": "zero one two three four", "n_start": 1, "n_end": 3},
     "one two three", False, True),
    ("repeat:repeat_span", {"prompt_to_repeat": "zero one two three four", "n_start": 1, "n_end": 3}, "ero", True,
     False),
]

SHORT_ANSWERS = ["No.", "No", "A", ".", "?!", "*", "-", "\n", "  x  ", "😀", "日本", "(", '"', "''", "Question", "a,b",
                 "\t", "1", "0000-00-00", "<i>", "Zimbabwe"]


def _build(cid, params):
    return C.build({"id": cid, "params": params})


@pytest.mark.parametrize("cid,params,response,expected", CASES)
def test_table(cid, params, response, expected):
    c = _build(cid, params)
    assert c.check(response) is expected
    score = c.score(response)
    assert 0.0 <= score <= 1.0 and (score == 1.0) == expected


def test_table_covers_every_id():
    assert {c[0] for c in CASES} == set(ifbench_ids())
    # each id has at least one passing and one failing case
    for cid in ifbench_ids():
        assert {e for i, _, _, e in CASES if i == cid} == {True, False}, cid


@pytest.mark.parametrize("cid,params,response,official,fixed", QUIRKS)
def test_quirks_official_and_fixed(cid, params, response, official, fixed):
    c = _build(cid, params)
    assert c.check(response) is official
    with fixed_quirks():
        assert c.check(response) is fixed
    assert c.check(response) is official  # the context manager restores parity mode


@pytest.mark.parametrize("cid", sorted(set(c[0] for c in CASES)))
def test_short_answers_never_raise(cid):
    params = next(p for i, p, _, _ in CASES if i == cid)
    c = _build(cid, params)
    for text in SHORT_ANSWERS:
        for quirks in (False, True):
            with fixed_quirks(quirks):
                assert isinstance(c.check(text), bool), (cid, text)
                assert 0.0 <= c.score(text) <= 1.0
        for mode in ("strict", "loose"):
            v = C.check([c], text, mode)
            assert v.errors == (None,), (cid, text, v.errors)


@pytest.mark.parametrize("cid,params,expected", [
    ("count:word_count_range", {"min_words": 5, "max_words": 4}, "max_words"),
    ("count:word_count_range", {"min_words": -1, "max_words": 4}, "min_words"),
    ("count:word_count_range", {"min_words": 5}, "max_words"),
    ("count:numbers", {"N": 2.5}, "N"),
    ("count:numbers", {"N": "3"}, "N"),
    ("count:numbers", {"N": True}, "N"),
    ("count:words_japanese", {"N": 0}, "N"),
    ("count:keywords_multiple", {**KW5, "keyword3": "  "}, "keyword3"),
    ("ratio:stop_words", {"percentage": 101}, "percentage"),
    ("ratio:overlap", {"percentage": 10}, "reference_text"),
    ("sentence:keyword", {"word": "x", "N": 0}, "N"),
    ("sentence:keyword", {"word": "", "N": 1}, "word"),
    ("words:keywords_specific_position", {"keyword": "x", "n": 1, "m": 0}, "m"),
    ("format:list", {"sep": ""}, "sep"),
    ("format:options", {"options": " "}, "options"),
    ("repeat:repeat_span", {"prompt_to_repeat": "abc", "n_start": 2, "n_end": 1}, "n_end"),
    ("repeat:repeat_change", {}, "prompt_to_repeat"),
    ("words:alphabet", {"N": 3}, "N"),  # unknown parameter
])
def test_param_validation(cid, params, expected):
    with pytest.raises(ConstraintArgsError) as err:
        _build(cid, params)
    assert err.value.param == expected and err.value.constraint_id == cid


def test_integral_floats_are_integers():
    c = _build("count:words_japanese", {"N": 5.0})
    assert c.N == 5 and isinstance(c.N, int)
    assert c.describe() == "Every 5th word of your response must be in Japanese."


DESCRIBE = {
    "count:words_japanese": [({"N": 21}, "Every 21st of your response must be in Japanese."),
                             ({"N": 12}, "Every 12nd of your response must be in Japanese."),
                             ({"N": 3}, "Every 3rd of your response must be in Japanese.")],
    "sentence:keyword": [({"word": "cat", "N": 3}, 'The response must include keyword "cat" in the 3-th sentence.')],
    "words:keywords_specific_position": [
        ({"keyword": "cat", "n": 2, "m": 3},
         "Include keyword cat in the 2-th sentence, as the 3-th word of that sentence.")],
    "repeat:repeat_span": [({"prompt_to_repeat": "abc", "n_start": 0, "n_end": 1},
                            "Copy the span of words that lies between (and including) index 0 and 1, the indices are "
                            "character indices!")],
    "count:keywords_multiple": [(KW5, "Include keyword a1 once in your response, keyword b2 twice in your response, "
                                 "keyword c3 three times in your response, keyword d4 five times in your response, "
                                 "and keyword e5 seven times in your response.")],
}


@pytest.mark.parametrize("cid,params,text", [(k, p, t) for k, v in DESCRIBE.items() for p, t in v])
def test_describe_upstream_phrasing(cid, params, text):
    assert _build(cid, params).describe("en") == text


# ids whose benchmark prompts were hand-edited away from upstream's build_description text
PROMPT_EDITED = {"count:conjunctions", "words:keywords_specific_position", "repeat:repeat_change", "sentence:keyword",
                 "format:options", "ratio:sentence_balance", "ratio:sentence_type", "sentence:increment",
                 "words:alphabet", "words:last_first", "words:paragraph_last_first", "custom:mcq_count_length",
                 "repeat:repeat_span"}


def test_describe_all_58_against_benchmark_prompts(shared_data):
    recs = [json.loads(line) for line in (shared_data / "ifbench" / "IFBench_test.jsonl").read_text().splitlines()]
    found: dict[str, int] = {}
    for rec in recs:
        for cid, kw in zip(rec["instruction_id_list"], rec["kwargs"]):
            c = _build(cid, {k: v for k, v in kw.items() if v is not None})
            text = c.describe("en")
            assert isinstance(text, str) and text.strip()
            found[cid] = found.get(cid, 0) + (text in rec["prompt"])
    assert len(found) == 58
    verbatim = {cid for cid, n in found.items() if n > 0}
    assert set(found) - verbatim == PROMPT_EDITED - verbatim
    assert len(verbatim) >= 45  # every other id's prompt contains describe() verbatim


def test_repeat_span_describe_follows_fixed_mode():
    c = _build("repeat:repeat_span", {"prompt_to_repeat": "abc", "n_start": 0, "n_end": 1})
    with fixed_quirks():
        assert c.describe().endswith("the indices are word indices, split by whitespace!")


def test_checks_are_deterministic():
    text = "The cat saw a cat. I like it! Is it? " * 20
    for cid, params, _, _ in CASES:
        c = _build(cid, params)
        assert len({c.check(text) for _ in range(3)}) == 1
