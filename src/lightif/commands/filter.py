"""`lightif filter`: sample K responses per prompt, split the prompts into hard / pass / easy (`lightif/tiers.py`)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("filter", help="split prompts into hard/pass/easy by the pass rate of K sampled responses")
    p.add_argument("--config", help="YAML file of FilterConfig fields (flags override it)")
    p.add_argument("--model", help="model path or known name")
    p.add_argument("--backend", help="transformers (default) | vllm | openai")
    p.add_argument("--samples", type=int, help="responses per prompt, K (default 8)")
    p.add_argument("--in", dest="inp", required=True, help="prompt records JSONL (ours or IFEval/IFBench format)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--hard-max", type=float, help="pass rate at or below which a prompt is hard (default 0.0)")
    p.add_argument("--easy-min", type=float, help="pass rate at or above which a prompt is easy (default 0.75)")
    p.add_argument("--max-new-tokens", type=int, help="generation limit per response (default 4096)")
    p.add_argument("--temperature", type=float, help="sampling temperature (default 1.0)")
    p.add_argument("--batch-size", type=int, help="prompts per backend call (default 16)")
    p.add_argument("--seed", type=int, help="sampling seed (default 0)")
    p.add_argument("--limit", type=int, help="only the first N prompts")
    p.set_defaults(func=run)


def run(args) -> int:
    import json

    from lightif.config import load_config
    from lightif.schema import load_prompts
    from lightif.tiers import FilterConfig, filter_prompts

    cfg = load_config(FilterConfig, args.config)
    for flag, field in (("model", "model"), ("backend", "backend"), ("samples", "samples"), ("hard_max", "hard_max"),
                        ("easy_min", "easy_min"), ("max_new_tokens", "max_new_tokens"),
                        ("temperature", "temperature"), ("batch_size", "batch_size"), ("seed", "seed")):
        value = getattr(args, flag)
        if value is not None:
            setattr(cfg, field, value)
    cfg.__post_init__()  # re-validate after the flag overrides
    records = load_prompts(args.inp)
    if args.limit is not None:
        records = records[: args.limit]
    result = filter_prompts(records, cfg, args.out, progress=True)
    s = result.stats
    print(json.dumps({"tiers": s["tiers"], "pass_count_histogram": s["pass_count_histogram"],
                      "sample_pass_rate": s["sample_pass_rate"], "out": args.out}, ensure_ascii=False))
    return 0
