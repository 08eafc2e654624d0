"""The synthesis catalog: per-constraint-id parameter samplers, conflict rules, couplings and witness builders.

For every constraint id that synthesis may put in a prompt, the catalog knows
- **which prompt languages** it suits (`Entry.langs`; e.g. word counts and letter counts are English-only, the
  Light-IF zh family is used for zh prompts and the en family for en prompts),
- **how to sample parameters** (`Entry.sample`; our own ranges, or the family's `Constraint.sample` with keywords
  drawn from our pools),
- **how tight** a draw is (`Entry.tightness` in [0, 1]: exact counts and narrow ranges are tight),
- **how to satisfy it** (`Entry.plan`): it writes requirements into a `Plan`, a small document model (paragraphs,
  sentences, words or characters per sentence, inserted tokens, title, bullets, sections, start/end text, case and
  wrappers). `build_witness` renders the plan into a response and *verifies it with `lightif.constraints.check`*,
  searching a few sentence-count / sentence-length settings; a prompt without a verified witness is never written.

Conflict rules are a symmetric table (`CONFLICTS`) plus exclusive groups (`GROUPS`: at most one paragraph-count, one
sentence-count, one length, one bullet-count, one letter constraint, one constraint that fixes the first characters,
one that fixes the last characters). Couplings (`couple`) make compatible specs agree (a zh title makes the zh
paragraph count discount it and the zh opening start after it; a Light-IF en repetition sets `ignore_text` on the
other en constraints, as the official checker removes the repeated request before counting).

Ids registered without a catalog entry (e.g. IFBench, or a new family) are not sampled: `missing_entries()` lists
them, so a new id slots in by adding one `Entry`. Nothing here re-implements a checker: the witness is always judged
by the registry.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lightif import constraints as C

# ----- vocabularies -------------------------------------------------------------------------------------------------
# Filler words: lower-case, >= 2 letters, never a keyword-pool word or a substring of one (tested).
EN_FILLER = tuple("""
morning garden window simple little people family friend letter travel village summer winter weather history
market kitchen table chair coffee bread music picture evening story season forest mountain island station street
moment pebble together careful quiet gentle bright yellow purple orange silver golden wooden paper pencil bottle
basket button candle carpet curtain doctor driver farmer hunter player singer sister brother mother father uncle
cousin neighbour teacher student answer question reason number promise problem result system method report
planet rocket engine camera screen button hollow narrow shallow yellowish calm walk talk read write sing bring
follow borrow listen visit open close start finish carry build paint clean cook plant watch share smile laugh
across around behind below beside between inside outside along toward always often never seldom usually today
tonight tomorrow yesterday slowly quickly softly warmly kindly happily honest proud brave clever humble polite
lucky sunny windy rainy snowy cloudy stormy misty dusty sandy rocky grassy leafy woolly cotton linen velvet
""".split())
# Pool for keyword constraints (never in the filler).
EN_KEYWORDS = ("innovation", "harmony", "journey", "compass", "lantern", "horizon", "balance", "courage", "puzzle",
               "velocity", "meadow", "whisper", "blueprint", "festival", "treasure", "wisdom", "thunder", "canyon",
               "voyage", "melody")
EN_FORBIDDEN = ("obviously", "basically", "literally", "honestly", "awesome", "amazing", "stuff", "thing", "very",
                "really", "actually", "totally")
EN_FIRST_WORDS = ("however", "first", "finally", "moreover", "meanwhile", "today", "therefore", "instead")
EN_END_PHRASES = ("Is there anything else I can help with?", "Let me know if you have additional questions.",
                  "Thank you for reading.", "That is all for now.", "Any other questions?", "Peace out.")
CAPS_WORDS = ("NOTE", "KEY", "TIP", "IMPORTANT", "ALWAYS", "NEVER", "NOW", "FIRST", "BEST", "STOP")
EN_PLACEHOLDERS = ("[name]", "[address]", "[date]", "[city]", "[company]", "[phone]", "[email]", "[time]")
ZH_PLACEHOLDERS = ("[姓名]", "[地址]", "[日期]", "[城市]", "[公司]", "[电话]", "[邮箱]", "[时间]")

# zh filler: two-character words sharing no character with the zh keyword pool (tested).
ZH_FILLER = tuple("""
春天 阳光 小河 石桥 山坡 草地 鲜花 树叶 微风 细雨 清晨 黄昏 午后 窗台 书桌 灯光 茶杯 早餐 面包 牛奶 果汁 米饭 蔬菜 水果
孩子 老师 同学 邻居 父母 爷爷 奶奶 姐姐 弟弟 伙伴 故事 图画 音乐 歌声 笑声 脚步 道路 车站 公园 广场 商店 市场 街道 小区
安静 温暖 明亮 干净 轻松 愉快 认真 耐心 仔细 勇敢 诚实 善良 热情 平静 舒适 整齐 简单 清楚 准确 及时 每天 经常 慢慢 悄悄
""".split())
ZH_KEYWORDS = ("科技", "环境", "教育", "未来", "健康", "文化", "创新", "历史", "自然", "梦想", "责任", "成长", "坚持",
"合作",
               "希望", "智慧")
ZH_BEGIN = ("首先", "在当今社会", "众所周知", "我认为", "总的来说", "说起")
ZH_END = ("谢谢阅读", "未来可期", "让我们共同努力", "以上就是我的看法", "愿你一切顺利")
ZH_END_PHRASES = ("以上就是全部内容。", "如有其他问题，欢迎随时提出。", "感谢阅读！")
ZH_TITLES = ("小记", "随想", "清晨", "远方", "心声", "回望", "新篇", "晚风")
EN_TITLES = ("A Quiet Morning", "Notes From The Road", "The Long Walk", "Small Things", "Under The Same Sky")


# ----- the document plan --------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Plan:
    """Requirements on the witness response, written by the entries' `plan` functions."""

    lang: str  # language of the filler text
    paragraphs: int | None = None  # exact number of body paragraphs
    sep: str = "\n\n"  # paragraph separator as joined into the text
    title_paragraph: bool = False  # the zh title is its own paragraph (official zh paragraph rule)
    sent_lo: int = 1  # body sentence count bounds (inclusive), a starting point for the search
    sent_hi: int = 60
    len_lo: int = 0  # en: \w+ words, zh: characters
    len_hi: int = 10**6
    inserts: list[str] = dataclasses.field(default_factory=list)  # tokens placed inside sentences
    need_letter: dict[str, int] = dataclasses.field(default_factory=dict)
    avoid_letters: set[str] = dataclasses.field(default_factory=set)
    caps_ok: bool = True  # filler may contain all-caps tokens (it never does; inserts may)
    bullets: int = 0
    title: str | None = None  # the full title line, e.g. '<<Small Things>>' or '《小记》'
    begin: str | None = None  # first body words
    nth_first: tuple[int, str] | None = None  # (paragraph index from 1, first word)
    sections: tuple[str, int] | None = None
    constrained: str | None = None
    postscript: str | None = None
    end: str | None = None
    repeat: str | None = None
    two_responses: bool = False
    case: str | None = None  # 'lower' | 'upper'
    quotation: bool = False
    json: bool = False


def _bound_len(plan: Plan, lo: int | None = None, hi: int | None = None) -> None:
    if lo is not None:
        plan.len_lo = max(plan.len_lo, lo)
    if hi is not None:
        plan.len_hi = min(plan.len_hi, hi)


def _bound_sent(plan: Plan, lo: int | None = None, hi: int | None = None) -> None:
    if lo is not None:
        plan.sent_lo = max(plan.sent_lo, lo)
    if hi is not None:
        plan.sent_hi = min(plan.sent_hi, hi)


def _vocab(plan: Plan) -> Sequence[str]:
    if plan.lang == "zh":
        return ZH_FILLER
    words = [w for w in EN_FILLER if not (set(w) & plan.avoid_letters)]
    if plan.need_letter:
        rich = [w for w in words if all(ch in w for ch in plan.need_letter)]
        if len(rich) >= 8:
            words = rich
    return words or EN_FILLER


def _sentence(rng: random.Random, plan: Plan, vocab: Sequence[str], size: int) -> list[str]:
    if plan.lang == "zh":
        n = max(1, size // 2)
        return [rng.choice(vocab) for _ in range(n)]
    toks = [rng.choice(vocab) for _ in range(max(2, size))]
    toks[0] = toks[0].capitalize()
    return toks


def _join_sentence(toks: list[str], lang: str) -> str:
    if lang == "zh":
        return "".join(toks) + "。"
    return " ".join(toks) + "."


def render(plan: Plan, n_sent: int, size: int, seed: int) -> str:
    """Render the plan with `n_sent` body sentences of about `size` words (en) / characters (zh)."""
    rng = random.Random(seed)
    vocab = _vocab(plan)
    n_par = plan.paragraphs or max(1, min(3, n_sent // 3))
    n_sent = max(n_sent, n_par, (plan.sections[1] if plan.sections else 1))
    sents = [_sentence(rng, plan, vocab, size) for _ in range(n_sent)]
    for k, tok in enumerate(plan.inserts):  # spread inserted tokens, never as a sentence's first token
        s = sents[(k * 7 + 3) % n_sent] if n_sent else sents[0]
        s.insert(rng.randint(1, len(s)), tok)
    # paragraph layout: contiguous groups of sentences
    sizes = [n_sent // n_par + (1 if i < n_sent % n_par else 0) for i in range(n_par)]
    paras, at = [], 0
    for sz in sizes:
        paras.append(sents[at:at + sz])
        at += sz
    if plan.nth_first:
        nth, word = plan.nth_first
        if nth <= len(paras):
            first = paras[nth - 1][0]
            first[0] = first[0].lower() if plan.lang == "en" else first[0]
            first.insert(0, word.capitalize() if plan.lang == "en" else word)
    if plan.begin:
        paras[0][0].insert(0, plan.begin)
        if plan.lang == "en" and len(paras[0][0]) > 1:
            paras[0][0][1] = paras[0][0][1].lower()
    texts = [[_join_sentence(s, plan.lang) for s in p] for p in paras]
    if plan.sections:  # section headers before contiguous sentence groups
        flat = [(i, j) for i, p in enumerate(texts) for j in range(len(p))]
        spliter, k = plan.sections
        for g in range(k):
            i, j = flat[g * len(flat) // k]
            texts[i][j] = f"{spliter} {g + 1}\n" + texts[i][j]
    glue = "" if plan.lang == "zh" else " "
    body = [glue.join(p) for p in texts]
    if plan.bullets:
        item = (lambda: "".join(rng.choice(vocab) for _ in range(2))) if plan.lang == "zh" else \
            (lambda: " ".join(rng.choice(vocab) for _ in range(3)))
        block = "\n".join(f"* {item()}" for _ in range(plan.bullets))
        body[0] = body[0] + "\n" + block + "\n" + ("接下来继续。" if plan.lang == "zh" else "More follows below.")
    if plan.constrained:
        body[-1] = body[-1] + glue + plan.constrained
    if plan.postscript:
        ps = "感谢你的耐心。" if plan.lang == "zh" else "Thank you for your time."
        body[-1] = body[-1] + "\n" + plan.postscript + " " + ps
    text = plan.sep.join(body)
    if plan.title:
        text = plan.title + (plan.sep if plan.title_paragraph else "\n") + text
    if plan.repeat:
        text = plan.repeat + "\n" + text
    if plan.end:
        text = text + glue + plan.end
    if plan.two_responses:
        other = [_join_sentence(_sentence(rng, plan, vocab, size), plan.lang) for _ in range(2)]
        text = text + "\n******\n" + glue.join(other)
        if plan.end:
            text = text + glue + plan.end
    if plan.case == "lower":
        text = text.lower()
    elif plan.case == "upper":
        text = text.upper()
    elif plan.case == "title":  # capitalise every word's first letter (not after an apostrophe)
        text = re.sub(r"(?<![\w'])([a-z])", lambda m: m.group(1).upper(), text)
    if plan.json:
        text = json.dumps({"response": text}, ensure_ascii=False)
    if plan.quotation:
        text = f'"{text}"'
    return text


def _measure(text: str, lang: str) -> int:
    return len(re.findall(r"\w+", text)) if lang == "en" else len(text)


def _candidates(plan: Plan, rng: random.Random) -> list[int]:
    lo, hi = plan.sent_lo, plan.sent_hi
    if plan.paragraphs:
        lo = max(lo, plan.paragraphs)
    if lo > hi:
        return []
    if hi - lo > 12:  # unconstrained: a natural size
        hi = lo + rng.randint(3, 8)
    mid = (lo + hi) // 2
    order = [mid] + [x for d in range(1, 4) for x in (mid - d, mid + d)]
    return [s for s in order if lo - 2 <= s <= hi + 2 and s >= max(1, plan.paragraphs or 1)]


_SLOW_IDS = frozenset({"language:response_language", "change_case:english_capital", "change_case:english_lowercase"})


def build_witness(plan: Plan, specs: Sequence[Mapping[str, Any]], prompt: str, seed: int,
                  max_tries: int = 24) -> str | None:
    """Search sentence counts and sizes for a rendering that passes every spec (strict check). None if none found.

    The sentence size is first solved from one probe rendering so the length lands inside the length bounds
    (middle of a range, 15 % over a minimum, 60 % of a maximum the natural size would break), then nudged by +-1, +-2.
    """
    rng = random.Random(seed)
    # Built once; the langdetect-based checkers (~25 ms each) run last and only when every cheap one passed.
    built = sorted((C.build(s, prompt=prompt) for s in specs), key=lambda c: c.id in _SLOW_IDS)
    base = 8 if plan.lang == "en" else 14
    bounded = plan.len_lo > 0 or plan.len_hi < 10**6
    tries = 0
    for n_sent in _candidates(plan, rng):
        size = base
        if bounded:
            length = _measure(render(plan, n_sent, base, seed), plan.lang)
            if plan.len_hi < 10**6 and plan.len_lo > 0:
                target = (plan.len_lo + min(plan.len_hi, 2 * plan.len_lo + 40)) / 2
            elif plan.len_lo > 0:
                target = max(plan.len_lo * 1.15 + 10, length) if length < plan.len_lo * 1.1 else length
            else:
                target = length if length <= plan.len_hi * 0.8 else plan.len_hi * 0.6
            halves = 1 + (2 / max(1, n_sent) if plan.two_responses else 0)
            size = max(2, round(base + (target - length) / (max(1, n_sent) * halves)))
        for size_try in (size, size + 1, size - 1, size + 2, size - 2):
            if size_try < 2:
                continue
            tries += 1
            text = render(plan, n_sent, size_try, seed + tries)
            if all(C.check_one(c, text)[0] for c in built):
                return text
            if tries >= max_tries:
                return None
            if not bounded:
                break
    return None


# ----- sampling context ---------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Ctx:
    """Per-prompt sampling state: language, seed task and the keywords already used (kept distinct)."""

    rng: random.Random
    lang: str
    task: str
    used: set[str] = dataclasses.field(default_factory=set)

    def pick(self, pool: Sequence[str], k: int = 1) -> list[str]:
        free = [w for w in pool if w not in self.used] or list(pool)
        out = self.rng.sample(free, min(k, len(free)))
        self.used.update(out)
        return out


Sampler = Callable[[Ctx], dict]
Planner = Callable[[Plan, dict], None]


@dataclasses.dataclass(frozen=True)
class Entry:
    id: str
    family: str  # 'ifeval' | 'lightif' | 'ifbench'
    langs: tuple[str, ...]  # prompt languages this id is sampled for
    sample: Sampler
    plan: Planner
    tightness: Callable[[dict], float] = lambda p: 0.3


def _rel(ctx: Ctx) -> str:
    return ctx.rng.choice(["at least", "less than"])


def _range_tight(lo: int, hi: int) -> float:
    return round(max(0.1, 1.0 - (hi - lo) / max(hi, 1)), 3)


# ----- IFEval entries -----------------------------------------------------------------------------------------------
def _kw_pool(ctx: Ctx) -> Sequence[str]:
    return ZH_KEYWORDS if ctx.lang == "zh" else EN_KEYWORDS


def _p_existence(plan: Plan, p: dict) -> None:
    plan.inserts.extend(p["keywords"])


def _p_frequency(plan: Plan, p: dict) -> None:
    n = p["frequency"] if p["relation"] == "at least" else max(0, min(1, p["frequency"] - 1))
    plan.inserts.extend([p["keyword"]] * n)


def _s_letter(ctx: Ctx) -> dict:
    rel = _rel(ctx)
    if rel == "at least":
        return {"letter": ctx.rng.choice("aeinorst"), "let_frequency": ctx.rng.randint(2, 12), "let_relation": rel}
    return {"letter": ctx.rng.choice("jqxzv"), "let_frequency": ctx.rng.randint(2, 6), "let_relation": rel}


def _p_letter(plan: Plan, p: dict) -> None:
    if p["let_relation"] == "at least":
        plan.need_letter[p["letter"]] = p["let_frequency"]
    else:
        plan.avoid_letters.add(p["letter"])


def _s_words(ctx: Ctx) -> dict:
    rel = _rel(ctx)
    n = ctx.rng.randrange(50, 400, 10) if rel == "at least" else ctx.rng.randrange(80, 500, 10)
    return {"num_words": n, "relation": rel}


def _p_words(plan: Plan, p: dict) -> None:
    if p["relation"] == "at least":
        _bound_len(plan, lo=p["num_words"])
    else:
        _bound_len(plan, hi=p["num_words"] - 1)


def _s_sentences(ctx: Ctx) -> dict:
    rel = _rel(ctx)
    return {"num_sentences": ctx.rng.randint(2, 12) if rel == "at least" else ctx.rng.randint(4, 15), "relation": rel}


def _p_sentences(plan: Plan, p: dict) -> None:
    if p["relation"] == "at least":
        _bound_sent(plan, lo=p["num_sentences"] + 1)
    else:
        _bound_sent(plan, hi=p["num_sentences"] - 3)


def _p_paragraphs_ifeval(plan: Plan, p: dict) -> None:
    plan.paragraphs, plan.sep = p["num_paragraphs"], "\n***\n"


def _s_nth(ctx: Ctx) -> dict:
    n = ctx.rng.randint(2, 5)
    return {"num_paragraphs": n, "nth_paragraph": ctx.rng.randint(1, n), "first_word": ctx.rng.choice(EN_FIRST_WORDS)}


def _p_nth(plan: Plan, p: dict) -> None:
    plan.paragraphs, plan.sep = p["num_paragraphs"], "\n\n"
    plan.nth_first = (p["nth_paragraph"], p["first_word"])


def _p_placeholders(plan: Plan, p: dict, key: str = "num_placeholders") -> None:
    pool = ZH_PLACEHOLDERS if plan.lang == "zh" else EN_PLACEHOLDERS
    plan.inserts.extend(pool[i % len(pool)] for i in range(p[key]))


def _p_highlights(plan: Plan, p: dict, key: str = "num_highlights") -> None:
    vocab = ZH_FILLER if plan.lang == "zh" else EN_FILLER
    plan.inserts.extend(f"*{vocab[(i * 5) % len(vocab)]}*" for i in range(p[key]))


def _p_title_ifeval(plan: Plan, p: dict) -> None:
    plan.title = "<<" + (ZH_TITLES[0] if plan.lang == "zh" else EN_TITLES[0]) + ">>"


def _p_caps(plan: Plan, p: dict) -> None:
    if p["capital_relation"] == "at least":
        plan.inserts.extend(CAPS_WORDS[i % len(CAPS_WORDS)] for i in range(p["capital_frequency"]))


def _end_pool(ctx: Ctx) -> Sequence[str]:
    return ZH_END_PHRASES if ctx.lang == "zh" else EN_END_PHRASES


def _set(attr: str, value: Any = True) -> Planner:
    def plan_fn(plan: Plan, p: dict) -> None:
        setattr(plan, attr, value(p) if callable(value) else value)
    return plan_fn


def _const(params: dict) -> Sampler:
    return lambda ctx: dict(params)


IFEVAL: list[Entry] = [
    Entry("keywords:existence", "ifeval", ("en", "zh"),
          lambda c: {"keywords": c.pick(_kw_pool(c), c.rng.randint(1, 3))}, _p_existence, lambda p: 0.2),
    Entry("keywords:frequency", "ifeval", ("en", "zh"),
          lambda c: {"keyword": c.pick(_kw_pool(c))[0], "frequency": c.rng.randint(2, 5), "relation": _rel(c)},
          _p_frequency, lambda p: 0.4),
    Entry("keywords:forbidden_words", "ifeval", ("en",),
          lambda c: {"forbidden_words": c.pick(EN_FORBIDDEN, c.rng.randint(1, 3))}, lambda plan, p: None,
          lambda p: 0.2),
    Entry("keywords:letter_frequency", "ifeval", ("en",), _s_letter, _p_letter, lambda p: 0.5),
    Entry("language:response_language", "ifeval", ("en",), _const({"language": "en"}), lambda plan, p: None,
          lambda p: 0.1),
    Entry("length_constraints:number_sentences", "ifeval", ("en",), _s_sentences, _p_sentences, lambda p: 0.4),
    Entry("length_constraints:number_paragraphs", "ifeval", ("en", "zh"),
          lambda c: {"num_paragraphs": c.rng.randint(2, 5)}, _p_paragraphs_ifeval, lambda p: 0.7),
    Entry("length_constraints:number_words", "ifeval", ("en",), _s_words, _p_words, lambda p: 0.4),
    Entry("length_constraints:nth_paragraph_first_word", "ifeval", ("en",), _s_nth, _p_nth, lambda p: 0.8),
    Entry("detectable_content:number_placeholders", "ifeval", ("en", "zh"),
          lambda c: {"num_placeholders": c.rng.randint(1, 4)}, _p_placeholders, lambda p: 0.3),
    Entry("detectable_content:postscript", "ifeval", ("en", "zh"),
          lambda c: {"postscript_marker": c.rng.choice(["P.S.", "P.P.S"])},
          _set("postscript", lambda p: p["postscript_marker"]), lambda p: 0.3),
    Entry("detectable_format:number_bullet_lists", "ifeval", ("en", "zh"),
          lambda c: {"num_bullets": c.rng.randint(2, 6)}, _set("bullets", lambda p: p["num_bullets"]),
          lambda p: 0.7),
    Entry("detectable_format:constrained_response", "ifeval", ("en",), _const({}),
          _set("constrained", "My answer is yes."), lambda p: 0.5),
    Entry("detectable_format:number_highlighted_sections", "ifeval", ("en", "zh"),
          lambda c: {"num_highlights": c.rng.randint(1, 4)}, _p_highlights, lambda p: 0.3),
    Entry("detectable_format:multiple_sections", "ifeval", ("en", "zh"),
          lambda c: {"section_spliter": c.rng.choice(["Section", "SECTION", "Part", "PARAGRAPH"]),
                     "num_sections": c.rng.randint(2, 5)},
          _set("sections", lambda p: (p["section_spliter"], p["num_sections"])), lambda p: 0.6),
    Entry("detectable_format:json_format", "ifeval", ("en", "zh"), _const({}), _set("json"), lambda p: 0.6),
    Entry("detectable_format:title", "ifeval", ("en", "zh"), _const({}), _p_title_ifeval, lambda p: 0.2),
    Entry("combination:two_responses", "ifeval", ("en", "zh"), _const({}), _set("two_responses"), lambda p: 0.6),
    # prompt_to_repeat is replaced by the rendered request (see synth.render_request)
    Entry("combination:repeat_prompt", "ifeval", ("en", "zh"), lambda c: {"prompt_to_repeat": c.task},
          _set("repeat", lambda p: p["prompt_to_repeat"]), lambda p: 0.6),
    Entry("startend:end_checker", "ifeval", ("en", "zh"), lambda c: {"end_phrase": c.rng.choice(_end_pool(c))},
          _set("end", lambda p: p["end_phrase"]), lambda p: 0.5),
    Entry("startend:quotation", "ifeval", ("en", "zh"), _const({}), _set("quotation"), lambda p: 0.3),
    Entry("change_case:capital_word_frequency", "ifeval", ("en",),
          lambda c: {"capital_frequency": c.rng.randint(2, 15), "capital_relation": _rel(c)}, _p_caps,
          lambda p: 0.5),
    Entry("change_case:english_capital", "ifeval", ("en",), _const({}), _set("case", "upper"), lambda p: 0.5),
    Entry("change_case:english_lowercase", "ifeval", ("en",), _const({}), _set("case", "lower"), lambda p: 0.5),
    Entry("punctuation:no_comma", "ifeval", ("en", "zh"), _const({}), lambda plan, p: None, lambda p: 0.3),
]


# ----- Light-IF zh entries (used for zh prompts) --------------------------------------------------------------------
def _family_sample(cid: str, **fixed_fn: Callable[[Ctx], Any]) -> Sampler:
    """Draw with the family's own `Constraint.sample`, overriding some parameters (keywords from our pools)."""
    def sample(ctx: Ctx) -> dict:
        fixed = {k: f(ctx) for k, f in fixed_fn.items()}
        return C.get(cid).sample(ctx.rng, ctx.lang, **fixed).spec()["params"]
    return sample


def _zh_kw(ctx: Ctx) -> str:
    return ctx.pick(ZH_KEYWORDS)[0]


def _en_kw(ctx: Ctx) -> str:
    return ctx.pick(EN_KEYWORDS)[0]


def _p_kw_count(key_lo: str | None, key_hi: str | None) -> Planner:
    def plan_fn(plan: Plan, p: dict) -> None:
        n = p.get("count") if "count" in p else (p[key_lo] if key_lo else 0)
        plan.inserts.extend([p["keyword"]] * int(n))
    return plan_fn


def _p_zh_paragraphs(plan: Plan, p: dict) -> None:
    plan.paragraphs, plan.sep = p["num_paragraphs"], p["separator"]
    plan.title_paragraph = bool(p.get("has_title"))


def _p_zh_title(plan: Plan, p: dict) -> None:
    b = p["brackets"]
    limit = p.get("max_chars", 99)
    title = next((t for t in ZH_TITLES if len(t) <= limit), ZH_TITLES[0][:limit])
    plan.title = b[0] + title + b[1]


def _p_len(lo_key: str | None, hi_key: str | None) -> Planner:
    def plan_fn(plan: Plan, p: dict) -> None:
        _bound_len(plan, lo=p[lo_key] if lo_key else None, hi=p[hi_key] if hi_key else None)
    return plan_fn


def _t_len(p: dict) -> float:
    if "min_chars" in p and "max_chars" in p:
        return _range_tight(p["min_chars"], p["max_chars"])
    if "min_count" in p and "max_count" in p:
        return _range_tight(p["min_count"], p["max_count"])
    return 0.3


LIGHTIF_ZH: list[Entry] = [
    Entry("lightif_zh:keyword_range", "lightif", ("zh",), _family_sample("lightif_zh:keyword_range", keyword=_zh_kw),
          _p_kw_count("min_count", None), lambda p: 0.5),
    Entry("lightif_zh:keyword_at_least", "lightif", ("zh",),
          _family_sample("lightif_zh:keyword_at_least", keyword=_zh_kw), _p_kw_count("min_count", None),
          lambda p: 0.3),
    Entry("lightif_zh:keyword_exactly", "lightif", ("zh",),
          _family_sample("lightif_zh:keyword_exactly", keyword=_zh_kw), _p_kw_count(None, None), lambda p: 0.7),
    Entry("lightif_zh:keyword_at_most", "lightif", ("zh",),
          _family_sample("lightif_zh:keyword_at_most", keyword=_zh_kw), _p_kw_count(None, None), lambda p: 0.3),
    Entry("lightif_zh:keyword_forbidden", "lightif", ("zh",),
          _family_sample("lightif_zh:keyword_forbidden", keyword=_zh_kw), lambda plan, p: None, lambda p: 0.2),
    Entry("lightif_zh:paragraph_count", "lightif", ("zh",), _family_sample("lightif_zh:paragraph_count"),
          _p_zh_paragraphs, lambda p: 0.7),
    Entry("lightif_zh:sentence_count", "lightif", ("zh",), _family_sample("lightif_zh:sentence_count"),
          lambda plan, p: _bound_sent(plan, p["num_sentences"] - 1, p["num_sentences"]), lambda p: 0.9),
    Entry("lightif_zh:length_range", "lightif", ("zh",), _family_sample("lightif_zh:length_range"),
          _p_len("min_chars", "max_chars"), _t_len),
    Entry("lightif_zh:length_min", "lightif", ("zh",), _family_sample("lightif_zh:length_min"),
          _p_len("min_chars", None), _t_len),
    Entry("lightif_zh:length_max", "lightif", ("zh",), _family_sample("lightif_zh:length_max"),
          _p_len(None, "max_chars"), _t_len),
    Entry("lightif_zh:title_style", "lightif", ("zh",), _family_sample("lightif_zh:title_style"), _p_zh_title,
          lambda p: 0.2),
    Entry("lightif_zh:title_max_length", "lightif", ("zh",), _family_sample("lightif_zh:title_max_length"),
          _p_zh_title, lambda p: 0.4),
    Entry("lightif_zh:begin_with", "lightif", ("zh",),
          _family_sample("lightif_zh:begin_with", text=lambda c: c.rng.choice(ZH_BEGIN)),
          _set("begin", lambda p: p["text"].strip("。")), lambda p: 0.4),
    Entry("lightif_zh:end_with", "lightif", ("zh",),
          _family_sample("lightif_zh:end_with", text=lambda c: c.rng.choice(ZH_END)),
          _set("end", lambda p: p["text"]), lambda p: 0.4),
]


# ----- Light-IF en entries (used for en prompts) --------------------------------------------------------------------
def _p_caps_en(plan: Plan, p: dict) -> None:
    n = p.get("count", p.get("min_count", 0))
    plan.inserts.extend(CAPS_WORDS[i % len(CAPS_WORDS)] for i in range(n))


def _p_en_sentences(kind: str) -> Planner:
    def plan_fn(plan: Plan, p: dict) -> None:
        n = p["num_sentences"]
        if kind == "exactly":
            _bound_sent(plan, n - 1, n)
        elif kind == "less":
            _bound_sent(plan, hi=max(1, n - 2))
        else:
            _bound_sent(plan, lo=n + 2)
    return plan_fn


def _p_letter_en(kind: str) -> Planner:
    def plan_fn(plan: Plan, p: dict) -> None:
        if kind == "min":
            plan.need_letter[p["letter"]] = p["min_count"]
        else:
            plan.avoid_letters.add(p["letter"])
    return plan_fn


def _p_en_paragraphs(plan: Plan, p: dict) -> None:
    plan.paragraphs = p["num_paragraphs"]
    plan.sep = {"***": "\n***\n"}.get(p["separator"], p["separator"])


def _p_en_nth(plan: Plan, p: dict) -> None:
    plan.paragraphs = max(plan.paragraphs or 0, p["nth_paragraph"] + 1)  # the n-th is not always the last
    plan.sep = {"***": "\n***\n"}.get(p["separator"], p["separator"])
    plan.nth_first = (p["nth_paragraph"], p["first_word"])


def _rare_letter(ctx: Ctx) -> str:
    return ctx.rng.choice("jqxzvk")


def _s_en_nth(ctx: Ctx) -> dict:
    sep = ctx.rng.choice(["\n\n", "\n\n\n", "***"])
    return C.get("lightif_en:nth_paragraph_first_word").sample(ctx.rng, "en", separator=sep).spec()["params"]


LIGHTIF_EN: list[Entry] = [
    Entry("lightif_en:highlights_at_least", "lightif", ("en",), _family_sample("lightif_en:highlights_at_least"),
          _p_highlights, lambda p: 0.3),
    Entry("lightif_en:placeholders_at_least", "lightif", ("en",), _family_sample("lightif_en:placeholders_at_least"),
          _p_placeholders, lambda p: 0.3),
    Entry("lightif_en:bullets_exactly", "lightif", ("en",), _family_sample("lightif_en:bullets_exactly"),
          _set("bullets", lambda p: p["num_bullets"]), lambda p: 0.7),
    Entry("lightif_en:word_count_range", "lightif", ("en",), _family_sample("lightif_en:word_count_range"),
          _p_len("min_count", "max_count"), _t_len),
    Entry("lightif_en:word_count_min", "lightif", ("en",), _family_sample("lightif_en:word_count_min"),
          _p_len("min_count", None), _t_len),
    Entry("lightif_en:word_count_max", "lightif", ("en",), _family_sample("lightif_en:word_count_max"),
          _p_len(None, "max_count"), _t_len),
    Entry("lightif_en:all_caps_range", "lightif", ("en",), _family_sample("lightif_en:all_caps_range"), _p_caps_en,
          _t_len),
    Entry("lightif_en:all_caps_min", "lightif", ("en",), _family_sample("lightif_en:all_caps_min"), _p_caps_en,
          lambda p: 0.4),
    Entry("lightif_en:all_caps_max", "lightif", ("en",), _family_sample("lightif_en:all_caps_max"), _p_caps_en,
          lambda p: 0.3),
    Entry("lightif_en:all_caps_exactly", "lightif", ("en",), _family_sample("lightif_en:all_caps_exactly"), _p_caps_en,
          lambda p: 0.8),
    Entry("lightif_en:keyword_range", "lightif", ("en",), _family_sample("lightif_en:keyword_range", keyword=_en_kw),
          _p_kw_count("min_count", None), lambda p: 0.5),
    Entry("lightif_en:keyword_at_least", "lightif", ("en",),
          _family_sample("lightif_en:keyword_at_least", keyword=_en_kw), _p_kw_count("min_count", None),
          lambda p: 0.3),
    Entry("lightif_en:keyword_exactly", "lightif", ("en",),
          _family_sample("lightif_en:keyword_exactly", keyword=_en_kw), _p_kw_count(None, None), lambda p: 0.7),
    Entry("lightif_en:keyword_at_most", "lightif", ("en",),
          _family_sample("lightif_en:keyword_at_most", keyword=_en_kw), _p_kw_count(None, None), lambda p: 0.3),
    Entry("lightif_en:keyword_forbidden", "lightif", ("en",),
          _family_sample("lightif_en:keyword_forbidden", keyword=_en_kw), lambda plan, p: None, lambda p: 0.2),
    Entry("lightif_en:sentence_count_exactly", "lightif", ("en",),
          _family_sample("lightif_en:sentence_count_exactly"), _p_en_sentences("exactly"), lambda p: 0.9),
    Entry("lightif_en:sentence_count_less", "lightif", ("en",), _family_sample("lightif_en:sentence_count_less"),
          _p_en_sentences("less"), lambda p: 0.4),
    Entry("lightif_en:sentence_count_more", "lightif", ("en",), _family_sample("lightif_en:sentence_count_more"),
          _p_en_sentences("more"), lambda p: 0.3),
    Entry("lightif_en:letter_at_least", "lightif", ("en",), _family_sample("lightif_en:letter_at_least"),
          _p_letter_en("min"), lambda p: 0.4),
    Entry("lightif_en:letter_at_most", "lightif", ("en",),
          _family_sample("lightif_en:letter_at_most", letter=_rare_letter), _p_letter_en("max"), lambda p: 0.5),
    Entry("lightif_en:letter_forbidden", "lightif", ("en",),
          _family_sample("lightif_en:letter_forbidden", letter=_rare_letter), _p_letter_en("forbid"),
          lambda p: 0.6),
    Entry("lightif_en:paragraph_count", "lightif", ("en",),
          _family_sample("lightif_en:paragraph_count", separator=lambda c: c.rng.choice(["\n\n", "\n\n\n", "***"])),
          _p_en_paragraphs, lambda p: 0.7),
    Entry("lightif_en:nth_paragraph_first_word", "lightif", ("en",), _s_en_nth, _p_en_nth, lambda p: 0.6),
    Entry("lightif_en:end_phrase", "lightif", ("en",),
          _family_sample("lightif_en:end_phrase", end_phrase=lambda c: c.rng.choice(EN_END_PHRASES)),
          _set("end", lambda p: p["end_phrase"]), lambda p: 0.5),
    Entry("lightif_en:repeat_prompt", "lightif", ("en",), lambda c: {"prompt_to_repeat": c.task},
          _set("repeat", lambda p: p["prompt_to_repeat"]), lambda p: 0.6),
]

# ----- IFBench entries (en; the subset whose witnesses the plan can build) -------------------------------------------
NUMBERS = ("12", "7", "30", "4", "19", "250", "3", "64", "8", "101")
NESTED_BRACKETS = "(so [we {go (up [in])}])"  # 5 levels: ( [ { ( [
NESTED_QUOTES = "\"we 'go \"up\" now' here\""  # 3 levels, alternating double and single quotes
ALL_PUNCTUATION = "wow!? yes; so: fine, ok! really? sure."


def _p_keywords_multiple(plan: Plan, p: dict) -> None:
    times = getattr(C.get("count:keywords_multiple"), "TIMES", (1, 2, 3, 5, 7))
    for i, n in enumerate(times):
        plan.inserts.extend([p[f"keyword{i + 1}"]] * n)


def _s_keywords_multiple(ctx: Ctx) -> dict:
    return {f"keyword{i + 1}": kw for i, kw in enumerate(ctx.pick(EN_KEYWORDS, 5))}


def _s_word_range(ctx: Ctx) -> dict:
    lo = ctx.rng.randrange(50, 300, 10)
    return {"min_words": lo, "max_words": lo + ctx.rng.randrange(50, 200, 10)}


IFBENCH: list[Entry] = [
    Entry("count:word_count_range", "ifbench", ("en",), _s_word_range, _p_len("min_words", "max_words"),
          lambda p: _range_tight(p["min_words"], p["max_words"])),
    Entry("count:keywords_multiple", "ifbench", ("en",), _s_keywords_multiple, _p_keywords_multiple, lambda p: 0.9),
    Entry("count:unique_word_count", "ifbench", ("en",), lambda c: {"N": c.rng.randrange(30, 110, 10)},
          lambda plan, p: _bound_len(plan, lo=int(p["N"] * 2)), lambda p: 0.4),
    Entry("count:numbers", "ifbench", ("en",), lambda c: {"N": c.rng.randint(1, 6)},
          lambda plan, p: plan.inserts.extend(NUMBERS[i % len(NUMBERS)] for i in range(p["N"])), lambda p: 0.8),
    Entry("format:parentheses", "ifbench", ("en",), _const({}),
          lambda plan, p: plan.inserts.append(NESTED_BRACKETS), lambda p: 0.6),
    Entry("format:quotes", "ifbench", ("en",), _const({}), lambda plan, p: plan.inserts.append(NESTED_QUOTES),
          lambda p: 0.6),
    Entry("format:title_case", "ifbench", ("en",), _const({}), _set("case", "title"), lambda p: 0.6),
    Entry("count:punctuation", "ifbench", ("en",), _const({}),
          lambda plan, p: plan.inserts.append(ALL_PUNCTUATION), lambda p: 0.5),
]

ENTRIES: dict[str, Entry] = {e.id: e for e in IFEVAL + LIGHTIF_ZH + LIGHTIF_EN + IFBENCH}
FAMILIES = ("ifeval", "lightif", "ifbench")
REPEAT_IDS = ("combination:repeat_prompt", "lightif_en:repeat_prompt")


def family_of(cid: str) -> str:
    """'ifeval' | 'ifbench' | 'lightif', from the module that registered the id (IFBench ids have no prefix)."""
    module = C.get(cid).__module__
    if ".ifbench" in module:
        return "ifbench"
    if ".lightif_" in module:
        return "lightif"
    return "ifeval"


def catalog(families: Sequence[str], lang: str) -> list[Entry]:
    """Entries of the requested families for prompts in `lang`, restricted to ids registered right now."""
    registered = set(C.all_ids())
    return [e for e in ENTRIES.values() if e.family in families and lang in e.langs and e.id in registered]


def missing_entries(families: Sequence[str] = FAMILIES) -> list[str]:
    """Registered ids of `families` without a catalog entry: never sampled (e.g. the type-B `check_code`)."""
    return sorted(i for i in set(C.all_ids()) - set(ENTRIES) if family_of(i) in families)


# ----- conflicts ----------------------------------------------------------------------------------------------------
GROUPS: dict[str, tuple[str, ...]] = {
    "paragraphs": ("length_constraints:number_paragraphs", "length_constraints:nth_paragraph_first_word",
                   "lightif_zh:paragraph_count", "lightif_en:paragraph_count", "lightif_en:nth_paragraph_first_word",
                   "combination:two_responses", "detectable_format:json_format"),
    "sentences": ("length_constraints:number_sentences", "lightif_zh:sentence_count",
                  "lightif_en:sentence_count_exactly", "lightif_en:sentence_count_less",
                  "lightif_en:sentence_count_more"),
    "length": ("length_constraints:number_words", "lightif_zh:length_range", "lightif_zh:length_min",
               "lightif_zh:length_max", "lightif_en:word_count_range", "lightif_en:word_count_min",
               "lightif_en:word_count_max"),
    "bullets": ("detectable_format:number_bullet_lists", "lightif_en:bullets_exactly",
    "detectable_format:json_format"),
    "letters": ("keywords:letter_frequency", "lightif_en:letter_at_least", "lightif_en:letter_at_most",
                "lightif_en:letter_forbidden"),
    "caps": ("change_case:capital_word_frequency", "lightif_en:all_caps_range", "lightif_en:all_caps_min",
             "lightif_en:all_caps_max", "lightif_en:all_caps_exactly"),
    "case": ("change_case:english_capital", "change_case:english_lowercase", "format:title_case"),
    "start": ("combination:repeat_prompt", "lightif_en:repeat_prompt", "lightif_zh:begin_with", "startend:quotation",
              "detectable_format:json_format"),
    "end": ("startend:end_checker", "lightif_en:end_phrase", "lightif_zh:end_with", "startend:quotation",
            "detectable_format:json_format"),
    "title": ("detectable_format:title", "lightif_zh:title_style", "lightif_zh:title_max_length"),
}
# zh title style + title max length may co-occur (coupled to the same brackets)
_GROUP_ALLOWED = {frozenset({"lightif_zh:title_style", "lightif_zh:title_max_length"})}

Pred = Callable[[dict, dict], bool] | None
# (id_a, id_b, predicate on (params_a, params_b) or None = always, reason). Looked up in both orders.
CONFLICTS: list[tuple[str, str, Pred, str]] = [
    ("change_case:english_lowercase", "change_case:capital_word_frequency",
     lambda a, b: b["capital_relation"] == "at least", "all lowercase vs a minimum of capital words"),
    ("change_case:english_capital", "change_case:capital_word_frequency",
     lambda a, b: b["capital_relation"] == "less than", "all capitals vs a maximum of capital words"),
    ("change_case:english_lowercase", "lightif_en:all_caps_min", None, "all lowercase vs capital words"),
    ("change_case:english_lowercase", "lightif_en:all_caps_range", None, "all lowercase vs capital words"),
    ("change_case:english_lowercase", "lightif_en:all_caps_exactly", lambda a, b: b["count"] > 0,
     "all lowercase vs capital words"),
    ("change_case:english_capital", "lightif_en:all_caps_max", None, "all capitals vs a maximum of capital words"),
    ("change_case:english_capital", "lightif_en:all_caps_range", None, "all capitals vs a capital-word range"),
    ("change_case:english_capital", "lightif_en:all_caps_exactly", None, "all capitals vs an exact capital count"),
    ("change_case:english_capital", "detectable_format:constrained_response", None,
     "all capitals vs the fixed 'My answer is' phrase"),
    ("change_case:english_lowercase", "detectable_format:constrained_response", None,
     "all lowercase vs the fixed 'My answer is' phrase"),
    ("change_case:english_lowercase", "detectable_format:multiple_sections",
     lambda a, b: b["section_spliter"] != b["section_spliter"].lower(), "lowercase vs a capitalised section marker"),
    ("change_case:english_capital", "detectable_format:multiple_sections",
     lambda a, b: b["section_spliter"] != b["section_spliter"].upper(), "capitals vs a lower-case section marker"),
    ("change_case:english_capital", "lightif_en:keyword_at_least", None, "all capitals vs a case-sensitive keyword"),
    ("change_case:english_capital", "lightif_en:keyword_range", None, "all capitals vs a case-sensitive keyword"),
    ("change_case:english_capital", "lightif_en:keyword_exactly", None, "all capitals vs a case-sensitive keyword"),
    ("change_case:english_capital", "lightif_en:nth_paragraph_first_word", None, "capitals vs a cased first word"),
    ("change_case:english_lowercase", "lightif_en:nth_paragraph_first_word", None, "lowercase vs a cased first word"),
    ("change_case:english_capital", "lightif_en:letter_at_least", None, "capitals vs a lower-case letter count"),
    ("change_case:english_lowercase", "lightif_en:end_phrase", None, "lowercase vs a cased end phrase"),
    ("change_case:english_capital", "lightif_en:end_phrase", None, "capitals vs a cased end phrase"),
    ("detectable_format:json_format", "detectable_format:multiple_sections", None, "JSON vs section layout"),
    ("detectable_format:json_format", "detectable_content:postscript", None, "JSON vs a trailing postscript"),
    ("detectable_format:json_format", "lightif_zh:sentence_count", None, "JSON vs an exact sentence count"),
    ("combination:two_responses", "detectable_format:multiple_sections", None, "two responses vs section layout"),
    ("combination:two_responses", "detectable_format:title", None, "two responses vs one title"),
    ("combination:two_responses", "lightif_zh:title_style", None, "two responses vs one title"),
    ("combination:two_responses", "lightif_zh:title_max_length", None, "two responses vs one title"),
    ("combination:two_responses", "detectable_format:number_bullet_lists", None, "two responses vs a bullet count"),
    ("combination:two_responses", "lightif_en:bullets_exactly", None, "two responses vs a bullet count"),
    ("combination:two_responses", "lightif_zh:sentence_count", None, "two responses vs an exact sentence count"),
    ("combination:two_responses", "lightif_en:sentence_count_exactly", None,
     "two responses vs an exact sentence count"),
    ("combination:repeat_prompt", "punctuation:no_comma", None, "the repeated request may contain commas"),
    ("combination:repeat_prompt", "keywords:forbidden_words", None, "the repeated request names the forbidden words"),
    ("combination:repeat_prompt", "lightif_zh:keyword_forbidden", None, "the repeated request names the keyword"),
    ("combination:repeat_prompt", "lightif_zh:keyword_at_most", None, "the repeated request names the keyword"),
    ("combination:repeat_prompt", "lightif_zh:keyword_exactly", None, "the repeated request names the keyword"),
    ("combination:repeat_prompt", "lightif_zh:keyword_range", None, "the repeated request names the keyword"),
    ("combination:repeat_prompt", "keywords:frequency", lambda a, b: b["relation"] == "less than",
     "the repeated request names the keyword"),
    ("combination:repeat_prompt", "keywords:letter_frequency", lambda a, b: b["let_relation"] == "less than",
     "the repeated request contains letters"),
    ("combination:repeat_prompt", "change_case:capital_word_frequency", None, "the repeated request has cased words"),
    ("combination:repeat_prompt", "lightif_zh:sentence_count", None, "the repeated request adds sentences"),
    ("combination:repeat_prompt", "lightif_zh:length_max", None, "the repeated request counts towards the length"),
    ("combination:repeat_prompt", "lightif_zh:length_range", None, "the repeated request counts towards the length"),
    ("combination:repeat_prompt", "lightif_zh:paragraph_count", None, "the repeated request changes paragraphs"),
    ("combination:repeat_prompt", "length_constraints:nth_paragraph_first_word", None,
     "the repeated request opens the first paragraph"),
    ("combination:repeat_prompt", "length_constraints:number_sentences", lambda a, b: b["relation"] == "less than",
     "the repeated request adds sentences"),
    ("combination:repeat_prompt", "length_constraints:number_words", lambda a, b: b["relation"] == "less than",
     "the repeated request adds words"),
    ("lightif_en:repeat_prompt", "change_case:english_lowercase", None, "exact repetition vs lowercase"),
    ("lightif_en:repeat_prompt", "change_case:english_capital", None, "exact repetition vs capitals"),
    ("lightif_en:repeat_prompt", "punctuation:no_comma", None, "the repeated request may contain commas"),
    ("lightif_en:repeat_prompt", "keywords:forbidden_words", None, "the repeated request names the forbidden words"),
    ("lightif_en:repeat_prompt", "keywords:letter_frequency", None, "the repeated request contains letters"),
    ("lightif_en:repeat_prompt", "keywords:frequency", None, "the repeated request names the keyword"),
    ("lightif_en:repeat_prompt", "change_case:capital_word_frequency", None, "the repeated request has cased words"),
    ("lightif_en:repeat_prompt", "length_constraints:number_words", None, "the repeated request adds words"),
    ("lightif_en:repeat_prompt", "length_constraints:number_sentences", None, "the repeated request adds sentences"),
    ("lightif_en:repeat_prompt", "length_constraints:nth_paragraph_first_word", None,
     "the repeated request opens the first paragraph"),
    ("lightif_en:repeat_prompt", "detectable_format:title", None, "the repeated request precedes the title"),
    ("combination:repeat_prompt", "detectable_format:title", None, "the repeated request precedes the title"),
    ("lightif_zh:begin_with", "detectable_format:title", None, "an opening phrase vs a leading title"),
    ("length_constraints:nth_paragraph_first_word", "detectable_format:title",
     lambda a, b: a["nth_paragraph"] == 1, "the title would open the first paragraph"),
    ("lightif_en:nth_paragraph_first_word", "detectable_format:title",
     lambda a, b: a["nth_paragraph"] == 1, "the title would open the first paragraph"),
    ("lightif_en:nth_paragraph_first_word", "lightif_en:repeat_prompt", None,
     "the repeated request opens the first paragraph"),
    ("keywords:letter_frequency", "keywords:existence", lambda a, b: a["let_relation"] == "less than"
     and any(a["letter"] in k.lower() for k in b["keywords"]), "a keyword contains the limited letter"),
    ("keywords:letter_frequency", "keywords:frequency", lambda a, b: a["let_relation"] == "less than"
     and a["letter"] in b["keyword"].lower(), "the keyword contains the limited letter"),
    ("detectable_format:constrained_response", "lightif_en:sentence_count_less", None,
     "the fixed phrase adds a sentence"),
    ("lightif_zh:begin_with", "detectable_format:multiple_sections", None, "an opening phrase vs a section marker"),
    ("length_constraints:nth_paragraph_first_word", "detectable_format:multiple_sections", None,
     "a paragraph's first word vs a section marker"),
    ("lightif_en:nth_paragraph_first_word", "detectable_format:multiple_sections", None,
     "a paragraph's first word vs a section marker"),
    ("detectable_content:postscript", "lightif_en:all_caps_exactly", None, "the P.S. marker is an all-caps word"),
    ("detectable_content:postscript", "lightif_en:all_caps_range", None, "the P.S. marker is an all-caps word"),
    ("count:numbers", "detectable_format:multiple_sections", None, "section numbers are numbers"),
    ("count:numbers", "combination:repeat_prompt", None, "the repeated request may contain numbers"),
    ("count:numbers", "lightif_en:repeat_prompt", None, "the repeated request may contain numbers"),
    ("count:punctuation", "punctuation:no_comma", None, "every punctuation mark includes the comma"),
    ("format:quotes", "startend:quotation", None, "an outer quotation mark breaks the nesting"),
    ("format:quotes", "detectable_format:json_format", None, "JSON string quotes break the nesting"),
    ("format:title_case", "detectable_format:constrained_response", None, "title case vs the fixed phrase"),
    ("format:title_case", "lightif_en:repeat_prompt", None, "title case vs an exact repetition"),
    ("format:title_case", "lightif_en:end_phrase", None, "title case vs a cased end phrase"),
    ("format:title_case", "lightif_en:keyword_at_least", None, "title case vs a case-sensitive keyword"),
    ("format:title_case", "lightif_en:keyword_range", None, "title case vs a case-sensitive keyword"),
    ("format:title_case", "lightif_en:keyword_exactly", None, "title case vs a case-sensitive keyword"),
    ("format:title_case", "lightif_en:letter_at_least", None, "title case vs a lower-case letter count"),
    ("format:title_case", "lightif_en:letter_at_most", None, "title case vs a lower-case letter count"),
    ("count:word_count_range", "length_constraints:number_words", None, "two word-count bounds"),
    ("count:word_count_range", "lightif_en:word_count_range", None, "two word-count bounds"),
    ("count:word_count_range", "lightif_en:word_count_min", None, "two word-count bounds"),
    ("count:word_count_range", "lightif_en:word_count_max", None, "two word-count bounds"),
    ("count:unique_word_count", "lightif_en:word_count_max", None, "many unique words vs a word maximum"),
    ("count:unique_word_count", "count:word_count_range", None, "many unique words vs a word maximum"),
    ("count:unique_word_count", "length_constraints:number_words", lambda a, b: b["relation"] == "less than",
     "many unique words vs a word maximum"),
] + [
    # the Light-IF en checkers ignore only their own repetition (ignore_text), not IFEval's
    ("combination:repeat_prompt", cid, None, "the repeated request counts towards this bound")
    for cid in ("lightif_en:sentence_count_exactly", "lightif_en:sentence_count_less", "lightif_en:word_count_max",
                "lightif_en:word_count_range", "lightif_en:keyword_at_most", "lightif_en:keyword_exactly",
                "lightif_en:keyword_range", "lightif_en:keyword_forbidden", "lightif_en:letter_at_most",
                "lightif_en:letter_forbidden", "lightif_en:all_caps_max", "lightif_en:all_caps_exactly",
                "lightif_en:all_caps_range", "lightif_en:nth_paragraph_first_word")
]


def _lookup(a: dict, b: dict) -> str | None:
    for x, y in ((a, b), (b, a)):
        for ia, ib, pred, reason in CONFLICTS:
            if x["id"] == ia and y["id"] == ib:
                if pred is None or pred(x.get("params") or {}, y.get("params") or {}):
                    return reason
    return None


def conflict(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """Why specs `a` and `b` cannot share a prompt (None if they can). Symmetric."""
    a, b = dict(a), dict(b)
    if a["id"] == b["id"]:
        return "the same constraint twice"
    pair = frozenset({a["id"], b["id"]})
    if pair not in _GROUP_ALLOWED:
        for name, ids in GROUPS.items():
            if a["id"] in ids and b["id"] in ids:
                return f"both constrain the {name}"
    return _lookup(a, b)


def first_conflict(specs: Sequence[Mapping[str, Any]]) -> str | None:
    for i in range(len(specs)):
        for j in range(i + 1, len(specs)):
            why = conflict(specs[i], specs[j])
            if why:
                return f"{specs[i]['id']} vs {specs[j]['id']}: {why}"
    return None


# ----- couplings ----------------------------------------------------------------------------------------------------
def couple(specs: list[dict]) -> list[dict]:
    """Make compatible specs agree (see module docstring). Returns new spec dicts."""
    out = [{"id": s["id"], "params": dict(s.get("params") or {})} for s in specs]
    by_id = {s["id"]: s for s in out}
    zh_title = by_id.get("lightif_zh:title_style") or by_id.get("lightif_zh:title_max_length")
    if zh_title:
        brackets = zh_title["params"]["brackets"]
        if "lightif_zh:title_max_length" in by_id:
            by_id["lightif_zh:title_max_length"]["params"]["brackets"] = brackets
        if "lightif_zh:title_style" in by_id:
            by_id["lightif_zh:title_style"]["params"]["brackets"] = brackets
        if "lightif_zh:paragraph_count" in by_id:
            by_id["lightif_zh:paragraph_count"]["params"]["has_title"] = True
        if "lightif_zh:begin_with" in by_id:
            by_id["lightif_zh:begin_with"]["params"]["title_brackets"] = brackets
    return out


def set_repeat(specs: list[dict], request: str) -> None:
    """Point the repetition constraints at the rendered request; Light-IF en constraints then ignore it."""
    has_en_repeat = False
    for s in specs:
        if s["id"] in REPEAT_IDS:
            s["params"]["prompt_to_repeat"] = request
            has_en_repeat = has_en_repeat or s["id"] == "lightif_en:repeat_prompt"
    if has_en_repeat:
        for s in specs:
            if s["id"].startswith("lightif_en:") and s["id"] != "lightif_en:repeat_prompt":
                s["params"]["ignore_text"] = request


def make_plan(specs: Sequence[Mapping[str, Any]], lang: str) -> Plan:
    plan = Plan(lang=lang)
    for s in specs:
        ENTRIES[s["id"]].plan(plan, dict(s.get("params") or {}))
    return plan


def tightness(specs: Sequence[Mapping[str, Any]]) -> float:
    if not specs:
        return 0.0
    return round(sum(ENTRIES[s["id"]].tightness(dict(s.get("params") or {})) for s in specs) / len(specs), 3)
