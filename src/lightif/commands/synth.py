"""`lightif synth`: synthesize verified constraint prompts (see `lightif/synth.py`)."""

from __future__ import annotations

from lightif.errors import ConfigError


def _range(text: str) -> tuple[int, int]:
    try:
        lo, _, hi = text.partition("-")
        lo_i, hi_i = int(lo), int(hi or lo)
    except ValueError:
        raise ConfigError(f"--constraints expects N or LO-HI, got {text!r}") from None
    return lo_i, hi_i


def _csv(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def add_parser(sub) -> None:
    p = sub.add_parser("synth", help="synthesize prompts with verifiable, satisfiable constraint sets")
    p.add_argument("--config", help="YAML file of SynthConfig fields (flags override it)")
    p.add_argument("--n", type=int, help="number of prompts (default 100)")
    p.add_argument("--lang", help="comma-separated prompt languages: en,zh (default both)")
    p.add_argument("--constraints", help="constraints per prompt, N or LO-HI (default 2-6)")
    p.add_argument("--families", help="comma-separated: lightif,ifeval[,ifbench] (default lightif,ifeval)")
    p.add_argument("--seed", type=int, help="random seed (default 0); same seed -> same file")
    p.add_argument("--seeds", nargs="+", help="seed-task files: JSONL/CSV with a 'task' field or a saved HF dataset "
                                               "directory (default: the bundled en + zh seeds)")
    p.add_argument("--out", required=True, help="output prompts JSONL (written atomically)")
    p.add_argument("--no-witness", action="store_true", help="do not store the witness response in meta")
    p.add_argument("--rewrite-backend", help="optional LLM backend to reword prompts (transformers|vllm|openai)")
    p.add_argument("--rewrite-model", help="model for --rewrite-backend")
    p.set_defaults(func=run)


def run(args) -> int:
    import json
    import time

    from lightif.config import load_config
    from lightif.synth import SynthConfig, summary, synthesize

    cfg = load_config(SynthConfig, args.config)
    if args.n is not None:
        cfg.n = args.n
    if args.lang:
        cfg.langs = _csv(args.lang)
    if args.constraints:
        cfg.min_constraints, cfg.max_constraints = _range(args.constraints)
    if args.families:
        cfg.families = _csv(args.families)
    if args.seed is not None:
        cfg.seed = args.seed
    if args.seeds:
        cfg.seeds = list(args.seeds)
    if args.no_witness:
        cfg.keep_witness = False
    if args.rewrite_backend:
        cfg.rewrite_backend, cfg.rewrite_model = args.rewrite_backend, args.rewrite_model
    cfg.out = args.out
    cfg.__post_init__()  # re-validate after the flag overrides
    start = time.perf_counter()
    records = synthesize(cfg)
    info = summary(records)
    info["seconds"] = round(time.perf_counter() - start, 2)
    info["out"] = cfg.out
    print(json.dumps({k: v for k, v in info.items() if k != "constraint_counts"}, ensure_ascii=False))
    return 0
