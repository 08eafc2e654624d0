"""`lightif score`: score a response file on IFEval, IFBench, any prompt file, or (via `lightif.cfbench`) CFBench.

    lightif score --benchmark ifeval --responses R.jsonl --out DIR [--data FILE] [--keep-thinking]
                  [--fix-official-quirks]
    lightif score --benchmark cfbench --judgements J.jsonl --out DIR [--positional-fallback]

Writes eval_results_{strict,loose}.jsonl (official schema + key), summary.json and report.md into DIR and prints
the four headline numbers. Malformed input exits 2 with file:line and the reason, leaving no output files.
"""

from __future__ import annotations

import sys


def add_parser(sub) -> None:
    p = sub.add_parser("score", help="score responses on IFEval / IFBench / a prompt file / CFBench judgements")
    p.add_argument("--benchmark", required=True, metavar="ifeval|ifbench|cfbench|PATH",
                   help="a shipped benchmark, 'cfbench' (with --judgements), or a JSONL file of prompt records")
    p.add_argument("--responses", metavar="R.jsonl", help='{"prompt", "response"[, "key"]} per line')
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--data", metavar="FILE", help="override the bundled prompt file of ifeval/ifbench")
    p.add_argument("--keep-thinking", action="store_true",
                   help="score the raw text (default: drop everything up to the last </think>)")
    p.add_argument("--fix-official-quirks", action="store_true",
                   help="use the documented corrections of official checker bugs instead of exact parity")
    p.add_argument("--judgements", metavar="FILE", help="cfbench only: judge verdicts to aggregate")
    p.add_argument("--positional-fallback", dest="positional", action="store_true",
                   help="cfbench only: match judge answers to checklist items by position when labels are missing")
    p.set_defaults(func=run)


def _run_cfbench(args) -> int:
    if not args.judgements:
        print("lightif score: error: --benchmark cfbench needs --judgements FILE (CFBench is judged by an LLM; see "
              "docs)", file=sys.stderr)
        return 2
    try:
        from lightif import cfbench
    except ModuleNotFoundError as exc:
        if exc.name != "lightif.cfbench":
            raise
        print("lightif score: error: CFBench scoring is not available in this build (module lightif.cfbench is "
              "missing)", file=sys.stderr)
        return 2
    cfbench.score_judgements(args.judgements, args.out, positional=args.positional)
    return 0


def run(args) -> int:
    if args.benchmark == "cfbench":
        return _run_cfbench(args)
    if args.judgements or args.positional:
        print("lightif score: error: --judgements/--positional-fallback are only for --benchmark cfbench",
              file=sys.stderr)
        return 2
    if not args.responses:
        print("lightif score: error: --responses is required", file=sys.stderr)
        return 2
    from lightif.evaluate import headline_text, score_files

    summary = score_files(args.benchmark, args.responses, args.out, data_path=args.data,
                          keep_thinking=args.keep_thinking, fix_quirks=args.fix_official_quirks)
    counts = summary["counts"]
    print(headline_text(summary))
    notes = [f"{counts[k]} {k.replace('_', ' ')}" for k in
             ("missing_responses", "unmatched_responses", "thinking_stripped", "thinking_unclosed", "checker_errors")
             if counts[k]]
    if notes:
        print("note: " + ", ".join(notes))
    print(f"wrote {args.out}/eval_results_strict.jsonl, eval_results_loose.jsonl, summary.json, report.md")
    return 0
