"""IFBench `format:*` constraints (14). Semantics and quirks: see the `lightif.constraints.ifbench` docstring."""

from __future__ import annotations

import dataclasses
import itertools
import re
import string
from collections import defaultdict, deque
from typing import ClassVar

from lightif.constraints import register
from lightif.constraints.base import quirks_fixed
from lightif.constraints.ifbench_common import (
    DELETE_PUNCT,
    PUNCT,
    PUNCT_SPACE,
    IFBenchConstraint,
    iter_sentence_tokens,
    iter_sentences,
)

_PAIRS = {")": "(", "]": "[", "}": "{"}
_BRACKETS_RE = re.compile(r"[()\[\]{}]")
_QUOTES_RE = re.compile("[\"']")


@register
@dataclasses.dataclass(frozen=True)
class Parentheses(IFBenchConstraint):
    id: ClassVar[str] = "format:parentheses"

    def describe(self, lang: str = "en") -> str:
        return "Nest parentheses (and [brackets {and braces}]) at least 5 levels deep."

    def check(self, response: str) -> bool:
        stack: list[str] = []
        max_depth = 0
        for ch in _BRACKETS_RE.findall(response):  # other characters never change the state
            if ch in "([{":
                stack.append(ch)
                max_depth = max(max_depth, len(stack))
            elif stack and stack[-1] == _PAIRS[ch]:
                stack.pop()
                if max_depth >= 5:  # a group that reached depth 5 has just been closed correctly
                    return True
            else:  # a mismatched or unopened closer resets the count
                stack, max_depth = [], 0
        return False


@register
@dataclasses.dataclass(frozen=True)
class Quotes(IFBenchConstraint):
    id: ClassVar[str] = "format:quotes"

    def describe(self, lang: str = "en") -> str:
        return ("Include quotes within quotes within quotes, at least 3 levels deep, alternating between double "
                "quotes and single quotes.")

    def check(self, response: str) -> bool:
        # a quote equal to the innermost open one closes it, any other quote opens a level (apostrophes included)
        stack: list[str] = []
        reached = 0
        for ch in _QUOTES_RE.findall(response):  # other characters never change the state
            if stack and ch == stack[-1]:
                stack.pop()
                if reached - len(stack) >= 3:
                    return True
            else:
                stack.append(ch)
                reached = max(reached, len(stack))
        return False


@register
@dataclasses.dataclass(frozen=True)
class Options(IFBenchConstraint):
    id: ClassVar[str] = "format:options"
    options: str

    def validate(self) -> None:
        self.require_text("options")

    def describe(self, lang: str = "en") -> str:
        return f"Answer with one of the following options: {self.options}. Do not give any explanation."

    def _choices(self) -> tuple[bool, list[str]]:
        strict = re.match(r"\W*[aA]\W*[bB]\W*[cC]\W*", self.options) is not None  # "a), b), c), d)": exact match
        if "/" in self.options:
            sep = "/"
        elif "or" in self.options:  # a substring test, as upstream ("color" splits too)
            sep = "or"
        else:
            sep = ","
        return strict, [o.strip() for o in self.options.split(sep)]

    def check(self, response: str) -> bool:
        strict, choices = self._choices()
        if strict:
            return response in choices
        answer = response.strip(PUNCT_SPACE).lower()
        return any(o.strip(PUNCT_SPACE).lower() == answer for o in choices)


@register
@dataclasses.dataclass(frozen=True)
class Newline(IFBenchConstraint):
    id: ClassVar[str] = "format:newline"

    def describe(self, lang: str = "en") -> str:
        return "Write each word on a new line."

    def check(self, response: str) -> bool:
        text = response.translate(DELETE_PUNCT).strip()
        lines = [line for line in text.split("\n") if line != ""]  # whitespace-only lines still count
        return len(lines) == len(text.split())


def _is_emoji(ch: str) -> bool:
    import emoji  # lazy: a large table

    return emoji.is_emoji(ch)


def _no_punct(sentence: str) -> str:
    return sentence.translate(DELETE_PUNCT).strip()


@register
@dataclasses.dataclass(frozen=True)
class Emoji(IFBenchConstraint):
    id: ClassVar[str] = "format:emoji"

    def describe(self, lang: str = "en") -> str:
        return "Please use an emoji at the end of every sentence."

    def check(self, response: str) -> bool:
        it = iter_sentences(response)
        cur = next(it, None)
        while cur is not None:
            nxt = next(it, None)
            text = _no_punct(cur)
            if not text:
                return False
            # the last or second-to-last character (Punkt may glue a trailing space-separated emoji oddly)
            if not _is_emoji(text[-1]) and not _is_emoji(text[-2] if len(text) > 1 else text[-1]):
                if nxt is None:
                    return False
                head = _no_punct(nxt)  # Punkt can also move the emoji to the start of the next sentence
                if not head or not _is_emoji(head[0]):
                    return False
            cur = nxt
        return True


def _surviving_lines(lines: list[str]) -> list[str]:
    """The list left by upstream's `for line in lines: if not line.strip(): lines.remove(line)`.

    Removing while iterating skips the element after each removed one, and `remove` deletes the *first* equal
    blank line, which may be an earlier skipped one. Simulated in O(n): per blank value, a queue of the passed,
    surviving positions.
    """
    removed = [False] * len(lines)
    passed: dict[str, deque[int]] = defaultdict(deque)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip():
            i += 1
            continue
        passed[line].append(i)
        removed[passed[line].popleft()] = True
        if i + 1 < len(lines) and not lines[i + 1].strip():
            passed[lines[i + 1]].append(i + 1)  # the skipped element is passed, still in the list
        i += 2
    return [line for line, gone in zip(lines, removed) if not gone]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@register
@dataclasses.dataclass(frozen=True)
class LineIndent(IFBenchConstraint):
    id: ClassVar[str] = "format:line_indent"

    def describe(self, lang: str = "en") -> str:
        return "Create stairs by incrementally indenting each new line."

    def check(self, response: str) -> bool:
        lines = response.split("\n")
        if quirks_fixed():  # drop every blank line (sieval PR #105: upstream's verdict depends on how many)
            lines = [line for line in lines if line.strip()]
        else:
            lines = _surviving_lines(lines)
        return all(_indent(b) > _indent(a) for a, b in zip(lines, lines[1:]))


@register
@dataclasses.dataclass(frozen=True)
class QuoteUnquote(IFBenchConstraint):
    id: ClassVar[str] = "format:quote_unquote"

    def describe(self, lang: str = "en") -> str:
        return "Every quoted phrase must be followed by an unquoted explanation."

    def check(self, response: str) -> bool:
        text = response.replace("'\"'", "")  # a mention of the character '"' itself is not a quote
        text = "".join(text.split())
        if '""' in text:  # two quoted phrases with nothing in between
            return False
        tail = text.strip(string.digits + PUNCT.replace('"', ""))
        return not (tail and tail[-1] == '"')  # the response must not end on a quote


@register
@dataclasses.dataclass(frozen=True)
class MarkerList(IFBenchConstraint):
    id: ClassVar[str] = "format:list"
    sep: str

    def validate(self) -> None:
        if not self.sep:
            self.bad("sep", "a non-empty string")

    def describe(self, lang: str = "en") -> str:
        return f"Answer with a list of items, instead of bullet points use {self.sep}."

    def check(self, response: str) -> bool:
        return response.count(self.sep) >= 2  # anywhere, not only at line starts


@register
@dataclasses.dataclass(frozen=True)
class Thesis(IFBenchConstraint):
    id: ClassVar[str] = "format:thesis"

    def describe(self, lang: str = "en") -> str:
        return "Each section must begin with a thesis statement in italics, use HTML to indicate the italics."

    def check(self, response: str) -> bool:
        start = response.find("<i>")
        if start == -1:
            start = response.find("<em>")
            if start == -1:
                return False
        text = response[start:]
        end = text.find("</i>")
        if end == -1:
            end = text.find("</em>")
            if end == -1:
                return False
        # upstream's offsets assume <i>/</i> even for <em>/</em> (3 and 4 characters)
        return text[3:end].strip() != "" and text[end + 4:].strip() != ""


_BULLET_RE = re.compile(r"^\s*\*\s")
_SUB_RE = re.compile(r"^\s*-\s")


@register
@dataclasses.dataclass(frozen=True)
class SubBullets(IFBenchConstraint):
    id: ClassVar[str] = "format:sub-bullets"

    def describe(self, lang: str = "en") -> str:
        return ("Your response must include bullet points denoted by * and at least one sub-bullet point denoted by - "
                "for each bullet point.")

    def check(self, response: str) -> bool:
        if quirks_fixed():
            return self._fixed(response)
        # upstream: every piece after a '*' contains a '-'; no '*' at all passes
        return all("-" in piece for piece in response.split("*")[1:])

    @staticmethod
    def _fixed(response: str) -> bool:
        bullets, open_without_sub = 0, False
        for line in response.split("\n"):
            if _BULLET_RE.match(line):
                if open_without_sub:
                    return False
                bullets, open_without_sub = bullets + 1, True
            elif _SUB_RE.match(line) and bullets:
                open_without_sub = False
        return bullets > 0 and not open_without_sub


@register
@dataclasses.dataclass(frozen=True)
class NoBulletsBullets(IFBenchConstraint):
    id: ClassVar[str] = "format:no_bullets_bullets"

    def describe(self, lang: str = "en") -> str:
        return ("Your answer must contain at least two sentences ending in a period followed by at least two bullet "
                "points denoted by *.")

    def check(self, response: str) -> bool:
        # upstream state machine: text lines, then '*' lines only. Its flag is reassigned to the sentence list of
        # the last text line, so an empty line ends the text part (a later text line fails).
        in_text, n_sentences, n_bullets = True, 0, 0
        for line in response.split("\n"):
            stripped = line.strip()
            if stripped.startswith("*"):
                in_text = False
                if n_sentences < 2:
                    return False
                n_bullets += 1
            elif in_text:
                in_text = bool(stripped)  # Punkt returns no sentence exactly for an empty string
                if n_sentences < 2 and stripped:  # only "at least two" matters: stop tokenizing after that
                    n_sentences += sum(1 for _ in itertools.islice(iter_sentences(stripped), 2))
            else:
                return False
        return n_bullets >= 2


@register
@dataclasses.dataclass(frozen=True)
class TitleCase(IFBenchConstraint):
    id: ClassVar[str] = "format:title_case"

    def describe(self, lang: str = "en") -> str:
        return "Write the entire response in title case (capitalize the first letter of every major word)."

    def check(self, response: str) -> bool:
        passed: set[str] = set()  # degenerate text repeats its sentences thousands of times
        for sent, tokens in iter_sentence_tokens(response):
            if sent not in passed:
                if not _title_case_ok(tokens):
                    return False
                passed.add(sent)
        return True


def _title_case_ok(words: list[str]) -> bool:
    """Upstream's per-word title-case test over NLTK word tokens."""
    for word in words:
        if not word or not word[0].isalpha():
            continue
        if len(word) == 1:
            if word.islower():
                return False
            continue
        head, tail = word[0], word[1:]
        if head.isupper() and tail.islower():
            continue
        if head.islower() and (tail.isupper() or tail.islower()):  # minor words included
            return False
    return True


@register
@dataclasses.dataclass(frozen=True)
class OutputTemplate(IFBenchConstraint):
    id: ClassVar[str] = "format:output_template"

    def describe(self, lang: str = "en") -> str:
        return ("Use this exact template for your response: My Answer: [answer] My Conclusion: [conclusion] "
                "Future Outlook: [outlook]")

    def check(self, response: str) -> bool:
        return all(part in response for part in ("My Answer:", "My Conclusion:", "Future Outlook:"))


@register
@dataclasses.dataclass(frozen=True)
class NoWhitespace(IFBenchConstraint):
    id: ClassVar[str] = "format:no_whitespace"

    def describe(self, lang: str = "en") -> str:
        return "The output should not contain any whitespace."

    def check(self, response: str) -> bool:
        return not any(ch.isspace() for ch in response)
