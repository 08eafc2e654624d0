"""The bad-input catalogue, through the real CLI: every bad input -> exit code 2, ONE stderr line naming the file (and
line) and the problem, and no output file left behind. Legal-but-odd inputs (empty response, 10 MB response, NUL
bytes, duplicate JSON keys) -> exit 0 with a documented result.

Most cases call `lightif.cli.main(argv)` in-process (fast); `TestRealExecutable` runs a few through the installed
`lightif` console script, so the entry point itself is covered too. Commands missing from this build are skipped.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from lightif.cli import main

REPO = Path(__file__).resolve().parents[1]

PROMPT = {
    "id": "p1",
    "messages": [{"role": "user", "content": "Write a short note without commas."}],
    "constraints": [{"id": "punctuation:no_comma", "params": {}}],
}
GT = [{"id": "lightif_en:word_count_min", "params": {"min_count": 3}}]  # a reward ground truth (spec list)


def jl(*records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def has(name: str) -> bool:
    return importlib.util.find_spec(f"lightif.commands.{name}") is not None


@dataclasses.dataclass
class Case:
    """argv uses {d} for the temp dir; files are written there first. `out` must not exist afterwards (rc 2)."""

    id: str
    argv: list[str]
    files: dict[str, bytes]
    needles: tuple[str, ...]  # substrings the single stderr line must contain ({d} expanded)
    out: str | None = "out"
    rc: int = 2
    xfail: str = ""  # a known defect of the command (reported), asserted with xfail(strict=True)


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """In-process CLI run. Python warnings are added to stderr as the real CLI would print them (pytest would
    otherwise swallow them)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # hidden by default outside __main__
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse usage errors
            rc = exc.code if isinstance(exc.code, int) else 2
    cap = capsys.readouterr()
    shown = "".join(f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}\n" for w in caught)
    return rc, cap.out, shown + cap.err


def check_case(case: Case, tmp_path: Path, capsys) -> str:
    if not has(case.argv[0]):
        pytest.skip(f"`lightif {case.argv[0]}` not in this build")
    for name, data in case.files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.replace(b"{d}", str(tmp_path).encode()))
    argv = [a.replace("{d}", str(tmp_path)) for a in case.argv]
    before = set(tmp_path.rglob("*"))
    rc, _, err = run_cli(argv, capsys)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == case.rc, f"rc={rc}, stderr={err[-1500:]!r}"
    if case.rc == 2:
        assert len(lines) == 1, f"expected ONE stderr line, got {len(lines)}: {err[-1500:]!r}"
        for needle in case.needles:
            assert needle.replace("{d}", str(tmp_path)) in lines[0], f"{needle!r} not in {lines[0]!r}"
        assert "Traceback" not in err
        created = set(tmp_path.rglob("*")) - before
        assert not created, f"left behind: {sorted(str(p.relative_to(tmp_path)) for p in created)}"
    return err


# ------------------------------------------------------------------------------------------- the catalogue
def reward_cases() -> list[Case]:
    ok = {"id": "c1", "model_output": "<think>x</think>one two three", "ground_truth": GT}
    args = ["reward", "--cases", "{d}/cases.jsonl", "--out", "{d}/out.jsonl"]
    out = "out.jsonl"
    return [
        Case(
            "reward-malformed-json",
            args,
            {"cases.jsonl": jl(ok) + b'{"id": "c2", \n'},
            ("{d}/cases.jsonl:2", "invalid JSON"),
            out,
        ),
        Case(
            "reward-latin1",
            args,
            {"cases.jsonl": jl(ok) + '{"id": "c2é"}\n'.encode("latin-1")},
            ("{d}/cases.jsonl:2", "UTF-8"),
            out,
        ),
        Case(
            "reward-utf16", args, {"cases.jsonl": json.dumps(ok).encode("utf-16") + b"\n"}, ("{d}/cases.jsonl:1",), out
        ),
        Case("reward-not-object", args, {"cases.jsonl": b"[1, 2]\n"}, ("{d}/cases.jsonl:1", "JSON object"), out),
        Case(
            "reward-missing-field",
            args,
            {"cases.jsonl": jl({"id": "c1", "ground_truth": GT})},
            ("{d}/cases.jsonl:1", "model_output"),
            out,
        ),
        Case(
            "reward-wrong-type",
            args,
            {"cases.jsonl": jl({**ok, "model_output": 5})},
            ("{d}/cases.jsonl:1", "model_output", "expected str"),
            out,
        ),
        Case(
            "reward-unknown-constraint",
            args,
            {"cases.jsonl": jl({**ok, "ground_truth": [{"id": "lightif_en:word_count_minn", "params": {}}]})},
            ("{d}/cases.jsonl:1", "lightif_en:word_count_minn", "did you mean"),
            out,
        ),
        Case(
            "reward-bad-params",
            args,
            {
                "cases.jsonl": jl(
                    {**ok, "ground_truth": [{"id": "lightif_en:word_count_min", "params": {"min_count": "many"}}]}
                )
            },
            ("{d}/cases.jsonl:1", "min_count"),
            out,
        ),
        Case(
            "reward-unknown-param",
            args,
            {
                "cases.jsonl": jl(
                    {**ok, "ground_truth": [{"id": "lightif_en:word_count_min", "params": {"min_cnt": 3}}]}
                )
            },
            ("{d}/cases.jsonl:1", "min_cnt"),
            out,
        ),
        Case("reward-duplicate-id", args, {"cases.jsonl": jl(ok, ok)}, ("{d}/cases.jsonl:2", "duplicate"), out),
        Case(
            "reward-missing-file",
            ["reward", "--cases", "{d}/nope.jsonl", "--out", "{d}/out.jsonl"],
            {},
            ("{d}/nope.jsonl", "not found"),
            out,
        ),
        Case("reward-cases-is-dir", ["reward", "--cases", "{d}", "--out", "{d}/out.jsonl"], {}, ("directory",), out),
        Case(
            "reward-weights-unknown-id",
            args + ["--weights", "{d}/w.json"],
            {"cases.jsonl": jl(ok), "w.json": b'{"lightif_en:nope": 0.1}'},
            ("lightif_en:nope",),
            out,
        ),
        Case(
            "reward-weights-bad-json",
            args + ["--weights", "{d}/w.json"],
            {"cases.jsonl": jl(ok), "w.json": b"{bad"},
            ("{d}/w.json", "invalid JSON"),
            out,
        ),
        Case("reward-bad-kind", args + ["--kind", "fancy"], {"cases.jsonl": jl(ok)}, ("fancy",), out),
    ]


def score_cases() -> list[Case]:
    prompts = jl(PROMPT)
    resp = {"prompt": PROMPT["messages"][0]["content"], "response": "A note"}
    args = ["score", "--benchmark", "{d}/prompts.jsonl", "--responses", "{d}/r.jsonl", "--out", "{d}/out"]
    return [
        Case(
            "score-malformed-responses",
            args,
            {"prompts.jsonl": prompts, "r.jsonl": jl(resp) + b"{oops\n"},
            ("{d}/r.jsonl:2", "invalid JSON"),
        ),
        Case(
            "score-malformed-prompts",
            args,
            {"prompts.jsonl": prompts + b"not json\n", "r.jsonl": jl(resp)},
            ("{d}/prompts.jsonl:2", "invalid JSON"),
        ),
        Case(
            "score-latin1-responses",
            args,
            {"prompts.jsonl": prompts, "r.jsonl": '{"prompt": "x", "response": "café"}\n'.encode("latin-1")},
            ("{d}/r.jsonl:1", "UTF-8"),
        ),
        Case(
            "score-missing-response-field",
            args,
            {"prompts.jsonl": prompts, "r.jsonl": jl({"prompt": "x"})},
            ("{d}/r.jsonl:1", "response"),
        ),
        Case(
            "score-unknown-constraint",
            args,
            {
                "prompts.jsonl": jl({**PROMPT, "constraints": [{"id": "punctuation:no_coma", "params": {}}]}),
                "r.jsonl": jl(resp),
            },
            ("{d}/prompts.jsonl:1", "punctuation:no_coma"),
        ),
        Case(
            "score-invalid-params",
            args,
            {
                "prompts.jsonl": jl(
                    {
                        **PROMPT,
                        "constraints": [
                            {
                                "id": "length_constraints:number_words",
                                "params": {"num_words": -3, "relation": "at least"},
                            }
                        ],
                    }
                ),
                "r.jsonl": jl(resp),
            },
            ("{d}/prompts.jsonl:1", "num_words"),
        ),
        Case(
            "score-missing-prompts-field",
            args,
            {"prompts.jsonl": jl({"id": "p1", "messages": []}), "r.jsonl": jl(resp)},
            ("{d}/prompts.jsonl:1", "constraints"),
        ),
        Case("score-missing-file", args, {"prompts.jsonl": prompts}, ("{d}/r.jsonl", "not found")),
        Case(
            "score-unknown-benchmark",
            ["score", "--benchmark", "ifevall", "--responses", "{d}/r.jsonl", "--out", "{d}/out"],
            {"r.jsonl": jl(resp)},
            ("ifevall",),
        ),
        Case(
            "score-duplicate-response",
            args,
            {"prompts.jsonl": prompts, "r.jsonl": jl(resp, resp)},
            ("{d}/r.jsonl:2", "duplicate"),
        ),
        Case(
            "score-duplicate-prompt-id",
            args,
            {"prompts.jsonl": jl(PROMPT, PROMPT), "r.jsonl": jl(resp)},
            ("{d}/prompts.jsonl:2", "p1"),
        ),
    ]


def legal_score_cases() -> list[Case]:
    """Legal inputs: exit 0; the response is scored (empty/whitespace/NUL/10 MB) and duplicate keys keep the last."""
    prompts = jl(PROMPT)
    text = PROMPT["messages"][0]["content"]
    args = ["score", "--benchmark", "{d}/prompts.jsonl", "--responses", "{d}/r.jsonl", "--out", "{d}/out"]

    def c(name, response_line: bytes) -> Case:
        return Case(name, args, {"prompts.jsonl": prompts, "r.jsonl": response_line}, (), None, rc=0)

    return [
        c("score-empty-response", jl({"prompt": text, "response": ""})),
        c("score-whitespace-response", jl({"prompt": text, "response": " \n\t "})),
        c("score-nul-bytes", jl({"prompt": text, "response": "a\x00b"})),
        c("score-10mb-response", jl({"prompt": text, "response": "word " * 2_000_000})),
        c(
            "score-duplicate-json-keys",
            ('{"prompt": ' + json.dumps(text) + ', "response": "a, b", "response": "ab"}\n').encode(),
        ),
    ]


def config_cases(cmd: str) -> list[Case]:
    """sft / rl / validate / pipeline share the strict config loader."""
    if cmd == "pipeline":
        base = ["pipeline", "run", "{d}/c.yaml"]
        good = (REPO / "configs" / "demo-cpu.yaml").read_text()
    elif cmd == "validate":
        base = ["validate", "{d}/c.yaml"]
        good = (REPO / "configs" / "sft-tiny.yaml").read_text()
    else:
        base = [cmd, "--config", "{d}/c.yaml", "--check"]
        good = (REPO / "configs" / f"{cmd}-tiny.yaml").read_text()
    good = good.replace("runs/demo/", "{d}/")
    # the train files exist, so the model path (or the key under test) is the only problem
    data = {
        "coldstart.jsonl": jl(
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
        ),
        "prompts.jsonl": jl(PROMPT),
    }
    missing_model = Case(
        f"{cmd}-missing-model",
        base,
        {"c.yaml": _set_key(good, "model", "{d}/no-such-model").encode(), **data},
        ("no-such-model", "not found"),
        None,
    )
    return [
        Case(f"{cmd}-typo-key", base, {"c.yaml": (good + "\nlearning_rte: 0.1\n").encode()}, ("learning_rte",), None),
        Case(f"{cmd}-bad-type", base, {"c.yaml": (good + "\nseed: lots\n").encode()}, ("seed",), None),
        Case(f"{cmd}-bad-yaml", base, {"c.yaml": b"model: [unclosed\n"}, ("{d}/c.yaml", "YAML"), None),
        Case(
            f"{cmd}-missing-config",
            [a.replace("c.yaml", "none.yaml") for a in base],
            {},
            ("{d}/none.yaml", "not found"),
            None,
        ),
        Case(f"{cmd}-latin1-config", base, {"c.yaml": "model: caf\xe9\n".encode("latin-1")}, ("{d}/c.yaml",), None),
        missing_model,
    ]


def _set_key(yaml_text: str, key: str, value: str) -> str:
    lines = [ln for ln in yaml_text.splitlines() if not ln.startswith(f"{key}:")]
    return f"{key}: {value}\n" + "\n".join(lines) + "\n"


def other_cases() -> list[Case]:
    prompts = jl(PROMPT)
    return [
        Case(
            "synth-missing-seeds",
            ["synth", "--seeds", "{d}/none.jsonl", "--out", "{d}/out.jsonl", "--n", "2"],
            {},
            ("{d}/none.jsonl",),
            "out.jsonl",
        ),
        Case(
            "synth-malformed-seeds",
            ["synth", "--seeds", "{d}/s.jsonl", "--out", "{d}/out.jsonl", "--n", "2"],
            {"s.jsonl": b'{"task": "x"}\n{broken\n'},
            ("{d}/s.jsonl:2",),
            "out.jsonl",
        ),
        Case(
            "synth-bad-constraints",
            ["synth", "--constraints", "9-2", "--out", "{d}/out.jsonl", "--n", "2"],
            {},
            ("constraints",),
            "out.jsonl",
        ),
        Case(
            "synth-bad-lang", ["synth", "--lang", "fr", "--out", "{d}/out.jsonl", "--n", "2"], {}, ("fr",), "out.jsonl"
        ),
        Case(
            "synth-typo-config",
            ["synth", "--config", "{d}/c.yaml", "--out", "{d}/out.jsonl"],
            {"c.yaml": b"n: 2\nlangz: [en]\n"},
            ("langz",),
            "out.jsonl",
        ),
        Case(
            "filter-missing-in",
            ["filter", "--in", "{d}/none.jsonl", "--out", "{d}/out", "--model", "{d}/model"],
            {},
            ("{d}/none.jsonl",),
        ),
        Case(
            "filter-malformed-in",
            ["filter", "--in", "{d}/p.jsonl", "--out", "{d}/out", "--model", "{d}/model"],
            {"p.jsonl": prompts + b"{x\n"},
            ("{d}/p.jsonl:2",),
        ),
        Case(
            "filter-missing-model",
            ["filter", "--in", "{d}/p.jsonl", "--out", "{d}/out", "--model", "{d}/no-such-model"],
            {"p.jsonl": prompts},
            ("no-such-model",),
        ),
        Case(
            "filter-bad-thresholds",
            [
                "filter",
                "--in",
                "{d}/p.jsonl",
                "--out",
                "{d}/out",
                "--model",
                "{d}/m",
                "--hard-max",
                "0.9",
                "--easy-min",
                "0.1",
            ],
            {"p.jsonl": prompts},
            ("hard",),
        ),
        Case(
            "extract-missing-in",
            ["extract", "--in", "{d}/none.jsonl", "--out", "{d}/out.jsonl"],
            {},
            ("{d}/none.jsonl",),
            "out.jsonl",
        ),
        Case(
            "extract-malformed-in",
            ["extract", "--in", "{d}/s.jsonl", "--out", "{d}/out.jsonl"],
            {"s.jsonl": b"[]\n"},
            ("{d}/s.jsonl:1",),
            "out.jsonl",
        ),
        Case(
            "extract-missing-fields",
            ["extract", "--in", "{d}/s.jsonl", "--out", "{d}/out.jsonl"],
            {"s.jsonl": jl({"id": "p1"})},
            ("{d}/s.jsonl:1",),
            "out.jsonl",
        ),
        Case(
            "extract-bad-threshold",
            ["extract", "--in", "{d}/s.jsonl", "--out", "{d}/out.jsonl", "--min-preview", "7"],
            {"s.jsonl": jl({"id": "p1"})},
            ("preview",),
            "out.jsonl",
        ),
        Case(
            "eval-missing-model",
            ["eval", "--model", "{d}/no-such-model", "--benchmark", "{d}/p.jsonl", "--out", "{d}/out"],
            {"p.jsonl": prompts},
            ("no-such-model",),
        ),
        Case(
            "eval-malformed-benchmark",
            ["eval", "--model", "{d}/no-such-model", "--benchmark", "{d}/p.jsonl", "--out", "{d}/out"],
            {"p.jsonl": b"{x\n"},
            ("{d}/p.jsonl:1",),
        ),
        Case(
            "eval-unknown-benchmark",
            ["eval", "--model", "{d}/m", "--benchmark", "ifevall", "--out", "{d}/out"],
            {},
            ("ifevall",),
        ),
        Case("models-unknown-name", ["models", "pull", "no-such-model-xyz"], {}, ("no-such-model-xyz",), None),
        Case("pipeline-status-missing", ["pipeline", "status", "{d}/no-run"], {}, ("{d}/no-run",), None),
    ]


def usage_cases() -> list[Case]:
    return [
        Case("unknown-subcommand", ["version", "--bogus"], {}, ("--bogus",), None),
        Case("score-missing-required", ["score"], {}, ("--benchmark",), None),
        Case("reward-bad-flag-value", ["reward", "--cases", "x", "--out", "y", "--kind"], {}, ("--kind",), None),
    ]


ALL_CASES = (
    reward_cases()
    + score_cases()
    + legal_score_cases()
    + other_cases()
    + usage_cases()
    + [c for cmd in ("sft", "rl", "validate", "pipeline") for c in config_cases(cmd)]
)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in ALL_CASES
    ],
)
def test_bad_input(case: Case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written into the checkout either
    check_case(case, tmp_path, capsys)


def test_legal_odd_responses_are_scored_as_documented(tmp_path, capsys):
    """Empty and whitespace-only responses fail every constraint; NUL bytes and 10 MB responses are scored."""
    if not has("score"):
        pytest.skip("no score command")
    text = PROMPT["messages"][0]["content"]
    (tmp_path / "prompts.jsonl").write_bytes(
        jl(*[{**PROMPT, "id": f"p{i}", "messages": [{"role": "user", "content": f"{text} #{i}"}]} for i in range(4)])
    )
    responses = ["", " \n\t ", "a\x00b", "word " * 2_000_000]
    (tmp_path / "r.jsonl").write_bytes(
        jl(*[{"prompt": f"{text} #{i}", "response": r} for i, r in enumerate(responses)])
    )
    rc, _, err = run_cli(
        [
            "score",
            "--benchmark",
            str(tmp_path / "prompts.jsonl"),
            "--responses",
            str(tmp_path / "r.jsonl"),
            "--out",
            str(tmp_path / "out"),
        ],
        capsys,
    )
    assert rc == 0, err
    rows = [json.loads(x) for x in (tmp_path / "out" / "eval_results_strict.jsonl").read_text().splitlines()]
    follow = [r["follow_all_instructions"] for r in rows]
    assert follow == [False, False, True, True]


def test_mismatched_prompt_and_response_files(tmp_path, capsys):
    """Responses for other prompts: documented as exit 0 with the unmatched count, every prompt scored as missing."""
    if not has("score"):
        pytest.skip("no score command")
    (tmp_path / "prompts.jsonl").write_bytes(jl(PROMPT))
    (tmp_path / "r.jsonl").write_bytes(jl({"prompt": "a different prompt", "response": "x"}))
    rc, out, err = run_cli(
        [
            "score",
            "--benchmark",
            str(tmp_path / "prompts.jsonl"),
            "--responses",
            str(tmp_path / "r.jsonl"),
            "--out",
            str(tmp_path / "out"),
        ],
        capsys,
    )
    assert (rc == 0 and "unmatched" in out) or (rc == 2 and "r.jsonl" in err), (rc, out, err)


# ------------------------------------------------------------------------------------------- the real executable
LIGHTIF = Path(sys.executable).parent / "lightif"


class TestRealExecutable:
    def run(self, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
        exe = [str(LIGHTIF)] if LIGHTIF.exists() else [sys.executable, "-m", "lightif"]
        env = {**os.environ, "LIGHTIF_DEBUG": ""}
        env.pop("LIGHTIF_DEBUG")
        return subprocess.run(
            exe + list(argv), capture_output=True, text=True, timeout=120, cwd=cwd, env=env, check=False
        )

    def test_unknown_subcommand(self, tmp_path):
        proc = self.run("frobnicate", cwd=tmp_path)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "frobnicate" in lines[0]

    def test_no_subcommand_prints_help_and_exits_2(self, tmp_path):
        proc = self.run(cwd=tmp_path)
        assert proc.returncode == 2 and "usage" in (proc.stdout + proc.stderr).lower()

    def test_bad_encoding_through_the_binary(self, tmp_path):
        if not has("reward"):
            pytest.skip("no reward command")
        (tmp_path / "cases.jsonl").write_bytes('{"id": "é"}\n'.encode("utf-16"))
        proc = self.run("reward", "--cases", "cases.jsonl", "--out", "out.jsonl", cwd=tmp_path)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("lightif reward: error: cases.jsonl:1: ")
        assert not (tmp_path / "out.jsonl").exists()

    def test_missing_file_through_the_binary(self, tmp_path):
        if not has("score"):
            pytest.skip("no score command")
        proc = self.run("score", "--benchmark", "ifeval", "--responses", "nope.jsonl", "--out", "o", cwd=tmp_path)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "nope.jsonl" in lines[0] and "not found" in lines[0]
        assert not (tmp_path / "o").exists()
