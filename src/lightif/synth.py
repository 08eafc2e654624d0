"""Hardness-aware prompt synthesis (Light-IF stage 1): seed tasks + sampled verifiable constraints -> prompt records.

For each prompt: pick a language (round-robin over `langs`) and a seed task, draw k constraints (k uniform in
[min_constraints, max_constraints]) from the catalog of the requested families, dropping draws that conflict with the
ones already chosen (`synth_catalog.conflict`), couple them, render the request in the prompt's language (seed task +
each constraint's `describe(lang)` joined by one of several phrasings), then build a **witness** response and verify
it with `lightif.constraints.check`. A prompt without a verified witness is discarded and redrawn, so every written
prompt is satisfiable. Each prompt gets its own RNG (`seed`, index), so the output is deterministic for a seed and
prompt i does not depend on how many prompts came before it.

Deviations from the paper (which publishes no synthesis code, LIGHT_IF_METHOD.md §2): the seed tasks are ours
(`resources/seeds/{en,zh}.jsonl`, or user files), constraints come from our registry, and the "filter invalid prompts
with an LLM" step is replaced by the programmatic witness (an LLM is optional and only rewrites the wording). The
hard / pass / easy split is the separate `lightif filter` stage (`lightif.tiers`).
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import random
import re
from pathlib import Path
from typing import Any

from lightif import constraints as C
from lightif import synth_catalog as cat
from lightif.errors import ConfigError, DataError
from lightif.io import read_jsonl, write_jsonl
from lightif.schema import PromptRecord

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclasses.dataclass
class SynthConfig:
    """Settings of `synthesize` (and `lightif synth`)."""

    n: int = 100  # prompts to write
    langs: list[str] = dataclasses.field(default_factory=lambda: ["en", "zh"])
    min_constraints: int = 2
    max_constraints: int = 6
    families: list[str] = dataclasses.field(default_factory=lambda: ["lightif", "ifeval"])
    seed: int = 0
    seeds: list[str] = dataclasses.field(default_factory=list)  # seed-task files; empty = the bundled en/zh seeds
    out: str | None = None
    id_prefix: str = "synth"
    max_attempts: int = 60  # redraws per prompt before giving up (an error: the settings are too tight)
    keep_witness: bool = True  # store the verified witness in meta.witness
    rewrite_backend: str | None = None  # optional LLM rewrite of the wording (e.g. "transformers", "openai")
    rewrite_model: str | None = None
    rewrite_max_new_tokens: int = 512

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ConfigError(f"n must be >= 0 (got {self.n})")
        bad = [x for x in self.langs if x not in ("en", "zh")]
        if bad or not self.langs:
            raise ConfigError(f"langs must be a non-empty subset of en, zh (got {self.langs})")
        if not 1 <= self.min_constraints <= self.max_constraints:
            raise ConfigError(f"need 1 <= min_constraints <= max_constraints (got {self.min_constraints}, "
                              f"{self.max_constraints})")
        bad = [f for f in self.families if f not in cat.FAMILIES]
        if bad or not self.families:
            raise ConfigError(f"unknown families {bad}; choose from {', '.join(cat.FAMILIES)}")
        if self.max_attempts < 1:
            raise ConfigError("max_attempts must be >= 1")
        if self.rewrite_backend and not self.rewrite_model:
            raise ConfigError("rewrite_backend needs rewrite_model")


# ----- seeds --------------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Seed:
    id: str
    lang: str
    task: str
    kind: str = ""


def _guess_lang(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _seed_from(row: dict, *, path: str, line: int | None, n: int) -> Seed:
    task = row.get("task")
    if not isinstance(task, str) or not task.strip():
        raise DataError("expected a non-empty string", path=path, line=line, field="task")
    lang = row.get("lang") or _guess_lang(task)
    if lang not in ("en", "zh"):
        raise DataError(f"expected 'en' or 'zh', got {lang!r}", path=path, line=line, field="lang")
    sid = str(row.get("id") or f"{Path(path).stem}-{n:05d}")
    return Seed(sid, lang, task.strip(), str(row.get("kind") or ""))


def load_seeds(paths: list[str] | None = None) -> list[Seed]:
    """Seed tasks from JSONL (`task`, optional `id`, `lang`, `kind`), CSV (column `task`) or a dataset saved with
    `datasets.save_to_disk` (column `task`). No paths: the bundled en + zh seeds. Duplicate tasks are dropped."""
    from lightif.resources import resource_path

    if not paths:
        paths = [str(resource_path("seeds", "en.jsonl")), str(resource_path("seeds", "zh.jsonl"))]
    seeds: list[Seed] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            seeds.extend(_seeds_from_dataset(p))
        elif p.suffix.lower() == ".csv":
            seeds.extend(_seeds_from_csv(p))
        else:
            seeds.extend(_seed_from(row, path=str(p), line=ln, n=i) for i, (ln, row) in enumerate(read_jsonl(p)))
    seen: set[str] = set()
    out = []
    for s in seeds:
        if s.task not in seen:
            seen.add(s.task)
            out.append(s)
    return out


def _seeds_from_csv(path: Path) -> list[Seed]:
    if not path.exists():
        raise DataError("file not found", path=str(path))
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "task" not in reader.fieldnames:
            raise DataError(f"CSV needs a 'task' column (found {reader.fieldnames})", path=str(path), line=1)
        return [_seed_from(row, path=str(path), line=i + 2, n=i) for i, row in enumerate(reader)]


def _seeds_from_dataset(path: Path) -> list[Seed]:
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - datasets is a pinned dependency
        raise DataError(f"reading a saved dataset needs the 'datasets' package ({exc})", path=str(path)) from None
    try:
        ds = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as exc:
        raise DataError(f"not a dataset saved with save_to_disk ({exc})", path=str(path)) from None
    if isinstance(ds, datasets.DatasetDict):
        ds = ds["train"] if "train" in ds else ds[next(iter(ds))]
    if "task" not in ds.column_names:
        raise DataError(f"dataset needs a 'task' column (found {ds.column_names})", path=str(path), field="task")
    return [_seed_from(dict(row), path=str(path), line=None, n=i) for i, row in enumerate(ds)]


# ----- rendering the request ----------------------------------------------------------------------------------------
def _terminate(text: str, lang: str) -> str:
    text = text.strip()
    if not text:
        return text
    if lang == "zh":
        return text if text[-1] in "。！？!?.）)」”\"]】" else text + "。"
    return text if text[-1] in ".!?\"')]" else text + "."


STYLES_EN = ("inline", "list", "requirements", "connectors")
STYLES_ZH = ("inline", "list", "requirements", "connectors")
_EN_LIST_INTROS = ("Please follow these requirements:", "Requirements:",
                   "Make sure your response follows these rules:", "Keep the following in mind:")
_ZH_LIST_INTROS = ("要求如下：", "请遵守以下要求：", "具体要求：", "写作时请注意：")
_EN_CONNECT = ("Also,", "In addition,", "Furthermore,", "On top of that,", "Besides that,")
_ZH_CONNECT = ("另外，", "此外，", "同时，", "还有，", "并且，")


def render_request(task: str, descriptions: list[str], lang: str, rng: random.Random) -> tuple[str, str]:
    """Combine the seed task and constraint descriptions into one natural request. Returns (text, style)."""
    descs = [_terminate(d, lang) for d in descriptions]
    style = rng.choice(STYLES_ZH if lang == "zh" else STYLES_EN)
    task = _terminate(task, lang)
    if not descs:
        return task, style
    if style == "inline":
        return (task + ("" if lang == "zh" else " ") + ("" if lang == "zh" else " ").join(descs)), style
    if style == "list":
        intro = rng.choice(_ZH_LIST_INTROS if lang == "zh" else _EN_LIST_INTROS)
        lines = [f"{i + 1}. {d}" for i, d in enumerate(descs)]
        return task + "\n" + intro + "\n" + "\n".join(lines), style
    if style == "requirements":
        bullet = "- "
        intro = rng.choice(_ZH_LIST_INTROS if lang == "zh" else _EN_LIST_INTROS)
        return task + "\n\n" + intro + "\n" + "\n".join(bullet + d for d in descs), style
    parts = [descs[0]]
    for d in descs[1:]:
        conn = rng.choice(_ZH_CONNECT if lang == "zh" else _EN_CONNECT)
        if lang == "zh":
            parts.append(conn + d)
        else:
            lead = d[0].lower() + d[1:] if d[:2].isalpha() and not d[:2].isupper() else d  # "Also, use ..."
            parts.append(f"{conn} {lead}")
    return task + ("" if lang == "zh" else " ") + ("" if lang == "zh" else " ").join(parts), style


# ----- one prompt ---------------------------------------------------------------------------------------------------
def _draw_specs(ctx: cat.Ctx, entries: list[cat.Entry], k: int) -> list[dict]:
    chosen: list[dict] = []
    order = list(entries)
    ctx.rng.shuffle(order)
    for e in order:
        if len(chosen) == k:
            break
        spec = {"id": e.id, "params": e.sample(ctx)}
        if all(cat.conflict(spec, other) is None for other in chosen):
            chosen.append(spec)
    return chosen


def make_prompt(index: int, cfg: SynthConfig, seeds_by_lang: dict[str, list[Seed]],
                entries_by_lang: dict[str, list[cat.Entry]]) -> PromptRecord:
    """Build prompt number `index` (deterministic in (cfg.seed, index)); raises if no satisfiable draw is found."""
    lang = cfg.langs[index % len(cfg.langs)]
    rng = random.Random(f"{cfg.seed}:{index}")
    entries = entries_by_lang[lang]
    for attempt in range(1, cfg.max_attempts + 1):
        seed = rng.choice(seeds_by_lang[lang])
        k = rng.randint(cfg.min_constraints, min(cfg.max_constraints, len(entries)))
        ctx = cat.Ctx(rng, lang, seed.task)
        specs = cat.couple(_draw_specs(ctx, entries, k))
        if len(specs) < k:
            continue
        repeat = [s for s in specs if s["id"] in cat.REPEAT_IDS]
        others = [s for s in specs if s["id"] not in cat.REPEAT_IDS]
        descs = [C.build(s).describe(lang) for s in others]
        request, style = render_request(seed.task, descs, lang, rng)
        prompt = request
        if repeat:
            cat.set_repeat(specs, request)
            prompt = request + "\n\n" + _terminate(C.build(repeat[0]).describe(lang), lang)
        witness = cat.build_witness(cat.make_plan(specs, lang), specs, prompt, seed=rng.randrange(1 << 30))
        if witness is None:
            continue
        meta: dict[str, Any] = {
            "seed_id": seed.id, "seed_kind": seed.kind, "seed_task": seed.task, "style": style,
            "difficulty": {"n_constraints": len(specs), "tightness": cat.tightness(specs)},
            "witness_ok": True, "attempts": attempt,
            "families": sorted({cat.family_of(s["id"]) for s in specs}),
        }
        if cfg.keep_witness:
            meta["witness"] = witness
        return PromptRecord(f"{cfg.id_prefix}-{lang}-{index:06d}", ({"role": "user", "content": prompt},),
                            tuple(specs), lang, "synth", meta)
    raise ConfigError(f"prompt {index} ({lang}): no satisfiable constraint set in {cfg.max_attempts} attempts; "
                      f"lower max_constraints or add families")


def synthesize(config: SynthConfig) -> list[PromptRecord]:
    """Make `config.n` verified prompts; write them atomically to `config.out` if set."""
    seeds = load_seeds(config.seeds)
    seeds_by_lang = {lang: [s for s in seeds if s.lang == lang] for lang in config.langs}
    entries_by_lang = {lang: cat.catalog(config.families, lang) for lang in config.langs}
    for lang in config.langs:
        if not seeds_by_lang[lang]:
            raise ConfigError(f"no seed tasks in language '{lang}'")
        if len(entries_by_lang[lang]) < config.min_constraints:
            raise ConfigError(f"families {config.families} offer {len(entries_by_lang[lang])} constraint ids for "
                              f"'{lang}' prompts, fewer than min_constraints={config.min_constraints}")
    for fam in config.families:
        if not any(e.family == fam for lang in config.langs for e in entries_by_lang[lang]):
            log.warning("family %s has no synthesizable constraint ids registered; it is skipped", fam)
    skipped = cat.missing_entries(config.families)
    if skipped:
        log.info("registered ids without a synthesis entry (not sampled): %s", ", ".join(skipped))
    records = [make_prompt(i, config, seeds_by_lang, entries_by_lang) for i in range(config.n)]
    if config.rewrite_backend:
        records = rewrite_prompts(records, config)
    if config.out:
        write_jsonl(config.out, (r.to_json() for r in records))
    return records


# ----- optional LLM rewrite ---------------------------------------------------------------------------------------
_REWRITE_EN = ("Rewrite the following request so that it reads as one fluent, natural message from a user. Keep every "
               "requirement. Copy every number, quoted text, symbol and example exactly. Output only the rewritten "
               "request.\n\n{prompt}")
_REWRITE_ZH = ("请把下面的请求改写成一段通顺自然的用户消息。保留每一条要求，数字、引号内的文字、符号和示例必须"
               "原样保留。只输出改写后的请求。\n\n{prompt}")


def protected_tokens(prompt: str) -> list[str]:
    """Substrings a rewrite must keep: numbers, quoted spans, bracketed markers and symbols such as *** or <<>>."""
    toks = re.findall(r"\d+", prompt)
    toks += re.findall(r"[\"“'‘]([^\"”'’\n]{1,60})[\"”'’]", prompt)
    toks += re.findall(r"<<[^>]*>>|\*{3,}|P\.P?\.S\.?|\[[^\]\n]{1,30}\]|[《【\[][^》】\]\n]{0,20}[》】\]]", prompt)
    return [t for t in toks if t.strip()]


def rewrite_prompts(records: list[PromptRecord], cfg: SynthConfig) -> list[PromptRecord]:
    """Ask an LLM to reword each prompt; keep a rewrite only if every protected token survives (else the template).
    Prompts that must be repeated verbatim are never rewritten."""
    from lightif.backends import SamplingParams, load_backend
    from lightif.text import strip_thinking
    from lightif.thinking import output_text

    backend = load_backend(cfg.rewrite_backend or "transformers", cfg.rewrite_model or "")
    todo = [i for i, r in enumerate(records) if not any(c["id"] in cat.REPEAT_IDS for c in r.constraints)]
    convs = [[{"role": "user", "content": (_REWRITE_ZH if records[i].lang == "zh" else _REWRITE_EN)
               .format(prompt=records[i].prompt)}] for i in todo]
    outs = backend.generate(convs, SamplingParams(temperature=0.0, max_new_tokens=cfg.rewrite_max_new_tokens,
                                                  seed=cfg.seed, enable_thinking=False)) if convs else []
    out = list(records)
    for i, o in zip(todo, outs):
        text = strip_thinking(output_text(o)).strip()
        rec = records[i]
        ok = bool(text) and all(t in text for t in protected_tokens(rec.prompt))
        meta = dict(rec.meta, rewritten=ok)
        if ok:
            meta["template_prompt"] = rec.prompt
            out[i] = dataclasses.replace(rec, messages=({"role": "user", "content": text},), meta=meta)
        else:
            out[i] = dataclasses.replace(rec, meta=meta)
    return out


def summary(records: list[PromptRecord]) -> dict[str, Any]:
    """Counts for the CLI: per language, per constraint id, mean constraints and tightness."""
    by_id: dict[str, int] = {}
    for r in records:
        for c in r.constraints:
            by_id[c["id"]] = by_id.get(c["id"], 0) + 1
    n = max(1, len(records))
    return {
        "prompts": len(records),
        "langs": {lang: sum(r.lang == lang for r in records) for lang in sorted({r.lang for r in records})},
        "mean_constraints": round(sum(len(r.constraints) for r in records) / n, 3),
        "mean_tightness": round(sum(r.meta["difficulty"]["tightness"] for r in records) / n, 3),
        "constraint_counts": dict(sorted(by_id.items())),
    }


__all__ = ["Seed", "SynthConfig", "load_seeds", "make_prompt", "protected_tokens", "render_request",
           "rewrite_prompts", "summary", "synthesize"]

