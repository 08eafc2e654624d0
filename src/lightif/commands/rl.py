"""`lightif rl --config X.yaml [--set key=value ...] [--resume auto|never|PATH] [--check]`: TEA-RL / Zero-RL / GRPO.

YAML keys are `TEAGRPOConfig` field names (TRL `GRPOConfig` + `mode`, `cov_alpha`, `clip_cov_ub`, `tea_coef`,
`tea_detach_weights`, `think_required`) plus `model`, `train_file` (prompt-record JSONL), `eval_file` and `lora`.
The reward is `lightif.rewards.ConstraintReward(kind="lightif")` (+ the cosine length term in mode "zero"), with a
zero-weight all-pass / per-family pass-rate metric. Multi-GPU: `accelerate launch --config_file
configs/accelerate/<file>.yaml -m lightif rl --config ...`.
"""

from __future__ import annotations

from lightif.commands.sft import add_common_args, load_run


def add_parser(sub) -> None:
    p = sub.add_parser("rl", help="TEA-RL / Zero-RL / plain GRPO on prompt-record JSONL with TRL")
    add_common_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from lightif.rl import TEAGRPOConfig, load_rl_dataset, train_rl

    opts, config = load_run(TEAGRPOConfig, args.config, args.overrides)
    if args.check:
        for key in ("train_file", "eval_file"):
            if opts.get(key):
                load_rl_dataset(opts[key])
        print(f"ok: {args.config} (mode {config.mode}, model {opts['model']}, output_dir {config.output_dir})")
        return 0
    trainer = train_rl(config, model=opts["model"], train_file=opts["train_file"], eval_file=opts.get("eval_file"),
                       lora=opts.get("lora"), resume=args.resume)
    print(f"done: {trainer.state.global_step} steps, model saved to {config.output_dir}")
    return 0
