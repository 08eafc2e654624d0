"""`lightif eval`: generate responses with a backend (resumable) and score them (IFEval, IFBench, CFBench, a file).

Outputs in `--out DIR`: `responses.jsonl` (generation rows, resumable), `generation.json` (the settings; a rerun
with different generation settings is refused instead of mixing them), `responses_scored.jsonl` (the
`{"key", "prompt", "response"}` file that was scored), and the files of `lightif score` (`summary.json` with the
generation settings and timings added, `report.md`, `eval_results_{strict,loose}.jsonl`). CFBench adds
`judgements.jsonl` and writes `cfbench_scores.jsonl` instead of the IFEval result files.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

# Settings that change what is generated: a resumed run must use the same ones.
RESUME_KEYS = ("benchmark", "data", "model", "backend", "sampling")


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="generate responses with a model and score them on a benchmark")
    p.add_argument("--model", required=True, help="checkpoint dir, known name (smollm2-135m-instruct) or served id")
    p.add_argument("--benchmark", required=True, help="ifeval | ifbench | cfbench | FILE.jsonl of prompt records")
    p.add_argument("--out", required=True, help="output directory (re-running resumes generation)")
    p.add_argument("--backend", default="transformers", choices=("transformers", "vllm", "openai"))
    p.add_argument("--data", default=None, help="benchmark data file (required for cfbench: cfbench_data.json)")
    p.add_argument("--limit", type=int, default=None, help="only the first N prompts (quick runs)")
    p.add_argument("--max-new-tokens", type=int, default=1024)
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=0, help="0 = off")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--enable-thinking", choices=("on", "off"), default=None,
                   help="chat-template thinking switch (Qwen3); default: the template's own default")
    p.add_argument("--batch-size", type=int, default=16, help="prompts per generation batch (and per saved batch)")
    p.add_argument("--device", default="auto", help="transformers backend: auto | cpu | cuda | cuda:N")
    p.add_argument("--base-url", default="http://127.0.0.1:8000/v1", help="openai backend: server URL")
    p.add_argument("--concurrency", type=int, default=8, help="openai backend: parallel requests")
    p.add_argument("--api-key-env", default="OPENAI_API_KEY", help="openai backend: env var holding the API key")
    p.add_argument("--keep-thinking", action="store_true", help="score the raw text, <think> part included")
    p.add_argument("--fix-quirks", action="store_true", help="IFEval/IFBench: use corrected checker semantics")
    p.add_argument("--no-progress", action="store_true")
    g = p.add_argument_group("CFBench judge")
    g.add_argument("--judge-backend", default="openai", choices=("transformers", "vllm", "openai"))
    g.add_argument("--judge-model", default=None, help="judge model (official: gpt-4o-2024-05-13)")
    g.add_argument("--judge-base-url", default="https://api.openai.com/v1")
    g.add_argument("--judge-api-key-env", default="OPENAI_API_KEY")
    g.add_argument("--judge-rounds", type=int, default=10, help="re-judging rounds for unparsable replies")
    g.add_argument("--judge-max-new-tokens", type=int, default=2048)
    g.add_argument("--positional-fallback", action="store_true",
                   help="read unparsable replies by position instead of the official 1s-only fallback")
    p.set_defaults(func=run)


def _backend_options(args, which: str = "gen") -> dict:
    backend = args.backend if which == "gen" else args.judge_backend
    if backend == "transformers":
        return {"batch_size": args.batch_size, "device": args.device}
    if backend == "openai":
        if which == "gen":
            return {"base_url": args.base_url, "concurrency": args.concurrency, "api_key_env": args.api_key_env}
        return {"base_url": args.judge_base_url, "concurrency": args.concurrency,
                "api_key_env": args.judge_api_key_env}
    return {}


def _check_resume(out: Path, settings: dict) -> None:
    from lightif.errors import ConfigError
    from lightif.io import write_json

    path = out / "generation.json"
    if path.exists() and (out / "responses.jsonl").exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        diff = [k for k in RESUME_KEYS if old.get(k) != settings.get(k)]
        if diff:
            raise ConfigError(f"{out}/responses.jsonl was generated with different {', '.join(diff)} "
                              f"(see {path}); use another --out or delete responses.jsonl")
    write_json(path, settings)


def _load_records(args):
    from lightif import cfbench
    from lightif.errors import ConfigError

    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be >= 1 (got {args.limit})")
    if args.benchmark == "cfbench":
        samples = cfbench.load_cfbench(args.data)[:args.limit]
        return cfbench.to_records(samples), samples
    from lightif.evaluate import load_benchmark

    return load_benchmark(args.benchmark, args.data)[:args.limit], None


def _generate(args, records, out: Path) -> tuple[list[dict], dict]:
    from lightif.backends import SamplingParams, load_backend
    from lightif.generate import generate_records

    think = None if args.enable_thinking is None else args.enable_thinking == "on"
    params = SamplingParams(temperature=args.temperature, top_p=args.top_p, top_k=args.top_k,
                            max_new_tokens=args.max_new_tokens, seed=args.seed, enable_thinking=think)
    settings = {"benchmark": args.benchmark, "data": args.data, "model": args.model, "backend": args.backend,
                "sampling": params.to_dict(), "batch_size": args.batch_size, "limit": args.limit}
    if args.backend != "openai":  # a missing local model fails before anything is written
        from lightif.models import resolve_model

        resolve_model(args.model)
    out.mkdir(parents=True, exist_ok=True)
    _check_resume(out, settings)
    tally = {"samples": 0, "tokens": 0}

    def count(samples: int, tokens: int) -> None:
        tally["samples"] += samples
        tally["tokens"] += tokens

    t0 = time.perf_counter()
    backend = load_backend(args.backend, args.model, **_backend_options(args))
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    rows = generate_records(records, backend, params, out / "responses.jsonl", batch_size=args.batch_size,
                            progress=not args.no_progress, on_batch=count)
    dt = time.perf_counter() - t1
    finish = {r: sum(row["finish_reason"] == r for row in rows) for r in ("stop", "length")}
    timing = {"model_load_s": round(t_load, 2), "generate_s": round(dt, 2),
              "generated_this_run": tally["samples"], "tokens_this_run": tally["tokens"],
              "tokens_per_s": round(tally["tokens"] / dt, 2) if dt > 0 and tally["tokens"] else None,
              "mean_completion_tokens": round(sum(r["completion_tokens"] for r in rows) / max(len(rows), 1), 1),
              "finish_reasons": finish}
    return rows, {"generation": settings, "generation_timing": timing}


def run(args: argparse.Namespace) -> int:
    from lightif.io import write_jsonl

    out = Path(args.out)
    if args.benchmark == "cfbench" and not args.judge_model:  # fail before any data or model is loaded
        from lightif.errors import ConfigError

        raise ConfigError("cfbench needs a judge: --judge-model M (and --judge-base-url URL for a non-OpenAI server)")
    records, cf_samples = _load_records(args)
    rows, extra = _generate(args, records, out)
    if cf_samples is not None:
        return _judge_cfbench(args, cf_samples, rows, out, extra)
    from lightif.evaluate import headline_text, score_responses, write_outputs

    responses = [{"key": r.meta.get("key", r.id), "prompt": r.prompt, "response": row["text"]}
                 for r, row in zip(records, rows)]
    write_jsonl(out / "responses_scored.jsonl", responses)
    result = score_responses(records, responses, keep_thinking=args.keep_thinking, fix_quirks=args.fix_quirks)
    extra.update({"benchmark": args.benchmark, "model": args.model, "responses": str(out / "responses.jsonl"),
                  "keep_thinking": args.keep_thinking, "fix_official_quirks": args.fix_quirks})
    summary = write_outputs(result, out, extra)
    print(headline_text(summary))
    print(f"wrote {out}/summary.json and {out}/report.md")
    return 0


def _judge_cfbench(args, samples: list[dict], rows: list[dict], out: Path, extra: dict) -> int:
    from lightif import cfbench
    from lightif.backends import load_backend

    responses = {row["id"]: row["text"] for row in rows}
    if not args.keep_thinking:
        from lightif.text import strip_thinking

        responses = {k: strip_thinking(v) for k, v in responses.items()}
    judge = load_backend(args.judge_backend, args.judge_model, **_backend_options(args, "judge"))
    t0 = time.perf_counter()
    cfbench.judge_samples(samples, responses, judge, out / "judgements.jsonl", max_rounds=args.judge_rounds,
                          max_new_tokens=args.judge_max_new_tokens, positional=args.positional_fallback)
    judge_info = {"backend": args.judge_backend, "model": args.judge_model, "rounds": args.judge_rounds,
                  "seconds": round(time.perf_counter() - t0, 2)}
    extra.update({"model": args.model, "judge": judge_info})
    summary = cfbench.score_judgements(out / "judgements.jsonl", out, positional=args.positional_fallback,
                                       extra_summary=extra)
    for split in cfbench.SPLITS:
        s = summary["scores"][split]
        if s:
            print(f"{split}: CSR {s['CSR']:.3f}  ISR {s['ISR']:.3f}  PSR {s['PSR']:.3f}  (n={s['n']})")
    print("parse status: " + ", ".join(f"{k} {v}" for k, v in summary["counts"].items()))
    return 0
