"""Benchmark scoring: join prompts with responses, run the ONE checker (`lightif.constraints.check`) strict and
loose, and write the official IFEval/IFBench result files plus a summary and a Markdown report.

Differences from the official `evaluation_main` (all deliberate, all reported in `summary.json`):
- responses are joined on `key` when a response line has one (keys compared as strings), else on the prompt text
  with surrounding whitespace ignored (IFEval joins on the exact text and raises `KeyError` on a miss, IFBench
  tolerates whitespace). A prompt without a response scores all-fail and is counted; a response that matches no
  prompt is counted and listed; two responses for the same prompt are a `DataError` naming the line.
- reasoning models: by default everything up to and including the last `</think>` is removed before checking
  (`lightif.text.split_thinking`; an unclosed `<think>` leaves an empty answer, i.e. a fail). `keep_thinking=True`
  scores the raw text, as the official code does.
- a checker exception fails that instruction and is counted, instead of aborting the run.
- `fix_quirks=True` runs the checkers inside `fixed_quirks()` (documented corrections of official bugs).
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from lightif import constraints as C
from lightif.constraints.base import fixed_quirks
from lightif.errors import DataError
from lightif.io import read_jsonl, require, write_json, write_jsonl, write_text
from lightif.schema import PromptRecord, load_prompts
from lightif.text import split_thinking

BENCHMARKS = ("ifeval", "ifbench")

# Known defects of the official IFEval data (BENCHMARKS.md §1.5): key -> (prompt prefix that identifies it, note).
KNOWN_DEFECTS: dict[str, tuple[str, str]] = {
    "2785": ("What is inside Shinto shrines?",
             ("prompt text differs from the archived GPT-4 response file ('at least 3 placeholders' vs 'at least "
              "one placeholder'), so a text join misses it (google-research issues #2259, #3430)")),
    "2078": ("Write a riddle about a mongoose",
             "asks for exactly one bullet point and also 'a few bullet points' (issue #3103)"),
    "337": ("Write a riddle about a house that is not a house",
            "prompt says 'at least 400 words' but num_words is 336 (issue #3103)"),
    "30": ("What are the common signs and symptoms of abdominal and pelvic",
           "lists startend:quotation twice (issue #3103)"),
}


@dataclasses.dataclass
class EvalResult:
    """Per-prompt official-schema rows (strict and loose), the metrics and the bookkeeping counts."""

    strict: list[dict]
    loose: list[dict]
    metrics: dict[str, float]  # prompt_level_strict, instruction_level_strict, prompt_level_loose, instruction_...
    tier0: dict[str, dict[str, float]]  # category -> {"n", "strict", "loose"} (instruction-level accuracy)
    tier1: dict[str, dict[str, float]]  # instruction id -> {"n", "strict", "loose"}
    counts: dict[str, int]
    missing_keys: list[str]
    unmatched: list[dict]  # {"line", "key", "prompt"} of responses that matched no prompt
    defects: list[dict]  # known data defects present in the scored prompts

    @property
    def headline(self) -> dict[str, float]:
        return {k: self.metrics[k] for k in ("prompt_level_strict", "instruction_level_strict",
                                             "prompt_level_loose", "instruction_level_loose")}


# ----- loading ------------------------------------------------------------------------------------------------------
def load_benchmark(benchmark: str, data_path: str | os.PathLike | None = None) -> list[PromptRecord]:
    """Prompt records of a shipped benchmark ('ifeval', 'ifbench'; `data_path` overrides the bundled file), or of
    any prompt file (our format or IFEval/IFBench format) when `benchmark` is a path."""
    if benchmark in BENCHMARKS:
        from lightif.resources import benchmark_file

        return load_prompts(data_path or benchmark_file(benchmark))
    if data_path is not None:
        raise DataError(f"--data is only for the shipped benchmarks ({', '.join(BENCHMARKS)}); "
                        f"pass the prompt file itself as the benchmark", path=str(data_path))
    if not Path(benchmark).exists():
        raise DataError(f"not a known benchmark ({', '.join(BENCHMARKS)}) and no such prompt file", path=benchmark)
    return load_prompts(benchmark)


def load_responses(path: str | os.PathLike) -> list[dict]:
    """`{"prompt", "response"[, "key"]}` lines (`prompt` may be omitted when `key` is given).

    Each returned dict carries `_path` and `_line` for error messages. Bad lines raise `DataError` with file:line.
    """
    path = str(path)
    out = []
    for line, rec in read_jsonl(path):
        response = require(rec, "response", str, path=path, line=line)
        item: dict[str, Any] = {"response": response, "_path": path, "_line": line}
        if "key" in rec and rec["key"] is not None:
            if not isinstance(rec["key"], (str, int)) or isinstance(rec["key"], bool):
                raise DataError(f"expected a string or integer, got {type(rec['key']).__name__}",
                                path=path, line=line, field="key")
            item["key"] = rec["key"]
            if "prompt" in rec:
                item["prompt"] = require(rec, "prompt", str, path=path, line=line)
        else:
            item["prompt"] = require(rec, "prompt", str, path=path, line=line)
        out.append(item)
    return out


# ----- joining ------------------------------------------------------------------------------------------------------
def _record_key(record: PromptRecord) -> Any:
    return record.meta.get("key", record.id) if isinstance(record.meta, dict) else record.id


def _join(records: list[PromptRecord], responses: list[dict]) -> tuple[dict[int, dict], list[dict]]:
    """Map record index -> response dict; return also the responses that matched no prompt."""
    by_key = {str(_record_key(r)): i for i, r in enumerate(records)}
    by_key.update({r.id: i for i, r in enumerate(records)})
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        by_text[r.prompt.strip()].append(i)
    joined: dict[int, dict] = {}
    unmatched: list[dict] = []
    for n, resp in enumerate(responses):
        line, path = resp.get("_line", n + 1), resp.get("_path")
        if "key" in resp:
            candidates = [by_key[str(resp["key"])]] if str(resp["key"]) in by_key else []
        else:
            candidates = by_text.get(str(resp.get("prompt", "")).strip(), [])
        if not candidates:
            unmatched.append({"line": line, "key": resp.get("key"), "prompt": str(resp.get("prompt", ""))[:200]})
            continue
        free = [i for i in candidates if i not in joined]
        if not free:
            first = joined[candidates[-1]]
            raise DataError(f"duplicate response for prompt key {_record_key(records[candidates[-1]])!r} (first on "
                            f"line {first.get('_line', '?')})", path=path, line=line)
        joined[free[0]] = resp
    return joined, unmatched


# ----- scoring ------------------------------------------------------------------------------------------------------
def _row(record: PromptRecord, response: str, verdict: C.Verdict) -> dict:
    return {
        "instruction_id_list": list(verdict.ids),
        "prompt": record.prompt,
        "response": response,
        "follow_all_instructions": verdict.follow_all,
        "follow_instruction_list": list(verdict.follow_list),
        "key": _record_key(record),
    }


def _verdicts(record: PromptRecord, answer: str | None) -> tuple[C.Verdict, C.Verdict]:
    if answer is None:  # no response: every instruction fails (ids still validated by building the specs)
        ids = tuple(C.build(s, prompt=record.prompt).id for s in record.constraints)
        fail = C.Verdict(ids, (False,) * len(ids), (0.0,) * len(ids), (None,) * len(ids))
        return fail, fail
    built = [C.build(s, prompt=record.prompt) for s in record.constraints]  # once for both modes
    strict = C.check(built, answer, "strict", prompt=record.prompt, dense=False)
    loose = C.check(built, answer, "loose", prompt=record.prompt, dense=False)
    return strict, loose


def _metrics(strict: list[dict], loose: list[dict]) -> dict[str, float]:
    def acc(rows: list[dict]) -> tuple[float, float]:
        n_prompts = len(rows)
        flags = [f for r in rows for f in r["follow_instruction_list"]]
        prompt = sum(r["follow_all_instructions"] for r in rows) / n_prompts if n_prompts else 0.0
        instr = sum(flags) / len(flags) if flags else 0.0
        return prompt, instr

    ps, is_ = acc(strict)
    pl, il = acc(loose)
    return {"prompt_level_strict": ps, "instruction_level_strict": is_, "prompt_level_loose": pl,
            "instruction_level_loose": il}


def _breakdown(strict: list[dict], loose: list[dict], tier: int) -> dict[str, dict[str, float]]:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for rs, rl in zip(strict, loose):
        triples = zip(rs["instruction_id_list"], rs["follow_instruction_list"], rl["follow_instruction_list"])
        for cid, fs, fl in triples:
            name = C.get(cid).get_category() if tier == 0 else cid
            acc[name][0] += 1
            acc[name][1] += fs
            acc[name][2] += fl
    return {k: {"n": n, "strict": s / n, "loose": lo / n} for k, (n, s, lo) in sorted(acc.items())}


def _defects(records: list[PromptRecord]) -> list[dict]:
    out = []
    for r in records:
        key = str(_record_key(r))
        if key in KNOWN_DEFECTS and r.prompt.startswith(KNOWN_DEFECTS[key][0]):
            out.append({"key": _record_key(r), "note": KNOWN_DEFECTS[key][1]})
    return out


def score_responses(records: list[PromptRecord], responses: list[dict], *, keep_thinking: bool = False,
                    fix_quirks: bool = False) -> EvalResult:
    """Score `responses` against `records` (see the module docstring for join and thinking rules)."""
    joined, unmatched = _join(records, responses)
    counts = {"prompts": len(records), "responses": len(responses), "scored": len(joined),
              "missing_responses": len(records) - len(joined), "unmatched_responses": len(unmatched),
              "thinking_stripped": 0, "thinking_unclosed": 0, "checker_errors": 0,
              "instructions": sum(len(r.constraints) for r in records)}
    strict_rows, loose_rows, missing = [], [], []
    with fixed_quirks(fix_quirks):
        for i, record in enumerate(records):
            resp = joined.get(i)
            answer = None if resp is None else resp["response"]
            if resp is None:
                missing.append(str(_record_key(record)))
            elif not keep_thinking:
                split = split_thinking(answer)
                counts["thinking_stripped"] += split.closed
                counts["thinking_unclosed"] += split.had_thinking and not split.closed
                answer = split.answer
            strict, loose = _verdicts(record, answer)
            counts["checker_errors"] += sum(e is not None for e in strict.errors + loose.errors)
            strict_rows.append(_row(record, answer or "", strict))
            loose_rows.append(_row(record, answer or "", loose))
    return EvalResult(strict_rows, loose_rows, _metrics(strict_rows, loose_rows),
                      _breakdown(strict_rows, loose_rows, 0), _breakdown(strict_rows, loose_rows, 1),
                      counts, missing, unmatched, _defects(records))


# ----- outputs ------------------------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def _report(result: EvalResult, summary: dict) -> str:
    m = result.metrics
    lines = [f"# Scores: {summary.get('benchmark', 'benchmark')}", "",
             "| metric | strict | loose |", "|---|---:|---:|",
             f"| prompt-level accuracy (%) | {_pct(m['prompt_level_strict'])} | {_pct(m['prompt_level_loose'])} |",
             (f"| instruction-level accuracy (%) | {_pct(m['instruction_level_strict'])} | "
              f"{_pct(m['instruction_level_loose'])} |"), ""]
    for title, table in (("Tier 0 (category)", result.tier0), ("Tier 1 (instruction id)", result.tier1)):
        lines += [f"## {title}", "", "| name | n | strict (%) | loose (%) |", "|---|---:|---:|---:|"]
        lines += [f"| {k} | {v['n']} | {_pct(v['strict'])} | {_pct(v['loose'])} |" for k, v in table.items()]
        lines.append("")
    lines += ["## Counts", "", "| count | value |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in result.counts.items()]
    if result.missing_keys:
        lines += ["", "Prompts without a response (scored as all-fail): " + ", ".join(result.missing_keys[:50])]
    if result.unmatched:
        lines += ["", "Responses matching no prompt (response-file lines): "
                  + ", ".join(str(u["line"]) for u in result.unmatched[:50])]
    if result.defects:
        lines += ["", "## Known data defects (scored as they are)", ""]
        lines += [f"- key {d['key']}: {d['note']}" for d in result.defects]
    return "\n".join(lines) + "\n"


def write_outputs(result: EvalResult, out_dir: str | os.PathLike, extra_summary: dict | None = None) -> dict:
    """Write eval_results_{strict,loose}.jsonl, summary.json and report.md (each atomically); return the summary."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DataError("output path exists and is not a directory", path=str(out))
    summary: dict[str, Any] = dict(extra_summary or {})
    summary.update({
        **{k: round(100 * v, 4) for k, v in result.headline.items()},
        "n_prompts": len(result.strict),
        "n_instructions": result.counts["instructions"],
        "tier0": result.tier0,
        "tier1": result.tier1,
        "counts": result.counts,
        "missing_response_keys": result.missing_keys,
        "unmatched_responses": result.unmatched,
        "known_data_defects": result.defects,
    })
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "eval_results_strict.jsonl", result.strict)
    write_jsonl(out / "eval_results_loose.jsonl", result.loose)
    write_json(out / "summary.json", summary)
    write_text(out / "report.md", _report(result, summary))
    return summary


def score_files(benchmark: str, responses_path: str | os.PathLike, out_dir: str | os.PathLike,
                data_path: str | os.PathLike | None = None, keep_thinking: bool = False, fix_quirks: bool = False,
                extra_summary: dict | None = None) -> dict:
    """Load, score and write; nothing is written if loading or scoring fails."""
    records = load_benchmark(benchmark, data_path)
    responses = load_responses(responses_path)
    result = score_responses(records, responses, keep_thinking=keep_thinking, fix_quirks=fix_quirks)
    extra = {"benchmark": benchmark, "data": str(data_path) if data_path else None,
             "responses": str(responses_path), "keep_thinking": keep_thinking, "fix_official_quirks": fix_quirks}
    extra.update(extra_summary or {})
    return write_outputs(result, out_dir, extra)


def headline_text(summary: dict) -> str:
    """The four headline numbers, one per line."""
    return "\n".join(f"{name}: {summary[name]:.2f}" for name in ("prompt_level_strict", "instruction_level_strict",
                                                                   "prompt_level_loose", "instruction_level_loose"))
