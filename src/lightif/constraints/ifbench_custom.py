"""IFBench `custom:*` constraints (11): fixed tasks with a fixed instruction and no parameters.

Semantics and quirks: see the `lightif.constraints.ifbench` docstring. CSV checkers parse with the stdlib `csv`
module as upstream does; a `csv.Error` (e.g. a bare carriage return inside a field), which aborts the official run,
is a failed check here.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import re
import unicodedata
from typing import ClassVar

from lightif.constraints import register
from lightif.constraints.base import quirks_fixed
from lightif.constraints.ifbench_common import DELETE_PUNCT, PUNCT_SPACE, IFBenchConstraint, iter_sentences, word_list

_MULTIPLES = [str(i) for i in range(14, 51, 7)]
_QUESTION_SPLIT = re.compile(r"\n*(?:Question \d+[\.|\):;]?\s*)")
_OPTION_RE = re.compile(r"^[A-Ea-e][\.|\)]\s*\w+")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPECIAL_RE = re.compile(r"[^\d\w\s]")
_CITY_HEADER = ["ID", "Country", "City", "Year", "Count"]
_PRODUCT_HEADER_RE = re.compile(
    r'^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),[ \t]*(Price|"Price"),'
    r'[ \t]*(Stock|"Stock")$')
_STUDENT_HEADER_RE = re.compile(
    r'^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")\t *(Semester|"Semester")\t *(Score|"Score")$')


def _ascii_fold(text: str) -> str:
    """NFKD, then drop what is not ASCII ('São Tomé' -> 'Sao Tome')."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _csv_rows(text: str, limit: int, delimiter: str = ",") -> list[list[str]] | None:
    """Up to `limit` + 1 parsed rows (enough to tell "exactly `limit`" apart), or None on a `csv.Error`."""
    try:
        return list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), limit + 1))
    except csv.Error:
        return None


@dataclasses.dataclass(frozen=True)
class _Fixed(IFBenchConstraint):
    """A custom task: `describe` is the whole fixed instruction."""

    TEXT: ClassVar[str] = ""

    def describe(self, lang: str = "en") -> str:
        return self.TEXT


@register
@dataclasses.dataclass(frozen=True)
class Multiples(_Fixed):
    id: ClassVar[str] = "custom:multiples"
    TEXT: ClassVar[str] = "Count from 10 to 50 but only print multiples of 7."

    def check(self, response: str) -> bool:
        return re.findall(r"\d+", response.replace(",", ", ")) == _MULTIPLES


@register
@dataclasses.dataclass(frozen=True)
class McqCountLength(_Fixed):
    id: ClassVar[str] = "custom:mcq_count_length"
    TEXT: ClassVar[str] = (
        "Generate 4 multiple choice questions with 5 options each about '20th century art history'. Each question "
        "should start with the label \"Question\". The questions should get progressively longer. Do not provide an "
        "explanation.")

    def check(self, response: str) -> bool:
        if response[response.find("Question"):] != response:  # anything before the first "Question" is an explanation
            return False
        parts = _QUESTION_SPLIT.split(response)
        if parts[0] == "":
            parts = parts[1:]
        questions = [q.strip() for q in parts if q.strip()]
        if len(questions) != 4:
            return False
        lengths = []
        for q in questions:
            text, n_options, in_options = "", 0, False
            for line in q.split("\n"):
                if _OPTION_RE.match(line.strip()):
                    n_options += 1
                    in_options = True
                elif not in_options:
                    text += " " + line.strip()
            if n_options != 5:
                return False
            lengths.append(len(text.strip()))
        return all(a < b for a, b in itertools.pairwise(lengths))


@register
@dataclasses.dataclass(frozen=True)
class ReverseNewline(_Fixed):
    id: ClassVar[str] = "custom:reverse_newline"
    TEXT: ClassVar[str] = "List the countries of Africa in reverse alphabetical order, each on a new line."

    def check(self, response: str) -> bool:
        lines = [s for s in (line.strip(PUNCT_SPACE) for line in response.split("\n")) if s]
        start = next((i for i, line in enumerate(lines) if "Zimbabwe" in line), None)
        if start is None or len(lines) - start < 52:  # upstream's comment says 53, its code 52
            return False
        folded = [_ascii_fold(line) for line in lines[start:]]
        return all(a >= b for a, b in itertools.pairwise(folded))


@register
@dataclasses.dataclass(frozen=True)
class WordReverse(_Fixed):
    id: ClassVar[str] = "custom:word_reverse"
    TEXT: ClassVar[str] = (
        "What animal is the national symbol of the US? Respond to this query, but make your sentence in reverse "
        "order of what it should be, per word.")

    def check(self, response: str) -> bool:
        text = response.lower().strip().translate(DELETE_PUNCT)
        text = " ".join(reversed(text.split()))
        if "bald eagle" not in text:
            return False
        return text in iter_sentences(text)  # upstream: the re-reversed text is one whole sentence


@register
@dataclasses.dataclass(frozen=True)
class CharacterReverse(_Fixed):
    id: ClassVar[str] = "custom:character_reverse"
    TEXT: ClassVar[str] = (
        "What animal is the national symbol of the US? Respond to this query, but make your sentence in reverse "
        "order of what it should be, per letter.")

    def check(self, response: str) -> bool:
        return "elgae dlab" in response.lower()


@register
@dataclasses.dataclass(frozen=True)
class SentenceAlphabet(_Fixed):
    id: ClassVar[str] = "custom:sentence_alphabet"
    TEXT: ClassVar[str] = (
        "Tell me a 26-sentence story where each sentence's first word starts with the letters of the alphabet in "
        "order.")

    def check(self, response: str) -> bool:
        sents = list(itertools.islice(iter_sentences(response), 27))
        if len(sents) != 26:
            return False
        for i, sentence in enumerate(sents):
            words = sentence.lstrip().split()
            if quirks_fixed():  # a leading quote or bracket is not the first letter (IFBench PR #34)
                words = [w for w in (w.lstrip(PUNCT_SPACE + "“‘«") for w in words) if w]
            if not words or words[0].lower()[0] != chr(97 + i):
                return False
        return True


@register
@dataclasses.dataclass(frozen=True)
class EuropeanCapitalsSort(_Fixed):
    id: ClassVar[str] = "custom:european_capitals_sort"
    TEXT: ClassVar[str] = (
        "Give me the names of all capital cities of european countries whose latitude is higher than than 45 "
        "degrees? List the capital cities without country names, separated by commas, sorted by latitude, from "
        "highest to lowest.")

    def check(self, response: str) -> bool:
        capitals = [c.strip() for c in _ascii_fold(response).split(",") if c.strip()]
        return capitals == list(word_list("european_capitals"))


@register
@dataclasses.dataclass(frozen=True)
class CsvCity(_Fixed):
    id: ClassVar[str] = "custom:csv_city"
    TEXT: ClassVar[str] = (
        'Generate CSV data: The column names are ["ID", "Country", "City", "Year", "Count"], the data should be '
        'comma delimited. Please generate 7 rows.')

    def check(self, response: str) -> bool:
        rows = _csv_rows(response, 8)
        return (rows is not None and len(rows) == 8 and rows[0] == _CITY_HEADER
                and all(len(r) == 5 for r in rows[1:]))


def _quoted_special(field: str) -> bool:
    """`re.match(r'".*[^\\d\\w\\s].*"', field)` in linear time: an opening quote, then on the same line a
    non-word, non-space character followed later by another quote."""
    if not field.startswith('"'):
        return False
    line = field.split("\n", 1)[0]
    last_quote = line.rfind('"')
    return last_quote >= 2 and _SPECIAL_RE.search(line, 1, last_quote) is not None


@register
@dataclasses.dataclass(frozen=True)
class CsvSpecialCharacter(_Fixed):
    id: ClassVar[str] = "custom:csv_special_character"
    TEXT: ClassVar[str] = (
        'Generate CSV data: The column names are ["ProductID", "Category", "Brand", "Price", "Stock"], the data '
        'should be comma delimited. Please generate 14 rows. Add one field which contains a special character and '
        'enclose it in double quotes.')

    def check(self, response: str) -> bool:
        if not _PRODUCT_HEADER_RE.match(response.split("\n")[0].strip()):
            return False
        # every '"' is tripled so the csv module keeps the quotes in the field values
        rows = _csv_rows(response.replace('"', '"""'), 15)
        if rows is None or len(rows) != 15:
            return False
        for row in rows[1:]:  # upstream returns at the first row with a quoted special field
            if len(row) != 5:
                return False
            if any(_quoted_special(f) for f in row):
                return True
        return False


@register
@dataclasses.dataclass(frozen=True)
class CsvQuotes(_Fixed):
    id: ClassVar[str] = "custom:csv_quotes"
    TEXT: ClassVar[str] = (
        'Generate CSV data: The column names are ["StudentID", "Subject", "Grade", "Semester", "Score"], the data '
        'should be tab delimited. Please generate 3 rows and enclose each single field in double quotes.')

    def check(self, response: str) -> bool:
        if not _STUDENT_HEADER_RE.match(response.split("\n")[0].strip()):
            return False
        rows = _csv_rows(response.replace('"', '"""'), 4, delimiter="\t")
        if rows is None or len(rows) != 4:
            return False
        for row in rows:
            if len(row) != 5:
                return False
            # an empty field is a fail here; upstream raises IndexError on it
            if not all((f := field.strip()) and f[0] == '"' and f[-1] == '"' for field in row):
                return False
        return True


@register
@dataclasses.dataclass(frozen=True)
class DateFormatList(_Fixed):
    id: ClassVar[str] = "custom:date_format_list"
    TEXT: ClassVar[str] = (
        "List the start dates of all the battles Napoleon fought separated by commas, use the following date "
        "format: YYYY-MM-DD. Do not provide an explanation.")

    def check(self, response: str) -> bool:
        for date in response.strip().split(","):
            date = date.strip()
            if not _DATE_RE.match(date):
                return False
            year, month, day = (int(p) for p in date.split("-"))
            if not 1769 <= year <= 1821 or month > 12:
                return False
            limit = 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31 if month else None
            if limit is not None and day > limit:
                return False
        return True
