"""`lightif validate CONFIG.yaml`: check a pipeline, SFT or RL config (keys, types, values, input files) without
loading any model, like torchtune's `tune validate`."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("validate", help="validate a pipeline / sft / rl config without running it")
    p.add_argument("config")
    p.add_argument("--kind", choices=("auto", "pipeline", "sft", "rl"), default="auto",
                   help="config kind (auto: a 'run_dir' key = pipeline, a 'mode' or 'num_generations' key = rl, else sft)")
    p.set_defaults(func=run)


def run(args) -> int:
    from lightif.config import read_yaml

    data = read_yaml(args.config)
    kind = args.kind
    if kind == "auto":
        kind = "pipeline" if "run_dir" in data else "rl" if ("mode" in data or "num_generations" in data) else "sft"
    if kind == "pipeline":
        from lightif.pipeline import load_pipeline_config

        cfg = load_pipeline_config(args.config)
        print(f"ok: {args.config} (pipeline, run_dir {cfg.run_dir}, model {cfg.model})")
        return 0
    from lightif.commands.sft import load_run

    if kind == "rl":
        from lightif.rl import TEAGRPOConfig as Cls
    else:
        from lightif.sft import EntropySFTConfig as Cls
    opts, config = load_run(Cls, args.config, [])
    print(f"ok: {args.config} ({kind}, model {opts['model']}, output_dir {config.output_dir})")
    return 0
