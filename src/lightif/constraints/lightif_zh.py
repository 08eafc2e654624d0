"""Light-IF Chinese constraint family (`lightif_zh:*`): the checks of the official zh reward, one class per rule.

Semantics follow the official checker (Qihoo360/Light-IF @ 01e9003, `rl/verl/verl/utils/reward_score/IF.py`,
`validate_article` = strict verdict and `validate_article_step_score` = partial credit); each class carries the
official partial-credit `weight` (LIGHT_IF_METHOD.md §6.3) that `lightif.rewards.lightif_reward` sums into `point`.
Counting is on the answer text as given (the reward passes the stripped text after the last `</think>`).

Deviations from the official code, all deliberate (`lightif.jqzl` converts the official records):
- D3: the sentence count is a constraint only when requested (`sentence_num > 0`); officially it was always checked
  against the default -1, so every strict verdict without it failed.
- D4: "keyword at least N" (`keywords_num` [low, max] with max < low) is enforced in the strict verdict too.
- D5: title style / opening / closing / title length earn credit only when the record asks for them (officially an
  empty spec scored 0.06 and an absent title still earned the 0.05 title-length credit).
- The official title-length check built its regex from the raw brackets, so style 2 (`[]`) became a character class
  and crashed (reward 0) whenever one of `( . * ? )` appeared; we escape the brackets.
- The official opening check also accepted the text starting at the answer's 2nd character when no title style was
  set (`article[index + 1:]` with index 0); we accept the start of the answer, or the text right after the title's
  closing bracket when a title style is set.
- An official record with a title style whose answer lacked the closing bracket raised in `article.index` and scored
  0 overall; here only the constraints that fail lose credit.
- `check` on an empty/whitespace answer is always False (registry rule), even for "forbidden keyword".
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from lightif.constraints import register
from lightif.constraints.base import Constraint, at_least_score, closeness

# Default keyword pool for `sample`; synthesis should pass `keyword=` drawn from its seed text instead.
ZH_KEYWORDS = ("科技", "环境", "教育", "未来", "健康", "城市", "文化", "创新", "历史", "自然", "朋友", "梦想")
BRACKETS = ("《》", "[]", "【】")  # official topic_style 1, 2, 3
_ZH_SENT_SPLIT = re.compile(r"[。？！]")
Brackets = Literal["《》", "[]", "【】"]


# ----- counting helpers shared with lightif_en ---------------------------------------------------------------------
def count_in_range_score(count: int, low: int, high: int) -> float:
    """1 inside [low, high]; below: fraction of the way to low; above: decays with the overshoot relative to high."""
    if low <= count <= high:
        return 1.0
    if count < low:
        return at_least_score(count, low)
    return at_most_score(count, high)


def at_most_score(count: int, high: int) -> float:
    """1 if count <= high, else 1 - overshoot/high (floored at 0); < 1 whenever the bound is broken."""
    if count <= high:
        return 1.0
    return max(0.0, 1.0 - (count - high) / max(high, 1))


def zh_sentences(text: str) -> list[str]:
    """Pieces between 。？！ that are non-blank after strip (official `split_chinese_sentences`)."""
    return [s.strip() for s in _ZH_SENT_SPLIT.split(text) if s.strip()]


def times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def strip_full_stops(text: str) -> str:
    """`text.strip().strip("。")`, the official normalisation of the opening/closing comparison."""
    return text.strip().strip("。")


def _draw(cls: type[Constraint], fixed: dict[str, Any], **drawn: Any) -> Any:
    return cls.from_params({**drawn, **fixed})


def _int_range(rng: random.Random, lo: int, hi: int) -> tuple[int, int]:
    a = rng.randint(lo, hi)
    return a, a + rng.randint(1, max(1, hi - lo))


# ----- keywords (substring counts, case-sensitive; one constraint per keyword rule) ----------------------------------
@dataclass(frozen=True)
class _Keyword(Constraint):
    keyword: str
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    category: ClassVar[str] = "lightif_zh:keywords"
    pool: ClassVar[tuple[str, ...]] = ZH_KEYWORDS

    def validate(self) -> None:
        if not self.keyword:
            self.bad("keyword", "a non-empty string")

    def occurrences(self, response: str) -> int:
        return response.count(self.keyword)


@register
@dataclass(frozen=True)
class KeywordRange(_Keyword):
    """Official `keywords_num` [low, max] with max > low > 0."""

    min_count: int
    max_count: int
    id: ClassVar[str] = "lightif_zh:keyword_range"
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        super().validate()
        if self.min_count < 1:
            self.bad("min_count", "an integer >= 1")
        if self.max_count <= self.min_count:
            self.bad("max_count", f"an integer > min_count ({self.min_count})")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"“{self.keyword}”一词出现{self.min_count}到{self.max_count}次。"
        return f'Use the word "{self.keyword}" between {self.min_count} and {times(self.max_count)}.'

    def check(self, response: str) -> bool:
        return self.min_count <= self.occurrences(response) <= self.max_count

    def score(self, response: str) -> float:
        return count_in_range_score(self.occurrences(response), self.min_count, self.max_count)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        lo, hi = _int_range(rng, 1, 4)
        return _draw(cls, fixed, keyword=rng.choice(cls.pool), min_count=lo, max_count=hi)


@register
@dataclass(frozen=True)
class KeywordAtLeast(_Keyword):
    """Official [low, max] with low > 0 and max < low. Officially not enforced by the zh strict check (D4)."""

    min_count: int
    id: ClassVar[str] = "lightif_zh:keyword_at_least"
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        super().validate()
        if self.min_count < 1:
            self.bad("min_count", "an integer >= 1")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"“{self.keyword}”一词至少出现{self.min_count}次。"
        return f'Use the word "{self.keyword}" at least {times(self.min_count)}.'

    def check(self, response: str) -> bool:
        return self.occurrences(response) >= self.min_count

    def score(self, response: str) -> float:
        return at_least_score(self.occurrences(response), self.min_count)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, keyword=rng.choice(cls.pool), min_count=rng.randint(1, 4))


@register
@dataclass(frozen=True)
class KeywordExactly(_Keyword):
    """Official [low, max] with low == max > 0."""

    count: int
    id: ClassVar[str] = "lightif_zh:keyword_exactly"
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        super().validate()
        if self.count < 1:
            self.bad("count", "an integer >= 1")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"“{self.keyword}”一词恰好出现{self.count}次。"
        return f'Use the word "{self.keyword}" exactly {times(self.count)}.'

    def check(self, response: str) -> bool:
        return self.occurrences(response) == self.count

    def score(self, response: str) -> float:
        return closeness(self.occurrences(response), self.count)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, keyword=rng.choice(cls.pool), count=rng.randint(1, 3))


@register
@dataclass(frozen=True)
class KeywordAtMost(_Keyword):
    """Official [low, max] with low <= 0 < max."""

    max_count: int
    id: ClassVar[str] = "lightif_zh:keyword_at_most"
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        super().validate()
        if self.max_count < 1:
            self.bad("max_count", "an integer >= 1")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"“{self.keyword}”一词最多出现{self.max_count}次。"
        return f'Use the word "{self.keyword}" at most {times(self.max_count)}.'

    def check(self, response: str) -> bool:
        return self.occurrences(response) <= self.max_count

    def score(self, response: str) -> float:
        return at_most_score(self.occurrences(response), self.max_count)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, keyword=rng.choice(cls.pool), max_count=rng.randint(1, 3))


@register
@dataclass(frozen=True)
class KeywordForbidden(_Keyword):
    """Official [low, max] with low <= 0 and max <= 0."""

    id: ClassVar[str] = "lightif_zh:keyword_forbidden"
    weight: ClassVar[float] = 0.05

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"回答中不得出现“{self.keyword}”一词。"
        return f'Do not use the word "{self.keyword}".'

    def check(self, response: str) -> bool:
        return self.occurrences(response) == 0

    def score(self, response: str) -> float:
        return closeness(self.occurrences(response), 0)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, keyword=rng.choice(cls.pool))


# ----- structure ----------------------------------------------------------------------------------------------------
@register
@dataclass(frozen=True)
class ParagraphCount(Constraint):
    """Exactly N paragraphs: `len(text.split(separator))`, minus 1 when the prompt asks for a title (the official rule
    counts the title line as a paragraph). Official `paragraphs_split == 2` means "\\n\\n", anything else "\\n\\n\\n".
    Empty pieces count (official `split` without filtering)."""

    num_paragraphs: int
    separator: Literal["\n\n", "\n\n\n"] = "\n\n"
    has_title: bool = False
    id: ClassVar[str] = "lightif_zh:paragraph_count"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if self.num_paragraphs < 1:
            self.bad("num_paragraphs", "an integer >= 1")

    def count(self, response: str) -> int:
        return len(response.split(self.separator)) - (1 if self.has_title else 0)

    def describe(self, lang: str = "zh") -> str:
        blank = "一个空行" if self.separator == "\n\n" else "两个空行"
        title_zh = "（标题不计入段落数）" if self.has_title else ""
        if lang == "zh":
            return f"全文共{self.num_paragraphs}段{title_zh}，段落之间用{blank}分隔。"
        gap = "one blank line" if self.separator == "\n\n" else "two blank lines"
        title = " (the title does not count as a paragraph)" if self.has_title else ""
        return f"Write exactly {self.num_paragraphs} paragraphs{title}, separated by {gap}."

    def check(self, response: str) -> bool:
        return self.count(response) == self.num_paragraphs

    def score(self, response: str) -> float:
        return closeness(max(self.count(response), 0), self.num_paragraphs)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, num_paragraphs=rng.randint(2, 6), separator=rng.choice(["\n\n", "\n\n\n"]))


@register
@dataclass(frozen=True)
class SentenceCount(Constraint):
    """Exactly N sentences: non-blank pieces between 。？！ (official `sentence_num`; D3: only when requested)."""

    num_sentences: int
    id: ClassVar[str] = "lightif_zh:sentence_count"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.2

    def validate(self) -> None:
        if self.num_sentences < 1:
            self.bad("num_sentences", "an integer >= 1")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"全文恰好{self.num_sentences}句话（以句号、问号或感叹号结尾）。"
        return f"Write exactly {self.num_sentences} sentences (ending in 。, ？ or ！)."

    def check(self, response: str) -> bool:
        return len(zh_sentences(response)) == self.num_sentences

    def score(self, response: str) -> float:
        return closeness(len(zh_sentences(response)), self.num_sentences)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, num_sentences=rng.randint(3, 12))


# ----- length in characters (`len(answer)`, every character counts) -------------------------------------------------
@register
@dataclass(frozen=True)
class LengthRange(Constraint):
    """min_chars <= len(answer) <= max_chars (official low_word_cnt > 0 and max_word_cnt >= low)."""

    min_chars: int
    max_chars: int
    id: ClassVar[str] = "lightif_zh:length_range"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.1

    def validate(self) -> None:
        if self.min_chars < 1:
            self.bad("min_chars", "an integer >= 1")
        if self.max_chars < self.min_chars:
            self.bad("max_chars", f"an integer >= min_chars ({self.min_chars})")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"字数在{self.min_chars}到{self.max_chars}字之间。"
        return f"Write between {self.min_chars} and {self.max_chars} characters."

    def check(self, response: str) -> bool:
        return self.min_chars <= len(response) <= self.max_chars

    def score(self, response: str) -> float:
        return count_in_range_score(len(response), self.min_chars, self.max_chars)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        lo = rng.randrange(100, 600, 50)
        return _draw(cls, fixed, min_chars=lo, max_chars=lo + rng.randrange(50, 400, 50))


@register
@dataclass(frozen=True)
class LengthMin(Constraint):
    min_chars: int
    id: ClassVar[str] = "lightif_zh:length_min"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        if self.min_chars < 1:
            self.bad("min_chars", "an integer >= 1")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"字数不少于{self.min_chars}字。"
        return f"Write at least {self.min_chars} characters."

    def check(self, response: str) -> bool:
        return len(response) >= self.min_chars

    def score(self, response: str) -> float:
        return at_least_score(len(response), self.min_chars)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, min_chars=rng.randrange(100, 800, 50))


@register
@dataclass(frozen=True)
class LengthMax(Constraint):
    max_chars: int
    id: ClassVar[str] = "lightif_zh:length_max"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        if self.max_chars < 1:
            self.bad("max_chars", "an integer >= 1")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"字数不超过{self.max_chars}字。"
        return f"Write at most {self.max_chars} characters."

    def check(self, response: str) -> bool:
        return len(response) <= self.max_chars

    def score(self, response: str) -> float:
        return at_most_score(len(response), self.max_chars)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, max_chars=rng.randrange(100, 800, 50))


# ----- title, opening, closing --------------------------------------------------------------------------------------
def _title_zh(brackets: str) -> str:
    return {"《》": "书名号《》", "[]": "方括号[]", "【】": "方头括号【】"}[brackets]


@register
@dataclass(frozen=True)
class TitleStyle(Constraint):
    """Both title brackets appear somewhere in the answer (official `topic_style` 1/2/3 = 《》/[]/【】)."""

    brackets: Brackets
    id: ClassVar[str] = "lightif_zh:title_style"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.02

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"文章需要有标题，标题用{_title_zh(self.brackets)}括起来。"
        return f"Give the text a title wrapped in {self.brackets[0]} {self.brackets[1]}."

    def check(self, response: str) -> bool:
        return self.brackets[0] in response and self.brackets[1] in response

    def score(self, response: str) -> float:
        return ((self.brackets[0] in response) + (self.brackets[1] in response)) / 2

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, brackets=rng.choice(BRACKETS))


@register
@dataclass(frozen=True)
class TitleMaxLength(Constraint):
    """The first bracketed title (on one line) has at most `max_chars` characters. D5: no title -> not satisfied."""

    brackets: Brackets
    max_chars: int
    id: ClassVar[str] = "lightif_zh:title_max_length"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.05

    def validate(self) -> None:
        if self.max_chars < 1:
            self.bad("max_chars", "an integer >= 1")

    def title(self, response: str) -> str | None:
        # Same result as the official `re.search(style[0] + "(.*?)" + style[1])` (non-greedy, no DOTALL, brackets
        # escaped here) in linear time: the regex is quadratic on long runs of opening brackets. Per line, only the
        # first opening bracket can match (a closing bracket after a later one is also after the first).
        opening, closing = self.brackets
        for line in response.split("\n"):
            i = line.find(opening)
            if i < 0:
                continue
            j = line.find(closing, i + len(opening))
            if j >= 0:
                return line[i + len(opening):j]
        return None

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"标题用{_title_zh(self.brackets)}括起来，标题不超过{self.max_chars}个字。"
        return (f"Wrap the title in {self.brackets[0]} {self.brackets[1]}; the title has at most {self.max_chars} "
                "characters.")

    def check(self, response: str) -> bool:
        title = self.title(response)
        return title is not None and len(title) <= self.max_chars

    def score(self, response: str) -> float:
        title = self.title(response)
        return 0.0 if title is None else at_most_score(len(title), self.max_chars)

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, brackets=rng.choice(BRACKETS), max_chars=rng.randint(5, 15))


@register
@dataclass(frozen=True)
class BeginWith(Constraint):
    """The answer (or, with a title style, the text right after the title's closing bracket) starts with `text`;
    full stops 。 at either end of both sides are ignored (official `begin_content`)."""

    text: str
    title_brackets: Literal["", "《》", "[]", "【】"] = ""
    id: ClassVar[str] = "lightif_zh:begin_with"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.02

    def validate(self) -> None:
        if not strip_full_stops(self.text):
            self.bad("text", "a non-empty string (besides 。 and whitespace)")

    def describe(self, lang: str = "zh") -> str:
        after = "标题之后的正文" if self.title_brackets else "回答"
        if lang == "zh":
            return f"{after}以“{strip_full_stops(self.text)}”开头。"
        where = "The body after the title" if self.title_brackets else "The answer"
        return f'{where} must begin with "{strip_full_stops(self.text)}".'

    def check(self, response: str) -> bool:
        target = strip_full_stops(self.text)
        if strip_full_stops(response).startswith(target):
            return True
        if self.title_brackets:
            idx = response.find(self.title_brackets[1])
            return idx >= 0 and strip_full_stops(response[idx + 1:]).startswith(target)
        return False

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, text=rng.choice(["首先", "在当今社会", "众所周知", "我认为"]))


@register
@dataclass(frozen=True)
class EndWith(Constraint):
    """The answer ends with `text`, ignoring 。 at either end of both (official `end_content`)."""

    text: str
    id: ClassVar[str] = "lightif_zh:end_with"
    langs: ClassVar[tuple[str, ...]] = ("zh", "en")
    weight: ClassVar[float] = 0.02

    def validate(self) -> None:
        if not strip_full_stops(self.text):
            self.bad("text", "a non-empty string (besides 。 and whitespace)")

    def describe(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"回答以“{strip_full_stops(self.text)}”结尾。"
        return f'The answer must end with "{strip_full_stops(self.text)}".'

    def check(self, response: str) -> bool:
        return strip_full_stops(response).endswith(strip_full_stops(self.text))

    @classmethod
    def sample(cls, rng: random.Random, lang: str = "zh", **fixed: Any) -> Self:
        return _draw(cls, fixed, text=rng.choice(["谢谢阅读", "未来可期", "让我们共同努力", "以上就是我的看法"]))


CONSTRAINTS = (KeywordRange, KeywordAtLeast, KeywordExactly, KeywordAtMost, KeywordForbidden, ParagraphCount,
               SentenceCount, LengthRange, LengthMin, LengthMax, TitleStyle, TitleMaxLength, BeginWith, EndWith)
