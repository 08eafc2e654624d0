"""CPU experiment (issue: pipeline): does the Light-IF recipe move SmolLM2-135M-Instruct on IFEval, and TEA-RL vs GRPO.

Part A: run the whole pipeline on synthetic prompts only (the seeds are lightif's own tasks; no IFEval prompt is used
in training), then evaluate the base model and every checkpoint on IFEval (all 541 prompts by default).
Part B: TEA-RL vs plain GRPO from the same initial model, on the same prompts, steps and seeds; per-step reward,
all-pass rate, token entropy and response length curves, plotted to PNG.

    .venv/bin/python bench/cpu_experiment.py --out runs/cpu-experiment    # the 2-hour run (see docs/RESULTS.md)
    .venv/bin/python bench/cpu_experiment.py --out runs/cpu-small --scale 0.3 --ifeval-limit 120   # ~40 min

Defaults (scale 0.5: 200 training prompts, 20 + 20 + 15 RL steps; base and final checkpoint on all 541 IFEval
prompts; 20-step TEA and GRPO arms) fit in about 2 hours on 2 cores with `--jobs 2` (the default when there are 2+
CPUs): every torch process gets one thread, the TEA/GRPO arms train beside the pipeline as soon as its prompts exist,
and the pipeline's eval stage runs two (model, benchmark) pairs at once (`eval.workers`). One torch process per core
is much faster here than two processes fighting over both cores.

Resumable: re-running skips finished pipeline stages, finished evaluations and finished RL arms. Prints a Markdown
summary at the end and writes `OUT/results.md`, `OUT/curves.png`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def scaled(x: float, scale: float, minimum: int = 1) -> int:
    return max(minimum, int(round(x * scale)))


def pipeline_config(out: Path, scale: float, ifeval_limit: int | None, seed: int, eval_models: list[str],
                    jobs: int) -> dict:
    import yaml

    cfg = yaml.safe_load((REPO / "configs" / "demo-cpu.yaml").read_text(encoding="utf-8"))
    cfg["run_dir"] = str(out / "pipeline")
    cfg["seed"] = seed
    cfg["synth"].update(n=scaled(400, scale, 32), min_constraints=1, max_constraints=3)
    cfg["test_split"] = {"n": scaled(100, scale, 20)}
    cfg["filter"].update(samples=4)
    cfg["extract_sampling"].update(max_prompts=scaled(160, scale, 16), samples=4)
    for stage, steps in (("zero_rl", 40), ("rl_stage1", 40), ("rl_stage2", 30)):
        cfg[stage].update(max_steps=scaled(steps, scale, 4), save_steps=scaled(10, scale, 2))
    cfg["sft"].update(num_train_epochs=2)
    cfg["eval"].update(ifeval_limit=ifeval_limit, max_new_tokens=256, batch_size=48, models=eval_models, workers=jobs)
    return cfg


ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def start(cmd: list[str], log: Path) -> subprocess.Popen:
    print("$", " ".join(cmd), flush=True)
    with open(log, "a", encoding="utf-8") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=REPO, env=ENV)


def finish(proc: subprocess.Popen, log: Path) -> None:
    if (rc := proc.wait()) != 0:
        sys.exit(f"command failed ({rc}); see {log}")


def run(cmd: list[str], log: Path) -> None:
    finish(start(cmd, log), log)


def rl_arm(out: Path, mode: str, model: str, prompts: Path, steps: int, seed: int) -> Path:
    """One RL arm (mode tea|grpo) from `model` for `steps` steps; returns its metrics.jsonl."""
    import yaml

    arm = out / f"arm-{mode}"
    metrics = arm / "model" / "metrics.jsonl"
    if (arm / "model" / "config.json").exists() and metrics.exists():
        return metrics
    arm.mkdir(parents=True, exist_ok=True)
    base = yaml.safe_load((REPO / "configs" / "demo-cpu.yaml").read_text(encoding="utf-8"))["rl_stage1"]
    base.update(mode=mode, max_steps=steps, seed=seed, save_steps=max(2, steps // 4), think_required=False,
                model=model, train_file=str(prompts), output_dir=str(arm / "model"))
    conf = arm / "config.yaml"
    conf.write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    run([sys.executable, "-m", "lightif", "rl", "--config", str(conf)], arm / "train.log")
    return metrics


def curves(metrics: dict[str, Path], png: Path) -> dict[str, dict[str, float]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [("reward", "reward"), ("lightif/acc", "all-pass rate"), ("entropy", "token entropy"),
            ("completions/mean_length", "response length")]
    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.2))
    summary: dict[str, dict[str, float]] = {}
    for mode, path in metrics.items():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in rows if "reward" in r]
        summary[mode] = {}
        for ax, (key, title) in zip(axes, keys):
            pts = [(r.get("step", i), r[key]) for i, r in enumerate(rows) if isinstance(r.get(key), (int, float))]
            if not pts:
                continue
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=mode)
            ax.set_title(title)
            ax.set_xlabel("step")
            k = max(1, len(pts) // 4)
            summary[mode][f"{key} (first {k})"] = sum(p[1] for p in pts[:k]) / k
            summary[mode][f"{key} (last {k})"] = sum(p[1] for p in pts[-k:]) / k
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/cpu-experiment")
    ap.add_argument("--scale", type=float, default=0.5, help="multiplies prompts and steps (0.5 = the 2-hour run)")
    ap.add_argument("--ifeval-limit", type=int, default=None, help="IFEval prompts to evaluate (default: all 541)")
    ap.add_argument("--rl-steps", type=int, default=None, help="steps per TEA/GRPO arm (default 40 x scale)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-models", default="base,rl_stage2",
                    help="checkpoints evaluated (comma-separated from base,zero_rl,sft,rl_stage1,rl_stage2)")
    ap.add_argument("--jobs", type=int, default=2 if (os.cpu_count() or 1) >= 2 else 1,
                    help="torch processes at once, one thread each (2: arms beside the pipeline, 2 eval workers)")
    ap.add_argument("--skip-pipeline", action="store_true", help="only the TEA vs GRPO comparison")
    args = ap.parse_args()
    import yaml

    if args.jobs >= 2:
        ENV.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = (REPO / args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    lightif = [sys.executable, "-m", "lightif"]
    cfg = pipeline_config(out, args.scale, args.ifeval_limit, args.seed, args.eval_models.split(","), max(1, args.jobs))
    prompts = Path(cfg["run_dir"]) / "synth" / "train.jsonl"
    pipe = None
    if not args.skip_pipeline:
        cfg["eval"]["benchmarks"] = ["test", "ifeval"]
        conf = out / "pipeline.yaml"
        conf.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
        pipe = start(lightif + ["pipeline", "run", str(conf)], out / "pipeline.log")
        if args.jobs < 2:
            finish(pipe, out / "pipeline.log")
        else:  # the arms need only the synthetic prompts, written within seconds: train them beside the pipeline
            while not prompts.exists() and pipe.poll() is None:
                time.sleep(2)

    from lightif.models import resolve_model

    if not prompts.exists():
        sys.exit(f"{prompts} missing: run without --skip-pipeline first (or see {out / 'pipeline.log'})")
    steps = args.rl_steps or scaled(40, args.scale, 4)
    base = resolve_model(cfg["model"])
    t_arms = time.time()
    metrics = {mode: rl_arm(out, mode, base, prompts, steps, args.seed) for mode in ("tea", "grpo")}
    t_arms = time.time() - t_arms
    if pipe is not None and pipe.returncode is None:
        finish(pipe, out / "pipeline.log")
    summary = curves(metrics, out / "curves.png")
    lines = ["# CPU experiment", "", f"scale {args.scale}, seed {args.seed}, jobs {args.jobs}, TEA/GRPO arms "
             f"{t_arms / 60:.1f} min, total {(time.time() - t0) / 60:.1f} min (this invocation)", ""]
    report = Path(cfg["run_dir"]) / "eval" / "report.md"
    if report.exists():
        lines += ["## Pipeline (base vs checkpoints)", "", report.read_text(encoding="utf-8"), ""]
    lines += [f"## TEA-RL vs GRPO ({steps} steps each, same init/prompts/seed)", "", "| metric | tea | grpo |",
              "|---|---|---|"]
    for key in sorted(set(summary.get("tea", {})) | set(summary.get("grpo", {}))):
        t, g = summary.get("tea", {}).get(key), summary.get("grpo", {}).get(key)
        lines.append(f"| {key} | {t if t is None else f'{t:.4f}'} | {g if g is None else f'{g:.4f}'} |")
    lines += ["", f"Curves: `{out / 'curves.png'}`"]
    (out / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
