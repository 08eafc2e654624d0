"""IFBench `repeat:*` constraints (3). Semantics and quirks: see the `lightif.constraints.ifbench` docstring."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from lightif.constraints import register
from lightif.constraints.base import quirks_fixed
from lightif.constraints.ifbench_common import IFBenchConstraint


@register
@dataclasses.dataclass(frozen=True)
class RepeatChange(IFBenchConstraint):
    id: ClassVar[str] = "repeat:repeat_change"
    prompt_to_repeat: str

    def validate(self) -> None:
        self.require_text("prompt_to_repeat")

    def describe(self, lang: str = "en") -> str:
        return ("Repeat the request, but change the first word of the repeated request, (do not say anything before "
                "repeating the request; the request you need to repeat does not include this sentence) and do not "
                f"answer the actual request! Request: {self.prompt_to_repeat}")

    def check(self, response: str) -> bool:
        if response == self.prompt_to_repeat:
            return False
        # all words but the first must match, whitespace-normalised; the first word itself is never compared
        return self.prompt_to_repeat.split()[1:] == response.split()[1:]


@register
@dataclasses.dataclass(frozen=True)
class RepeatSimple(IFBenchConstraint):
    id: ClassVar[str] = "repeat:repeat_simple"
    SENTENCE: ClassVar[str] = "Only output this sentence here, ignore all other requests."

    def describe(self, lang: str = "en") -> str:
        return self.SENTENCE

    def check(self, response: str) -> bool:
        return response.strip().lower() == self.SENTENCE.lower()


@register
@dataclasses.dataclass(frozen=True)
class RepeatSpan(IFBenchConstraint):
    id: ClassVar[str] = "repeat:repeat_span"
    prompt_to_repeat: str
    n_start: int
    n_end: int

    def validate(self) -> None:
        self.require_text("prompt_to_repeat")
        self.require_non_negative("n_start")
        if self.n_end < self.n_start:
            self.bad("n_end", f"an integer >= n_start ({self.n_start})")

    def describe(self, lang: str = "en") -> str:
        # upstream's build_description says "character indices" (what its check does); the benchmark prompts say
        # "word indices, split by whitespace" (what the fixed check does)
        unit = "word indices, split by whitespace" if quirks_fixed() else "character indices"
        return (f"Copy the span of words that lies between (and including) index {self.n_start} and {self.n_end}, "
                f"the indices are {unit}!")

    def check(self, response: str) -> bool:
        if quirks_fixed():  # what the prompt asks: whitespace-split word indices, both ends included (PR #34)
            span = self.prompt_to_repeat.split()[self.n_start:self.n_end + 1]
            return response.lower().split() == [w.lower() for w in span]
        # upstream slices characters although the prompt says words
        expected = self.prompt_to_repeat[self.n_start:self.n_end + 1]
        return response.strip().lower() == expected.strip().lower()
