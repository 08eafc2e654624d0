"""Compare evaluation runs: one Markdown report plus PNG charts from the runs' `summary.json` files.

Each run directory holds a `summary.json` written by `lightif eval` / `lightif score` (IFEval, IFBench or a prompt
file: the four headline accuracies in percent, `tier0` per-category and `tier1` per-instruction rates) or by the
CFBench scorer (`scores` per split). Runs of different benchmarks may be mixed; each table only lists the runs that
have its numbers.

Outputs in `out_dir`: `report.md`, `headline.png`, and for IFEval-style runs `categories.png` and
`constraints.png` (strict instruction-level pass rates).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lightif.errors import DataError
from lightif.io import write_text

HEADLINE = ("prompt_level_strict", "instruction_level_strict", "prompt_level_loose", "instruction_level_loose")
SHORT = {"prompt_level_strict": "prompt strict", "instruction_level_strict": "instr. strict",
         "prompt_level_loose": "prompt loose", "instruction_level_loose": "instr. loose"}


def load_run(run_dir: str | os.PathLike) -> dict:
    path = Path(run_dir) / "summary.json"
    if not path.is_file():
        raise DataError("no summary.json (expected an output directory of `lightif eval` or `lightif score`)",
                        path=str(path))
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON ({exc.msg}, line {exc.lineno})", path=str(path)) from None
    if not isinstance(summary, dict) or not (all(k in summary for k in HEADLINE) or "scores" in summary):
        raise DataError("not an evaluation summary (no headline accuracies, no CFBench scores)", path=str(path))
    return summary


def _labels(run_dirs: list, labels: list[str] | None) -> list[str]:
    if labels is not None:
        if len(labels) != len(run_dirs):
            raise DataError(f"{len(labels)} labels for {len(run_dirs)} runs")
        return list(labels)
    names = [Path(d).name for d in run_dirs]
    if len(set(names)) < len(names):  # same folder name in different places: add the parent
        names = [f"{Path(d).parent.name}/{Path(d).name}" for d in run_dirs]
    return names


def _cell(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _ifeval_tables(runs: list[tuple[str, dict]]) -> list[str]:
    lines = ["## Headline (IFEval-style, %)", "", "| run | benchmark | model | prompts | "
             + " | ".join(SHORT[k] for k in HEADLINE) + " |", "|---|---|---|---:|" + "---:|" * len(HEADLINE)]
    for label, s in runs:
        model = (s.get("generation") or {}).get("model", s.get("model", ""))
        lines.append(f"| {label} | {s.get('benchmark', '')} | {model} | {s.get('n_prompts', '')} | "
                     + " | ".join(_cell(s[k]) for k in HEADLINE) + " |")
    for key, title in (("tier0", "Per category"), ("tier1", "Per constraint")):
        names = sorted({n for _, s in runs for n in s.get(key, {})})
        if not names:
            continue
        lines += ["", f"## {title} (strict instruction-level pass rate, %; n = instructions)", "",
                  "| name | " + " | ".join(label for label, _ in runs) + " |", "|---|" + "---:|" * len(runs)]
        for n in names:
            cells = []
            for _, s in runs:
                v = s.get(key, {}).get(n)
                cells.append("–" if v is None else f"{100 * v['strict']:.1f} (n={v['n']})")
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return lines


def _cfbench_tables(runs: list[tuple[str, dict]]) -> list[str]:
    lines = ["## CFBench", "", "| run | mode | split | n | CSR | ISR | PSR | fallback | failed |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for label, s in runs:
        for split in ("easy", "hard", "full"):
            v = s["scores"].get(split)
            if v:
                c = s.get("counts", {})
                lines.append(f"| {label} | {s.get('mode', '')} | {split} | {v['n']} | {v['CSR']:.3f} | "
                             f"{v['ISR']:.3f} | {v['PSR']:.3f} | {c.get('fallback', '')} | {c.get('failed', '')} |")
    return lines


def _bars(ax, groups: list[str], series: dict[str, list[float]], ylabel: str, horizontal: bool = False) -> None:
    width = 0.8 / max(len(series), 1)
    for i, (label, values) in enumerate(series.items()):
        pos = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        if horizontal:
            ax.barh(pos, values, height=width, label=label)
        else:
            ax.bar(pos, values, width=width, label=label)
    if horizontal:
        ax.set_yticks(range(len(groups)), groups, fontsize=7)
        ax.set_xlabel(ylabel)
        ax.invert_yaxis()
    else:
        ax.set_xticks(range(len(groups)), groups, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)


def _plot(runs: list[tuple[str, dict]], cf_runs: list[tuple[str, dict]], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    made = []
    groups = [SHORT[k] for k in HEADLINE] if runs else []
    series = {label: [s[k] for k in HEADLINE] for label, s in runs}
    if cf_runs:
        groups += [f"CFBench {m} (×100)" for m in ("CSR", "ISR", "PSR")]
        for label, s in runs:
            series[label] += [0.0, 0.0, 0.0]
        for label, s in cf_runs:
            head = [0.0] * (len(HEADLINE) if runs else 0)
            series[label] = head + [100 * s["scores"]["full"][m] for m in ("CSR", "ISR", "PSR")]
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(groups)), 4))
    _bars(ax, groups, series, "%")
    ax.set_title("Headline numbers")
    fig.tight_layout()
    fig.savefig(out / "headline.png", dpi=110)
    plt.close(fig)
    made.append("headline.png")
    for key, fname, title in (("tier0", "categories.png", "Per category (strict, %)"),
                              ("tier1", "constraints.png", "Per constraint (strict, %)")):
        names = sorted({n for _, s in runs for n in s.get(key, {})})
        if not names:
            continue
        series = {label: [100 * s.get(key, {}).get(n, {"strict": 0.0})["strict"] for n in names] for label, s in runs}
        fig, ax = plt.subplots(figsize=(8, max(3, 0.28 * len(names) * max(1, len(runs) / 2))))
        _bars(ax, names, series, "pass rate (%)", horizontal=True)
        ax.set_title(title)
        fig.tight_layout()
        fig.savefig(out / fname, dpi=110)
        plt.close(fig)
        made.append(fname)
    return made


def write_report(run_dirs: list, out_dir: str | os.PathLike, labels: list[str] | None = None) -> Path:
    """Write `report.md` and PNG charts comparing `run_dirs` into `out_dir`; return the Markdown path."""
    if not run_dirs:
        raise DataError("no run directories given")
    names = _labels(run_dirs, labels)
    loaded = [(label, load_run(d)) for label, d in zip(names, run_dirs)]
    runs = [(label, s) for label, s in loaded if all(k in s for k in HEADLINE)]
    cf_runs = [(label, s) for label, s in loaded if "scores" in s and s["scores"].get("full")]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    images = _plot(runs, cf_runs, out)
    lines = ["# Evaluation report", "", "Runs: " + ", ".join(f"`{label}` ({d})" for label, d in zip(names, run_dirs)),
             ""]
    lines += [f"![{img}]({img})" for img in images] + [""]
    if runs:
        lines += _ifeval_tables(runs) + [""]
    if cf_runs:
        lines += _cfbench_tables(cf_runs) + [""]
    path = out / "report.md"
    write_text(path, "\n".join(lines))
    return path
