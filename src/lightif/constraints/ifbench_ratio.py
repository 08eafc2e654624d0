"""IFBench `ratio:*` constraints (5). Semantics and quirks: see the `lightif.constraints.ifbench` docstring."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from lightif.constraints import register
from lightif.constraints.base import closeness, quirks_fixed
from lightif.constraints.ifbench_common import (
    IFBenchConstraint,
    alnum_tokens,
    iter_sentences,
    partial,
    sentences,
    stopwords,
)

_WORD_RE = re.compile(r"\w+")
_CLOSERS = "\"')]}”’»"


def _stop_counts(response: str) -> tuple[int, int]:
    words = _WORD_RE.findall(response)
    stops = stopwords()
    return sum(1 for w in words if w.lower() in stops), len(words)


@register
@dataclasses.dataclass(frozen=True)
class StopWords(IFBenchConstraint):
    id: ClassVar[str] = "ratio:stop_words"
    percentage: int

    def validate(self) -> None:
        if not 0 <= self.percentage <= 100:
            self.bad("percentage", "an integer in [0, 100]")

    def describe(self, lang: str = "en") -> str:
        return (f"Ensure that stop words constitute no more than {self.percentage}% of the total words in your "
                f"response.")

    def check(self, response: str) -> bool:
        stops, total = _stop_counts(response)
        if total == 0:
            return False
        if quirks_fixed():
            return 100 * stops <= self.percentage * total  # exact: 7 of 25 words is 28 %, which is allowed
        # official float arithmetic: (7 / 25) * 100 == 28.000000000000004 > 28, so an exact hit can fail
        return (stops / total) * 100 <= self.percentage

    def score(self, response: str) -> float:
        stops, total = _stop_counts(response)
        if total == 0:
            return 0.0
        return partial(self.check(response), 1.0 - max(0.0, stops / total * 100 - self.percentage) / 100)


def _ending(sentence: str) -> str:
    """The sentence's last character; with quirks fixed, after closing quotes/brackets (`He said "yes."`)."""
    if quirks_fixed():
        sentence = sentence.rstrip().rstrip(_CLOSERS)
    return sentence[-1:] if sentence else ""


def _type_counts(response: str) -> tuple[int, int, int]:
    ends = [_ending(s) for s in sentences(response)]
    return ends.count("."), ends.count("?"), ends.count("!")


@register
@dataclasses.dataclass(frozen=True)
class SentenceType(IFBenchConstraint):
    id: ClassVar[str] = "ratio:sentence_type"

    def describe(self, lang: str = "en") -> str:
        return "Maintain a 2:1 ratio of declarative to interrogative sentences."

    def check(self, response: str) -> bool:
        decl, inter, _ = _type_counts(response)
        if quirks_fixed() and inter == 0:
            return False  # official: 0 == 2 * 0 passes a response without any question
        return decl == 2 * inter


@register
@dataclasses.dataclass(frozen=True)
class SentenceBalance(IFBenchConstraint):
    id: ClassVar[str] = "ratio:sentence_balance"

    def describe(self, lang: str = "en") -> str:
        return "Ensure that the ratio of sentence types (declarative, interrogative, exclamatory) is balanced."

    def check(self, response: str) -> bool:
        decl, inter, excl = _type_counts(response)
        if quirks_fixed() and decl == 0:
            return False  # official: 0 == 0 == 0 passes a response with no terminal punctuation at all
        return decl == inter == excl


def _char_trigrams(text: str) -> set[str]:
    return {text[i:i + 3] for i in range(len(text) - 2)}


def _word_trigrams(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD_RE.findall(text)]
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


@register
@dataclasses.dataclass(frozen=True)
class Overlap(IFBenchConstraint):
    id: ClassVar[str] = "ratio:overlap"
    reference_text: str
    percentage: int

    def validate(self) -> None:
        if not 0 <= self.percentage <= 100:
            self.bad("percentage", "an integer in [0, 100]")

    def describe(self, lang: str = "en") -> str:
        return f"Maintain a trigram overlap of {self.percentage}% (±2%) with the provided reference text."

    def _overlap(self, response: str) -> float | None:
        grams = _word_trigrams if quirks_fixed() else _char_trigrams  # official: character trigrams (PR #34)
        mine = grams(response)
        if not mine:
            return None
        return len(mine & grams(self.reference_text)) / len(mine)

    def check(self, response: str) -> bool:
        ov = self._overlap(response)
        if ov is None:
            return False
        return self.percentage - 2 <= ov * 100 <= self.percentage + 2

    def score(self, response: str) -> float:
        ov = self._overlap(response)
        return 0.0 if ov is None else partial(self.check(response), closeness(ov * 100, self.percentage))


@register
@dataclasses.dataclass(frozen=True)
class SentenceWords(IFBenchConstraint):
    id: ClassVar[str] = "ratio:sentence_words"

    def describe(self, lang: str = "en") -> str:
        return ("Respond with three sentences, all containing the same number of characters but using all different "
                "words.")

    def check(self, response: str) -> bool:
        sents = []
        for s in iter_sentences(response):  # stop at a fourth sentence instead of tokenizing everything
            sents.append(s)
            if len(sents) > 3:
                return False
        if len(sents) != 3 or len({len(s.strip()) for s in sents}) != 1:
            return False
        if quirks_fixed():  # official never checks "all different words" (evalscope #1675)
            words = [w.casefold() for s in sents for w in alnum_tokens(s)]
            return bool(words) and len(words) == len(set(words))
        return True
