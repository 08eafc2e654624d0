"""IFBench `count:*` constraints (9). Semantics and quirks: see the `lightif.constraints.ifbench` docstring."""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import ClassVar

from lightif.constraints import register
from lightif.constraints.base import at_least_score, closeness, quirks_fixed
from lightif.constraints.ifbench_common import (
    DELETE_PUNCT,
    PUNCT_SPACE,
    IFBenchConstraint,
    iter_sentence_tokens,
    partial,
    word_list,
)

_WORD_RE = re.compile(r"\w+")
_DIGITS_RE = re.compile(r"\d+")
_JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def count_words(text: str) -> int:
    """IFBench's word count: `\\w+` runs (NLTK `RegexpTokenizer(r"\\w+")`)."""
    return sum(1 for _ in _WORD_RE.finditer(text))


@register
@dataclasses.dataclass(frozen=True)
class WordCountRange(IFBenchConstraint):
    id: ClassVar[str] = "count:word_count_range"
    min_words: int
    max_words: int

    def validate(self) -> None:
        self.require_non_negative("min_words")
        if self.max_words < self.min_words:
            self.bad("max_words", f"an integer >= min_words ({self.min_words})")

    def describe(self, lang: str = "en") -> str:
        return f"The response must contain between {self.min_words} and {self.max_words} words."

    def check(self, response: str) -> bool:
        return self.min_words <= count_words(response) <= self.max_words

    def score(self, response: str) -> float:
        n = count_words(response)
        target = self.min_words if n < self.min_words else self.max_words
        return partial(self.check(response), closeness(n, target))


@register
@dataclasses.dataclass(frozen=True)
class UniqueWordCount(IFBenchConstraint):
    id: ClassVar[str] = "count:unique_word_count"
    N: int

    def validate(self) -> None:
        self.require_non_negative("N")

    def describe(self, lang: str = "en") -> str:
        return f"Use at least {self.N} unique words in the response."

    def _unique(self, response: str) -> int:
        words = {w.strip(PUNCT_SPACE) for w in response.lower().split()}
        if quirks_fixed():
            words.discard("")  # official: a punctuation-only token ("--") counts as the unique word ""
        return len(words)

    def check(self, response: str) -> bool:
        return self._unique(response) >= self.N

    def score(self, response: str) -> float:
        return partial(self.check(response), at_least_score(self._unique(response), self.N))


@register
@dataclasses.dataclass(frozen=True)
class Conjunctions(IFBenchConstraint):
    id: ClassVar[str] = "count:conjunctions"
    small_n: int

    def validate(self) -> None:
        self.require_non_negative("small_n")

    def describe(self, lang: str = "en") -> str:
        return f"Use at least {self.small_n} different coordinating conjunctions in the response."

    def _distinct(self, response: str) -> int:
        conj = frozenset(word_list("conjunctions"))
        hits = [w for w in response.split() if w.strip(PUNCT_SPACE).lower() in conj]
        if quirks_fixed():
            return len({w.strip(PUNCT_SPACE).lower() for w in hits})
        # official: the set holds the raw tokens, so "and", "And" and "and," are three different conjunctions
        return len(set(hits))

    def check(self, response: str) -> bool:
        return self._distinct(response) >= self.small_n

    def score(self, response: str) -> float:
        return partial(self.check(response), at_least_score(self._distinct(response), self.small_n))


@register
@dataclasses.dataclass(frozen=True)
class PersonNames(IFBenchConstraint):
    id: ClassVar[str] = "count:person_names"
    N: int

    def validate(self) -> None:
        self.require_non_negative("N")

    def describe(self, lang: str = "en") -> str:
        names = ", ".join(word_list("person_names"))
        return (f"Mention at least {self.N} different person names in the response, from this list of person names: "
                f"{names} .")

    @staticmethod
    def _found(response: str) -> int:
        # upstream searches r"\bName\b" once per name (case-sensitive). The names consist of word characters only,
        # so such a match is exactly a maximal \w+ run equal to the name: one pass over the text instead of 50.
        return len(set(_WORD_RE.findall(response)).intersection(word_list("person_names")))

    def check(self, response: str) -> bool:
        return self._found(response) >= self.N

    def score(self, response: str) -> float:
        return partial(self.check(response), at_least_score(self._found(response), self.N))


@register
@dataclasses.dataclass(frozen=True)
class Numbers(IFBenchConstraint):
    id: ClassVar[str] = "count:numbers"
    N: int

    def validate(self) -> None:
        self.require_non_negative("N")

    def describe(self, lang: str = "en") -> str:
        return f"Include exactly {self.N} numbers in the response."

    @staticmethod
    def _count(response: str) -> int:
        # punctuation is deleted first, so "3.14" and "1,000" are one number each (and so is "10-20")
        return sum(1 for _ in _DIGITS_RE.finditer(response.translate(DELETE_PUNCT)))

    def check(self, response: str) -> bool:
        return self._count(response) == self.N

    def score(self, response: str) -> float:
        return partial(self.check(response), closeness(self._count(response), self.N))


@register
@dataclasses.dataclass(frozen=True)
class PunctuationCover(IFBenchConstraint):
    id: ClassVar[str] = "count:punctuation"

    def describe(self, lang: str = "en") -> str:
        return ("Use every standard punctuation mark at least once, including semicolons, colons, and the "
                "interrobang (?!).")

    def check(self, response: str) -> bool:
        if not ("!?" in response or "?!" in response or "‽" in response):
            return False
        # one interrobang is consumed first, so its '?' and '!' do not count as the plain marks
        rest = response.replace("?!", "", 1)
        if len(rest) == len(response):
            rest = response.replace("!?", "", 1)
        return all(mark in rest for mark in ".,!?;:")


@register
@dataclasses.dataclass(frozen=True)
class WordsJapanese(IFBenchConstraint):
    id: ClassVar[str] = "count:words_japanese"
    N: int

    def validate(self) -> None:
        self.require_positive("N")

    def describe(self, lang: str = "en") -> str:
        # official phrasing, including its "st/nd/rd" variants that drop the word "word" (11 -> "11st")
        if self.N % 10 == 1:
            return f"Every {self.N}st of your response must be in Japanese."
        if self.N % 10 == 2:
            return f"Every {self.N}nd of your response must be in Japanese."
        if self.N % 10 == 3:
            return f"Every {self.N}rd of your response must be in Japanese."
        return f"Every {self.N}th word of your response must be in Japanese."

    def check(self, response: str) -> bool:
        words = response.split()
        for i in range(self.N - 1, len(words), self.N):
            word = words[i].strip(PUNCT_SPACE)
            if word and not word.isdigit() and not _JAPANESE_RE.search(word):
                return False
        return True


@register
@dataclasses.dataclass(frozen=True)
class Pronouns(IFBenchConstraint):
    id: ClassVar[str] = "count:pronouns"
    N: int

    def validate(self) -> None:
        self.require_non_negative("N")

    def describe(self, lang: str = "en") -> str:
        return f"The response should include at least {self.N} pronouns."

    def _count(self, response: str, stop_at: int) -> int:
        # '/' becomes a space so "she/her/hers" counts three times; tokens come from the lower-cased text
        pronouns = _pronoun_set()
        per_sentence: dict[str, int] = {}  # degenerate text repeats its sentences thousands of times
        n = 0
        for sent, tokens in iter_sentence_tokens(response.replace("/", " ").lower()):
            k = per_sentence.get(sent)
            if k is None:
                k = per_sentence[sent] = sum(1 for tok in tokens if tok in pronouns)
            n += k
            if n >= stop_at:
                break
        return n

    def check(self, response: str) -> bool:
        return self._count(response, stop_at=max(self.N, 1)) >= self.N

    def score(self, response: str) -> float:
        n = self._count(response, stop_at=max(self.N, 1))
        return partial(n >= self.N, at_least_score(n, self.N))


@functools.cache
def _pronoun_set() -> frozenset[str]:
    return frozenset(word_list("pronouns"))


@register
@dataclasses.dataclass(frozen=True)
class KeywordsMultiple(IFBenchConstraint):
    id: ClassVar[str] = "count:keywords_multiple"
    keyword1: str
    keyword2: str
    keyword3: str
    keyword4: str
    keyword5: str
    TIMES: ClassVar[tuple[int, ...]] = (1, 2, 3, 5, 7)

    def validate(self) -> None:
        self.require_text("keyword1", "keyword2", "keyword3", "keyword4", "keyword5")

    def _keywords(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in (self.keyword1, self.keyword2, self.keyword3, self.keyword4, self.keyword5))

    def describe(self, lang: str = "en") -> str:
        k = self._keywords()
        return (f"Include keyword {k[0]} once in your response, keyword {k[1]} twice in your response, keyword {k[2]} "
                f"three times in your response, keyword {k[3]} five times in your response, and keyword {k[4]} seven "
                f"times in your response.")

    def _counts(self, response: str) -> list[int]:
        low = response.lower()
        if quirks_fixed():  # whole words only: "art" must not be counted inside "start"
            return [len(re.findall(rf"\b{re.escape(k.lower())}\b", low)) for k in self._keywords()]
        return [low.count(k.lower()) for k in self._keywords()]  # official: substring counts

    def check(self, response: str) -> bool:
        return all(c == t for c, t in zip(self._counts(response), self.TIMES))

    def score(self, response: str) -> float:
        counts = self._counts(response)
        return partial(self.check(response), sum(closeness(c, t) for c, t in zip(counts, self.TIMES)) / 5)
