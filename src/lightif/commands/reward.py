"""`lightif reward`: score model outputs with the Light-IF rule reward (acc + point), offline.

Input: JSONL cases `{"id", "model_output", "ground_truth"}` (optional "prompt", for constraints that need it);
`ground_truth` is our spec list (or its JSON string) or an official jqzl ground truth (object or JSON string).
Output (atomic): one `{"id", "acc_score", "point_score", "reward"}` per case, in input order. Every case is
validated before scoring, so a bad line fails the run with file:line (exit 2) instead of silently scoring 0 as a
reward function would.
"""

from __future__ import annotations

import json
from pathlib import Path

from lightif.errors import ConfigError, DataError, LightIFError


def add_parser(sub) -> None:
    p = sub.add_parser("reward", help="score model outputs with the Light-IF rule reward (acc + point)")
    p.add_argument("--cases", required=True, help="JSONL of {id, model_output, ground_truth}")
    p.add_argument("--out", required=True, help="output JSONL of {id, acc_score, point_score, reward}")
    p.add_argument("--no-think-required", dest="think_required", action="store_false",
                   help="score outputs without '</think>' as plain answers (default: such outputs score 0)")
    p.add_argument("--kind", choices=["lightif", "normalized", "strict"], default="lightif",
                   help="lightif: acc + weighted point (official); normalized: mean dense score; strict: acc")
    p.add_argument("--weights", help="JSON object {constraint id: weight} overriding the official weights")
    p.set_defaults(func=run)


def load_weights(path: str) -> dict[str, float]:
    from lightif import constraints as C

    p = Path(path)
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ConfigError(f"{path}: expected a JSON object of constraint id -> weight")
    for k, v in obj.items():
        C.get(k)  # unknown ids fail here, with a did-you-mean hint
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ConfigError(f"{path}: weight of '{k}' must be a number, got {v!r}")
    return {k: float(v) for k, v in obj.items()}


def load_cases(path: str, weights: dict[str, float] | None, kind: str) -> list[tuple[str, str, object]]:
    """Validated cases: (id, model_output, prepared constraints). Errors name file:line and field."""
    from lightif.io import read_jsonl, require
    from lightif.rewards import _weight, prepare_constraints

    cases, seen = [], {}
    for line, rec in read_jsonl(path):
        cid = require(rec, "id", (str, int), path=path, line=line)
        out = require(rec, "model_output", str, path=path, line=line)
        if "ground_truth" not in rec:
            raise DataError("missing required field", path=path, line=line, field="ground_truth")
        if str(cid) in seen:
            raise DataError(f"duplicate id {cid!r} (first on line {seen[str(cid)]})", path=path, line=line, field="id")
        seen[str(cid)] = line
        try:
            prompt = rec.get("prompt") if isinstance(rec.get("prompt"), str) else None
            prep = prepare_constraints(rec["ground_truth"], prompt)
            if kind == "lightif":
                for c in prep.constraints:
                    _weight(c, weights)
        except LightIFError as exc:
            raise DataError(getattr(exc, "reason", str(exc)), path=path, line=line, field="ground_truth") from None
        cases.append((str(cid), out, prep))
    return cases


def run(args) -> int:
    from lightif.io import write_jsonl
    from lightif.rewards import ConstraintReward

    weights = load_weights(args.weights) if args.weights else None
    cases = load_cases(args.cases, weights, args.kind)
    rf = ConstraintReward(kind=args.kind, think_required=args.think_required, weights=weights)
    rows = []
    for cid, output, prep in cases:
        res = rf.score_one(None, output, prep, None)
        rows.append({"id": cid, "acc_score": res.acc, "point_score": res.point, "reward": res.reward})
    write_jsonl(args.out, rows)
    n = len(rows)
    mean = sum(r["reward"] for r in rows) / n if n else 0.0
    acc = sum(r["acc_score"] for r in rows) / n if n else 0.0
    errs = f", {rf.num_errors} errors (scored 0)" if rf.num_errors else ""
    print(f"scored {n} cases -> {args.out}: mean reward {mean:.4f}, acc {acc:.4f}{errs}")
    return 0
