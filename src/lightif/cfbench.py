"""CFBench (arXiv 2408.01122): checklist judging with an LLM judge and the CSR / ISR / PSR metrics.

Reproduces the official protocol (PKU-Baichuan-MLSystemLab/CFBench @ 0bcbf9b, `code/evalaute.py`; described in
docs/CFBENCH.md) with these deliberate differences:

- The judge prompt is our own wording of the official structure (assessor role, four slots, empty reference answer
  ignored, one "item<TAB>0|1" block per checklist item separated by blank lines, two worked examples — one with and
  one without a reference answer — then the filled slots and an evaluation cue). Our examples are our own.
- Strict parse, the 10-round re-judging and the official fallback parser are reproduced, including the fallback's
  flaw (it keeps only the 1s, so any sample with one 1 scores CSR = ISR = PSR = 1). Fallback samples are flagged and
  counted. A non-numeric score, which crashes the official fallback, is skipped here.
- `positional=True` (CLI `--positional-fallback`) is the corrected reading: when strict parsing fails but the reply
  has one block per item, the last TAB field of each block is read as that item's 0/1 mark and the sample is scored
  on the strict path (primary/secondary rule). Only otherwise is the official fallback used.
- Per-sample CSR and the secondary ratio use the official 2-decimal rounding; aggregates are reported unrounded
  (3 decimals in reports) and also with the official 2-decimal rounding (`official_2dp`).
- Judging is resumable: a sample is appended to `judgements.jsonl` once it is final (strict success, or fallback
  after the last round); a kill loses only unfinished samples.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lightif.errors import DataError
from lightif.io import JsonlAppender, read_jsonl_tolerant, write_json, write_jsonl, write_text
from lightif.schema import PromptRecord

PRIMARY, SECONDARY = "主需", "次需"
SPLITS = ("easy", "hard", "full")
MAX_ROUNDS = 10
JUDGE_TEMPERATURE = 0.01  # the official judge setting (gpt-4o-2024-05-13)
GET_DATA = ("CFBench data is not shipped with lightif: pass --data PATH/cfbench_data.json (from "
            "github.com/PKU-Baichuan-MLSystemLab/CFBench, data/cfbench_data.json)")

# ----- data ---------------------------------------------------------------------------------------------------------


def load_cfbench(path: str | os.PathLike | None) -> list[dict]:
    """The CFBench samples (`cfbench_data.json`, a JSON array), checked field by field."""
    if path is None:
        raise DataError(GET_DATA)
    path = Path(path)
    if not path.is_file():
        raise DataError(f"file not found. {GET_DATA}", path=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"not a JSON file ({exc})", path=str(path)) from None
    if not isinstance(data, list):
        raise DataError("expected a JSON array of CFBench samples", path=str(path))
    for i, s in enumerate(data):
        _check_sample(s, i, str(path))
    return data


def _check_sample(s: Any, i: int, path: str) -> None:
    where = f"[{i}]"
    if not isinstance(s, dict):
        raise DataError(f"sample {where}: expected an object", path=path)
    for key, kind in (("idx", int), ("prompt", str), ("split", str), ("criteria", list)):
        if not isinstance(s.get(key), kind):
            raise DataError(f"sample {where}: expected {kind.__name__}", path=path, field=key)
    if s["split"] not in ("easy", "hard"):
        raise DataError(f"sample {where}: split must be easy or hard, got {s['split']!r}", path=path, field="split")
    for j, c in enumerate(s["criteria"]):
        if not (isinstance(c, list) and len(c) >= 2 and isinstance(c[0], str) and c[1] in (PRIMARY, SECONDARY)):
            raise DataError(f"sample {where}: expected [text, 主需|次需, ...]", path=path, field=f"criteria[{j}]")


def to_records(samples: list[dict]) -> list[PromptRecord]:
    """One user-turn prompt record per sample (id = idx); the checklist travels in `meta`."""
    return [PromptRecord(id=str(s["idx"]), messages=({"role": "user", "content": s["prompt"]},), constraints=(),
                         lang="zh", source="cfbench", meta={"split": s["split"]}) for s in samples]


# ----- judge prompt -------------------------------------------------------------------------------------------------

_EXAMPLES = """示例一
[用户指令]: 把“今天天气很好”翻译成英文，只输出译文。
[参考答案]: The weather is nice today.
[模型答案]: 翻译如下：The weather is nice today.
[考察点]:
译文意思与原句一致

只输出译文，没有多余内容
[你的评估]:
译文意思与原句一致\t1

只输出译文，没有多余内容\t0

示例二
[用户指令]: 写一句关于秋天的七言诗句，并在句末加上句号。
[参考答案]:
[模型答案]: 秋风萧瑟叶飘零
[考察点]:
内容与秋天有关

是七言诗句

句末有句号
[你的评估]:
内容与秋天有关\t1

是七言诗句\t1

句末有句号\t0"""


def judge_prompt(prompt: str, gold: str, response: str, items: list[str]) -> str:
    """The judge request for one sample (one user message, no system message)."""
    checklist = "\n\n".join(items)
    return (
        "请你担任回答质量的评估员。根据[用户指令]、[参考答案]、[模型答案]和[考察点]（即评估标准），"
        "判断模型答案是否满足每一条考察点，满足记1分，不满足记0分。\n"
        "[参考答案]与[模型答案]都是对[用户指令]的回答；若[参考答案]为空，评估时不要考虑它。\n"
        "输出要求：\n"
        "1. 按[考察点]给出的顺序逐条输出，每条一块，块与块之间用一个空行（\"\\n\\n\"）分隔；\n"
        "2. 每块先原样照抄该条考察点的文字，再接一个制表符（\"\\t\"），最后写分数 0 或 1；\n"
        "3. 只输出评估结果，不要输出任何其他内容。\n\n"
        f"请参考以下示例（示例中的分隔符是真实的制表符和空行）：\n\n{_EXAMPLES}\n\n"
        "下面是需要你评估的内容：\n\n"
        f"[用户指令]: {prompt}\n\n[参考答案]: {gold}\n\n[模型答案]: {response}\n\n[考察点]: {checklist}\n\n"
        "[你的评估]:\n"
    )


# ----- parsing ------------------------------------------------------------------------------------------------------


def _mark(field: str) -> int | None:
    try:
        v = float(field)
    except ValueError:
        return None
    return int(v) if v in (0.0, 1.0) else None


def parse_strict(reply: str, items: list[str]) -> list[int] | None:
    """Official strict parse: one block per item, each `item<TAB>mark`, item text exact, mark 0 or 1."""
    blocks = reply.split("\n\n")
    if len(blocks) != len(items):
        return None
    marks = []
    for block, item in zip(blocks, items):
        fields = block.split("\t")
        if len(fields) != 2 or fields[0] != item:
            return None
        m = _mark(fields[1])
        if m is None:
            return None
        marks.append(m)
    return marks


def parse_positional(reply: str, n_items: int) -> list[int] | None:
    """Corrected reading: one block per item (by position); the mark is the block's last TAB field."""
    blocks = reply.strip().split("\n\n")
    if len(blocks) != n_items:
        return None
    marks = []
    for block in blocks:
        if "\t" not in block:
            return None
        m = _mark(block.rsplit("\t", 1)[1].strip())
        if m is None:
            return None
        marks.append(m)
    return marks


def parse_fallback(reply: str) -> list[int]:
    """Official fallback: lines with one TAB whose mark is truthy — i.e. only the 1s survive (a known flaw)."""
    marks = []
    for line in reply.split("\n"):
        fields = line.split("\t")
        if len(fields) == 2 and _mark(fields[1]) == 1:
            marks.append(1)
    return marks


def read_reply(reply: str, criteria: list, positional: bool = False) -> tuple[list[int], str]:
    """Marks and parse status: "strict", "positional", "fallback" or "failed" (marks [0])."""
    items = [c[0] for c in criteria]
    marks = parse_strict(reply, items)
    if marks is not None:
        return marks, "strict"
    if positional:
        marks = parse_positional(reply, len(items))
        if marks is not None:
            return marks, "positional"
    marks = parse_fallback(reply)
    return (marks, "fallback") if marks else ([0], "failed")


# ----- metrics ------------------------------------------------------------------------------------------------------


def r2(x: float) -> float:
    """`round(numpy.float64(x), 2)` as the official code does: scale by 100, round half to even, unscale."""
    return round(x * 100) / 100


def sample_metrics(marks: list[int], priorities: list[str], status: str) -> dict[str, float]:
    """CSR / ISR / PSR of one sample (docs/CFBENCH.md §4)."""
    csr = r2(sum(marks) / len(marks))
    isr = 1 if csr >= 1 else 0
    if status == "failed":
        return {"CSR": csr, "ISR": isr, "PSR": 0}
    if status == "fallback":
        return {"CSR": csr, "ISR": isr, "PSR": 1 if csr > 0.8 else 0}
    if len(marks) != len(priorities):
        raise DataError(f"{len(marks)} marks for {len(priorities)} checklist items")
    primary = [m for m, p in zip(marks, priorities) if p == PRIMARY]
    secondary = [m for m, p in zip(marks, priorities) if p == SECONDARY]
    if 0 in primary:
        psr = 0
    elif not primary:
        psr = 1 if csr > 0.8 else 0
    elif not secondary:
        psr = 1
    else:
        psr = 1 if 0.5 + 0.5 * r2(sum(secondary) / len(secondary)) > 0.8 else 0
    return {"CSR": csr, "ISR": isr, "PSR": psr}


def aggregate(rows: list[dict]) -> dict[str, dict]:
    """Means of the per-sample metrics for easy, hard and full (NaN-free: a split without samples is None)."""
    out: dict[str, dict] = {}
    for split in SPLITS:
        sel = [r["metrics"] for r in rows if split == "full" or r["split"] == split]
        if not sel:
            out[split] = None
            continue
        means = {k: sum(m[k] for m in sel) / len(sel) for k in ("CSR", "ISR", "PSR")}
        out[split] = {"n": len(sel), **means, "official_2dp": {k: r2(v) for k, v in means.items()}}
    return out


# ----- judging ------------------------------------------------------------------------------------------------------


def judge_samples(samples: list[dict], responses: dict[str, str], judge, out_path, *, max_rounds: int = MAX_ROUNDS,
                  max_new_tokens: int = 2048, concurrency_batch: int = 32, positional: bool = False,
                  log: Callable[[str], None] = print) -> list[dict]:
    """Judge every sample's response with `judge` (a backend), re-judging strict-parse failures for up to
    `max_rounds` rounds; append final rows to `out_path` (resumable). Returns the rows in sample order."""
    from lightif.backends import SamplingParams

    params = SamplingParams(temperature=JUDGE_TEMPERATURE, max_new_tokens=max_new_tokens)
    done = {str(r["idx"]): r for r in read_jsonl_tolerant(out_path)}
    pending = [s for s in samples if str(s["idx"]) not in done]
    with JsonlAppender(out_path) as sink:
        for rnd in range(1, max_rounds + 1):
            if not pending:
                break
            log(f"cfbench judge round {rnd}/{max_rounds}: {len(pending)} samples")
            retry = []
            for start in range(0, len(pending), concurrency_batch):
                batch = pending[start:start + concurrency_batch]
                convs = [[{"role": "user", "content": judge_prompt(s["prompt"], s.get("gold") or "",
                                                                   responses[str(s["idx"])],
                                                                   [c[0] for c in s["criteria"]])}]
                         for s in batch]
                for s, (gen, *_) in zip(batch, judge.generate(convs, params)):
                    final = rnd == max_rounds
                    if parse_strict(gen.text, [c[0] for c in s["criteria"]]) is None and not final:
                        retry.append(s)
                        continue
                    row = judged_row(s, responses[str(s["idx"])], gen.text, rnd, positional)
                    sink.write(row)
                    done[str(s["idx"])] = row
            pending = retry
    return [done[str(s["idx"])] for s in samples]


def judged_row(sample: dict, response: str, reply: str, rounds: int, positional: bool) -> dict:
    """A judge-file row: the sample, its response, the raw reply, official-style marks and our metrics."""
    marks, status = read_reply(reply, sample["criteria"], positional)
    official = {"strict": "1", "positional": "1", "fallback": "0", "failed": "-1"}[status]
    return {**sample, "response": response, "judge_response": reply, "judge_score": [str(m) for m in marks],
            "judge_parsing": official, "judge_status": status, "judge_rounds": rounds,
            "judge_metric": sample_metrics(marks, [c[1] for c in sample["criteria"]], status)}


# ----- scoring existing judgements ----------------------------------------------------------------------------------


def read_judgements(path: str | os.PathLike) -> list[dict]:
    """Judge rows from an official `*_eval.json` (JSON array) or our `judgements.jsonl`."""
    path = Path(path)
    if not path.is_file():
        raise DataError("judgements file not found", path=str(path))
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"invalid JSON ({exc.msg}, line {exc.lineno})", path=str(path)) from None
    else:
        rows = read_jsonl_tolerant(path)
    for i, r in enumerate(rows):
        _check_sample(r, i, str(path))
        if not isinstance(r.get("judge_response"), str):
            raise DataError(f"sample [{i}]: missing the judge's raw reply", path=str(path), field="judge_response")
    return rows


def score_judgements(judgements_path: str | os.PathLike, out_dir: str | os.PathLike, positional: bool = False,
                     extra_summary: dict | None = None) -> dict:
    """Recompute CSR/ISR/PSR from the judges' raw replies; write `summary.json`, `cfbench_scores.jsonl` and
    `report.md` under `out_dir`; return the summary."""
    rows = []
    for r in read_judgements(judgements_path):
        marks, status = read_reply(r["judge_response"], r["criteria"], positional)
        metrics = sample_metrics(marks, [c[1] for c in r["criteria"]], status)
        rows.append({"idx": r["idx"], "split": r["split"], "status": status, "marks": marks, "metrics": metrics,
                     "stored_metrics": r.get("judge_metric"), "rounds": r.get("judge_rounds")})
    counts = {s: sum(r["status"] == s for r in rows) for s in ("strict", "positional", "fallback", "failed")}
    # Official judge files do not record rounds; ours do (a sample judged more than once was re-judged).
    counts["rejudged"] = sum((r["rounds"] or 1) > 1 for r in rows)
    summary = dict(extra_summary or {})
    summary.update({"benchmark": "cfbench", "judgements": str(judgements_path),
                    "mode": "positional" if positional else "official", "n_samples": len(rows),
                    "scores": aggregate(rows), "counts": counts})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "cfbench_scores.jsonl", rows)
    write_json(out / "summary.json", summary)
    write_text(out / "report.md", report_text(summary))
    return summary


def report_text(summary: dict) -> str:
    lines = [f"# CFBench ({summary['mode']} parsing, {summary['n_samples']} samples)", "",
             "| split | n | CSR | ISR | PSR |", "|---|---:|---:|---:|---:|"]
    for split in SPLITS:
        s = summary["scores"][split]
        if s:
            lines.append(f"| {split} | {s['n']} | {s['CSR']:.3f} | {s['ISR']:.3f} | {s['PSR']:.3f} |")
    lines += ["", "Parse status counts: " + ", ".join(f"{k} {v}" for k, v in summary["counts"].items()),
              "(fallback = official fallback parser, which keeps only the 1s; failed = scored 0)"]
    return "\n".join(lines) + "\n"
