"""Shared text helpers and the base class of the IFBench family (`lightif.constraints.ifbench`).

Everything here is lazy and offline: NLTK is pointed at the bundled data (`ensure_nltk`) on first use, the Punkt
sentence tokenizer and the averaged-perceptron tagger are loaded once per process (the official code reloads the
tagger on every `pos_tag` call), and word lists come from `lightif/resources/ifbench/*.txt`.

Sentence and word tokenization are exactly NLTK's `sent_tokenize` / `word_tokenize` (English Punkt + the improved
Treebank tokenizer), but exposed as generators so checkers that can decide early (the N-th sentence, the first
token, the first failing pair) do not tokenize a 100 KB response to the end.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import string
import typing
from collections.abc import Iterator
from typing import Any, Self

from lightif.constraints.base import Constraint
from lightif.constraints.tokenize import punkt as _punkt, treebank_tokenize, treebank_tokenize_many
from lightif.resources import ensure_nltk, resource_path

PUNCT = string.punctuation
PUNCT_SPACE = PUNCT + " "
# str.translate table that deletes ASCII punctuation (the official `str.maketrans('', '', string.punctuation)`)
DELETE_PUNCT = str.maketrans("", "", PUNCT)


@functools.cache
def word_list(name: str) -> tuple[str, ...]:
    """A bundled word list (`resources/ifbench/<name>.txt`): one entry per line, '#' lines are comments."""
    text = resource_path("ifbench", f"{name}.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@functools.cache
def stopwords() -> frozenset[str]:
    """NLTK's 179-word English stopword list (bundled)."""
    ensure_nltk()
    from nltk.corpus import stopwords as sw

    return frozenset(sw.words("english"))


@functools.cache
def pos_tagger():
    """The averaged-perceptron English tagger `nltk.pos_tag` uses, loaded once."""
    ensure_nltk()
    from nltk.tag.perceptron import PerceptronTagger

    return PerceptronTagger(lang="eng")


def iter_sentences(text: str) -> Iterator[str]:
    """`nltk.sent_tokenize(text)`, lazily (same spans, same order)."""
    for start, end in _punkt().span_tokenize(text):
        yield text[start:end]


@functools.lru_cache(maxsize=32)
def sentences(text: str) -> tuple[str, ...]:
    """All sentences of `text` (cached: several constraints and the loose variants often share one response)."""
    return tuple(iter_sentences(text))


@functools.lru_cache(maxsize=4096)
def sentence_tokens(sentence: str) -> tuple[str, ...]:
    # ~40 regex passes per sentence; degenerate generations repeat the same sentence thousands of times
    return tuple(treebank_tokenize(sentence))


def iter_sentence_tokens(text: str) -> Iterator[tuple[str, list[str]]]:
    """(sentence, its NLTK word tokens) for each Punkt sentence of `text`, lazily.

    Sentences are tokenized in batches that grow 4x (4, 16, ... 4096 sentences; one pass per Treebank rule per
    batch, repeated sentences once), so a consumer that stops early pays for little more than it read. The token
    lists are shared within a batch: do not mutate them.
    """
    sents = iter_sentences(text)
    size = 4
    while batch := list(itertools.islice(sents, size)):
        unique = list(dict.fromkeys(batch))
        tokens = dict(zip(unique, treebank_tokenize_many(unique)))
        for sent in batch:
            yield sent, tokens[sent]
        size = min(4 * size, 4096)


def iter_word_tokens(text: str) -> Iterator[str]:
    """`nltk.word_tokenize(text)`, lazily: Punkt sentences, then the Treebank tokenizer per sentence."""
    for _, tokens in iter_sentence_tokens(text):
        yield from tokens


def alnum_tokens(text: str) -> list[str]:
    """NLTK word tokens that contain at least one alphanumeric character (standalone punctuation dropped)."""
    return [t for t in iter_word_tokens(text) if any(ch.isalnum() for ch in t)]


def first_pos_tag(text: str) -> str | None:
    """POS tag of the first NLTK word token, or None for no tokens.

    The perceptron tagger's features for token 0 use only tokens 0..2 (plus the START padding), so tagging the
    first three tokens gives the same tag as tagging the whole response, at a fraction of the cost.
    """
    head: list[str] = []
    for tok in iter_word_tokens(text):
        head.append(tok)
        if len(head) == 3:
            break
    if not head:
        return None
    return pos_tagger().tag(head)[0][1]


def partial(ok: bool, progress: float) -> float:
    """A dense score that is 1.0 exactly when the check passes, and `progress` (capped below 1) otherwise."""
    if ok:
        return 1.0
    return max(0.0, min(0.99, float(progress)))


@dataclasses.dataclass(frozen=True)
class IFBenchConstraint(Constraint):
    """Base of the 58 IFBench constraints.

    IFBench files store integer parameters as JSON floats (`"N": 5.0`); integral floats are accepted for `int`
    parameters and converted, a non-integral float is a parameter error.
    """

    @classmethod
    def from_params(cls, params: dict | None = None, **extra: Any) -> Self:
        params = dict(params or {})
        params.update(extra)
        hints = typing.get_type_hints(cls)
        for name, value in params.items():
            if hints.get(name) is int and isinstance(value, float) and value.is_integer():
                params[name] = int(value)
        return super().from_params(params)

    def require_positive(self, *names: str) -> None:
        for name in names:
            if getattr(self, name) < 1:
                self.bad(name, "an integer >= 1")

    def require_non_negative(self, *names: str) -> None:
        for name in names:
            if getattr(self, name) < 0:
                self.bad(name, "an integer >= 0")

    def require_text(self, *names: str) -> None:
        for name in names:
            if not getattr(self, name).strip():
                self.bad(name, "a non-empty string")
