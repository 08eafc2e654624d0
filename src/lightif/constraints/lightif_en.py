"""Light-IF English constraint family (`lightif_en:*`): the checks of the official en reward, one class per rule.

Semantics follow the official checker (Qihoo360/Light-IF @ 01e9003, `rl/verl/verl/utils/reward_score/IF.py`,
`validate_article_en` = strict verdict and `validate_article_step_score_en` = partial credit); each class carries the
official partial-credit `weight` (LIGHT_IF_METHOD.md §6.3). Keyword and letter counts are case-sensitive substring
counts, as officially.

`ignore_text` (every class but `repeat_prompt`): the official checker removes the repeated request from the answer
(`answer.replace(request, "").strip()`) before all other checks when the record asks for a repetition. Our classes are
checked independently, so `lightif.jqzl` passes that request as `ignore_text` to reproduce the official counts.

Deviations from the official code:
- `nth_paragraph_first_word`: the official code split on the record's `paragraphs` separator even when it was empty,
  which raised (`split("")`) and zeroed the whole reward; our separator is required and defaults to "\\n\\n".
- `check_code` (official "type B" records) is a registered spec so such records load and validate, but its `check`
  never executes the code: only `lightif.rewards` runs it, through the `lightif.sandbox` subprocess, when enabled (D6).
- `check` on an empty/whitespace answer is always False (registry rule).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self

from lightif.constraints import lightif_zh as zh
from lightif.constraints import register
from lightif.constraints.base import Constraint, at_least_score, closeness, less_than_score
from lightif.constraints.lightif_zh import _draw, at_most_score, count_in_range_score, times

# The fixed instruction sentence of the official repeat-the-request records (removed from the query to get the
# request that must be repeated).
REPEAT_SENTENCE = ("First repeat the request word for word without change, then give your answer (1. do not say any "
                   "words or characters before repeating the request; 2. the request you need to repeat does not "
                   "include this sentence).")
EN_KEYWORDS = ("data", "future", "river", "light", "energy", "growth", "team", "design", "ocean", "trust")
_WORD = re.compile(r"\b\w+\b")
_HIGHLIGHT = re.compile(r"(\*[^*]+\*|_[^_]+_)")
_PLACEHOLDER = re.compile(r"\[[^\[\]]+\]")
_SENT_END = re.compile(r"[.!?]")
Separator = Literal["\n\n", "\n\n\n", "***"]
_SEP_NAME = {"\n\n": "one blank line", "\n\n\n": "two blank lines", "***": "the markdown divider ***"}
_SEP_ZH = {"\n\n": "一个空行", "\n\n\n": "两个空行", "***": "分隔符 ***"}


# ----- counting helpers ---------------------------------------------------------------------------------------------
def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def count_caps_words(text: str) -> int:
    """Whitespace tokens that are all upper case and at least 2 characters long (official rule)."""
    return sum(1 for w in text.split() if len(w) >= 2 and w.isupper())


def count_sentences(text: str) -> int:
    """Non-blank pieces of `text.strip()` split on . ! ? (official rule; "3.5" counts as two pieces)."""
    return sum(1 for s in _SENT_END.split(text.strip()) if s.strip())


def split_paragraphs(text: str, separator: str) -> list[str]:
    """Non-blank chunks between separators, unstripped (official rule)."""
    return [p for p in text.split(separator) if p.strip()]


@dataclass(frozen=True)
class _En(Constraint):
    ignore_text: str = field(default="", kw_only=True)
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")

    def body(self, response: str) -> str:
        """The answer with the repeated request removed (official: `answer.replace(request, "").strip()`)."""
        return response.replace(self.ignore_text, "").strip() if self.ignore_text else response


def _when(lang: str, en: str, zh_text: str) -> str:
    return zh_text if lang == "zh" else en


# ----- repeat the request -------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class RepeatPrompt(Constraint):
    """The answer starts with the request, word for word."""

    prompt_to_repeat: str
    id: ClassVar[str] = "lightif_en:repeat_prompt"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if not self.prompt_to_repeat.strip():
            self.bad("prompt_to_repeat", "a non-empty string")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, REPEAT_SENTENCE,
                     "请先一字不差地重复上面的请求（不包括这句话），然后再给出回答；重复之前不要输出任何内容。")

    def check(self, response: str) -> bool:
        return response.startswith(self.prompt_to_repeat)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, prompt_to_repeat=rng.choice(["Write a short story about a lighthouse keeper.",
                                                              "Describe your favourite season in detail."]))


# ----- simple markers -----------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class Highlights(_En):
    """At least N `*highlighted*` or `_highlighted_` spans."""

    num_highlights: int
    id: ClassVar[str] = "lightif_en:highlights_at_least"
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        if self.num_highlights < 1:
            self.bad("num_highlights", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Highlight at least {self.num_highlights} sections with markdown, i.e. *highlighted "
                     "section*.",
                     f"用 markdown 至少突出显示{self.num_highlights}处内容，例如 *突出部分*。")

    def count(self, response: str) -> int:
        return len(_HIGHLIGHT.findall(self.body(response)))

    def check(self, response: str) -> bool:
        return self.count(response) >= self.num_highlights

    def score(self, response: str) -> float:
        return at_least_score(self.count(response), self.num_highlights)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, num_highlights=rng.randint(1, 4))


@register
@dataclass(frozen=True)
class Placeholders(_En):
    """At least N `[placeholder]` spans (no nested brackets)."""

    num_placeholders: int
    id: ClassVar[str] = "lightif_en:placeholders_at_least"
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        if self.num_placeholders < 1:
            self.bad("num_placeholders", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Include at least {self.num_placeholders} placeholders in square brackets, such as "
                     "[address].",
                     f"回答中至少包含{self.num_placeholders}个方括号占位符，例如 [地址]。")

    def count(self, response: str) -> int:
        return len(_PLACEHOLDER.findall(self.body(response)))

    def check(self, response: str) -> bool:
        return self.count(response) >= self.num_placeholders

    def score(self, response: str) -> float:
        return at_least_score(self.count(response), self.num_placeholders)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, num_placeholders=rng.randint(1, 4))


@register
@dataclass(frozen=True)
class Bullets(_En):
    """Exactly N lines starting with "* "."""

    num_bullets: int
    id: ClassVar[str] = "lightif_en:bullets_exactly"
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if self.num_bullets < 1:
            self.bad("num_bullets", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Your answer must contain exactly {self.num_bullets} bullet points, each line starting "
                     "with '* '.", f"回答必须恰好包含{self.num_bullets}个要点，每行以“* ”开头。")

    def count(self, response: str) -> int:
        return sum(1 for line in self.body(response).split("\n") if line.startswith("* "))

    def check(self, response: str) -> bool:
        return self.count(response) == self.num_bullets

    def score(self, response: str) -> float:
        return closeness(self.count(response), self.num_bullets)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, num_bullets=rng.randint(2, 6))


# ----- counted ranges: words, all-caps words ----------------------------------------------------------------------
class _Words:
    """Mixin: what `_Range`/`_Min`/`_Max`/`_Exact` count (listed first in the bases so it wins the MRO)."""

    noun: ClassVar[tuple[str, str]] = ("words", "个单词")

    def measure(self, response: str) -> int:
        return count_words(self.body(response))  # type: ignore[attr-defined]


class _Caps:
    noun: ClassVar[tuple[str, str]] = ("words in ALL CAPITAL letters", "个全大写单词")

    def measure(self, response: str) -> int:
        return count_caps_words(self.body(response))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Range(_En):
    min_count: int
    max_count: int
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if self.min_count < 1:
            self.bad("min_count", "an integer >= 1")
        if self.max_count <= self.min_count:
            self.bad("max_count", f"an integer > min_count ({self.min_count})")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Use between {self.min_count} and {self.max_count} {self.noun[0]}.",
                     f"回答使用{self.min_count}到{self.max_count}{self.noun[1]}。")

    def check(self, response: str) -> bool:
        return self.min_count <= self.measure(response) <= self.max_count

    def score(self, response: str) -> float:
        return count_in_range_score(self.measure(response), self.min_count, self.max_count)


@dataclass(frozen=True)
class _Min(_En):
    min_count: int
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        if self.min_count < 1:
            self.bad("min_count", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Use at least {self.min_count} {self.noun[0]}.",
                     f"回答至少使用{self.min_count}{self.noun[1]}。")

    def check(self, response: str) -> bool:
        return self.measure(response) >= self.min_count

    def score(self, response: str) -> float:
        return at_least_score(self.measure(response), self.min_count)


@dataclass(frozen=True)
class _Max(_En):
    max_count: int
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        if self.max_count < 1:
            self.bad("max_count", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Use at most {self.max_count} {self.noun[0]}.",
                     f"回答最多使用{self.max_count}{self.noun[1]}。")

    def check(self, response: str) -> bool:
        return self.measure(response) <= self.max_count

    def score(self, response: str) -> float:
        return at_most_score(self.measure(response), self.max_count)


@dataclass(frozen=True)
class _Exact(_En):
    count: int
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if self.count < 1:
            self.bad("count", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Use exactly {self.count} {self.noun[0]}.", f"回答恰好使用{self.count}{self.noun[1]}。")

    def check(self, response: str) -> bool:
        return self.measure(response) == self.count

    def score(self, response: str) -> float:
        return closeness(self.measure(response), self.count)


def _sample_counted(cls, rng: random.Random, fixed: dict, lo: int, hi: int):
    a = rng.randint(lo, hi)
    if issubclass(cls, _Range):
        return _draw(cls, fixed, min_count=a, max_count=a + rng.randint(1, max(1, hi - lo)))
    if issubclass(cls, _Min):
        return _draw(cls, fixed, min_count=a)
    if issubclass(cls, _Max):
        return _draw(cls, fixed, max_count=a)
    return _draw(cls, fixed, count=a)


@register
@dataclass(frozen=True)
class WordCountRange(_Words, _Range):
    id: ClassVar[str] = "lightif_en:word_count_range"

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_counted(cls, rng, fixed, 50, 400)


@register
@dataclass(frozen=True)
class WordCountMin(_Words, _Min):
    id: ClassVar[str] = "lightif_en:word_count_min"

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_counted(cls, rng, fixed, 50, 400)


@register
@dataclass(frozen=True)
class WordCountMax(_Words, _Max):
    id: ClassVar[str] = "lightif_en:word_count_max"

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_counted(cls, rng, fixed, 50, 400)


@register
@dataclass(frozen=True)
class CapsRange(_Caps, _Range):
    id: ClassVar[str] = "lightif_en:all_caps_range"

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_counted(cls, rng, fixed, 1, 8)


@register
@dataclass(frozen=True)
class CapsExactly(_Caps, _Exact):
    id: ClassVar[str] = "lightif_en:all_caps_exactly"

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_counted(cls, rng, fixed, 1, 8)


@register
@dataclass(frozen=True)
class CapsMin(_Caps, _Min):
    id: ClassVar[str] = "lightif_en:all_caps_min"

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_counted(cls, rng, fixed, 1, 8)


@register
@dataclass(frozen=True)
class CapsMax(_Caps, _Max):
    id: ClassVar[str] = "lightif_en:all_caps_max"

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_counted(cls, rng, fixed, 1, 8)


# ----- keywords: the zh rules on the answer without the repeated request ---------------------------------------------
@dataclass(frozen=True)
class _EnKeyword(_En):
    category: ClassVar[str] = "lightif_en:keywords"
    pool: ClassVar[tuple[str, ...]] = EN_KEYWORDS

    def occurrences(self, response: str) -> int:
        return self.body(response).count(self.keyword)  # type: ignore[attr-defined]


@register
@dataclass(frozen=True)
class KeywordRange(_EnKeyword, zh.KeywordRange):
    id: ClassVar[str] = "lightif_en:keyword_range"


@register
@dataclass(frozen=True)
class KeywordAtLeast(_EnKeyword, zh.KeywordAtLeast):
    id: ClassVar[str] = "lightif_en:keyword_at_least"


@register
@dataclass(frozen=True)
class KeywordExactly(_EnKeyword, zh.KeywordExactly):
    id: ClassVar[str] = "lightif_en:keyword_exactly"


@register
@dataclass(frozen=True)
class KeywordAtMost(_EnKeyword, zh.KeywordAtMost):
    id: ClassVar[str] = "lightif_en:keyword_at_most"


@register
@dataclass(frozen=True)
class KeywordForbidden(_EnKeyword, zh.KeywordForbidden):
    id: ClassVar[str] = "lightif_en:keyword_forbidden"


# ----- sentences (split on . ! ?) -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Sentences(_En):
    num_sentences: int

    def validate(self) -> None:
        if self.num_sentences < 1:
            self.bad("num_sentences", "an integer >= 1")

    def count(self, response: str) -> int:
        return count_sentences(self.body(response))

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, num_sentences=rng.randint(3, 12))


@register
@dataclass(frozen=True)
class SentencesLess(_Sentences):
    """Fewer than N sentences (official `sentences_style` -1)."""

    id: ClassVar[str] = "lightif_en:sentence_count_less"
    weight: ClassVar[float] = 0.05

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Your response should contain less than {self.num_sentences} sentences.",
                     f"回答少于{self.num_sentences}句话。")

    def check(self, response: str) -> bool:
        return self.count(response) < self.num_sentences

    def score(self, response: str) -> float:
        return less_than_score(self.count(response), self.num_sentences)


@register
@dataclass(frozen=True)
class SentencesExactly(_Sentences):
    """Exactly N sentences (official `sentences_style` 0)."""

    id: ClassVar[str] = "lightif_en:sentence_count_exactly"
    weight: ClassVar[float] = 0.2

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Your response should contain exactly {self.num_sentences} sentences.",
                     f"回答恰好{self.num_sentences}句话。")

    def check(self, response: str) -> bool:
        return self.count(response) == self.num_sentences

    def score(self, response: str) -> float:
        return closeness(self.count(response), self.num_sentences)


@register
@dataclass(frozen=True)
class SentencesMore(_Sentences):
    """More than N sentences (official `sentences_style` 1)."""

    id: ClassVar[str] = "lightif_en:sentence_count_more"
    weight: ClassVar[float] = 0.05

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Your response should contain more than {self.num_sentences} sentences.",
                     f"回答多于{self.num_sentences}句话。")

    def check(self, response: str) -> bool:
        return self.count(response) > self.num_sentences

    def score(self, response: str) -> float:
        return at_least_score(self.count(response), self.num_sentences + 1)


# ----- letter frequency (case-sensitive) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Letter(_En):
    letter: str

    def validate(self) -> None:
        if not self.letter:
            self.bad("letter", "a non-empty string")

    def count(self, response: str) -> int:
        return self.body(response).count(self.letter)


def _sample_letter(cls, rng: random.Random, fixed: dict, **extra: Any):
    return _draw(cls, fixed, letter=rng.choice("abcdeghilmnoprstuwy"), **extra)


@register
@dataclass(frozen=True)
class LetterAtLeast(_Letter):
    min_count: int
    id: ClassVar[str] = "lightif_en:letter_at_least"
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        super().validate()
        if self.min_count < 1:
            self.bad("min_count", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"The letter '{self.letter}' should appear at least {times(self.min_count)}.",
                     f"字母“{self.letter}”至少出现{self.min_count}次。")

    def check(self, response: str) -> bool:
        return self.count(response) >= self.min_count

    def score(self, response: str) -> float:
        return at_least_score(self.count(response), self.min_count)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_letter(cls, rng, fixed, min_count=rng.randint(3, 30))


@register
@dataclass(frozen=True)
class LetterAtMost(_Letter):
    max_count: int
    id: ClassVar[str] = "lightif_en:letter_at_most"
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        super().validate()
        if self.max_count < 1:
            self.bad("max_count", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"The letter '{self.letter}' should appear at most {times(self.max_count)}.",
                     f"字母“{self.letter}”最多出现{self.max_count}次。")

    def check(self, response: str) -> bool:
        return self.count(response) <= self.max_count

    def score(self, response: str) -> float:
        return at_most_score(self.count(response), self.max_count)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _sample_letter(cls, rng, fixed, max_count=rng.randint(3, 30))


@register
@dataclass(frozen=True)
class LetterForbidden(_Letter):
    id: ClassVar[str] = "lightif_en:letter_forbidden"
    weight: ClassVar[float] = 0.2

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Do not use the letter '{self.letter}' anywhere in your response.",
                     f"回答中不得出现字母“{self.letter}”。")

    def check(self, response: str) -> bool:
        return self.count(response) == 0

    def score(self, response: str) -> float:
        return closeness(self.count(response), 0)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, letter=rng.choice("jqxzkv"))


# ----- paragraphs, ending, first word -------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class ParagraphCount(_En):
    """Exactly N non-blank chunks between separators."""

    num_paragraphs: int
    separator: Separator = "\n\n"
    id: ClassVar[str] = "lightif_en:paragraph_count"
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if self.num_paragraphs < 1:
            self.bad("num_paragraphs", "an integer >= 1")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"There should be exactly {self.num_paragraphs} paragraphs, separated by "
                     f"{_SEP_NAME[self.separator]}.",
                     f"全文恰好{self.num_paragraphs}段，段落之间用{_SEP_ZH[self.separator]}分隔。")

    def count(self, response: str) -> int:
        return len(split_paragraphs(self.body(response), self.separator))

    def check(self, response: str) -> bool:
        return self.count(response) == self.num_paragraphs

    def score(self, response: str) -> float:
        return closeness(self.count(response), self.num_paragraphs)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, num_paragraphs=rng.randint(2, 6), separator=rng.choice(["\n\n", "\n\n\n", "***"]))


@register
@dataclass(frozen=True)
class EndPhrase(_En):
    """The answer ends with the exact phrase."""

    end_phrase: str
    id: ClassVar[str] = "lightif_en:end_phrase"
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if not self.end_phrase:
            self.bad("end_phrase", "a non-empty string")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f'Finish your response with this exact phrase: "{self.end_phrase}". No other words should '
                     "follow it.", f"回答必须以“{self.end_phrase}”结尾，之后不能有任何内容。")

    def check(self, response: str) -> bool:
        return self.body(response).endswith(self.end_phrase)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, end_phrase=rng.choice(["Is there anything else I can help with?", "Thank you.",
                                                        "Let me know if you have additional questions."]))


@register
@dataclass(frozen=True)
class NthParagraphFirstWord(_En):
    """The n-th non-blank paragraph starts with `first_word` (a plain prefix test, as officially: "Theory" starts with
    "The")."""

    nth_paragraph: int
    first_word: str
    separator: Separator = "\n\n"
    id: ClassVar[str] = "lightif_en:nth_paragraph_first_word"
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if self.nth_paragraph < 1:
            self.bad("nth_paragraph", "an integer >= 1")
        if not self.first_word:
            self.bad("first_word", "a non-empty string")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, f"Paragraph {self.nth_paragraph} must start with the word \"{self.first_word}\"; "
                     f"paragraphs are separated by {_SEP_NAME[self.separator]}.",
                     f"第{self.nth_paragraph}段必须以“{self.first_word}”开头，段落之间用{_SEP_ZH[self.separator]}分隔。")

    def check(self, response: str) -> bool:
        paras = split_paragraphs(self.body(response), self.separator)
        # lstrip: the official test ran on the raw chunk, so "\n***\nHowever" (a divider on its own line) failed
        return len(paras) >= self.nth_paragraph and paras[self.nth_paragraph - 1].lstrip().startswith(self.first_word)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        return _draw(cls, fixed, nth_paragraph=rng.randint(1, 3),
                     first_word=rng.choice(["However", "First", "Finally"]))


# ----- official "type B": a generated `check_response(response)` function --------------------------------------------
class CheckCodeNotRunHere(RuntimeError):
    """Raised by `CheckCode.check`: generated code is never executed in-process."""


@register
@dataclass(frozen=True)
class CheckCode(Constraint):
    """An official type-B record's generated `def check_response(response) -> bool`. Binary, weight 0 (official point
    score 0 for type B). The code only ever runs in `lightif.sandbox` (a subprocess with a timeout), called by
    `lightif.rewards` when `allow_check_code` is set; `check` here refuses, so evaluation records an error."""

    code: str
    id: ClassVar[str] = "lightif_en:check_code"
    langs: ClassVar[tuple[str, ...]] = ("en", "zh")
    weight: ClassVar[float] = 0.0

    def validate(self) -> None:
        if "def check_response" not in self.code:
            self.bad("code", "Python source defining check_response(response)")

    def describe(self, lang: str = "en") -> str:
        return _when(lang, "(checked by generated code: check_response(response))",
                     "（由生成的代码 check_response 检查）")

    def check(self, response: str) -> bool:
        raise CheckCodeNotRunHere("check_code constraints run only in lightif.sandbox, via the reward with "
                                  "allow_check_code=True")

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "en", **fixed: Any) -> Self:
        # a template check of the kind the official generator wrote (keyword presence + line count)
        word, lines = rng.choice(EN_KEYWORDS), rng.randint(2, 5)
        code = (f"def check_response(response):\n    lines = [l for l in response.split('\\n') if l.strip()]\n"
                f"    return {word!r} in response and len(lines) >= {lines}\n")
        return _draw(cls, fixed, code=code)


CONSTRAINTS = (RepeatPrompt, Highlights, Placeholders, Bullets, WordCountRange, WordCountMin, WordCountMax, CapsRange,
               CapsExactly, CapsMin, CapsMax, KeywordRange, KeywordAtLeast, KeywordExactly, KeywordAtMost,
               KeywordForbidden, SentencesLess, SentencesExactly, SentencesMore, LetterAtLeast, LetterAtMost,
               LetterForbidden, ParagraphCount, EndPhrase, NthParagraphFirstWord, CheckCode)
