"""IFBench `sentence:*` constraints (3). Semantics and quirks: see the `lightif.constraints.ifbench` docstring."""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import ClassVar

from lightif.constraints import register
from lightif.constraints.ifbench_common import DELETE_PUNCT, PUNCT_SPACE, IFBenchConstraint, iter_sentences


def _alliteration(sentence: str) -> int:
    """Words in runs of consecutive words sharing a first letter (a run of k words scores k)."""
    words = [w.lstrip(PUNCT_SPACE) for w in sentence.lower().split()]
    words = [w for w in words if w]
    total, in_run = 0, False
    for a, b in itertools.pairwise(words):
        if a[0] == b[0]:
            total += 1 if in_run else 2
            in_run = True
        else:
            in_run = False
    return total


@register
@dataclasses.dataclass(frozen=True)
class AlliterationIncrement(IFBenchConstraint):
    id: ClassVar[str] = "sentence:alliteration_increment"

    def describe(self, lang: str = "en") -> str:
        return "Each sentence must have a longer sequence of consecutive alliterative words than the previous one."

    def check(self, response: str) -> bool:
        prev = -1
        for sentence in iter_sentences(response):
            cur = _alliteration(sentence)
            if cur <= prev:
                return False
            prev = cur
        return True


@register
@dataclasses.dataclass(frozen=True)
class Keyword(IFBenchConstraint):
    id: ClassVar[str] = "sentence:keyword"
    word: str
    N: int

    def validate(self) -> None:
        self.require_text("word")
        self.require_positive("N")

    def describe(self, lang: str = "en") -> str:
        return f'The response must include keyword "{self.word}" in the {self.N}-th sentence.'

    def check(self, response: str) -> bool:
        sentence = next(itertools.islice(iter_sentences(response), self.N - 1, None), None)
        if sentence is None:
            return False
        return re.search(rf"\b{re.escape(self.word)}\b", sentence, re.IGNORECASE) is not None


@register
@dataclasses.dataclass(frozen=True)
class Increment(IFBenchConstraint):
    id: ClassVar[str] = "sentence:increment"
    small_n: int

    def validate(self) -> None:
        self.require_non_negative("small_n")

    def describe(self, lang: str = "en") -> str:
        return f"Each sentence must contain exactly {self.small_n} more words than the previous one."

    def check(self, response: str) -> bool:
        # words: whitespace tokens once ASCII punctuation is deleted ("it's" -> "its", "--" -> nothing)
        counts = (len(s.translate(DELETE_PUNCT).split()) for s in iter_sentences(response))
        first = next(counts, None)
        if first is None:  # no sentence at all: upstream raises IndexError here
            return False
        prev = first
        for cur in counts:
            if cur != prev + self.small_n:
                return False
            prev = cur
        return True
