"""`lightif extract`: rejection-sample cold-start SFT data from scored samples (see `lightif/extract.py`)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("extract", help="keep correct, previewing, self-checking, fluent samples as SFT chat records")
    p.add_argument("--config", help="YAML file of ExtractConfig fields (flags override it)")
    p.add_argument("--in", dest="inp", required=True, help="samples.jsonl written by `lightif filter`")
    p.add_argument("--out", required=True, help="output SFT JSONL (the funnel goes to <stem>.funnel.json)")
    p.add_argument("--tiers", help="comma-separated prompt tiers to sample from: hard,pass,easy (default pass)")
    p.add_argument("--min-preview", type=float, help="minimum preview score in [0, 1] (default 0.5)")
    p.add_argument("--min-self-check", type=float, help="minimum self-check score in [0, 1] (default 0.5)")
    p.add_argument("--min-preview-coverage", type=float, help="share of constraints named before drafting (default 0)")
    p.add_argument("--min-check-coverage", type=float, help="share of constraints verified after drafting (default 0)")
    p.add_argument("--allow-lazy", action="store_true", help="keep lazy thinking (restated instruction, no checks)")
    p.add_argument("--no-think-required", action="store_true",
                   help="accept tag-less answers of non-thinking models (thinking filters skipped for them)")
    p.add_argument("--min-fluency", type=float, help="heuristic fluency threshold without a judge (default 0.6)")
    p.add_argument("--judge-model", help="LLM fluency judge (Score:[[n]] protocol); default: heuristic only")
    p.add_argument("--judge-backend", help="backend of the judge (default transformers)")
    p.add_argument("--min-judge-score", type=int, help="minimum judge score 1..10 (default 6)")
    p.add_argument("--max-per-prompt", type=int, help="kept samples per prompt (default 1)")
    p.add_argument("--max-total", type=int, help="cap on kept samples (default: none)")
    p.add_argument("--max-answer-chars", type=int, help="longest answer kept (default 30000)")
    p.add_argument("--max-thinking-chars", type=int, help="longest thinking kept (default 60000)")
    p.set_defaults(func=run)


def run(args) -> int:
    from lightif.config import load_config
    from lightif.extract import ExtractConfig, format_funnel, funnel_path, run_extract

    cfg = load_config(ExtractConfig, args.config)
    for flag in ("min_preview", "min_self_check", "min_preview_coverage", "min_check_coverage", "min_fluency",
                 "judge_model", "judge_backend", "min_judge_score", "max_per_prompt", "max_total",
                 "max_answer_chars", "max_thinking_chars"):
        value = getattr(args, flag)
        if value is not None:
            setattr(cfg, flag, value)
    if args.tiers:
        cfg.tiers = [t.strip() for t in args.tiers.split(",") if t.strip()]
    if args.allow_lazy:
        cfg.reject_lazy = False
    if args.no_think_required:
        cfg.think_required = False
    cfg.__post_init__()  # re-validate after the flag overrides
    result = run_extract(args.inp, args.out, cfg)
    print(format_funnel(result))
    print(f"kept {len(result.records)} -> {args.out} (funnel: {funnel_path(args.out)})")
    return 0
