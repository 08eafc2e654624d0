"""The scoring harness (`lightif.evaluate`) and the `lightif score` command."""

import json
import subprocess
import sys

import pytest

from lightif import evaluate as E
from lightif.cli import main
from lightif.errors import DataError
from lightif.schema import PromptRecord


def rec(key, prompt, constraints):
    return PromptRecord(id=str(key), messages=({"role": "user", "content": prompt},), constraints=tuple(constraints),
                        source="test", meta={"key": key})


NO_COMMA = {"id": "punctuation:no_comma", "params": {}}
WORDS3 = {"id": "length_constraints:number_words", "params": {"num_words": 3, "relation": "at least"}}
RECORDS = [rec(1, "Write without commas.", [NO_COMMA]), rec(2, "Write three words, no commas.", [NO_COMMA, WORDS3]),
           rec(3, "Anything.", [WORDS3])]


def write_lines(path, lines):
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_join_by_prompt_tolerates_surrounding_whitespace_and_reports_missing():
    result = E.score_responses(RECORDS, [{"prompt": "  Write without commas.\n", "response": "fine"},
                                         {"prompt": "Write three words, no commas.", "response": "one, two three"}])
    assert [r["follow_instruction_list"] for r in result.strict] == [[True], [False, True], [False]]
    assert result.counts["missing_responses"] == 1 and result.missing_keys == ["3"]
    assert result.strict[2]["response"] == "" and result.strict[2]["key"] == 3
    assert result.metrics["prompt_level_strict"] == pytest.approx(1 / 3)
    assert result.metrics["instruction_level_strict"] == pytest.approx(2 / 4)
    # loose: dropping the first line cannot help here, dropping '*' neither
    assert result.metrics["instruction_level_loose"] == pytest.approx(2 / 4)


def test_join_by_key_compares_keys_as_strings_and_counts_unmatched():
    responses = [{"key": "3", "prompt": "different text", "response": "a b c"},
                 {"key": 1, "response": "x, y"}, {"key": 99, "response": "orphan"},
                 {"prompt": "not a prompt", "response": "orphan too"}]
    result = E.score_responses(RECORDS, responses)
    assert [r["follow_all_instructions"] for r in result.strict] == [False, False, True]
    assert result.counts["unmatched_responses"] == 2
    assert [u["key"] for u in result.unmatched] == [99, None]
    assert result.counts["missing_responses"] == 1


def test_duplicate_response_is_an_error_naming_the_line(tmp_path):
    path = write_lines(tmp_path / "r.jsonl", [{"prompt": "Anything.", "response": "a"},
                                              {"prompt": "Write without commas.", "response": "b"},
                                              {"prompt": " Anything. ", "response": "c"}])
    with pytest.raises(DataError) as info:
        E.score_responses(RECORDS, E.load_responses(path))
    assert info.value.line == 3 and str(path) in str(info.value) and "line 1" in str(info.value)


def test_thinking_is_stripped_by_default_and_counted():
    responses = [{"key": 1, "response": "<think>I could write, with commas</think>\nno commas here"},
                 {"key": 2, "response": "<think>never closed, one two three"},
                 {"key": 3, "response": "plain answer here"}]
    result = E.score_responses(RECORDS, responses)
    assert [r["follow_all_instructions"] for r in result.strict] == [True, False, True]
    assert result.strict[0]["response"] == "no commas here" and result.strict[1]["response"] == ""
    assert result.counts["thinking_stripped"] == 1 and result.counts["thinking_unclosed"] == 1
    kept = E.score_responses(RECORDS, responses, keep_thinking=True)
    assert kept.strict[0]["follow_all_instructions"] is False  # the comma inside the thinking now counts
    assert kept.counts["thinking_stripped"] == kept.counts["thinking_unclosed"] == 0


def test_checker_exception_fails_the_instruction_and_is_counted(monkeypatch):
    from lightif.constraints import ifeval

    def boom(self, response):
        raise RuntimeError("checker bug")

    monkeypatch.setattr(ifeval.NoComma, "check", boom)
    result = E.score_responses(RECORDS, [{"key": 1, "response": "ok"}, {"key": 3, "response": "a b c"}])
    assert result.strict[0]["follow_instruction_list"] == [False]
    assert result.strict[2]["follow_instruction_list"] == [True]
    assert result.counts["checker_errors"] == 2  # strict + loose


def test_fix_quirks_switches_keywords_to_literal():
    records = [rec(7, "Use the keyword.", [{"id": "keywords:existence", "params": {"keywords": ["a.c"]}}])]
    responses = [{"key": 7, "response": "abc"}]
    assert E.score_responses(records, responses).strict[0]["follow_all_instructions"] is True
    assert E.score_responses(records, responses, fix_quirks=True).strict[0]["follow_all_instructions"] is False


def test_breakdowns_and_outputs(tmp_path):
    result = E.score_responses(RECORDS, [{"key": 1, "response": "fine"}, {"key": 2, "response": "a b, c"},
                                         {"key": 3, "response": "a b"}])
    assert result.tier0 == {"length_constraints": {"n": 2, "strict": 0.5, "loose": 0.5},
                            "punctuation": {"n": 2, "strict": 0.5, "loose": 0.5}}
    assert set(result.tier1) == {"punctuation:no_comma", "length_constraints:number_words"}
    summary = E.write_outputs(result, tmp_path / "out", {"model": "m"})
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["eval_results_loose.jsonl", "eval_results_strict.jsonl", "report.md", "summary.json"]
    row = json.loads((tmp_path / "out" / "eval_results_strict.jsonl").read_text().splitlines()[1])
    assert set(row) == {"instruction_id_list", "prompt", "response", "follow_all_instructions",
                        "follow_instruction_list", "key"}
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert on_disk == summary and summary["model"] == "m"
    assert summary["prompt_level_strict"] == pytest.approx(100 / 3, abs=1e-3)
    assert summary["counts"]["missing_responses"] == 0
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| prompt-level accuracy (%) | 33.33 |" in report and "punctuation:no_comma" in report


def test_load_responses_errors(tmp_path):
    bad = write_lines(tmp_path / "bad.jsonl", [{"prompt": "a", "response": "b"}, "{not json"])
    with pytest.raises(DataError, match=r"bad.jsonl:2: invalid JSON"):
        E.load_responses(bad)
    missing = write_lines(tmp_path / "missing.jsonl", [{"prompt": "a"}])
    with pytest.raises(DataError, match=r"missing.jsonl:1: field 'response'"):
        E.load_responses(missing)
    nokey = write_lines(tmp_path / "nokey.jsonl", [{"response": "a"}])
    with pytest.raises(DataError, match=r"nokey.jsonl:1: field 'prompt'"):
        E.load_responses(nokey)
    badtype = write_lines(tmp_path / "t.jsonl", [{"prompt": "a", "response": None}])
    with pytest.raises(DataError, match="expected str"):
        E.load_responses(badtype)


def test_load_benchmark_variants(tmp_path):
    assert len(E.load_benchmark("ifeval")) == 541
    ours = write_lines(tmp_path / "p.jsonl", [{"id": "a", "messages": [{"role": "user", "content": "Hi"}],
                                             "constraints": [NO_COMMA]}])
    assert [r.id for r in E.load_benchmark(str(ours))] == ["a"]
    with pytest.raises(DataError, match="not a known benchmark"):
        E.load_benchmark(str(tmp_path / "nope.jsonl"))


def test_ifbench_format_string_keys_and_null_kwargs(tmp_path):
    data = write_lines(tmp_path / "ifb.jsonl", [
        {"key": "k-1", "prompt": "P one", "instruction_id_list": ["length_constraints:number_words"],
         "kwargs": [{"num_words": 2, "relation": "at least", "keywords": None, "letter": None}]},
        {"key": "k-2", "prompt": "P two", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{"x": None}]}])
    result = E.score_responses(E.load_benchmark(str(data)), [{"prompt": "P one ", "response": "a b"},
                                                             {"key": "k-2", "response": "a,"}])
    assert [r["key"] for r in result.strict] == ["k-1", "k-2"]
    assert [r["follow_all_instructions"] for r in result.strict] == [True, False]


def test_ifbench_benchmark_loads_when_its_family_exists():
    from lightif import constraints as C

    if "count:word_count_range" not in C.all_ids():
        pytest.skip("IFBench constraint family not available in this checkout")
    records = E.load_benchmark("ifbench")
    assert len(records) == 300 and all(isinstance(r.meta["key"], str) for r in records)
    result = E.score_responses(records, [{"prompt": records[0].prompt, "response": "short"}])
    assert result.counts["missing_responses"] == 299


# ----- CLI -----------------------------------------------------------------------------------------------------
@pytest.fixture
def small_benchmark(tmp_path):
    data = write_lines(tmp_path / "data.jsonl", [
        {"key": 1, "prompt": "No commas please.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]},
        {"key": 2, "prompt": "Three words.", "instruction_id_list": ["length_constraints:number_words"],
         "kwargs": [{"num_words": 3, "relation": "at least"}]}])
    responses = write_lines(tmp_path / "resp.jsonl", [{"prompt": "No commas please.", "response": "ok"},
                                                      {"prompt": "Three words.", "response": "one two"}])
    return data, responses


def test_cli_scores_and_prints_headline(small_benchmark, tmp_path, capsys):
    data, responses = small_benchmark
    out = tmp_path / "out"
    assert main(["score", "--benchmark", str(data), "--responses", str(responses), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "prompt_level_strict: 50.00" in printed and "instruction_level_loose: 50.00" in printed
    assert json.loads((out / "summary.json").read_text())["n_prompts"] == 2


def test_cli_data_override_and_subprocess(shared_data, tmp_path):
    d = shared_data / "ifeval"
    out = tmp_path / "gpt4"
    proc = subprocess.run([sys.executable, "-m", "lightif", "score", "--benchmark", "ifeval", "--data",
                           str(d / "input_data.jsonl"), "--responses",
                           str(d / "input_response_data_gpt4_20231107_145030.jsonl"), "--out", str(out)],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "prompt_level_strict: 77.08" in proc.stdout
    assert "1 missing responses, 1 unmatched responses" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["missing_response_keys"] == ["2785"] and summary["counts"]["unmatched_responses"] == 1
    assert {d["key"] for d in summary["known_data_defects"]} == {30, 337, 2078, 2785}


@pytest.mark.parametrize("case", ["bad_json", "missing_field", "unknown_id", "bad_param"])
def test_cli_malformed_input_exits_2_with_file_line_and_writes_nothing(small_benchmark, tmp_path, capsys, case):
    data, responses = small_benchmark
    if case == "bad_json":
        responses.write_text(responses.read_text() + "{oops\n")
        where = f"{responses}:3"
    elif case == "missing_field":
        responses.write_text(responses.read_text() + json.dumps({"prompt": "x"}) + "\n")
        where = f"{responses}:3: field 'response'"
    else:
        rows = [json.loads(line) for line in data.read_text().splitlines()]
        if case == "unknown_id":
            rows[1]["instruction_id_list"] = ["length_constraints:number_wordz"]
        else:
            rows[1]["kwargs"] = [{"num_words": "many", "relation": "at least"}]
        write_lines(data, rows)
        where = f"{data}:2"
    out = tmp_path / "out"
    rc = main(["score", "--benchmark", str(data), "--responses", str(responses), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert where in err and err.count("\n") == 1
    assert not out.exists() or list(out.iterdir()) == []


def test_cli_cfbench_dispatch(tmp_path, capsys):
    assert main(["score", "--benchmark", "cfbench", "--out", str(tmp_path / "o")]) == 2
    assert "--judgements" in capsys.readouterr().err
    try:
        import lightif.cfbench  # noqa: F401
    except ModuleNotFoundError:
        rc = main(["score", "--benchmark", "cfbench", "--judgements", str(tmp_path / "j.jsonl"), "--out",
                   str(tmp_path / "o")])
        assert rc == 2 and "lightif.cfbench" in capsys.readouterr().err


def test_cli_flags_validation(small_benchmark, tmp_path, capsys):
    data, responses = small_benchmark
    assert main(["score", "--benchmark", str(data), "--out", str(tmp_path / "o")]) == 2
    assert "--responses is required" in capsys.readouterr().err
    assert main(["score", "--benchmark", str(data), "--responses", str(responses), "--out", str(tmp_path / "o"),
                 "--judgements", "x"]) == 2
