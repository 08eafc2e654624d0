"""`lightif report` / `write_report`: Markdown tables and PNG charts from real eval and CFBench summaries."""

from __future__ import annotations

import pytest

from lightif import cfbench
from lightif.cli import main
from lightif.errors import DataError
from lightif.evaluate import load_benchmark, score_responses, write_outputs
from lightif.report import write_report

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shared_data):
    root = tmp_path_factory.mktemp("runs")
    records = load_benchmark("ifeval")[:6]
    texts = {"base": "hello", "tuned": "HELLO WORLD. THIS IS ALL CAPS, WITH NO LOWER CASE LETTERS AT ALL."}
    for name, text in texts.items():
        responses = [{"key": r.meta["key"], "prompt": r.prompt, "response": text} for r in records]
        write_outputs(score_responses(records, responses), root / name, {"benchmark": "ifeval", "model": name})
    cfbench.score_judgements(shared_data / "cfbench" / "judge" / "moonshot_eval.json", root / "cf")
    return root


def test_report_tables_and_charts(runs, tmp_path):
    path = write_report([runs / "base", runs / "tuned", runs / "cf"], tmp_path / "rep")
    md = path.read_text(encoding="utf-8")
    import json

    for name in ("base", "tuned"):
        s = json.loads((runs / name / "summary.json").read_text())
        row = next(line for line in md.splitlines() if line.startswith(f"| {name} | ifeval"))
        assert f"{s['prompt_level_strict']:.2f}" in row and f"{s['instruction_level_loose']:.2f}" in row
        for cat, v in s["tier0"].items():
            assert f"| {cat} |" in md and f"{100 * v['strict']:.1f} (n={v['n']})" in md
    assert "| cf | official | full | 20 | 0.839 | 0.450 | 0.650 | 2 | 0 |" in md  # CFBENCH.md §5 moonshot
    for png in ("headline.png", "categories.png", "constraints.png"):
        data = (tmp_path / "rep" / png).read_bytes()
        assert data.startswith(PNG) and len(data) > 5000 and f"]({png})" in md


def test_labels_and_cli(runs, tmp_path, capsys):
    path = write_report([runs / "base"], tmp_path / "a", labels=["baseline"])
    assert "| baseline | ifeval" in path.read_text()
    with pytest.raises(DataError, match="1 labels for 2 runs"):
        write_report([runs / "base", runs / "tuned"], tmp_path / "b", labels=["x"])
    assert main(["report", str(runs / "base"), str(runs / "tuned"), "--out", str(tmp_path / "c")]) == 0
    assert (tmp_path / "c" / "report.md").exists()
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "d")]) == 2
    assert "no summary.json" in capsys.readouterr().err
