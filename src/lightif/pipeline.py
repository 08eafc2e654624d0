"""The Light-IF pipeline: one YAML, every stage, one resumable run directory.

Stages, in order (each writes `RUN_DIR/<stage>/` with a `manifest.json`, see `lightif.runstate`):

    synth      seed tasks -> train prompts + a held-out synthetic test split (witness-checked)
    filter     base model, K samples per train prompt -> hard / pass / easy tiers
    zero_rl    Zero-RL from the base model (GRPO + dense reward + cosine length reward)
    extract    K rollouts of the Zero-RL model on the pass prompts -> rejection sampling -> cold-start SFT set
    sft        Entropy-SFT of the *base* model on the cold-start set (the paper starts SFT from the original model)
    rl_stage1  TEA-RL from the SFT checkpoint on the easy prompts (curriculum stage 1)
    rl_stage2  TEA-RL from the stage-1 checkpoint on the hard prompts (stage 2)
    eval       every checkpoint (and the base model) on the synthetic test split and an IFEval subset -> report

A finished stage (status done, same config digest, outputs hash as recorded) is skipped on re-run. A crashed stage
runs again and resumes its own work: generation appends to JSONL logs and skips finished (id, sample) pairs,
training resumes from the last checkpoint in its output dir, evaluation skips finished (model, benchmark) pairs.
Training stages run as `python -m lightif sft|rl` subprocesses, so a crash or kill there cannot corrupt the
orchestrator's state and each trainer gets a fresh accelerate state.

Tiers can be empty at toy scale (e.g. no hard prompts); a stage then falls back to the union of the other train
tiers and records the fallback in its manifest, so the run completes and the report says what was used.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from lightif.config import from_dict, read_yaml
from lightif.errors import ConfigError, LightIFError
from lightif.io import read_jsonl, write_json, write_jsonl, write_text
from lightif.runstate import StageState, config_digest

STAGES = ("synth", "filter", "zero_rl", "extract", "sft", "rl_stage1", "rl_stage2", "eval")
MODEL_STAGES = ("zero_rl", "sft", "rl_stage1", "rl_stage2")


@dataclasses.dataclass
class SamplingStage:
    """How the extract stage samples rollouts from the Zero-RL model."""

    samples: int = 4
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    batch_size: int = 16
    max_prompts: int | None = None  # cap on the pass prompts sampled (None = all)


@dataclasses.dataclass
class EvalStage:
    models: list[str] = dataclasses.field(default_factory=lambda: ["base", *MODEL_STAGES])
    benchmarks: list[str] = dataclasses.field(default_factory=lambda: ["test", "ifeval"])  # "test" = synthetic split
    ifeval_limit: int | None = 50  # first N IFEval prompts (None = all 541)
    test_limit: int | None = None
    max_new_tokens: int = 256
    batch_size: int = 16
    backend: str = "transformers"
    # (model, benchmark) pairs evaluated at once, each in its own process with cpu_count // workers torch threads.
    # On a CPU box two 1-thread generators beat one 2-thread generator; on one GPU keep 1.
    workers: int = 1


@dataclasses.dataclass
class PipelineConfig:
    run_dir: str
    model: str  # base model: a known name (`lightif models list`) or a checkpoint path
    seed: int = 0
    think_required: bool = True  # reward gate and extract filter need a closed </think> (False for non-thinking models)
    synth: dict = dataclasses.field(default_factory=dict)  # lightif.synth.SynthConfig fields
    test_split: dict = dataclasses.field(default_factory=lambda: {"n": 40})  # SynthConfig overrides for the test split
    filter: dict = dataclasses.field(default_factory=dict)  # lightif.tiers.FilterConfig fields (model is set here)
    zero_rl: dict = dataclasses.field(default_factory=dict)  # lightif.rl.TEAGRPOConfig fields (mode forced "zero")
    extract_sampling: SamplingStage = dataclasses.field(default_factory=SamplingStage)
    extract: dict = dataclasses.field(default_factory=dict)  # lightif.extract.ExtractConfig fields
    sft: dict = dataclasses.field(default_factory=dict)  # lightif.sft.EntropySFTConfig fields
    rl_stage1: dict = dataclasses.field(default_factory=dict)  # TEAGRPOConfig fields (mode "tea" by default)
    rl_stage2: dict = dataclasses.field(default_factory=dict)
    eval: EvalStage = dataclasses.field(default_factory=EvalStage)

    def __post_init__(self) -> None:
        bad = [m for m in self.eval.models if m != "base" and m not in MODEL_STAGES]
        if bad:
            raise ConfigError(f"eval.models: unknown {bad} (choose from base, {', '.join(MODEL_STAGES)})")
        bad = [b for b in self.eval.benchmarks if b not in ("test", "ifeval", "ifbench")]
        if bad:
            raise ConfigError(f"eval.benchmarks: unknown {bad} (choose from test, ifeval, ifbench)")
        if self.eval.workers < 1:
            raise ConfigError(f"eval.workers: expected a positive integer, got {self.eval.workers}")


# ----- config -------------------------------------------------------------------------------------------------------
def load_pipeline_config(path: str | Path) -> PipelineConfig:
    """Read and fully validate a pipeline YAML (every stage's config is built once), before any model loads."""
    cfg = from_dict(PipelineConfig, read_yaml(path), str(path))
    _base_model(cfg)  # a missing model fails here, before any stage writes anything
    for stage in STAGES[:-1]:
        stage_config(cfg, stage, Path(cfg.run_dir), validate_only=True, source=str(path))
    return cfg


def _synth_config(cfg: PipelineConfig, overrides: dict, source: str):
    from lightif.synth import SynthConfig

    data = {"seed": cfg.seed, **cfg.synth, **overrides}
    data.pop("out", None)
    return from_dict(SynthConfig, data, source)


def _trainer_fields(stage: str, cfg: PipelineConfig, run_dir: Path) -> dict:
    data = dict(getattr(cfg, stage))
    for key in ("output_dir", "model", "train_file"):
        if key in data:
            raise ConfigError(f"{stage}: key '{key}' is set by the pipeline; remove it")
    data["output_dir"] = str(run_dir / stage / "model")
    data.setdefault("seed", cfg.seed)
    if stage != "sft":
        data.setdefault("think_required", cfg.think_required)
        if stage == "zero_rl":
            if data.get("mode", "zero") != "zero":
                raise ConfigError("zero_rl: mode must be 'zero'")
            data["mode"] = "zero"
    return data


def stage_config(cfg: PipelineConfig, stage: str, run_dir: Path, *, validate_only: bool = False,
                 source: str = "config") -> Any:
    """The validated config object of one stage (also used by `lightif validate`)."""
    where = f"{source}: {stage}"
    if stage == "synth":
        return (_synth_config(cfg, {}, where), _synth_config(cfg, cfg.test_split, f"{source}: test_split"))
    if stage == "filter":
        from lightif.tiers import FilterConfig

        data = dict(cfg.filter)
        data.setdefault("seed", cfg.seed)
        if "model" in data:
            raise ConfigError(f"{where}: key 'model' is set by the pipeline (top-level 'model'); remove it")
        return from_dict(FilterConfig, data, where)
    if stage == "extract":
        from lightif.extract import ExtractConfig

        data = dict(cfg.extract)
        data.setdefault("think_required", cfg.think_required)
        return from_dict(ExtractConfig, data, where)
    if stage == "sft":
        from lightif.sft import EntropySFTConfig

        return from_dict(EntropySFTConfig, _trainer_fields(stage, cfg, run_dir), where)
    if stage in ("zero_rl", "rl_stage1", "rl_stage2"):
        from lightif.rl import TEAGRPOConfig

        return from_dict(TEAGRPOConfig, _trainer_fields(stage, cfg, run_dir), where)
    return cfg.eval


# ----- helpers ------------------------------------------------------------------------------------------------------
def _count_lines(path: Path) -> int:
    return sum(1 for _ in read_jsonl(path)) if path.exists() else 0


def _merge_prompt_files(paths: list[Path], out: Path) -> int:
    rows, seen = [], set()
    for p in paths:
        if p.exists():
            for _, rec in read_jsonl(p):
                if rec["id"] not in seen:
                    seen.add(rec["id"])
                    rows.append(rec)
    return write_jsonl(out, rows)


def _tier_file(run_dir: Path, stage_dir: Path, wanted: list[str], name: str) -> tuple[Path, list[str]]:
    """Prompts of the wanted tiers; if those are empty, fall back to all train prompts (recorded)."""
    fdir = run_dir / "filter"
    out = stage_dir / f"{name}.jsonl"
    n = _merge_prompt_files([fdir / f"{t}.jsonl" for t in wanted], out)
    if n:
        return out, wanted
    _merge_prompt_files([fdir / f"{t}.jsonl" for t in ("hard", "pass", "easy")], out)
    return out, ["hard", "pass", "easy"]


def _base_model(cfg: PipelineConfig) -> str:
    from lightif.models import resolve_model

    return resolve_model(cfg.model)


def _run_trainer(kind: str, stage_dir: Path, fields: dict, model: str, train_file: Path) -> None:
    """Train in a subprocess (`python -m lightif sft|rl --config`), logging to `stage_dir/train.log`."""
    import yaml

    conf = {"model": model, "train_file": str(train_file), **fields}
    conf_path = stage_dir / "train_config.yaml"
    write_text(conf_path, yaml.safe_dump(conf, sort_keys=False, allow_unicode=True))
    log_path = stage_dir / "train.log"
    cmd = [sys.executable, "-m", "lightif", kind, "--config", str(conf_path), "--resume", "auto"]
    print(f"  $ {' '.join(cmd)}  (log: {log_path})", flush=True)
    with open(log_path, "a", encoding="utf-8") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if proc.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or ["(empty log)"]
        raise LightIFError(f"{kind} training failed (exit {proc.returncode}); see {log_path}: {tail[0][:300]}")


def _model_of(run_dir: Path, stage: str) -> Path:
    path = run_dir / stage / "model"
    if not (path / "config.json").exists():
        raise LightIFError(f"stage '{stage}' has no trained model at {path}; run it first")
    return path


# ----- stages -------------------------------------------------------------------------------------------------------
def run_synth(cfg: PipelineConfig, run_dir: Path, sdir: Path) -> tuple[dict, dict, dict]:
    from lightif.synth import summary, synthesize

    train_cfg, test_cfg = stage_config(cfg, "synth", run_dir)
    test_cfg.id_prefix = f"{test_cfg.id_prefix}-test"
    if test_cfg.seed == train_cfg.seed:
        test_cfg.seed = train_cfg.seed + 10_007  # a different stream: held-out prompts
    train, test = synthesize(train_cfg), synthesize(test_cfg)
    write_jsonl(sdir / "train.jsonl", (r.to_json() for r in train))
    write_jsonl(sdir / "test.jsonl", (r.to_json() for r in test))
    return {}, {"train": sdir / "train.jsonl", "test": sdir / "test.jsonl"}, {"train": summary(train),
                                                                             "test": summary(test)}


def run_filter(cfg: PipelineConfig, run_dir: Path, sdir: Path) -> tuple[dict, dict, dict]:
    from lightif.schema import load_prompts
    from lightif.tiers import filter_prompts

    fcfg = stage_config(cfg, "filter", run_dir)
    fcfg.model = _base_model(cfg)
    train = run_dir / "synth" / "train.jsonl"
    result = filter_prompts(load_prompts(train), fcfg, sdir)
    outs = {t: sdir / f"{t}.jsonl" for t in ("hard", "pass", "easy")}
    return {"train": train}, outs, {"tiers": {t: len(v) for t, v in result.tiers.items()}, **result.stats}


def run_zero_rl(cfg: PipelineConfig, run_dir: Path, sdir: Path) -> tuple[dict, dict, dict]:
    stage_config(cfg, "zero_rl", run_dir)  # validated up front too; the subprocess gets the raw fields
    fields = _trainer_fields("zero_rl", cfg, run_dir)
    train, used = _tier_file(run_dir, sdir, ["hard", "pass", "easy"], "prompts")
    _run_trainer("rl", sdir, fields, _base_model(cfg), train)
    return {"prompts": train}, {"model": sdir / "model"}, {"tiers_used": used, "prompts": _count_lines(train),
                                                          **_train_metrics(sdir / "model")}


def run_extract(cfg: PipelineConfig, run_dir: Path, sdir: Path) -> tuple[dict, dict, dict]:
    from lightif.backends import SamplingParams, load_backend
    from lightif.extract import extract
    from lightif.schema import load_prompts
    from lightif.tiers import FilterConfig, score_sample

    ecfg = stage_config(cfg, "extract", run_dir)
    sc = cfg.extract_sampling
    prompts_path, used = _tier_file(run_dir, sdir, ["pass"], "prompts")
    records = load_prompts(prompts_path)[: sc.max_prompts]
    model = _model_of(run_dir, "zero_rl")
    from lightif.generate import generate_records

    backend = load_backend("transformers", str(model))
    params = SamplingParams(temperature=sc.temperature, top_p=sc.top_p, max_new_tokens=sc.max_new_tokens,
                            n=sc.samples, seed=cfg.seed)
    rows = generate_records(records, backend, params, sdir / "generations.jsonl", batch_size=sc.batch_size,
                            progress=False)
    by_id = {r.id: r for r in records}
    fc = FilterConfig(model=str(model))
    samples = [score_sample(by_id[str(row["id"])], row, fc) for row in rows]
    write_jsonl(sdir / "samples.jsonl", samples)
    result = extract(samples, ecfg)
    n_kept = write_jsonl(sdir / "coldstart.jsonl", result.records)
    write_json(sdir / "funnel.json", {"funnel": result.funnel, "dropped": result.dropped})
    if n_kept == 0:
        raise LightIFError(f"rejection sampling kept 0 of {len(samples)} samples (funnel in {sdir}); loosen the "
                           "'extract' thresholds or sample more (extract_sampling.samples / max_new_tokens)")
    return ({"prompts": prompts_path, "model": model}, {"coldstart": sdir / "coldstart.jsonl"},
            {"tiers_used": used, "prompts": len(records), "samples": len(samples), "kept": n_kept,
             "funnel": result.funnel, "dropped": result.dropped})


def run_sft(cfg: PipelineConfig, run_dir: Path, sdir: Path) -> tuple[dict, dict, dict]:
    fields = _trainer_fields("sft", cfg, run_dir)
    data = run_dir / "extract" / "coldstart.jsonl"
    _run_trainer("sft", sdir, fields, _base_model(cfg), data)
    return {"coldstart": data}, {"model": sdir / "model"}, _train_metrics(sdir / "model")


def _run_rl_stage(stage: str, tiers: list[str], init: str, cfg: PipelineConfig, run_dir: Path,
                  sdir: Path) -> tuple[dict, dict, dict]:
    fields = _trainer_fields(stage, cfg, run_dir)
    train, used = _tier_file(run_dir, sdir, tiers, "prompts")
    init_model = _model_of(run_dir, init)
    _run_trainer("rl", sdir, fields, str(init_model), train)
    return ({"prompts": train, "init": init_model}, {"model": sdir / "model"},
            {"tiers_used": used, "prompts": _count_lines(train), **_train_metrics(sdir / "model")})


def run_rl_stage1(cfg, run_dir, sdir):
    return _run_rl_stage("rl_stage1", ["easy"], "sft", cfg, run_dir, sdir)


def run_rl_stage2(cfg, run_dir, sdir):
    return _run_rl_stage("rl_stage2", ["hard"], "rl_stage1", cfg, run_dir, sdir)


def _train_metrics(model_dir: Path) -> dict:
    """Summary of the trainer's metrics.jsonl (first/last logged loss and reward)."""
    path = model_dir / "metrics.jsonl"
    if not path.exists():
        return {}
    rows = [r for _, r in read_jsonl(path)]
    out: dict[str, Any] = {"logged_steps": len(rows)}
    for key in ("loss", "reward", "entropy", "completions/mean_length"):
        vals = [r[key] for r in rows if isinstance(r.get(key), (int, float))]
        if vals:
            out[f"{key}_first"], out[f"{key}_last"] = vals[0], vals[-1]
            out[f"{key}_mean"] = sum(vals) / len(vals)
    return out


def _eval_records(cfg: PipelineConfig, run_dir: Path, bench: str) -> list:
    from lightif.evaluate import load_benchmark

    if bench == "test":
        return load_benchmark(str(run_dir / "synth" / "test.jsonl"))[: cfg.eval.test_limit]
    return load_benchmark(bench)[: cfg.eval.ifeval_limit if bench == "ifeval" else None]


def _eval_one(model_path: str, records: list, out: Path, ec: EvalStage, seed: int) -> dict:
    """Greedy generation (resumable) + strict/loose scoring of one model on one prompt set."""
    from lightif.backends import SamplingParams, load_backend
    from lightif.evaluate import score_responses, write_outputs
    from lightif.generate import generate_records

    if (out / "summary.json").exists():
        import json

        return json.loads((out / "summary.json").read_text(encoding="utf-8"))
    params = SamplingParams(temperature=0.0, max_new_tokens=ec.max_new_tokens, n=1, seed=seed)
    t0 = time.time()
    backend = load_backend(ec.backend, model_path)
    rows = generate_records(records, backend, params, out / "generations.jsonl", batch_size=ec.batch_size,
                            progress=False)
    gen_s = time.time() - t0
    by_id = {r.id: r for r in records}
    responses = [{"key": row["id"], "prompt": by_id[str(row["id"])].prompt, "response": row["text"]} for row in rows]
    result = score_responses(records, responses)
    extra = {"model": model_path, "generation": params.to_dict(), "generation_seconds": round(gen_s, 1),
             "completion_tokens": sum(r["completion_tokens"] for r in rows)}
    return write_outputs(result, out, extra_summary=extra)


def _limit_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def _run_eval_jobs(jobs: list, ec: EvalStage, seed: int) -> list[dict]:
    """Summaries of `_eval_one` for each job, in order: one after another, or `ec.workers` processes at once."""
    if ec.workers <= 1 or len(jobs) <= 1:
        out = []
        for bench, label, path, records, out_dir in jobs:
            print(f"  eval {label} on {bench} ({len(records)} prompts)", flush=True)
            out.append(_eval_one(path, records, out_dir, ec, seed))
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    threads = max(1, (os.cpu_count() or 1) // ec.workers)
    print(f"  eval: {len(jobs)} (model, benchmark) pairs, {ec.workers} at a time, {threads} thread(s) each", flush=True)
    with ProcessPoolExecutor(ec.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_limit_threads,
                             initargs=(threads,)) as pool:
        futures = [pool.submit(_eval_one, path, records, out_dir, ec, seed)
                   for _, _, path, records, out_dir in jobs]
        for (bench, label, _, records, _), fut in zip(jobs, futures):
            fut.result()
            print(f"  eval {label} on {bench} ({len(records)} prompts): done", flush=True)
        return [f.result() for f in futures]


def run_eval(cfg: PipelineConfig, run_dir: Path, sdir: Path) -> tuple[dict, dict, dict]:
    from lightif.report import write_report

    ec = cfg.eval
    models = {"base": _base_model(cfg)}
    for stage in ec.models:
        if stage != "base":
            models[stage] = str(_model_of(run_dir, stage))
    table: dict[str, dict[str, dict]] = {}
    n_prompts: dict[str, int] = {}
    jobs = []  # (bench, label, model path, records, out dir), in report order
    for bench in ec.benchmarks:
        records = _eval_records(cfg, run_dir, bench)
        n_prompts[bench] = len(records)
        jobs += [(bench, label, path, records, sdir / label / bench) for label, path in models.items()]
    for (bench, label, *_), summary in zip(jobs, _run_eval_jobs(jobs, ec, cfg.seed)):
        table.setdefault(bench, {})[label] = {k: summary.get(k) for k in (
            "prompt_level_strict", "instruction_level_strict", "prompt_level_loose", "instruction_level_loose")}
    reports = {}
    for bench in ec.benchmarks:
        dirs = [sdir / label / bench for label in models]
        reports[bench] = write_report(dirs, sdir / "report" / bench, labels=list(models))
    overview = sdir / "report.md"
    write_text(overview, overview_markdown(cfg, run_dir, table, n_prompts))
    return {}, {"report": overview}, {"table": table, "n_prompts": n_prompts}


def overview_markdown(cfg: PipelineConfig, run_dir: Path, table: dict[str, dict[str, dict]],
                      n_prompts: dict[str, int]) -> str:
    """The run's headline report: every checkpoint vs the base model, numbers as they came out."""
    import json

    lines = [f"# Light-IF pipeline report: `{cfg.run_dir}`", "",
             f"Base model: `{cfg.model}`; seed {cfg.seed}; think_required={cfg.think_required}.", ""]
    for bench, rows in table.items():
        n = n_prompts[bench]
        title = {"test": "held-out synthetic test split", "ifeval": "IFEval subset", "ifbench": "IFBench"}[bench]
        lines += [f"## {title} ({n} prompts, greedy, thinking stripped)", "",
                  "| model | prompt strict | instr. strict | prompt loose | instr. loose | Δ prompt strict vs base |",
                  "|---|---|---|---|---|---|"]
        base = rows.get("base", {}).get("prompt_level_strict")
        for label, m in rows.items():
            d = "" if label == "base" or base is None else f"{m['prompt_level_strict'] - base:+.2f}"
            lines.append(f"| {label} | {m['prompt_level_strict']:.2f} | {m['instruction_level_strict']:.2f} | "
                         f"{m['prompt_level_loose']:.2f} | {m['instruction_level_loose']:.2f} | {d} |")
        best = max((m["prompt_level_strict"], k) for k, m in rows.items() if k != "base") if len(rows) > 1 else None
        if best and base is not None:
            verdict = ("improved on" if best[0] > base else "did not improve on")
            lines += ["", f"Best trained checkpoint (`{best[1]}`, {best[0]:.2f}) {verdict} the base model "
                          f"({base:.2f}) on prompt-level strict accuracy."]
        lines += ["", f"Charts and per-constraint tables: `eval/report/{bench}/report.md`.", ""]
    lines += ["## Stages", "", "| stage | status | wall s | key metrics |", "|---|---|---|---|"]
    for row in status(run_dir):
        m = row["metrics"] or {}
        keep = {k: v for k, v in m.items() if k in ("tiers", "tiers_used", "prompts", "samples", "kept", "loss_first",
                                                    "loss_last", "reward_first", "reward_last", "logged_steps")}
        if row["stage"] == "eval":
            row["status"] = "done (this report)"
        lines.append(f"| {row['stage']} | {row['status']} | {row['wall_s'] if row['wall_s'] is not None else ''} | "
                     f"{json.dumps(keep, ensure_ascii=False)} |")
    return "\n".join(lines) + "\n"


RUNNERS = {"synth": run_synth, "filter": run_filter, "zero_rl": run_zero_rl, "extract": run_extract, "sft": run_sft,
           "rl_stage1": run_rl_stage1, "rl_stage2": run_rl_stage2, "eval": run_eval}


# ----- orchestration ------------------------------------------------------------------------------------------------
def _digest(cfg: PipelineConfig, stage: str) -> str:
    common = {"model": cfg.model, "seed": cfg.seed, "think_required": cfg.think_required}
    part = dataclasses.asdict(cfg)[stage] if stage != "synth" else {"synth": cfg.synth, "test": cfg.test_split}
    if stage == "extract":
        part = {"extract": cfg.extract, "sampling": dataclasses.asdict(cfg.extract_sampling)}
    return config_digest({**common, "stage": part})


def select_stages(from_stage: str | None, only: str | None) -> list[str]:
    for s in (from_stage, only):
        if s is not None and s not in STAGES:
            raise ConfigError(f"unknown stage '{s}' (stages: {', '.join(STAGES)})")
    if only:
        return [only]
    return list(STAGES[STAGES.index(from_stage):]) if from_stage else list(STAGES)


def run_pipeline(config_path: str | Path, *, from_stage: str | None = None, only: str | None = None,
                 run_dir: str | None = None) -> Path:
    cfg = load_pipeline_config(config_path)
    if run_dir:
        cfg.run_dir = run_dir
    root = Path(cfg.run_dir)
    root.mkdir(parents=True, exist_ok=True)
    write_text(root / "pipeline.yaml", Path(config_path).read_text(encoding="utf-8"))
    wanted = select_stages(from_stage, only)
    forced = set(wanted) if (from_stage or only) else set()
    t_all = time.time()
    for stage in STAGES:
        if stage not in wanted:
            continue
        state = StageState.load(root, stage)
        digest = _digest(cfg, stage)
        if stage not in forced and state.is_done(digest):
            print(f"[{stage}] done earlier ({state.manifest.get('wall_s', '?')} s) - skipped", flush=True)
            continue
        resumed = state.status in ("running", "failed")
        print(f"[{stage}] {'resuming' if resumed else 'running'}", flush=True)
        state.start(dataclasses.asdict(cfg).get(stage, None) if stage != "synth" else cfg.synth, digest)
        t0 = time.time()
        try:
            inputs, outputs, metrics = RUNNERS[stage](cfg, root, state.dir)
        except BaseException as exc:
            state.fail(f"{type(exc).__name__}: {exc}")
            raise
        state.finish(inputs=inputs, outputs=outputs, metrics=metrics, wall_s=time.time() - t0)
        print(f"[{stage}] done in {time.time() - t0:.1f} s", flush=True)
    print(f"pipeline finished in {time.time() - t_all:.1f} s; run dir {root}", flush=True)
    return root


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status(run_dir: str | Path) -> list[dict]:
    root = Path(run_dir)
    if not root.is_dir():
        raise ConfigError(f"{root}: no such run directory")
    rows = []
    for stage in STAGES:
        st = StageState.load(root, stage)
        m = st.manifest
        state = st.status
        if state == "running" and not _alive(m.get("pid")):
            state = "interrupted"  # the process that ran it is gone (killed or crashed): re-run resumes it
        rows.append({"stage": stage, "status": state, "wall_s": m.get("wall_s"), "attempts": m.get("attempts", 0),
                     "error": m.get("error"), "metrics": m.get("metrics", {})})
    return rows
