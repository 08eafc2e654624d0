"""Fuzzing every registered constraint and the Light-IF reward: no exception, sane values, no catastrophic regexes.

Instances: for every id in `lightif.constraints.all_ids()` (IFEval, IFBench, Light-IF zh/en) we build valid
constraints from `cls.sample(rng, lang)` (5 seeds x every language) where a family implements it, and from every
`kwargs` entry of the bundled IFEval / IFBench input files (so the benchmark parameters are covered verbatim).

Properties (per generated input, `check`, `score` and the loose `check_one`):
- no exception (the one documented exception: `lightif_en:check_code.check` must raise `CheckCodeNotRunHere`, as
  dataset code only ever runs in `lightif.sandbox`);
- `check` returns a real bool and is deterministic; `score` is a float in [0, 1] and equals 1.0 iff `check` holds;
- every call finishes within a hard cap (SIGALRM; `re` and Python code are interruptible), and on 100 KB
  adversarial inputs (long runs of '*', '[', spaces, newlines, '<<', '.', ...) within `BUDGET_MS`.

Fast suite: 20 hypothesis inputs per id (a few thousand in all) + a 100 KB latency sweep with one instance per id.
`-m slow`: >= 100,000 generated inputs in all, and the latency sweep over every instance and every adversarial string.
Set LIGHTIF_FUZZ_STATS=path.json to write the counts and the worst latencies (used for docs/RELIABILITY.md).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import random
import signal
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lightif import constraints as C
from lightif.constraints.base import Constraint
from timing import best_cpu_seconds

BUDGET_MS = 50.0  # per check/score call on a 100 KB input (asserted by the slow sweep, best of 3 runs)
FAST_FACTOR = 10  # the fast sweep asserts 10x the budget: catches pathological scaling, tolerates a loaded machine
HARD_CAP_S = 2.0  # anything slower is a hang for our purposes (catastrophic backtracking, quadratic loops)
SMALL_CAP_S = 3.0  # per call on the small (<= ~12 KB) hypothesis inputs: a hang detector, not a benchmark
FAST_EXAMPLES = 20
SLOW_TOTAL = 100_000
CHECK_CODE_ID = "lightif_en:check_code"

STATS: dict = {"inputs": 0, "calls": 0, "worst_small_ms": [0.0, ""], "latency_100kb": {}}

# ------------------------------------------------------------------------------------------- instances
@functools.cache
def instances() -> dict[str, tuple[Constraint, ...]]:
    from lightif.resources import benchmark_file
    from lightif.schema import load_prompts

    found: dict[str, dict[str, Constraint]] = {cid: {} for cid in C.all_ids()}

    def add(c: Constraint) -> None:
        found[c.id].setdefault(json.dumps(c.spec(), sort_keys=True, ensure_ascii=False, default=str), c)

    for cid in found:
        cls = C.get(cid)
        for seed in range(5):
            for lang in cls.langs:
                try:
                    add(cls.sample(random.Random(seed), lang))
                except NotImplementedError:
                    break
    for bench in ("ifeval", "ifbench"):
        for rec in load_prompts(benchmark_file(bench)):
            for spec in rec.constraints:
                add(C.build(spec, prompt=rec.prompt))
    return {cid: tuple(d.values()) for cid, d in found.items()}


ALL_IDS = C.all_ids()


def test_every_registered_constraint_is_fuzzed():
    inst = instances()
    assert set(inst) == set(ALL_IDS)
    assert [cid for cid, cs in inst.items() if not cs] == []
    # the three families are all there (IFEval 25, IFBench 58, Light-IF zh + en)
    assert sum(1 for i in ALL_IDS if i.startswith("lightif_")) >= 30
    assert len(ALL_IDS) >= 25 + 58 + 30


# ------------------------------------------------------------------------------------------- helpers
class CallTimeout(Exception):
    pass


@contextlib.contextmanager
def hard_cap(seconds: float):
    """Interrupt the block after `seconds` (main thread only; `re` and Python code check signals)."""

    def on_alarm(signum, frame):
        raise CallTimeout(f"exceeded {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def exercise(c: Constraint, text: str, cap: float = SMALL_CAP_S) -> None:
    """Run check/score/loose on one input and assert the properties; counts into STATS."""
    t0 = time.perf_counter()
    with hard_cap(cap):
        if c.id == CHECK_CODE_ID:
            from lightif.constraints.lightif_en import CheckCodeNotRunHere

            with pytest.raises(CheckCodeNotRunHere):
                c.check(text)
            ok, err = C.check_one(c, text, "loose")
            assert ok is False and (err is not None or not text.strip())
        else:
            ok = c.check(text)
            assert type(ok) is bool, f"{c.id}: check returned {type(ok).__name__}"
            assert c.check(text) is ok, f"{c.id}: check is not deterministic"
            s = c.score(text)
            assert isinstance(s, float) and not math.isnan(s) and 0.0 <= s <= 1.0, f"{c.id}: score {s!r}"
            assert (s == 1.0) == ok, f"{c.id}: score {s} but check {ok} on {text[:80]!r}"
            _, err = C.check_one(c, text, "loose")
            assert err is None, f"{c.id}: loose check raised {err}"
    ms = (time.perf_counter() - t0) * 1000
    STATS["inputs"] += 1
    STATS["calls"] += 4
    if ms > STATS["worst_small_ms"][0]:
        STATS["worst_small_ms"] = [round(ms, 2), c.id]


# ------------------------------------------------------------------------------------------- input strategies
ATOMS = [
    "*",
    "**",
    "***",
    "[",
    "]",
    "(",
    ")",
    "<<",
    ">>",
    "{",
    "}",
    ".",
    "...",
    "!",
    "?",
    ",",
    ";",
    ":",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
    "\r\n",
    "#",
    "# ",
    "## ",
    "- ",
    "* ",
    "1. ",
    "2) ",
    "P.S.",
    "P.P.S",
    "```",
    '"',
    "'",
    "`",
    "|",
    "~",
    "_",
    "《",
    "》",
    "【",
    "】",
    "「",
    "」",
    "“",
    "”",
    "。",
    "，",
    "！",
    "？",
    "：",
    "；",
    "…",
    "——",
    "SECTION",
    "Section 1",
    "PARAGRAPH",
    "Paragraph",
    "***\n",
    "<think>",
    "</think>",
    "http://x.y",
    "a@b.c",
    "😀",
    "é",
    "中文",
    "春天",
    "日本語",
    "Ω",
    "ABC",
    "abc",
    "Hello",
    "world",
    "the",
    "The",
    "is",
    "I",
    "you",
    "he",
    "she",
    "they",
    "and",
    "but",
    "or",
    "Title",
    "JSON",
    "yes",
    "no",
    "My answer is yes.",
    "0",
    "7",
    "42",
    "3.14",
    "1,000",
    "\x00",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\U0001f600\u200d",
    "Is there anything else I can help with?",
]

TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(ATOMS), max_size=120).map("".join),
    st.tuples(st.sampled_from(ATOMS), st.integers(1, 300)).map(lambda t: t[0] * t[1]),  # long runs (<= ~12 KB)
    st.lists(st.one_of(st.sampled_from(ATOMS), st.text(max_size=12)), max_size=80).map("".join),
    st.lists(st.sampled_from(ATOMS[:20]), min_size=1, max_size=5).map(lambda xs: "".join(xs) * 200),
)


def fuzz_one_id(cid: str, examples: int) -> int:
    cs = instances()[cid]
    count = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(text=TEXT, pick=st.integers(min_value=0, max_value=10**6))
    def run(text: str, pick: int) -> None:
        nonlocal count
        count += 1
        exercise(cs[pick % len(cs)], text)

    run()
    return count


@pytest.mark.parametrize("cid", ALL_IDS)
def test_fuzz_constraint_fast(cid):
    assert fuzz_one_id(cid, FAST_EXAMPLES) >= FAST_EXAMPLES


SLOW_PER_ID = math.ceil(SLOW_TOTAL / len(ALL_IDS))


@pytest.mark.slow
@pytest.mark.parametrize("cid", ALL_IDS)
def test_fuzz_constraint_slow(cid):
    # SLOW_PER_ID x every id >= SLOW_TOTAL generated inputs in all
    assert fuzz_one_id(cid, SLOW_PER_ID) >= SLOW_PER_ID


def test_slow_suite_totals_at_least_100k():
    assert SLOW_PER_ID * len(ALL_IDS) >= SLOW_TOTAL


def test_every_instance_handles_edge_inputs():
    """Deterministic edge cases through every instance (benchmark kwargs and samples alike)."""
    edges = ["", " ", "\n", "\x00", "a", "。", "*", "<<>>", "\ufeff", "P.S.", "```\n```", "中文", "😀" * 3]
    for cs in instances().values():
        for c in cs:
            for text in edges:
                exercise(c, text)


# ------------------------------------------------------------------------------------------- 100 KB latency
N = 100_000
ADVERSARIAL = {
    "stars": "*" * N,
    "brackets": "[" * N,
    "newlines": "\n" * N,
    "ltlt": "<<" * (N // 2),
    "dots": "." * N,
    "spaces": " " * N,
    "md": ("**bold** *it* [link](x) <<title>> # H\n- item\n" * (N // 40))[:N],
    "zh": ("春天来了。我们一起去公园！" * (N // 13))[:N],
    "ps": ("P.S. " * (N // 5))[:N],
    "initials": ("p. " * (N // 3))[:N],
    "star_a": ("*a" * (N // 2))[:N],
    "words": ("lorem ipsum dolor sit amet, " * (N // 28))[:N],
    "mixed_ws": (" \n\t" * N)[:N],
    "quotes": '"' * N,
    "sections": ("SECTION 1\n" * (N // 10))[:N],
    "json": "{" * N,
    "dash": "-" * N,
    "nested": "((((" * (N // 4),
    "pipes": "|" * N,
}
FAST_STRINGS = ("stars", "brackets", "newlines", "ltlt", "dots", "zh", "ps")


def latency_ms(fn, text: str, budget_ms: float = BUDGET_MS) -> float:
    """CPU milliseconds of `fn(text)` with cold caches (`timing.best_cpu_seconds`); a call that hits the hard cap
    counts as the cap."""

    def call():
        with hard_cap(HARD_CAP_S):
            fn(text)

    try:
        return 1000 * best_cpu_seconds(call, budget_ms / 1000, clear=C.clear_text_caches)
    except CallTimeout:
        return HARD_CAP_S * 1000


def sweep(cid: str, cs: tuple[Constraint, ...], names: tuple[str, ...], budget_ms: float) -> None:
    worst = (0.0, "", "")
    for c in cs:
        for name in names:
            text = ADVERSARIAL[name]
            for fn in (c.check, c.score):
                if cid == CHECK_CODE_ID:
                    continue  # refuses to run by design (see exercise)
                ms = latency_ms(fn, text, budget_ms)
                if ms > worst[0]:
                    worst = (round(ms, 2), name, fn.__name__)
                if ms > budget_ms:
                    STATS["latency_100kb"][cid] = worst
                    pytest.fail(
                        f"{cid}.{fn.__name__} on 100 KB {name!r}: {ms:.0f} ms > {budget_ms:.0f} ms (params {c.params})"
                    )
    STATS["latency_100kb"][cid] = worst


def _latency_params(slow: bool):
    return [pytest.param(cid, marks=[pytest.mark.slow] if slow else [], id=cid) for cid in ALL_IDS]


@pytest.mark.parametrize("cid", _latency_params(slow=False))
def test_100kb_latency_fast(cid):
    sweep(cid, instances()[cid][:1], FAST_STRINGS, BUDGET_MS * FAST_FACTOR)


@pytest.mark.parametrize("cid", _latency_params(slow=True))
def test_100kb_latency_slow(cid):
    sweep(cid, instances()[cid], tuple(ADVERSARIAL), BUDGET_MS)


# The one input class above the budget: a sentence boundary every ~7 characters, every sentence distinct ("x0. x1.
# x2. ..."). NLTK decides each of the ~14k boundaries in Python (`text_contains_sentbreak`, ~10 us for a context not
# seen before) and the word tokenizer then runs over 14k sentences: 150-250 ms per 100 KB on the 2-core machine
# (stock NLTK 1.2-1.8 s). Repeated sentences are memoised, distinct ones cannot be. Held to linear growth and a
# bound here; documented in docs/RELIABILITY.md.
DISTINCT_SENTENCES = " ".join(f"x{i}." for i in range(N))[:N]
FLOOR_MS = 1000.0


@pytest.mark.parametrize("cid", ["count:pronouns", "format:title_case", "change_case:capital_word_frequency",
                                 "length_constraints:number_sentences"])
def test_distinct_sentences_cost_is_linear(cid):
    c = instances()[cid][0]
    quarter = latency_ms(c.score, DISTINCT_SENTENCES[: N // 4], FLOOR_MS / 4)
    full = latency_ms(c.score, DISTINCT_SENTENCES, FLOOR_MS)
    STATS["latency_100kb"][f"{cid}[distinct_sentences]"] = (round(full, 2), "distinct_sentences", "score")
    assert full < 6 * quarter + 20, f"{cid}: {quarter:.0f} ms at 25 KB, {full:.0f} ms at 100 KB (not linear)"
    assert full < FLOOR_MS, f"{cid}: {full:.0f} ms on 100 KB of distinct sentences"


# ------------------------------------------------------------------------------------------- the reward
def _weighted() -> list[Constraint]:
    return [c for cid, cs in instances().items() if cid.startswith("lightif_") and cid != CHECK_CODE_ID for c in cs]


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=st.lists(st.integers(0, 10**6), min_size=0, max_size=4),
    thinking=st.text(max_size=50),
    answer=TEXT,
    gate=st.sampled_from(["</think>", "", "</think></think>", "<think>"]),
    kind=st.sampled_from(["lightif", "normalized", "strict"]),
)
def test_fuzz_lightif_reward(picks, thinking, answer, gate, kind):
    from lightif.rewards import lightif_reward

    pool = _weighted()
    cs = [pool[p % len(pool)] for p in picks]
    specs = [c.spec() for c in cs]
    completion = f"<think>{thinking}{gate}{answer}"
    with hard_cap(SMALL_CAP_S * max(1, len(cs))):
        r = lightif_reward(completion, specs, kind=kind)
    STATS["inputs"] += 1
    assert r.error is None, r.error
    if "</think>" not in completion:
        assert r.gated and r.reward == 0.0
        return
    final = completion.rsplit("</think>", 1)[1].strip()
    oks = [C.check_one(c, final, "strict")[0] for c in cs]
    assert r.acc == (1.0 if all(oks) else 0.0)
    if kind == "lightif":
        assert r.point == pytest.approx(sum(type(c).weight for c, ok in zip(cs, oks) if ok))
        assert r.reward == pytest.approx(r.acc + r.point)
    elif kind == "strict":
        assert r.reward == r.acc and r.point == 0.0
    else:
        assert 0.0 <= r.reward <= 1.0


@pytest.mark.parametrize("name", FAST_STRINGS)
def test_reward_100kb_latency(name):
    from lightif.rewards import lightif_reward

    rng = random.Random(0)
    pool = _weighted()
    cs = rng.sample(pool, 4)
    completion = "<think>plan</think>" + ADVERSARIAL[name]
    ms = latency_ms(lambda text: lightif_reward(text, [c.spec() for c in cs]), completion, BUDGET_MS * len(cs))
    STATS["latency_100kb"][f"reward[{name}]"] = (round(ms, 2), name, "lightif_reward")
    assert ms <= BUDGET_MS * len(cs), f"reward with {[c.id for c in cs]} on {name}: {ms:.0f} ms"


@pytest.fixture(scope="module", autouse=True)
def _report_stats():
    yield
    worst = sorted(STATS["latency_100kb"].items(), key=lambda kv: -kv[1][0])[:10]
    print(
        f"\n[fuzz] inputs={STATS['inputs']} calls={STATS['calls']} worst_small_ms={STATS['worst_small_ms']} "
        f"worst_100kb={worst}"
    )
    out = os.environ.get("LIGHTIF_FUZZ_STATS")
    if out:
        from lightif.io import write_json

        write_json(out, STATS)
