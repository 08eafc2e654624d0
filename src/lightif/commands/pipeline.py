"""`lightif pipeline run CONFIG.yaml [--from STAGE] [--only STAGE]` and `lightif pipeline status RUN_DIR`."""

from __future__ import annotations


def add_parser(sub) -> None:
    from lightif.pipeline import STAGES

    p = sub.add_parser("pipeline", help="run every Light-IF stage from one config (resumable), or show a run's status")
    psub = p.add_subparsers(dest="pipeline_cmd", metavar="ACTION", required=True)
    r = psub.add_parser("run", help="run the stages; finished stages are skipped, a crashed one resumes")
    r.add_argument("config", help="pipeline YAML (see configs/demo-cpu.yaml)")
    r.add_argument("--from", dest="from_stage", choices=STAGES, help="(re)run from this stage on")
    r.add_argument("--only", choices=STAGES, help="(re)run only this stage")
    r.add_argument("--run-dir", help="override the config's run_dir")
    s = psub.add_parser("status", help="where a run stands: each stage's status, time and key metrics")
    s.add_argument("run_dir")
    p.set_defaults(func=run)


def run(args) -> int:
    from lightif import pipeline

    if args.pipeline_cmd == "run":
        root = pipeline.run_pipeline(args.config, from_stage=args.from_stage, only=args.only, run_dir=args.run_dir)
        report = root / "eval" / "report.md"
        if report.exists():
            print(f"report: {report}")
        return 0
    rows = pipeline.status(args.run_dir)
    width = max(len(r["stage"]) for r in rows)
    for r in rows:
        wall = f"{r['wall_s']:.0f}s" if isinstance(r["wall_s"], (int, float)) else ""
        extra = f"  error: {r['error']}" if r["error"] else ""
        print(f"{r['stage']:<{width}}  {r['status']:<8} {wall:>7}  attempts={r['attempts']}{extra}")
    done = sum(r["status"] == "done" for r in rows)
    print(f"{done}/{len(rows)} stages done")
    return 0
