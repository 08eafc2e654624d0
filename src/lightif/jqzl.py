"""Adapter for the official Light-IF ground truth ("jqzl" records) to our constraint specs and prompt records.

Official format (Qihoo360/Light-IF @ 01e9003, `IF.py` `compute_score`; verl column `reward_model.ground_truth`, a JSON
string)::

    {"source": "jqzl-en" | "jqzl" | ..., "query": "<the user prompt>", "jqzl_prompt": {<fields, LIGHT_IF_METHOD §6.4>}}

`source == "jqzl-en"` selects the English rules, anything else the Chinese ones. "Type B" records instead carry
`check_code`: a (possibly ```json-fenced) JSON object `{"check_code": "def check_response(response): ..."}`, and the
user query in `messages[0].content`.

Each official rule becomes one `{"id", "params"}` spec of `lightif.constraints.lightif_zh` / `lightif_en`. Fixes of
the official defects, applied here:
- D3: zh `sentence_num` becomes a constraint only when > 0 (the default -1 made every strict verdict fail).
- D4: zh keyword "at least" ([low, max] with max < low) becomes a real constraint (officially unchecked by `acc`).
- D5: title style / begin / end / title length become constraints only when requested (no free credit).
- D7: type B is detected by parsing the JSON and testing for the `check_code` key (officially: the substring
  "check_code" anywhere in the raw JSON, so a query mentioning it was routed to the code path and scored 0).
- D6 (fences): the ``` / ```json fence is removed by prefix/suffix, not `str.strip` of a character set.
- D8: malformed fields raise `DataError` (officially: silently skipped or the reward became 0).
Other choices: zh length with low == max > 0 (official strict: exactly) maps to the range [low, low]; an en
`nth_paragraph` rule with no valid `paragraphs` separator uses "\\n\\n" (officially `split("")` raised and zeroed the
reward); `prompt_to_repeat` is active unless it is -1 or null, and the repeated request (the query minus the fixed
sentence) is passed to the other en rules as `ignore_text`, as the official checker strips it before counting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lightif.constraints.lightif_en import REPEAT_SENTENCE
from lightif.errors import DataError
from lightif.schema import PromptRecord

_ZH_BRACKETS = {1: "《》", 2: "[]", 3: "【】"}
_EN_SEPARATORS = ("\n\n", "\n\n\n", "***")
SOURCE = "lightif-official"


def _int(jp: dict, key: str, default: int) -> int:
    value = jp.get(key, default)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataError(f"expected an integer, got {value!r}", field=f"jqzl_prompt.{key}")
    return value


def _str(jp: dict, key: str) -> str:
    value = jp.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DataError(f"expected a string, got {value!r}", field=f"jqzl_prompt.{key}")
    return value


def _spec(cid: str, **params: Any) -> dict:
    return {"id": cid, "params": params}


def parse_ground_truth(ground_truth: dict | str) -> dict:
    """The ground truth as a dict (a JSON string is decoded); raises `DataError` when it is neither."""
    if isinstance(ground_truth, str):
        try:
            ground_truth = json.loads(ground_truth)
        except json.JSONDecodeError as exc:
            raise DataError(f"ground truth is not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(ground_truth, dict):
        raise DataError(f"expected a JSON object, got {type(ground_truth).__name__}")
    return ground_truth


def is_type_b(gt: dict) -> bool:
    """D7: type B iff the parsed record has a `check_code` key."""
    return "check_code" in gt


def extract_check_code(raw: Any) -> str:
    """The Python source of a type-B record. Accepts the official fenced JSON, plain JSON, or plain source."""
    if isinstance(raw, dict):
        raw = raw.get("check_code")
    if not isinstance(raw, str):
        raise DataError(f"expected a string, got {type(raw).__name__}", field="check_code")
    text = raw.strip()
    for prefix in ("```json", "```python", "```"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if text.endswith("```"):
        text = text[:-3]
    text = text.strip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"check_code is not valid JSON ({exc.msg})", field="check_code") from None
        return extract_check_code(obj.get("check_code") if isinstance(obj, dict) else obj)
    if "def check_response" not in text:
        raise DataError("check_code does not define check_response(response)", field="check_code")
    return text


def _keyword_specs(family: str, jp: dict) -> list[dict]:
    keywords, nums = jp.get("keywords") or [], jp.get("keywords_num") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        raise DataError("expected a list of non-empty strings", field="jqzl_prompt.keywords")
    if len(keywords) != len(nums):
        raise DataError(f"{len(keywords)} keywords but {len(nums)} [low, max] pairs", field="jqzl_prompt.keywords_num")
    specs = []
    for i, (kw, pair) in enumerate(zip(keywords, nums, strict=True)):
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)):
            raise DataError(f"expected [low, max] integers, got {pair!r}", field=f"jqzl_prompt.keywords_num[{i}]")
        low, high = pair
        if low > 0 and high > low:
            specs.append(_spec(f"{family}:keyword_range", keyword=kw, min_count=low, max_count=high))
        elif low > 0 and high < low:
            specs.append(_spec(f"{family}:keyword_at_least", keyword=kw, min_count=low))
        elif low > 0:
            specs.append(_spec(f"{family}:keyword_exactly", keyword=kw, count=low))
        elif high > 0:
            specs.append(_spec(f"{family}:keyword_at_most", keyword=kw, max_count=high))
        else:
            specs.append(_spec(f"{family}:keyword_forbidden", keyword=kw))
    return specs


def _zh_specs(jp: dict) -> list[dict]:
    specs = _keyword_specs("lightif_zh", jp) if jp.get("keywords_req") else []
    topic = _int(jp, "topic_style", 0)
    brackets = _ZH_BRACKETS.get(topic, "")
    split, n_par = _int(jp, "paragraphs_split", -1), _int(jp, "paragraphs_num", -1)
    if split > 0 and n_par > 0:
        specs.append(_spec("lightif_zh:paragraph_count", num_paragraphs=n_par,
                           separator="\n\n" if split == 2 else "\n\n\n", has_title=bool(brackets)))
    if (n_sent := _int(jp, "sentence_num", -1)) > 0:  # D3
        specs.append(_spec("lightif_zh:sentence_count", num_sentences=n_sent))
    low, high = _int(jp, "low_word_cnt", -1), _int(jp, "max_word_cnt", -1)
    if low > 0 and high >= low:
        specs.append(_spec("lightif_zh:length_range", min_chars=low, max_chars=high))
    elif low > 0:
        specs.append(_spec("lightif_zh:length_min", min_chars=low))
    elif high > 0:
        specs.append(_spec("lightif_zh:length_max", max_chars=high))
    if brackets:  # D5: title rules only when a title style is requested
        specs.append(_spec("lightif_zh:title_style", brackets=brackets))
        if (max_title := _int(jp, "max_topic_word_cnt", 0)) > 0:
            specs.append(_spec("lightif_zh:title_max_length", brackets=brackets, max_chars=max_title))
    if _str(jp, "begin_content").strip().strip("。"):
        specs.append(_spec("lightif_zh:begin_with", text=_str(jp, "begin_content"), title_brackets=brackets))
    if _str(jp, "end_content").strip().strip("。"):
        specs.append(_spec("lightif_zh:end_with", text=_str(jp, "end_content")))
    return specs


def _en_counted(specs: list[dict], name: str, low: int, high: int, exact_ok: bool) -> None:
    """The official low/max pattern shared by word counts and all-caps counts."""
    if low > 0 and high > low:
        specs.append(_spec(f"lightif_en:{name}_range", min_count=low, max_count=high))
    elif low > 0 and high == low and exact_ok:
        specs.append(_spec(f"lightif_en:{name}_exactly", count=low))
    elif low > 0:
        specs.append(_spec(f"lightif_en:{name}_min", min_count=low))
    elif high > 0:
        specs.append(_spec(f"lightif_en:{name}_max", max_count=high))


def _en_specs(jp: dict, query: str) -> list[dict]:
    specs: list[dict] = []
    repeat = jp.get("prompt_to_repeat", -1)
    ignore = ""
    if repeat not in (-1, None):
        ignore = query.replace(REPEAT_SENTENCE, "").strip()
        if not ignore:
            raise DataError("prompt_to_repeat is set but the query has no request to repeat", field="query")
        specs.append(_spec("lightif_en:repeat_prompt", prompt_to_repeat=ignore))
    if (n := _int(jp, "num_highlights", -1)) > 0:
        specs.append(_spec("lightif_en:highlights_at_least", num_highlights=n))
    # official word counts: range only if max > low, otherwise low alone (no exact case)
    _en_counted(specs, "word_count", _int(jp, "low_word_cnt", -1), _int(jp, "max_word_cnt", -1), exact_ok=False)
    if (n := _int(jp, "num_placeholders", -1)) > 0:
        specs.append(_spec("lightif_en:placeholders_at_least", num_placeholders=n))
    if (n := _int(jp, "num_bullets", -1)) > 0:
        specs.append(_spec("lightif_en:bullets_exactly", num_bullets=n))
    _en_counted(specs, "all_caps", _int(jp, "low_capital_cnt", -1), _int(jp, "max_capital_cnt", -1), exact_ok=True)
    specs += _keyword_specs("lightif_en", jp)
    if (n := _int(jp, "num_sentences", -1)) > 0:
        style = _int(jp, "sentences_style", -1)
        kind = {-1: "less", 0: "exactly", 1: "more"}.get(style)
        if kind is None:
            raise DataError(f"expected -1, 0 or 1, got {style}", field="jqzl_prompt.sentences_style")
        specs.append(_spec(f"lightif_en:sentence_count_{kind}", num_sentences=n))
    specs += _letter_specs(jp)
    sep = _str(jp, "paragraphs")
    if (n := _int(jp, "paragraphs_num", -1)) > 0:
        if sep not in _EN_SEPARATORS:
            raise DataError(f"expected one of {_EN_SEPARATORS!r}, got {sep!r}", field="jqzl_prompt.paragraphs")
        specs.append(_spec("lightif_en:paragraph_count", num_paragraphs=n, separator=sep))
    if end := _str(jp, "end_phrase"):
        specs.append(_spec("lightif_en:end_phrase", end_phrase=end))
    if (nth := _int(jp, "nth_paragraph", -1)) > 0 and (word := _str(jp, "first_word")):
        specs.append(_spec("lightif_en:nth_paragraph_first_word", nth_paragraph=nth, first_word=word,
                           separator=sep if sep in _EN_SEPARATORS else "\n\n"))
    if ignore:
        for s in specs[1:]:
            s["params"]["ignore_text"] = ignore
    return specs


def _letter_specs(jp: dict) -> list[dict]:
    letter = _str(jp, "letter")
    low, high = _int(jp, "low_letter_num", -1), _int(jp, "max_letter_num", -100)
    if not letter:
        return []
    if low > 0:
        return [_spec("lightif_en:letter_at_least", letter=letter, min_count=low)]
    if high > 0:
        return [_spec("lightif_en:letter_at_most", letter=letter, max_count=high)]
    if high < 0 and high != -100:  # -100 is the official "no requirement" sentinel
        return [_spec("lightif_en:letter_forbidden", letter=letter)]
    return []


def specs_from_jqzl(ground_truth: dict | str) -> list[dict]:
    """Convert an official Light-IF ground truth (dict or JSON string) to our constraint specs.

    >>> specs_from_jqzl({"source": "jqzl", "query": "写一首诗", "jqzl_prompt": {"sentence_num": 4,
    ...                  "keywords": ["春天"], "keywords_num": [[2, 1]], "keywords_req": True}})
    [{'id': 'lightif_zh:keyword_at_least', 'params': {'keyword': '春天', 'min_count': 2}}, \
{'id': 'lightif_zh:sentence_count', 'params': {'num_sentences': 4}}]
    """
    gt = parse_ground_truth(ground_truth)
    if is_type_b(gt):
        return [_spec("lightif_en:check_code", code=extract_check_code(gt["check_code"]))]
    jp = gt.get("jqzl_prompt")
    if isinstance(jp, str):  # tolerate a doubly-encoded field
        jp = parse_ground_truth(jp)
    if not isinstance(jp, dict):
        raise DataError("expected an object with the constraint fields", field="jqzl_prompt")
    if gt.get("source", "") == "jqzl-en":
        query = gt.get("query", "")
        if not isinstance(query, str):
            raise DataError("expected a string", field="query")
        return _en_specs(jp, query)
    return _zh_specs(jp)


def query_of(gt: dict) -> str:
    """The user prompt of a record: `query` (type A) or the first user message (type B)."""
    if isinstance(gt.get("query"), str):
        return gt["query"]
    for m in gt.get("messages") or []:
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str):
            return m["content"]
    raise DataError("no prompt: expected 'query' or a user message in 'messages'", field="query")


def prompt_record_from_jqzl(rec: dict, *, path: str, line: int) -> PromptRecord:
    """A `PromptRecord` from one official ground-truth line (called by `lightif.schema.load_prompts`).

    The line is the ground-truth object itself, optionally with `id` (else `<file stem>-<line>`) and `meta`.
    Errors carry file:line.
    """
    try:
        specs = specs_from_jqzl(rec)
        query = query_of(rec)
    except DataError as exc:
        raise DataError(exc.reason, path=path, line=line, field=exc.field) from None
    if is_type_b(rec):  # no `source` on type B: a CJK character in the prompt means Chinese
        lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in query) else "en"
    else:
        lang = "en" if rec.get("source", "") == "jqzl-en" else "zh"
    rid = rec.get("id", f"{Path(path).stem}-{line}")
    meta = dict(rec.get("meta") or {})
    meta.update({"jqzl_source": rec.get("source", ""), "jqzl_prompt": rec.get("jqzl_prompt")})
    return PromptRecord(id=str(rid), messages=({"role": "user", "content": query},), constraints=tuple(specs),
                        lang=lang, source=SOURCE, meta=meta)
