"""`lightif sft --config X.yaml [--set key=value ...] [--resume auto|never|PATH] [--check]`: Entropy-SFT.

YAML keys are `EntropySFTConfig` field names (TRL `SFTConfig` + `token_ratio`, `entropy_coef`, `entropy_sft`) plus
`model` (a known name such as `smollm2-135m-instruct`, or a checkpoint path), `train_file`, `eval_file` and `lora`
(a mapping of `LoraOptions`; absent = full fine-tune). Unknown keys are errors. Everything is validated before any
model is loaded; `--check` stops there.
"""

from __future__ import annotations

from pathlib import Path

RUN_KEYS = ("model", "train_file", "eval_file", "lora")


def add_common_args(p) -> None:
    p.add_argument("--config", required=True, help="YAML config (see configs/)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (repeatable), e.g. --set max_steps=10")
    p.add_argument("--resume", default="auto", metavar="auto|never|PATH",
                   help="resume from the last checkpoint in output_dir (auto, default), start fresh, or a checkpoint")
    p.add_argument("--check", action="store_true", help="validate the config and inputs, then exit")


def add_parser(sub) -> None:
    p = sub.add_parser("sft", help="Entropy-SFT (or plain SFT) on chat JSONL with TRL")
    add_common_args(p)
    p.set_defaults(func=run)


def load_run(config_cls, path: str, overrides: list[str]):
    """YAML + overrides -> (run options dict, validated config). Raises ConfigError/DataError/BackendError."""
    from lightif.config import deep_merge, from_dict, parse_overrides, read_yaml
    from lightif.errors import ConfigError, DataError
    from lightif.models import resolve_model
    from lightif.sft import LoraOptions

    data = deep_merge(read_yaml(path), parse_overrides(overrides))
    run = {k: data.pop(k) for k in RUN_KEYS if k in data}
    for key in ("model", "train_file", "output_dir"):
        if key not in (run if key != "output_dir" else data):
            raise ConfigError(f"{path}: missing required key '{key}'")
    for key in ("model", "train_file", "eval_file"):
        if key in run and not isinstance(run[key], str):
            raise ConfigError(f"{path}: key '{key}': expected a string, got {run[key]!r}")
    if "lora" in run and run["lora"] is not None:
        if not isinstance(run["lora"], dict):
            raise ConfigError(f"{path}: key 'lora': expected a mapping, got {run['lora']!r}")
        run["lora"] = from_dict(LoraOptions, run["lora"], f"{path}: lora")
    config = from_dict(config_cls, data, path)
    for key in ("train_file", "eval_file"):
        if run.get(key) and not Path(run[key]).is_file():
            raise DataError("file not found", path=run[key])
    run["model"] = resolve_model(run["model"])
    return run, config


def run(args) -> int:
    from lightif.sft import EntropySFTConfig, load_chat_dataset, train_sft

    opts, config = load_run(EntropySFTConfig, args.config, args.overrides)
    if args.check:
        for key in ("train_file", "eval_file"):
            if opts.get(key):
                load_chat_dataset(opts[key])
        print(f"ok: {args.config} (model {opts['model']}, output_dir {config.output_dir})")
        return 0
    trainer = train_sft(config, model=opts["model"], train_file=opts["train_file"], eval_file=opts.get("eval_file"),
                        lora=opts.get("lora"), resume=args.resume)
    print(f"done: {trainer.state.global_step} steps, model saved to {config.output_dir}")
    return 0
