"""IFBench `words:*` constraints (13). Semantics and quirks: see the `lightif.constraints.ifbench` docstring."""

from __future__ import annotations

import dataclasses
import itertools
import re
import string
from collections import Counter
from typing import ClassVar

from lightif.constraints import register
from lightif.constraints.base import quirks_fixed
from lightif.constraints.ifbench_common import (
    DELETE_PUNCT,
    PUNCT,
    PUNCT_SPACE,
    IFBenchConstraint,
    alnum_tokens,
    first_pos_tag,
    iter_sentences,
    sentence_tokens,
    sentences,
)

_LETTERS = string.ascii_lowercase
_CLUSTER_RE = re.compile(r"[bcdfghjklmnpqrstvwxyz]{2}")
_PRIMES = frozenset({2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97})


@register
@dataclasses.dataclass(frozen=True)
class AlphabetLoop(IFBenchConstraint):
    id: ClassVar[str] = "words:alphabet"

    def describe(self, lang: str = "en") -> str:
        return "Each word must start with the next letter of the alphabet, looping back to 'A' after 'Z'."

    def check(self, response: str) -> bool:
        words = response.translate(DELETE_PUNCT).strip(PUNCT_SPACE).split()
        if not words:
            return False
        letter = words[0][0].lower()
        if len(letter) != 1 or letter not in _LETTERS:  # digits and non-ASCII letters fail
            return False
        for word in words[1:]:
            letter = _LETTERS[(_LETTERS.index(letter) + 1) % 26]
            if word.lower()[0] != letter:
                return False
        return True


@register
@dataclasses.dataclass(frozen=True)
class Vowel(IFBenchConstraint):
    id: ClassVar[str] = "words:vowel"

    def describe(self, lang: str = "en") -> str:
        return "Write a paragraph using words that contain only three types of vowels."

    def check(self, response: str) -> bool:
        lines = response.strip().split("\n")
        if len(lines) != 1:  # exactly one paragraph: no newline at all inside the stripped response
            return False
        return len(set(lines[0].lower()) & set("aeiou")) <= 3


@register
@dataclasses.dataclass(frozen=True)
class Consonants(IFBenchConstraint):
    id: ClassVar[str] = "words:consonants"

    def describe(self, lang: str = "en") -> str:
        return ("Ensure each word in your response has at least one consonant cluster (two or more consonants "
                "together).")

    def check(self, response: str) -> bool:
        # whitespace tokens with punctuation attached, 'y' is a consonant
        return all(_CLUSTER_RE.search(w) for w in response.lower().strip().split())


@register
@dataclasses.dataclass(frozen=True)
class Palindrome(IFBenchConstraint):
    id: ClassVar[str] = "words:palindrome"

    def describe(self, lang: str = "en") -> str:
        return "Include at least 10 single-word palindromes, each at least 5 characters long."

    @staticmethod
    def _count(response: str) -> int:
        words = response.translate(DELETE_PUNCT).lower().split()
        return sum(1 for w in words if len(w) >= 5 and w == w[::-1])

    def check(self, response: str) -> bool:
        return self._count(response) >= 10

    def score(self, response: str) -> float:
        n = self._count(response)
        return 1.0 if n >= 10 else min(0.99, n / 10)


@register
@dataclasses.dataclass(frozen=True)
class PrimeLengths(IFBenchConstraint):
    id: ClassVar[str] = "words:prime_lengths"

    def describe(self, lang: str = "en") -> str:
        return "Use only words with lengths that are prime numbers."

    def check(self, response: str) -> bool:
        return all(len(w) in _PRIMES for w in response.translate(DELETE_PUNCT).split())


@register
@dataclasses.dataclass(frozen=True)
class StartVerb(IFBenchConstraint):
    id: ClassVar[str] = "words:start_verb"

    def describe(self, lang: str = "en") -> str:
        return "The response must start with a verb."

    def check(self, response: str) -> bool:
        tag = first_pos_tag(response)
        return tag is not None and "VB" in tag


@register
@dataclasses.dataclass(frozen=True)
class Repeats(IFBenchConstraint):
    id: ClassVar[str] = "words:repeats"
    small_n: int

    def validate(self) -> None:
        self.require_non_negative("small_n")

    def describe(self, lang: str = "en") -> str:
        return f"The response should not repeat any word more than {self.small_n} times."

    def check(self, response: str) -> bool:
        counts = Counter(response.lower().translate(DELETE_PUNCT).split())
        return all(c <= self.small_n for c in counts.values())


def _syllables(word: str) -> int:
    import syllapy  # imported lazily: it pulls in pkg_resources

    return syllapy.count(word)


@register
@dataclasses.dataclass(frozen=True)
class OddEvenSyllables(IFBenchConstraint):
    id: ClassVar[str] = "words:odd_even_syllables"

    def describe(self, lang: str = "en") -> str:
        return "Alternate between words with odd and even numbers of syllables."

    def check(self, response: str) -> bool:
        parities = (_syllables(w) % 2 for w in response.translate(DELETE_PUNCT).lower().split())
        return all(a != b for a, b in itertools.pairwise(parities))


@register
@dataclasses.dataclass(frozen=True)
class LastFirst(IFBenchConstraint):
    id: ClassVar[str] = "words:last_first"

    def describe(self, lang: str = "en") -> str:
        return "The last word of each sentence must become the first word of the next sentence."

    def check(self, response: str) -> bool:
        for prev, nxt in itertools.pairwise(iter_sentences(response)):
            last = prev.rstrip(PUNCT_SPACE).split()
            first = nxt.lstrip(PUNCT_SPACE).split()
            if not last or not first or last[-1].lower() != first[0].lower():
                return False
        return True


@register
@dataclasses.dataclass(frozen=True)
class ParagraphLastFirst(IFBenchConstraint):
    id: ClassVar[str] = "words:paragraph_last_first"

    def describe(self, lang: str = "en") -> str:
        return ("Each paragraph must end with the same word it started with, separate paragraphs with a newline.")

    def check(self, response: str) -> bool:
        for paragraph in response.split("\n"):
            words = paragraph.strip().lower().strip(PUNCT_SPACE).split()
            if words and words[0] != words[-1]:
                return False
        return True


@register
@dataclasses.dataclass(frozen=True)
class NoConsecutive(IFBenchConstraint):
    id: ClassVar[str] = "words:no_consecutive"

    def describe(self, lang: str = "en") -> str:
        return "No two consecutive words can share the same first letter."

    def check(self, response: str) -> bool:
        words = response.lower().translate(DELETE_PUNCT).split()
        return all(a[0] != b[0] for a, b in itertools.pairwise(words))


@register
@dataclasses.dataclass(frozen=True)
class KeywordsSpecificPosition(IFBenchConstraint):
    id: ClassVar[str] = "words:keywords_specific_position"
    keyword: str
    n: int
    m: int

    def validate(self) -> None:
        self.require_text("keyword")
        self.require_positive("n", "m")

    def describe(self, lang: str = "en") -> str:
        return (f"Include keyword {self.keyword.strip()} in the {self.n}-th sentence, as the {self.m}-th word of that "
                f"sentence.")

    def check(self, response: str) -> bool:
        sentence = next(itertools.islice(iter_sentences(response), self.n - 1, None), None)
        if sentence is None:
            return False
        words = alnum_tokens(sentence)  # standalone punctuation does not count as a word (IFBench PR #25)
        return len(words) >= self.m and words[self.m - 1].lower() == self.keyword.strip().lower()


@register
@dataclasses.dataclass(frozen=True)
class WordsPosition(IFBenchConstraint):
    id: ClassVar[str] = "words:words_position"
    keyword: str

    def validate(self) -> None:
        self.require_text("keyword")

    def describe(self, lang: str = "en") -> str:
        return (f"The second word in your response and the second to last word in your response should be the word "
                f"{self.keyword.strip()}.")

    def check(self, response: str) -> bool:
        kw = self.keyword.strip().lower()
        if quirks_fixed():  # words only: punctuation tokens anywhere no longer shift the positions (#22, PR #34)
            words = alnum_tokens(response)
            return len(words) >= 2 and words[1].lower() == words[-2].lower() == kw
        head, tail = _end_tokens(response)
        if len(tail) < 2:
            return False
        if tail[-1] in PUNCT:  # a substring test, as upstream: '.', '?' but also pieces like '()'
            return len(tail) >= 3 and head[1].lower() == tail[-3].lower() == kw
        return head[1].lower() == tail[-2].lower() == kw


def _end_tokens(text: str) -> tuple[list[str], list[str]]:
    """The first two and the last three tokens of `nltk.word_tokenize(text)` (all of them if there are fewer).

    Word tokens are the concatenation of per-sentence tokens, so only the first and last sentences need the
    Treebank tokenizer (the 100 KB worst case drops from ~350 ms to the Punkt pass alone).
    """
    sents = sentences(text)
    tail: list[str] = []
    for sent in reversed(sents):
        tail = list(sentence_tokens(sent)) + tail
        if len(tail) >= 3:
            break
    head: list[str] = []
    for sent in sents:
        head.extend(sentence_tokens(sent))
        if len(head) >= 2:
            break
    return head[:2], tail[-3:]
