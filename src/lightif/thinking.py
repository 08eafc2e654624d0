"""Thinking-pattern analysis for rejection sampling: preview, self-check, lazy thinking, fluency.

Light-IF keeps cold-start trajectories whose thinking *previews* (lists every constraint and plans the structure
before drafting) and *self-checks* (verifies each constraint after a draft: counting, re-reading, fixing) rather than
*lazily* restating the instruction (LIGHT_IF_METHOD.md §1, §4). The paper publishes no detector, so everything here is
our own, rule-based and bilingual (en + zh):

- the thinking is cut at the **draft point**: an explicit drafting cue ("Draft:", "let me write", "草稿", "开始写")
  or the first place the final answer's opening line appears inside the thinking; with neither, the midpoint. The
  **review** region starts after the draft point, or after the copied draft's last line when that is visible;
- **preview** = planning/enumeration cues *before* the draft point, **self-check** = verification cues (count,
  check, verify, re-read, fix / 检查, 数一下, 核对, 修改) and explicit counts in the review region; each is a score in
  [0, 1] that saturates at four distinct cues, so one stray word does not count as a pattern;
- **lazy** = the thinking mostly restates the instruction (high token overlap with the prompt or explicit
  "the user wants" / "用户要求" restatements) and has no self-check;
- **constraint coverage**: the share of the prompt's constraints the thinking mentions before the draft point and
  the share it verifies after it. Mentions are data-driven from each spec: cue words for the tokens of its id (a
  table, en + zh) plus its string and number parameter values, so new constraint ids are covered without code;
- **fluency**: an optional LLM judge through a generation backend (our own wording of the 1–10 judge that
  Light-IF's `IF.py` ships unused; the last `[[n]]` with 1 <= n <= 10 counts), else a cheap heuristic that flags
  the constraint-gaming the judge prompt penalises (letter stuffing, repeated lines, n-gram loops).

Thresholds are parameters (`AcceptConfig`); the paper's are unknown.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from lightif.errors import ConfigError
from lightif.text import THINK_CLOSE, THINK_OPEN, split_thinking

# ----- cue lexicons (lower-cased; zh cues are matched as substrings) ------------------------------------------------
PREVIEW_CUES_EN = (
    "constraint", "requirement", "plan", "outline", "structure", "first,", "second,", "third,", "then,",
    "finally,", "step 1", "let me list", "list the", "key points", "checklist", "approach", "i'll start",
    "i will start", "make sure", "remember to", "rules",
)
PREVIEW_CUES_ZH = (
    "约束", "限制", "逐条", "计划", "结构", "大纲", "安排", "首先", "其次", "然后", "最后",
    "第一", "第二", "第三", "列出", "注意", "确保", "规划", "思路", "打算", "条件",
)
CHECK_CUES_EN = (
    "let me check", "check", "verify", "verified", "double-check", "double check", "re-read", "reread", "count",
    "counting", "let me count", "that's", "that is", "total", "confirm", "make sure", "satisf", "meets", "ok,",
    "okay,", "✓", "fix", "revise", "adjust", "change", "replace", "too many", "too few", "too long", "too short",
    "missing", "still need", "all constraints", "all requirements", "looks good",
)
CHECK_CUES_ZH = (
    "检查", "核对", "确认", "数一下", "数一数", "统计", "一共", "总共", "共有", "满足", "符合", "没问题", "修改",
    "调整", "改成", "删掉", "补充", "太多", "太少", "超过", "不够", "再看", "回顾", "逐条", "验证", "✓",
)
DRAFT_CUES_EN = (
    "draft:", "draft -", "here's a draft", "here is a draft", "let me draft", "let me write", "i'll write",
    "i will write", "let me compose", "first draft", "let me try writing", "writing it out", "now write",
)
DRAFT_CUES_ZH = ("草稿", "初稿", "开始写", "先写", "试写", "写一下", "动笔", "写出来", "正文如下", "下面写")
RESTATE_CUES = (
    "the user wants", "the user asks", "the user asked", "the user is asking", "user wants me to", "i need to write",
    "i'm asked to", "i am asked to", "the task is", "the instruction says", "用户要求", "用户希望", "用户让我",
    "用户想要", "题目要求", "我需要写", "任务是",
)

# id token -> words that signal a mention of that kind of constraint (en + zh). Unknown tokens fall back to the
# token itself, so a new id is still matched on its own name.
ID_TOKEN_CUES: dict[str, tuple[str, ...]] = {
    "words": ("word", "字数", "词", "字"), "word": ("word", "字数", "词"), "length": ("length", "long", "字数",
    "长度"),
    "sentences": ("sentence", "句"), "sentence": ("sentence", "句"), "paragraphs": ("paragraph", "段"),
    "paragraph": ("paragraph", "段"), "comma": ("comma", "逗号"), "bullet": ("bullet", "要点", "列表", "条目"),
    "bullets": ("bullet", "要点", "列表", "条目"), "highlighted": ("highlight", "markdown", "加粗", "高亮", "突出"),
    "highlights": ("highlight", "markdown", "加粗", "高亮", "突出"), "json": ("json",), "title": ("title", "标题",
    "题目"),
    "quotation": ("quot", "引号"), "lowercase": ("lowercase", "lower case", "小写"),
    "capital": ("capital", "uppercase", "upper case", "大写"), "keywords": ("keyword", "关键词", "词语"),
    "keyword": ("keyword", "关键词"), "forbidden": ("forbid", "avoid", "not use", "don't use", "禁止", "不要", "不能",
    "避免"),
    "placeholders": ("placeholder", "占位"), "postscript": ("p.s", "postscript", "附言"), "end": ("end", "结尾",
    "结束"),
    "begin": ("begin", "start", "开头"), "language": ("language", "语言"), "sections": ("section", "部分", "章节"),
    "repeat": ("repeat", "重复"), "letter": ("letter", "字母"), "frequency": ("times", "次"),
    "two": ("two responses", "两个回答", "两种"), "constrained": ("my answer is", "yes", "no", "maybe"),
    "first": ("first word", "开头", "第一个词"),
}
_ID_STOP = {"number", "detectable", "format", "content", "constraints", "change", "case", "combination", "startend",
            "checker", "lightif", "zh", "en", "ifbench", "count", "num", "response", "english", "punctuation"}

_WORD_RE = re.compile(r"[a-z0-9']+|[\u4e00-\u9fff]")
_SENT_SPLIT = re.compile(r"(?<=[.!?。！？\n])")


# ----- data classes -----------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class PatternReport:
    """What the thinking of one completion does. Scores are in [0, 1]; coverages are None without constraints."""

    thinking_chars: int
    draft_at: int  # character offset of the draft point in the thinking
    draft_found: bool  # an explicit cue or the answer's opening was found (else the midpoint was used)
    preview: float
    self_check: float
    preview_hits: int  # distinct planning cues + enumerated lines before the draft point (preview saturates at 4)
    check_hits: int  # distinct verification cues + explicit counts after it
    restatement: float  # token overlap of the thinking with the prompt (share of thinking tokens)
    lazy: bool
    preview_coverage: float | None
    check_coverage: float | None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class AcceptConfig:
    """Thresholds of the rejection-sampling filter (our defaults; the paper's values are unknown)."""

    min_preview: float = 0.5  # 0.5 = at least 2 distinct planning cues before the draft point
    min_self_check: float = 0.5  # 0.5 = at least 2 distinct verification cues after it
    min_preview_coverage: float = 0.0  # share of the prompt's constraints mentioned before drafting
    min_check_coverage: float = 0.0  # share verified after drafting
    reject_lazy: bool = True
    min_fluency: float = 0.6  # heuristic score in [0, 1]; with a judge, `min_judge_score` applies instead
    min_judge_score: int = 6
    min_thinking_chars: int = 40
    max_thinking_chars: int = 60000
    min_answer_chars: int = 1
    max_answer_chars: int = 30000
    require_pass: bool = True  # every constraint must pass (strict)
    think_required: bool = True  # False: tag-less answers of non-thinking models skip the thinking filters
    open_tag: str = THINK_OPEN
    close_tag: str = THINK_CLOSE

    def __post_init__(self) -> None:
        for name in ("min_preview", "min_self_check", "min_preview_coverage", "min_check_coverage", "min_fluency"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"{name} must be in [0, 1], got {v}")
        if not 1 <= self.min_judge_score <= 10:
            raise ConfigError(f"min_judge_score must be in 1..10, got {self.min_judge_score}")
        if self.min_thinking_chars > self.max_thinking_chars or self.min_answer_chars > self.max_answer_chars:
            raise ConfigError("a min length exceeds its max")


@dataclasses.dataclass(frozen=True)
class Acceptance:
    """The rejection-sampling verdict on one sample: `ok`, and the first failed filter (`reason`) if not."""

    ok: bool
    reason: str | None
    follow_all: bool | None
    patterns: PatternReport | None
    fluency: float | None
    judge_score: int | None = None

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["patterns"] = self.patterns.to_json() if self.patterns else None
        return out


# ----- helpers ----------------------------------------------------------------------------------------------------
def split(text: str, open_tag: str = THINK_OPEN, close_tag: str = THINK_CLOSE) -> tuple[str, str, bool]:
    """(thinking, answer, closed) via `lightif.text.split_thinking` with configurable tags."""
    s = split_thinking(text, open_tag, close_tag)
    return s.thinking, s.answer, s.closed


def _tokens(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def _distinct_hits(text: str, cues: Sequence[str]) -> int:
    low = text.lower()
    return sum(1 for c in cues if c in low)


def _saturate(hits: int, full: int = 4) -> float:
    """Map a count of distinct cues to [0, 1]: 1 cue = 0.25, 4 or more = 1."""
    return min(1.0, hits / full)


def _enumerations(text: str) -> int:
    """Lines that enumerate: '1.', '2)', '- ', '* ', '（1）', '一、'."""
    pat = re.compile(r"^\s*(?:\d+[.)、]|[-*•]\s|[（(]\d+[)）]|[一二三四五六七八九十]+、)", re.M)
    return len(pat.findall(text))


def _counting_evidence(text: str) -> int:
    """Explicit counts after a draft: '1, 2, 3', '(1) … (2)', 'that's 5', '共5段', '12 words'."""
    n = len(re.findall(r"\b\d+\s*(?:words?|sentences?|paragraphs?|bullets?|lines?|times|letters?)\b", text, re.I))
    n += len(re.findall(r"(?:共|一共|总共|有)\s*\d+\s*[个段句字条次]", text))
    n += len(re.findall(r"\b1\s*,\s*2\s*,\s*3\b", text))
    return n


def find_draft_point(thinking: str, answer: str = "") -> tuple[int, bool]:
    """Offset where drafting starts in `thinking`, and whether it was found (else the midpoint)."""
    low = thinking.lower()
    positions = [low.find(c) for c in DRAFT_CUES_EN + DRAFT_CUES_ZH if c in low]
    first_line = next((ln.strip() for ln in answer.splitlines() if len(ln.strip()) >= 12), "")
    if first_line:
        probe = first_line[:40].lower()
        at = low.find(probe)
        if at >= 0:
            positions.append(at)
    if positions:
        return min(positions), True
    return len(thinking) // 2, False


def restatement_ratio(thinking: str, prompt: str) -> float:
    """Share of the thinking's tokens (en words / zh characters) that also occur in the prompt."""
    think = _tokens(thinking)
    if not think or not prompt:
        return 0.0
    vocab = set(_tokens(prompt))
    return sum(1 for t in think if t in vocab) / len(think)


def constraint_cues(spec: Mapping[str, Any]) -> set[str]:
    """Lower-cased strings whose presence counts as a mention of this constraint spec (see module doc)."""
    cues: set[str] = set()
    cid = str(spec.get("id", ""))
    for tok in re.split(r"[:_\-]", cid.lower()):
        if not tok or tok in _ID_STOP or (tok not in ID_TOKEN_CUES and len(tok) < 4):
            continue
        cues.update(ID_TOKEN_CUES.get(tok, (tok,)))
    params = spec.get("params") or {}

    def add(v: Any) -> None:
        if isinstance(v, bool) or v is None:
            return
        if isinstance(v, (int, float)):
            if v == int(v) and abs(v) >= 2:  # 0 and 1 occur everywhere
                cues.add(str(int(v)))
        elif isinstance(v, str):
            s = v.strip().lower()
            if len(s) >= 2 or re.match(r"[\u4e00-\u9fff]", s) and len(s) >= 2:
                cues.add(s[:60])
        elif isinstance(v, (list, tuple)):
            for x in v:
                add(x)

    for k, v in params.items():
        if k != "prompt":
            add(v)
    return cues


def _mentions(text: str, cues: set[str]) -> bool:
    low = text.lower()
    for c in cues:
        if c.isdigit():
            if re.search(rf"(?<![\d.]){c}(?!\d|[.)、]\s)", low):  # not an enumerator like "2. " or "2) "
                return True
        elif c in low:
            return True
    return False


def _check_sentences(text: str) -> str:
    """The sentences of `text` that carry a verification cue (where a constraint is *verified*, not just named)."""
    parts = [p for p in _SENT_SPLIT.split(text) if p.strip()]
    cues = CHECK_CUES_EN + CHECK_CUES_ZH
    return "\n".join(p for p in parts if _distinct_hits(p, cues) or _counting_evidence(p))


def _draft_end(thinking: str, answer: str, draft_at: int) -> int | None:
    """Offset just after the last line of the final answer copied into the thinking (after the draft point)."""
    lines = [ln.strip() for ln in answer.splitlines() if len(ln.strip()) >= 12]
    if not lines:
        return None
    low = thinking.lower()
    probe = lines[-1][-40:].lower()
    at = low.rfind(probe)
    return at + len(probe) if at >= draft_at else None


# ----- the analyser -----------------------------------------------------------------------------------------------
def analyze(
    thinking: str,
    answer: str = "",
    prompt: str = "",
    constraints: Sequence[Mapping[str, Any]] | None = None,
    lazy_overlap: float = 0.6,
) -> PatternReport:
    """Detect preview / self-check / lazy thinking and the constraint coverage of one thinking trace."""
    draft_at, found = find_draft_point(thinking, answer)
    before, after = thinking[:draft_at], thinking[draft_at:]
    # the checking region starts where the copied draft ends (a draft's own words are not checks), if visible
    draft_end = _draft_end(thinking, answer, draft_at)
    review = thinking[draft_end:] if draft_end is not None else after
    preview_hits = _distinct_hits(before, PREVIEW_CUES_EN + PREVIEW_CUES_ZH) + _enumerations(before)
    check_hits = _distinct_hits(review, CHECK_CUES_EN + CHECK_CUES_ZH) + _counting_evidence(review)
    preview, self_check = _saturate(preview_hits), _saturate(check_hits)
    overlap = restatement_ratio(thinking, prompt)
    restates = overlap >= lazy_overlap or _distinct_hits(thinking, RESTATE_CUES) > 0
    lazy = bool(thinking.strip()) and restates and self_check < 0.5 and preview < 0.75
    lazy = lazy or not thinking.strip()
    pcov = ccov = None
    if constraints:
        cue_sets = [constraint_cues(s) for s in constraints]
        # verified = named after the draft ends (the draft itself repeats keywords); without a visible draft end,
        # only sentences that carry a verification cue count
        checked = review if draft_end is not None else _check_sentences(after)
        pcov = sum(_mentions(before, c) for c in cue_sets) / len(cue_sets)
        ccov = sum(_mentions(checked, c) for c in cue_sets) / len(cue_sets)
    return PatternReport(len(thinking), draft_at, found, preview, self_check, preview_hits, check_hits,
                         round(overlap, 4), lazy, pcov, ccov)


def analyze_completion(text: str, prompt: str = "", constraints=None, open_tag: str = THINK_OPEN,
                       close_tag: str = THINK_CLOSE) -> PatternReport:
    thinking, answer, _ = split(text, open_tag, close_tag)
    return analyze(thinking, answer, prompt, constraints)


# ----- fluency ----------------------------------------------------------------------------------------------------
def heuristic_fluency(answer: str) -> float:
    """A cheap fluency score in [0, 1] that flags constraint-gaming text (no LLM).

    Penalties: stuffed standalone letters ("a b c d"), a line repeated 3+ times, a repeated 4-gram loop, too few
    distinct tokens, runs of the same character. Natural prose scores about 0.9-1.0.
    """
    toks = _tokens(answer)
    if not toks:
        return 0.0
    score = 1.0
    words = [t for t in toks if re.match(r"[a-z]", t)]
    if words:
        single = sum(1 for w in words if len(w) == 1 and w not in ("a", "i"))
        score -= min(0.6, 3.0 * single / len(words))
    lines = [ln.strip() for ln in answer.splitlines() if len(ln.strip()) > 10]
    if lines:
        top = Counter(lines).most_common(1)[0][1]
        if top >= 3:
            score -= min(0.5, 0.15 * (top - 2))
    if len(toks) >= 12:
        grams = Counter(tuple(toks[i:i + 4]) for i in range(len(toks) - 3))
        rep = sum(c - 1 for c in grams.values() if c > 1) / max(1, len(toks) - 3)
        score -= min(0.5, rep)
        distinct = len(set(toks)) / len(toks)
        if distinct < 0.2:
            score -= 0.3
    if re.search(r"(.)\1{9,}", answer):
        score -= 0.3
    return max(0.0, round(score, 4))


JUDGE_TEMPLATE_EN = (
    "You are grading the writing quality of an answer to a user's request. Rate its fluency and readability on a "
    "scale of 1 to 10. Answers that read naturally and serve the request score high. Penalise text that is awkward, "
    "repetitive or visibly crafted only to satisfy formal constraints (for example stuffing standalone letters or "
    "keywords, padding, broken sentences).\n\n[Request]\n{question}\n\n[Answer]\n{answer}\n\n"
    "Give a short justification, then the score in the exact form Score:[[n]]."
)
JUDGE_TEMPLATE_ZH = (
    "请评价下面这个回答的语言质量。按 1 到 10 分给出流畅度与可读性评分：自然通顺、切合请求的回答得分高；生硬、重复，"
    "或者明显只是为了满足格式要求而拼凑的文字（例如堆砌孤立的字母或关键词、凑字数、句子残缺）要扣分。\n\n"
    "[请求]\n{question}\n\n[回答]\n{answer}\n\n先简要说明理由，然后严格按 Score:[[n]] 的格式给出分数。"
)


def judge_prompt(question: str, answer: str, lang: str = "en") -> str:
    return (JUDGE_TEMPLATE_ZH if lang == "zh" else JUDGE_TEMPLATE_EN).format(question=question, answer=answer)


def parse_judge_score(text: str) -> int | None:
    """The judge's score: the last `[[n]]` with 1 <= n <= 10 (Light-IF's protocol); None when there is none."""
    for m in reversed(re.findall(r"\[\[\s*(\d+)\s*\]\]", text or "")):
        n = int(m)
        if 1 <= n <= 10:
            return n
    return None


def output_text(item: Any) -> str:
    """Text of one backend output, whatever the backend returns (str, object with .text, dict, or a list)."""
    if isinstance(item, (list, tuple)):
        item = item[0] if item else ""
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        return str(item.get("text", ""))
    return str(getattr(item, "text", ""))


def judge_fluency(items: Sequence[tuple[str, str, str]], backend: Any, max_new_tokens: int = 256) -> list[int | None]:
    """Score `(question, answer, lang)` items with an LLM judge backend (greedy). None = no parsable score."""
    from lightif.backends import SamplingParams

    convs = [[{"role": "user", "content": judge_prompt(q, a, lang)}] for q, a, lang in items]
    params = SamplingParams(temperature=0.0, max_new_tokens=max_new_tokens)
    outs = backend.generate(convs, params)
    scores = []
    for o in outs:
        text = output_text(o)
        parts = split_thinking(text)
        scores.append(parse_judge_score(parts.answer if parts.closed else text))  # a reasoning judge's verdict
    return scores


# ----- acceptance -------------------------------------------------------------------------------------------------
def accept(
    sample: Mapping[str, Any],
    config: AcceptConfig | None = None,
    judge_score: int | None = None,
    check_fluency: bool = True,
) -> Acceptance:
    """Rejection-sampling verdict for one scored sample.

    `sample` needs `text` (the full completion), `constraints` (specs) and the prompt (`prompt` or `messages`);
    `lang` is optional. Correctness is re-checked with `lightif.constraints.check` on the answer after thinking.
    Filters run in the order of the extract funnel; the first failure is the `reason`. With
    `check_fluency=False` the fluency filter is skipped (the extract stage judges the survivors in one batch).
    """
    from lightif import constraints as C

    cfg = config or AcceptConfig()
    text = str(sample.get("text", ""))
    prompt = sample_prompt(sample)
    specs = list(sample.get("constraints") or [])
    parts = split_thinking(text, cfg.open_tag, cfg.close_tag)
    thinking, answer, closed = parts.thinking, parts.answer, parts.closed
    # a non-thinking model's plain answer (no tags at all) is allowed when think_required is off; a truncated
    # think block (open tag, no close tag) never is
    plain = not parts.had_thinking and not cfg.think_required
    if not closed and not plain:
        return Acceptance(False, "no_closed_thinking", None, None, None)
    follow_all = C.check(specs, answer, prompt=prompt, dense=False).follow_all if specs else True
    if cfg.require_pass and not follow_all:
        return Acceptance(False, "fails_constraints", follow_all, None, None)
    if not plain and not cfg.min_thinking_chars <= len(thinking) <= cfg.max_thinking_chars:
        return Acceptance(False, "thinking_length", follow_all, None, None)
    if not cfg.min_answer_chars <= len(answer) <= cfg.max_answer_chars:
        return Acceptance(False, "answer_length", follow_all, None, None)
    rep = None if plain else analyze(thinking, answer, prompt, specs)
    reason = None
    if rep is None:
        pass  # no thinking to judge: only correctness, length and fluency apply
    elif rep.preview < cfg.min_preview or (rep.preview_coverage or 0.0) < cfg.min_preview_coverage:
        reason = "no_preview"
    elif rep.self_check < cfg.min_self_check or (rep.check_coverage or 0.0) < cfg.min_check_coverage:
        reason = "no_self_check"
    elif cfg.reject_lazy and rep.lazy:
        reason = "lazy"
    if reason:
        return Acceptance(False, reason, follow_all, rep, None)
    fluency = heuristic_fluency(answer)
    if not check_fluency:
        return Acceptance(True, None, follow_all, rep, fluency)
    if judge_score is not None:
        ok = judge_score >= cfg.min_judge_score
    else:
        ok = fluency >= cfg.min_fluency
    return Acceptance(ok, None if ok else "not_fluent", follow_all, rep, fluency, judge_score)


def sample_prompt(sample: Mapping[str, Any]) -> str:
    if isinstance(sample.get("prompt"), str):
        return sample["prompt"]
    for m in reversed(sample.get("messages") or []):
        if isinstance(m, Mapping) and m.get("role") == "user":
            return str(m.get("content", ""))
    return ""


__all__ = [
    "AcceptConfig", "Acceptance", "PatternReport", "accept", "analyze", "analyze_completion", "constraint_cues",
    "find_draft_point", "heuristic_fluency", "judge_fluency", "judge_prompt", "output_text", "parse_judge_score",
    "restatement_ratio", "split",
]
