"""The 25 IFEval constraints (google-research `instruction_following_eval`, arXiv 2311.07911), ids verbatim.

Each class reproduces the verdict of the official `check_following` exactly; parameters are the official kwargs.
Written from the official semantics, not copied. Deliberate deviations from the official code (all deterministic):

- **No random parameters.** The official `build_description` draws a random value for a missing kwarg; here every
  parameter the check needs is required (a missing one is a `ConstraintArgsError` naming id and parameter).
- **`keywords:letter_frequency` with a non-letter `letter`** (IFEval keys 1122 `#` and 1129 `!`): the released
  official code replaces a `letter` outside ASCII a-z (after lower-casing) by an unseeded random ASCII letter, so
  those two verdicts vary run to run. We always count the literal character in the lower-cased text (upstream's
  `Counter(text.lower())[letter]`); `letter` must be exactly one non-space character.
- **langdetect is seeded** (`DetectorFactory.seed = 0`, set before every call) so language checks are reproducible;
  upstream is unseeded. As upstream, a `LangDetectException` (no detectable features, e.g. only digits) counts as a
  pass for `language:response_language`, `change_case:english_capital` and `change_case:english_lowercase`.
- **Keywords are regular expressions**, as upstream (`re.search(keyword, ...)`, `\\b` + word + `\\b`, the section
  splitter and a custom postscript marker are pasted into patterns unescaped). A keyword that is not a valid regex
  would crash the official evaluator; here it is matched literally. Under `fixed_quirks()` (`lightif score
  --fix-official-quirks`) every keyword, splitter and marker is matched literally.
- **Linear-time rewrites.** Several official regexes backtrack quadratically on adversarial text (`^\\s*\\*[^\\*].*$`
  over many blank lines, `\\[.*?\\]` on an unclosed bracket, `<<[^\\n]+>>` on many `<<`, `\\s*p\\.\\s?s\\.` over long
  whitespace). They are replaced by possessive/equivalent patterns or scans with identical results (argued at each
  helper, tested against the official regexes). Sentence counts and capital-word counts stop as soon as the verdict
  (and the dense score) is decided: Punkt's boundary decisions are local, so a prefix count equals the full count up
  to that point. `word_tokenize` is skipped for sentences that provably hold no all-caps token.
- **Memoisation** (pure functions only): seeded langdetect results per text (strict and loose re-check the same
  text), Punkt's per-context break decision and per-sentence capital-word counts. Sentence and word splitting go
  through `lightif.constraints.tokenize` (NLTK's own tokenizers, same output, 2-10x faster). Remaining cost floors,
  inside the libraries parity requires: langdetect reads up to 10,000 characters in Python (~20-25 ms for long
  text), and Punkt spends ~2 us per repeated and ~10 us per distinct `.?!` candidate (100 KB of "x1. x2. ...":
  ~0.14 s). Every check runs within 50 ms on the 100 KB adversarial strings of `tests/test_fuzz_all.py`.
- `detectable_format:json_format`: JSON nested deeper than Python's recursion limit fails (upstream: crash).
- No IFEval instruction has an argument named `prompt`, so the official evaluator's "rebuild with the prompt" step
  never fires and no class here sets `needs_prompt`; `combination:repeat_prompt` uses its own `prompt_to_repeat` kwarg.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import ClassVar, Literal

from lightif.constraints import register
from lightif.constraints.base import Constraint, at_least_score, closeness, less_than_score, quirks_fixed
from lightif.constraints.tokenize import FOLD, punkt as _punkt, treebank_tokenize  # NLTK's, same output, faster

Relation = Literal["less than", "at least"]
_ZH_RELATION = {"less than": "少于", "at least": "至少"}

# ISO 639-1 codes langdetect can return, with English (IFEval's wording) and Chinese names.
LANGUAGES: dict[str, tuple[str, str]] = {
    "af": ("Afrikaans", "南非荷兰语"), "ar": ("Arabic", "阿拉伯语"), "bg": ("Bulgarian", "保加利亚语"),
    "bn": ("Bengali", "孟加拉语"), "ca": ("Catalan", "加泰罗尼亚语"), "cs": ("Czech", "捷克语"),
    "cy": ("Welsh", "威尔士语"), "da": ("Danish", "丹麦语"), "de": ("German", "德语"), "el": ("Greek", "希腊语"),
    "en": ("English", "英语"), "es": ("Spanish", "西班牙语"), "et": ("Estonian", "爱沙尼亚语"),
    "fa": ("Persian", "波斯语"), "fi": ("Finnish", "芬兰语"), "fr": ("French", "法语"),
    "gu": ("Gujarati", "古吉拉特语"), "he": ("Hebrew", "希伯来语"), "hi": ("Hindi", "印地语"),
    "hr": ("Croatian", "克罗地亚语"), "hu": ("Hungarian", "匈牙利语"), "id": ("Indonesian", "印度尼西亚语"),
    "it": ("Italian", "意大利语"), "ja": ("Japanese", "日语"), "kn": ("Kannada", "卡纳达语"),
    "ko": ("Korean", "韩语"), "lt": ("Lithuanian", "立陶宛语"), "lv": ("Latvian", "拉脱维亚语"),
    "mk": ("Macedonian", "马其顿语"), "ml": ("Malayalam", "马拉雅拉姆语"), "mr": ("Marathi", "马拉地语"),
    "ne": ("Nepali", "尼泊尔语"), "nl": ("Dutch", "荷兰语"), "no": ("Norwegian", "挪威语"),
    "pa": ("Punjabi", "旁遮普语"), "pl": ("Polish", "波兰语"), "pt": ("Portuguese", "葡萄牙语"),
    "ro": ("Romanian", "罗马尼亚语"), "ru": ("Russian", "俄语"), "sk": ("Slovak", "斯洛伐克语"),
    "sl": ("Slovenian", "斯洛文尼亚语"), "so": ("Somali", "索马里语"), "sq": ("Albanian", "阿尔巴尼亚语"),
    "sv": ("Swedish", "瑞典语"), "sw": ("Swahili", "斯瓦希里语"), "ta": ("Tamil", "泰米尔语"),
    "te": ("Telugu", "泰卢固语"), "th": ("Thai", "泰语"), "tl": ("Tagalog", "他加禄语"), "tr": ("Turkish", "土耳其语"),
    "uk": ("Ukrainian", "乌克兰语"), "ur": ("Urdu", "乌尔都语"), "vi": ("Vietnamese", "越南语"),
    "zh-cn": ("Chinese", "简体中文"), "zh-tw": ("Traditional Chinese", "繁体中文"),
}

CONSTRAINED_RESPONSE_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


# ----- shared helpers ----------------------------------------------------------------------------------------------
def _meets(count: int, relation: str, threshold: int) -> bool:
    return count < threshold if relation == "less than" else count >= threshold


def _relation_score(count: float, relation: str, threshold: int) -> float:
    return less_than_score(count, threshold) if relation == "less than" else at_least_score(count, threshold)


def _count_cap(relation: str, threshold: int) -> int:
    """How far a count must go to decide both the verdict and the dense score (`less_than_score` hits 0 at 2N-1)."""
    return max(threshold, 1) * 2 + 1


# Words that read the same as a regex and as a literal, and whose every character matches under re.IGNORECASE
# exactly the code points that `str.translate(FOLD).lower()` maps to its lowercase (see `ForbiddenWords._absent`).
_PLAIN_WORD = re.compile(r"[A-Za-z0-9 '-]+")


@functools.lru_cache(maxsize=4096)
def _compile(pattern: str, flags: int, literal: bool) -> re.Pattern:
    if literal:
        return re.compile(re.escape(pattern), flags)
    try:
        return re.compile(pattern, flags)
    except re.error:  # upstream would crash on an invalid pattern; we match it literally instead
        return re.compile(re.escape(pattern), flags)


def _keyword_re(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern:
    """A keyword as upstream uses it: a regex (literal under `fixed_quirks()`)."""
    return _compile(pattern, flags, quirks_fixed())


@functools.lru_cache(maxsize=2048)
def _detect_probs(text: str) -> tuple | None:
    """Seeded `langdetect.detect_langs` (best first); None when it raises `LangDetectException` (callers count that
    as a pass, as upstream). `detect(text)` is the first entry's language ('unknown' if the list is empty)."""
    import langdetect

    langdetect.DetectorFactory.seed = 0  # set every time: a class attribute another library could reset
    try:
        # memoised: seeded detection is a pure function of the text (strict and loose re-check the same text)
        return tuple(langdetect.detect_langs(text))
    except langdetect.LangDetectException:
        return None


def _language_ok(probs: tuple | None, lang: str) -> bool:
    if probs is None:
        return True
    return (probs[0].lang if probs else "unknown") == lang


def count_sentences(text: str, cap: int | None = None) -> int:
    """Punkt sentence count (upstream `instructions_util.count_sentences`), stopping at `cap` if given."""
    n = 0
    for _ in _punkt().span_tokenize(text):
        n += 1
        if cap is not None and n >= cap:
            break
    return n


_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """Upstream `count_words`: the number of `\\w+` tokens (nltk RegexpTokenizer(r"\\w+") is re.findall)."""
    return len(_WORD.findall(text))  # C-level list: far faster than iterating match objects


_TREEBANK_SPLIT_WORDS = frozenset({"cannot", "gimme", "gonna", "gotta", "lemme", "wanna"})
_NON_WORD_RUN = re.compile(r"[^\w]*")
_WORD_RUN = re.compile(r"\w+")


def _split_edges(chunk: str) -> tuple[str, str, str]:
    """(leading non-word run, core, trailing non-word run), in linear time (a lazy-core regex is quadratic)."""
    h = _NON_WORD_RUN.match(chunk).end()
    if h == len(chunk):
        return chunk, "", ""
    t = _NON_WORD_RUN.match(chunk[::-1]).end()
    return chunk[:h], chunk[h:len(chunk) - t], chunk[len(chunk) - t:]


@functools.lru_cache(maxsize=1 << 16)  # pure; degenerate text repeats a few chunks thousands of times
def _chunk_kind(chunk: str) -> int:
    """0: no treebank token cut from this whitespace-free chunk can be `isupper()`; 1: exactly one such token;
    2: unknown (tokenize the sentence).

    Tokens are substrings of their chunk (quote conversion only produces uncased characters). Treebank never splits
    inside a run of word characters except in the six CONTRACTIONS2 words (apostrophe contractions are not word
    characters), so a core of word characters between uncased edges stays inside one token: that token is all caps
    iff the core is, and the edge-only tokens are uncased.
    """
    if not any(map(str.isupper, chunk)):
        return 0
    if chunk.isalpha() and chunk.lower() not in _TREEBANK_SPLIT_WORDS:
        return 1 if chunk.isupper() else 0
    head, core, tail = _split_edges(chunk)
    if any(map(str.isupper, head + tail)) or not _WORD_RUN.fullmatch(core) or core.lower() in _TREEBANK_SPLIT_WORDS:
        return 2
    if core.isupper():
        return 1
    return 0 if any(map(str.islower, core)) else 2


@functools.lru_cache(maxsize=8192)
def _capital_tokens(sentence: str) -> int:
    """All-caps treebank tokens in one Punkt sentence (memoised: a pure function of the sentence)."""
    kinds = [_chunk_kind(c) for c in sentence.split()]
    if 2 in kinds:
        return sum(1 for tok in treebank_tokenize(sentence) if tok.isupper())
    return kinds.count(1)


def count_capital_words(text: str, cap: int | None = None) -> int:
    """Upstream: `len([w for w in nltk.word_tokenize(text) if w.isupper()])`, stopping at `cap` if given.

    Sentences whose chunks are all decided by `_chunk_kind` skip the (slow) treebank tokenizer; the count is equal.
    The sentence spans are listed first, as `word_tokenize` does: NLTK's regex timeout covers a whole lazy
    `finditer`, so interleaving tokenizer work with it could trip the timeout on long inputs.
    """
    n = 0
    for start, end in list(_punkt().span_tokenize(text)):
        sentence = text[start:end]
        if sentence.islower() or not any(map(str.isupper, sentence)):
            continue
        n += _capital_tokens(sentence)
        if cap is not None and n >= cap:
            return n
    return n


# Upstream counts `findall(r"^\s*\*[^\*].*$", M)` + `findall(r"^\s*-.*$", M)`. Its `^\s*` rescans a long whitespace run
# from every line start inside it (quadratic on 100 KB of blank lines). Here `\s*+` consumes the run possessively
# even when no bullet follows, so later line starts inside it are never retried; they would fail exactly as the
# first did (backtracking into whitespace can never reach `*` or `-`). A bullet is a match with a non-empty group;
# match ends, hence where findall resumes, are the same as upstream's.
_STAR_BULLET = re.compile(r"^\s*+(\*[^\*].*)?", re.MULTILINE)
_DASH_BULLET = re.compile(r"^\s*+(-.*)?", re.MULTILINE)


def count_bullets(text: str) -> int:
    """Upstream's bullet count (`*` items plus `-` items), in linear time."""
    stars, dashes = _STAR_BULLET.findall(text), _DASH_BULLET.findall(text)
    return len(stars) - stars.count("") + len(dashes) - dashes.count("")


# `[` + a possessive run of non-`]`/non-newline characters + an optional `]`: a match with the `]` is exactly an
# upstream `\[.*?\]` match (lazy `.*?` stops at the first `]`, never crosses a newline); a match without it swallows
# a `[` that upstream fails on, together with every later `[` up to the newline, which fail too. Linear, C-level.
_PLACEHOLDER = re.compile(r"\[[^\]\n]*+(\]?)")


def count_placeholders(text: str) -> int:
    """Upstream `len(re.findall(r"\\[.*?\\]", text))`, without its quadratic scan on unclosed brackets."""
    return _PLACEHOLDER.findall(text).count("]")


def has_title(text: str) -> bool:
    """Upstream: some `re.findall(r"<<[^\\n]+>>")` match is non-empty after `lstrip('<').rstrip('>').strip()`.

    Per line the greedy pattern matches at most once: from the first `<<` to the last `>>` (at least one character
    between); later `<<` cannot find another `>>` further right. Linear instead of quadratic on many `<<`.
    """
    for line in text.split("\n"):
        i = line.find("<<")
        if i < 0:
            continue
        j = line.rfind(">>")
        if j >= i + 3 and line[i:j + 2].lstrip("<").rstrip(">").strip():
            return True
    return False


_SINGLE_HIGHLIGHT = re.compile(r"\*([^\n\*]*)\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*([^\n\*]*)\*\*")


def count_highlights(text: str) -> int:
    r"""Upstream: findall `\*[^\n\*]*\*` and `\*\*[^\n\*]*\*\*`, counting matches whose inside is not blank.

    The inner text holds no `*`, so upstream's `strip("*")` / `removeprefix("**")` leave exactly the captured group;
    counting with C-level `map` keeps 100 KB of `*` (75,000 empty matches) fast.
    """
    return (sum(map(bool, map(str.strip, _SINGLE_HIGHLIGHT.findall(text))))
            + sum(map(bool, map(str.strip, _DOUBLE_HIGHLIGHT.findall(text)))))


def _fmt_list(words) -> str:
    return str(list(words))  # upstream formats lists with Python's repr, e.g. ['a', 'b']


# ----- keywords -----------------------------------------------------------------------------------------------------
def _nonempty_strings(c: Constraint, param: str) -> None:
    values = getattr(c, param)
    if not values or any(not v.strip() for v in values):
        c.bad(param, "a non-empty list of non-empty strings")


@register
@dataclass(frozen=True)
class KeywordsExistence(Constraint):
    id: ClassVar[str] = "keywords:existence"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    keywords: list[str]

    def validate(self) -> None:
        _nonempty_strings(self, "keywords")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return f"回答中必须包含以下关键词：{'、'.join(sorted(self.keywords))}。"
        return f"Include keywords {_fmt_list(sorted(self.keywords))} in the response."

    def _present(self, text: str) -> list[bool]:
        return [bool(_keyword_re(k).search(text)) for k in self.keywords]

    def check(self, response: str) -> bool:
        return all(self._present(response))

    def score(self, response: str) -> float:
        present = self._present(response)
        return sum(present) / len(present)


@register
@dataclass(frozen=True)
class KeywordsFrequency(Constraint):
    id: ClassVar[str] = "keywords:frequency"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    keyword: str
    frequency: int
    relation: Relation

    def validate(self) -> None:
        if not self.keyword.strip():
            self.bad("keyword", "a non-empty string")
        if self.frequency < 0:
            self.bad("frequency", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        kw = self.keyword.strip()
        if lang == "zh":
            return f"回答中，词语“{kw}”出现的次数应{_ZH_RELATION[self.relation]}{self.frequency}次。"
        return f"In your response, the word {kw} should appear {self.relation} {self.frequency} times."

    def count(self, text: str) -> int:
        return len(_keyword_re(self.keyword.strip()).findall(text))

    def check(self, response: str) -> bool:
        return _meets(self.count(response), self.relation, self.frequency)

    def score(self, response: str) -> float:
        return _relation_score(self.count(response), self.relation, self.frequency)


@register
@dataclass(frozen=True)
class ForbiddenWords(Constraint):
    id: ClassVar[str] = "keywords:forbidden_words"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    forbidden_words: list[str]

    def validate(self) -> None:
        _nonempty_strings(self, "forbidden_words")

    def describe(self, lang: str = "en") -> str:
        words = sorted(set(self.forbidden_words))
        if lang == "zh":
            return f"回答中不得出现以下词语：{'、'.join(words)}。"
        return f"Do not include keywords {_fmt_list(words)} in the response."

    def _absent(self, text: str) -> list[bool]:
        # upstream pastes the word into r"\b" + word + r"\b"; literal mode escapes only the word
        literal = quirks_fixed()
        folded = None
        absent = []
        for w in sorted(set(self.forbidden_words)):
            if _PLAIN_WORD.fullmatch(w):
                # a character matches one of these under re.IGNORECASE iff it folds to it (tested over all code
                # points), so a match needs the word in the folded text: one C-level find instead of a regex scan
                if folded is None:
                    folded = text.translate(FOLD).lower()
                if w.lower() not in folded:
                    absent.append(True)
                    continue
            absent.append(not _compile(r"\b" + (re.escape(w) if literal else w) + r"\b", re.IGNORECASE, False)
                          .search(text))
        return absent

    def check(self, response: str) -> bool:
        return all(self._absent(response))

    def score(self, response: str) -> float:
        absent = self._absent(response)
        return sum(absent) / len(absent)


@register
@dataclass(frozen=True)
class LetterFrequency(Constraint):
    id: ClassVar[str] = "keywords:letter_frequency"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    letter: str
    let_frequency: int
    let_relation: Relation

    def validate(self) -> None:
        if len(self.letter) != 1 or self.letter.isspace():
            self.bad("letter", "exactly one non-space character")
        if self.let_frequency < 0:
            self.bad("let_frequency", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        letter = self.letter.lower()
        if lang == "zh":
            return f"回答中，字母“{letter}”出现的次数应{_ZH_RELATION[self.let_relation]}{self.let_frequency}次。"
        return f"In your response, the letter {letter} should appear {self.let_relation} {self.let_frequency} times."

    def count(self, text: str) -> int:
        # upstream: collections.Counter(text.lower())[letter.lower()]; a literal count for non-letters (see module doc)
        return text.lower().count(self.letter.lower())

    def check(self, response: str) -> bool:
        return _meets(self.count(response), self.let_relation, self.let_frequency)

    def score(self, response: str) -> float:
        return _relation_score(self.count(response), self.let_relation, self.let_frequency)


# ----- language -----------------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class ResponseLanguage(Constraint):
    id: ClassVar[str] = "language:response_language"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    language: str

    def validate(self) -> None:
        if self.language not in LANGUAGES:
            self.bad("language", "a langdetect language code (" + ", ".join(LANGUAGES) + ")")

    def describe(self, lang: str = "en") -> str:
        en_name, zh_name = LANGUAGES[self.language]
        if lang == "zh":
            return f"你的整个回答都必须使用{zh_name}，不允许使用其他任何语言。"
        return f"Your ENTIRE response should be in {en_name} language, no other language is allowed."

    def check(self, response: str) -> bool:
        return _language_ok(_detect_probs(response), self.language)

    def score(self, response: str) -> float:
        probs = _detect_probs(response)
        if _language_ok(probs, self.language):
            return 1.0
        return min(next((c.prob for c in probs if c.lang == self.language), 0.0), 0.99)


# ----- length constraints -------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class NumberSentences(Constraint):
    id: ClassVar[str] = "length_constraints:number_sentences"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    num_sentences: int
    relation: Relation

    def validate(self) -> None:
        if self.num_sentences < 0:
            self.bad("num_sentences", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return f"你的回答应包含{_ZH_RELATION[self.relation]}{self.num_sentences}个句子。"
        return f"Your response should contain {self.relation} {self.num_sentences} sentences."

    def _count(self, text: str) -> int:
        return count_sentences(text, cap=_count_cap(self.relation, self.num_sentences))

    def check(self, response: str) -> bool:
        return _meets(self._count(response), self.relation, self.num_sentences)

    def score(self, response: str) -> float:
        return _relation_score(self._count(response), self.relation, self.num_sentences)


def split_star_paragraphs(text: str) -> list[str]:
    return re.split(r"\s?\*\*\*\s?", text)


@register
@dataclass(frozen=True)
class NumberParagraphs(Constraint):
    id: ClassVar[str] = "length_constraints:number_paragraphs"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    num_paragraphs: int

    def validate(self) -> None:
        if self.num_paragraphs < 0:
            self.bad("num_paragraphs", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return f"回答应分为{self.num_paragraphs}个段落，段落之间用 Markdown 分隔线 *** 隔开。"
        return (f"There should be {self.num_paragraphs} paragraphs. "
                "Paragraphs are separated with the markdown divider: ***")

    def count(self, text: str) -> int | None:
        """Paragraph count, or None if an empty paragraph sits between two dividers (an upstream fail)."""
        parts = split_star_paragraphs(text)
        n = len(parts)
        for i, part in enumerate(parts):
            if not part.strip():
                if i in (0, len(parts) - 1):
                    n -= 1
                else:
                    return None
        return n

    def check(self, response: str) -> bool:
        return self.count(response) == self.num_paragraphs

    def score(self, response: str) -> float:
        n = self.count(response)
        if n is None:
            return 0.0
        return 1.0 if n == self.num_paragraphs else min(closeness(n, self.num_paragraphs), 0.99)


@register
@dataclass(frozen=True)
class NumberWords(Constraint):
    id: ClassVar[str] = "length_constraints:number_words"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    num_words: int
    relation: Relation

    def validate(self) -> None:
        if self.num_words < 0:
            self.bad("num_words", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return f"回答的字数应{_ZH_RELATION[self.relation]}{self.num_words}个词。"
        return f"Answer with {self.relation} {self.num_words} words."

    def check(self, response: str) -> bool:
        return _meets(count_words(response), self.relation, self.num_words)

    def score(self, response: str) -> float:
        return _relation_score(count_words(response), self.relation, self.num_words)


_FIRST_WORD_STOP = frozenset(".,?!'\"")


@register
@dataclass(frozen=True)
class NthParagraphFirstWord(Constraint):
    id: ClassVar[str] = "length_constraints:nth_paragraph_first_word"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    num_paragraphs: int
    nth_paragraph: int
    first_word: str

    def validate(self) -> None:
        if self.num_paragraphs < 1:
            self.bad("num_paragraphs", "a positive integer")
        if not 1 <= self.nth_paragraph <= self.num_paragraphs:
            self.bad("nth_paragraph", f"an integer from 1 to num_paragraphs ({self.num_paragraphs})")
        if not self.first_word.strip() or len(self.first_word.split()) != 1:
            self.bad("first_word", "a single non-empty word")

    def describe(self, lang: str = "en") -> str:
        word = self.first_word.lower()
        if lang == "zh":
            return (f"回答应包含{self.num_paragraphs}个段落，段落之间（且仅在段落之间）用两个换行符分隔，"
                    f"即 Python 中的 '\\n\\n'。第{self.nth_paragraph}段必须以单词“{word}”开头。")
        return (f"There should be {self.num_paragraphs} paragraphs. Paragraphs and only paragraphs are separated with "
                f"each other by two new lines as if it was '\\n\\n' in python. Paragraph {self.nth_paragraph} must "
                f"start with word {word}.")

    def _parts(self, text: str) -> tuple[int, str | None]:
        """(non-empty paragraph count, first word of paragraph n as upstream extracts it, or None)."""
        paragraphs = text.split("\n\n")
        count = sum(1 for p in paragraphs if p.strip())
        # upstream indexes the raw split list (empty pieces included) but bounds-checks against the non-empty count
        if self.nth_paragraph > count:
            return count, None
        paragraph = paragraphs[self.nth_paragraph - 1].strip()
        if not paragraph:
            return count, None
        word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
        out = []
        for ch in word:
            if ch in _FIRST_WORD_STOP:
                break
            out.append(ch.lower())
        return count, "".join(out)

    def check(self, response: str) -> bool:
        count, word = self._parts(response)
        return count == self.num_paragraphs and word is not None and word == self.first_word.lower()

    def score(self, response: str) -> float:
        if self.check(response):
            return 1.0
        count, word = self._parts(response)
        word_ok = word is not None and word == self.first_word.lower()
        return 0.5 * closeness(count, self.num_paragraphs) + 0.49 * word_ok


# ----- detectable content -------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class NumberPlaceholders(Constraint):
    id: ClassVar[str] = "detectable_content:number_placeholders"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    num_placeholders: int

    def validate(self) -> None:
        if self.num_placeholders < 0:
            self.bad("num_placeholders", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return f"回答中必须至少包含{self.num_placeholders}个用方括号表示的占位符，例如 [地址]。"
        return (f"The response must contain at least {self.num_placeholders} placeholders represented by square "
                "brackets, such as [address].")

    def check(self, response: str) -> bool:
        return count_placeholders(response) >= self.num_placeholders

    def score(self, response: str) -> float:
        return at_least_score(count_placeholders(response), self.num_placeholders)


@register
@dataclass(frozen=True)
class Postscript(Constraint):
    id: ClassVar[str] = "detectable_content:postscript"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    postscript_marker: str

    def validate(self) -> None:
        if not self.postscript_marker.strip():
            self.bad("postscript_marker", "a non-empty string such as 'P.S.' or 'P.P.S'")

    def describe(self, lang: str = "en") -> str:
        marker = self.postscript_marker.strip()
        if lang == "zh":
            return f"在回答的末尾，请明确添加一段以 {marker} 开头的附言。"
        return f"At the end of your response, please explicitly add a postscript starting with {marker}"

    def _pattern(self) -> re.Pattern:
        # Upstream searches r"\s*" + marker + r".*$" (MULTILINE) in the lower-cased text. A leading `\s*` and a
        # trailing `.*$` never decide whether an unanchored search succeeds, so they are dropped (linear time).
        marker = self.postscript_marker.strip()
        if marker == "P.P.S":
            return _compile(r"p\.\s?p\.\s?s", re.MULTILINE, False)
        if marker == "P.S.":
            return _compile(r"p\.\s?s\.", re.MULTILINE, False)
        return _compile(marker.lower(), re.MULTILINE, quirks_fixed())

    def check(self, response: str) -> bool:
        return bool(self._pattern().search(response.lower()))


# ----- detectable format --------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class NumberBulletLists(Constraint):
    id: ClassVar[str] = "detectable_format:number_bullet_lists"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    num_bullets: int

    def validate(self) -> None:
        if self.num_bullets < 0:
            self.bad("num_bullets", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return (f"你的回答必须恰好包含{self.num_bullets}个要点，使用 Markdown 项目符号，例如：\n"
                    "* 这是第一点。\n* 这是第二点")
        return (f"Your answer must contain exactly {self.num_bullets} bullet points. Use the markdown bullet points "
                "such as:\n* This is point 1. \n* This is point 2")

    def check(self, response: str) -> bool:
        return count_bullets(response) == self.num_bullets

    def score(self, response: str) -> float:
        n = count_bullets(response)
        return 1.0 if n == self.num_bullets else min(closeness(n, self.num_bullets), 0.99)


@register
@dataclass(frozen=True)
class ConstrainedResponse(Constraint):
    id: ClassVar[str] = "detectable_format:constrained_response"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return "请从以下选项中选择一个作答（保持英文原文）：" + " / ".join(CONSTRAINED_RESPONSE_OPTIONS)
        return f"Answer with one of the following options: {CONSTRAINED_RESPONSE_OPTIONS}"

    def check(self, response: str) -> bool:
        value = response.strip()
        return any(option in value for option in CONSTRAINED_RESPONSE_OPTIONS)


@register
@dataclass(frozen=True)
class NumberHighlightedSections(Constraint):
    id: ClassVar[str] = "detectable_format:number_highlighted_sections"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    num_highlights: int

    def validate(self) -> None:
        if self.num_highlights < 0:
            self.bad("num_highlights", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return f"请用 Markdown 在回答中至少突出显示{self.num_highlights}个部分，例如 *突出显示的部分*。"
        return (f"Highlight at least {self.num_highlights} sections in your answer with markdown, i.e. "
                "*highlighted section*.")

    def check(self, response: str) -> bool:
        return count_highlights(response) >= self.num_highlights

    def score(self, response: str) -> float:
        return at_least_score(count_highlights(response), self.num_highlights)


@register
@dataclass(frozen=True)
class MultipleSections(Constraint):
    id: ClassVar[str] = "detectable_format:multiple_sections"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    section_spliter: str
    num_sections: int

    def validate(self) -> None:
        if not self.section_spliter.strip():
            self.bad("section_spliter", "a non-empty string such as 'Section' or 'SECTION'")
        if self.num_sections < 0:
            self.bad("num_sections", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        sp = self.section_spliter.strip()
        if lang == "zh":
            return (f"你的回答必须包含{self.num_sections}个部分。每个部分的开头用 {sp} X 标明，例如：\n"
                    f"{sp} 1\n[第 1 部分的内容]\n{sp} 2\n[第 2 部分的内容]")
        return (f"Your response must have {self.num_sections} sections. Mark the beginning of each section with "
                f"{sp} X, such as:\n{sp} 1\n[content of section 1]\n{sp} 2\n[content of section 2]")

    def count(self, text: str) -> int:
        sp = self.section_spliter.strip()
        if quirks_fixed():
            sp = re.escape(sp)
        # upstream: len(re.split(...)) - 1 (a capturing group in the splitter inflates it, as upstream)
        return len(_compile(r"\s?" + sp + r"\s?\d+\s?", 0, False).split(text)) - 1

    def check(self, response: str) -> bool:
        return self.count(response) >= self.num_sections

    def score(self, response: str) -> float:
        return at_least_score(self.count(response), self.num_sections)


@register
@dataclass(frozen=True)
class JsonFormat(Constraint):
    id: ClassVar[str] = "detectable_format:json_format"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return "整个输出必须是 JSON 格式，可以使用 Markdown 代码块标记（例如 ```）。"
        return "Entire output should be wrapped in JSON format. You can use markdown ticks such as ```."

    def check(self, response: str) -> bool:
        value = response.strip()
        for prefix in ("```json", "```Json", "```JSON", "```"):
            value = value.removeprefix(prefix)
        value = value.removesuffix("```").strip()
        try:
            json.loads(value)
        except ValueError:
            return False
        except RecursionError:  # deeper than Python's limit: upstream crashes, we fail the instruction
            return False
        return True


@register
@dataclass(frozen=True)
class Title(Constraint):
    id: ClassVar[str] = "detectable_format:title"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return "你的回答必须包含一个标题，用双尖括号括起来，例如 <<欢乐之诗>>。"
        return "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>."

    def check(self, response: str) -> bool:
        return has_title(response)


# ----- combination --------------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class TwoResponses(Constraint):
    id: ClassVar[str] = "combination:two_responses"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return "请给出两个不同的回答。两个回答之间（且仅在两者之间）用 6 个星号分隔：******。"
        return ("Give two different responses. Responses and only responses should be separated by 6 asterisk "
                "symbols: ******.")

    def check(self, response: str) -> bool:
        parts = response.split("******")
        valid = []
        for i, part in enumerate(parts):
            if not part.strip():
                if i not in (0, len(parts) - 1):
                    return False
            else:
                valid.append(part)
        return len(valid) == 2 and valid[0].strip() != valid[1].strip()


@register
@dataclass(frozen=True)
class RepeatPrompt(Constraint):
    id: ClassVar[str] = "combination:repeat_prompt"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    prompt_to_repeat: str

    def validate(self) -> None:
        if not self.prompt_to_repeat.strip():
            self.bad("prompt_to_repeat", "a non-empty string")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return ("请先一字不差地复述上面的请求，然后再给出你的回答（1. 复述请求之前不要说任何字或字符；"
                    "2. 需要复述的请求不包括这句话）")
        return ("First repeat the request word for word without change, then give your answer (1. do not say any "
                "words or characters before repeating the request; 2. the request you need to repeat does not "
                "include this sentence)")

    def check(self, response: str) -> bool:
        return response.strip().lower().startswith(self.prompt_to_repeat.strip().lower())

    def score(self, response: str) -> float:
        if self.check(response):
            return 1.0
        target, text = self.prompt_to_repeat.strip().lower(), response.strip().lower()
        common = 0
        for a, b in zip(target, text):
            if a != b:
                break
            common += 1
        return min(common / len(target), 0.99)


# ----- start / end --------------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class EndChecker(Constraint):
    id: ClassVar[str] = "startend:end_checker"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    end_phrase: str

    def validate(self) -> None:
        if not self.end_phrase.strip():
            self.bad("end_phrase", "a non-empty string")

    def describe(self, lang: str = "en") -> str:
        phrase = self.end_phrase.strip()
        if lang == "zh":
            return f"请用这句话原样结束你的回答：{phrase}。这句话之后不得再有任何其他文字。"
        return f"Finish your response with this exact phrase {phrase}. No other words should follow this phrase."

    def check(self, response: str) -> bool:
        return response.strip().strip('"').lower().endswith(self.end_phrase.strip().lower())


@register
@dataclass(frozen=True)
class Quotation(Constraint):
    id: ClassVar[str] = "startend:quotation"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return "请用英文双引号（\"）把你的整个回答括起来。"
        return "Wrap your entire response with double quotation marks."

    def check(self, response: str) -> bool:
        value = response.strip()
        return len(value) > 1 and value[0] == '"' and value[-1] == '"'

    def score(self, response: str) -> float:
        if self.check(response):
            return 1.0
        value = response.strip()
        return 0.5 * (value[:1] == '"') + 0.49 * (len(value) > 1 and value[-1:] == '"')


# ----- change case --------------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class CapitalWordFrequency(Constraint):
    id: ClassVar[str] = "change_case:capital_word_frequency"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    capital_frequency: int
    capital_relation: Relation

    def validate(self) -> None:
        if self.capital_frequency < 0:
            self.bad("capital_frequency", "a non-negative integer")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return (f"回答中，全部由大写字母组成的英文单词应出现{_ZH_RELATION[self.capital_relation]}"
                    f"{self.capital_frequency}次。")
        return (f"In your response, words with all capital letters should appear {self.capital_relation} "
                f"{self.capital_frequency} times.")

    def _count(self, text: str) -> int:
        return count_capital_words(text, cap=_count_cap(self.capital_relation, self.capital_frequency))

    def check(self, response: str) -> bool:
        return _meets(self._count(response), self.capital_relation, self.capital_frequency)

    def score(self, response: str) -> float:
        return _relation_score(self._count(response), self.capital_relation, self.capital_frequency)


def _case_fraction(text: str, upper: bool) -> float:
    cased = [ch for ch in text if ch.isupper() or ch.islower()]
    if not cased:
        return 0.0
    return sum(1 for ch in cased if ch.isupper() == upper) / len(cased)


@register
@dataclass(frozen=True)
class EnglishCapital(Constraint):
    id: ClassVar[str] = "change_case:english_capital"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return "你的整个回答必须使用英文，并且全部使用大写字母。"
        return "Your entire response should be in English, and in all capital letters."

    def check(self, response: str) -> bool:
        if not response.isupper():
            return False
        return _language_ok(_detect_probs(response), "en")

    def score(self, response: str) -> float:
        return 1.0 if self.check(response) else min(_case_fraction(response, upper=True), 0.99)


@register
@dataclass(frozen=True)
class EnglishLowercase(Constraint):
    id: ClassVar[str] = "change_case:english_lowercase"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return "你的整个回答必须使用英文，并且全部使用小写字母，不允许出现任何大写字母。"
        return ("Your entire response should be in English, and in all lowercase letters. No capital letters are "
                "allowed.")

    def check(self, response: str) -> bool:
        if not response.islower():
            return False
        return _language_ok(_detect_probs(response), "en")

    def score(self, response: str) -> float:
        return 1.0 if self.check(response) else min(_case_fraction(response, upper=False), 0.99)


# ----- punctuation --------------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class NoComma(Constraint):
    id: ClassVar[str] = "punctuation:no_comma"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            return "在整个回答中，不要使用任何英文逗号（,）。"
        return "In your entire response, refrain from the use of any commas."

    def check(self, response: str) -> bool:
        return "," not in response

    def score(self, response: str) -> float:
        return 1.0 / (1.0 + response.count(","))


IFEVAL_IDS: tuple[str, ...] = (
    "keywords:existence", "keywords:frequency", "keywords:forbidden_words", "keywords:letter_frequency",
    "language:response_language", "length_constraints:number_sentences", "length_constraints:number_paragraphs",
    "length_constraints:number_words", "length_constraints:nth_paragraph_first_word",
    "detectable_content:number_placeholders", "detectable_content:postscript", "detectable_format:number_bullet_lists",
    "detectable_format:constrained_response", "detectable_format:number_highlighted_sections",
    "detectable_format:multiple_sections", "detectable_format:json_format", "detectable_format:title",
    "combination:two_responses", "combination:repeat_prompt", "startend:end_checker", "startend:quotation",
    "change_case:capital_word_frequency", "change_case:english_capital", "change_case:english_lowercase",
    "punctuation:no_comma",
)

__all__ = ["IFEVAL_IDS", "LANGUAGES", "count_bullets", "count_capital_words", "count_placeholders", "count_sentences",
           "count_words", "has_title"]
