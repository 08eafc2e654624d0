"""Parity with the official IFEval evaluator on the archived GPT-4 responses.

Oracles (see BENCHMARKS.md §4): the official code run with `random.seed(0)` on the repaired response file, and a
third-party run of the official code on the 540-prompt mirror. Verdicts on `keywords:letter_frequency` for keys 1122
(`#`) and 1129 (`!`) are excluded from the per-instruction comparison: the official checker swaps those letters for
an unseeded random one, we count the literal character (both pass here: 4 `#` >= 4, 10 `!` >= 6).

Effect of the exclusion on the headline: each of the two instructions can move instruction-level accuracy by
1/834 = 0.12 pp and prompt-level accuracy by 1/541 = 0.18 pp. We assert the headline over the other 832 instructions
exactly (recomputed identically for the oracle and for us), and, because our literal count agrees with the seed-0
draw on both keys, the full official headline 77.08 / 83.69 / 79.67 / 85.61 to two decimals as well.
"""

import json

import pytest

from lightif import evaluate as E

RANDOM_LETTER = {(1122, "keywords:letter_frequency"), (1129, "keywords:letter_frequency")}


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _compare(mine, oracle, excluded=RANDOM_LETTER):
    """Per-instruction verdict differences between our rows and the oracle rows (joined on prompt text)."""
    by_prompt = {r["prompt"]: r for r in oracle}
    assert len(by_prompt) == len(oracle)
    diffs, compared = [], 0
    for row in mine:
        gold = by_prompt[row["prompt"]]
        assert gold["instruction_id_list"] == row["instruction_id_list"]
        for cid, ours, theirs in zip(row["instruction_id_list"], row["follow_instruction_list"],
                                     gold["follow_instruction_list"]):
            if (row["key"], cid) in excluded:
                continue
            compared += 1
            if ours != theirs:
                diffs.append((row["key"], cid, ours, theirs))
    return diffs, compared


def _headline_without(rows, keys_by_prompt, excluded=RANDOM_LETTER):
    """(prompt-level, instruction-level) accuracy in % with the excluded instructions dropped."""
    prompts, flags = 0, []
    for row in rows:
        key = keys_by_prompt[row["prompt"]]
        kept = [f for cid, f in zip(row["instruction_id_list"], row["follow_instruction_list"])
                if (key, cid) not in excluded]
        prompts += all(kept)
        flags += kept
    return round(100 * prompts / len(rows), 2), round(100 * sum(flags) / len(flags), 2)


@pytest.fixture(scope="module")
def gpt4_result(shared_data):
    d = shared_data / "ifeval"
    records = E.load_benchmark("ifeval", d / "input_data.jsonl")
    responses = E.load_responses(d / "input_response_data_gpt4_20231107_145030.fixed_7afefd4.jsonl")
    return E.score_responses(records, responses)


@pytest.mark.parametrize("mode", ["strict", "loose"])
def test_every_verdict_matches_official_seed0(gpt4_result, shared_data, mode):
    oracle = _rows(shared_data / "ifeval" / "generated" / f"official_code_seed0_eval_results_{mode}.jsonl")
    mine = getattr(gpt4_result, mode)
    assert len(mine) == len(oracle) == 541
    diffs, compared = _compare(mine, oracle)
    assert compared == 832
    assert diffs == []


@pytest.mark.parametrize("mode,prompt_level,instruction_level", [("strict", 77.08, 83.69), ("loose", 79.67, 85.61)])
def test_headline_matches_official(gpt4_result, shared_data, mode, prompt_level, instruction_level):
    oracle = _rows(shared_data / "ifeval" / "generated" / f"official_code_seed0_eval_results_{mode}.jsonl")
    mine = getattr(gpt4_result, mode)
    keys = {r["prompt"]: r["key"] for r in mine}
    assert _headline_without(mine, keys) == _headline_without(oracle, keys)
    assert round(100 * gpt4_result.metrics[f"prompt_level_{mode}"], 2) == prompt_level
    assert round(100 * gpt4_result.metrics[f"instruction_level_{mode}"], 2) == instruction_level
    assert gpt4_result.counts["missing_responses"] == 0
    assert gpt4_result.counts["unmatched_responses"] == 0
    assert gpt4_result.counts["checker_errors"] == 0


def test_literal_letter_count_on_the_two_random_keys(gpt4_result):
    rows = {r["key"]: r for r in gpt4_result.strict}
    assert rows[1122]["response"].count("#") == 4 and rows[1122]["follow_instruction_list"][1] is True
    assert rows[1129]["response"].count("!") == 10 and rows[1129]["follow_instruction_list"][0] is True


def test_known_defects_are_flagged(gpt4_result):
    assert sorted(d["key"] for d in gpt4_result.defects) == [30, 337, 2078, 2785]


@pytest.mark.parametrize("mode", ["strict", "loose"])
def test_podtech_540_oracle(shared_data, mode):
    d = shared_data / "ifeval"
    records = E.load_benchmark(str(d / "podtech_540" / "filtered_input_data.jsonl"))
    responses = E.load_responses(d / "input_response_data_gpt4_20231107_145030.jsonl")
    result = E.score_responses(records, responses)
    oracle = _rows(d / "podtech_540" / f"eval_results_{mode}.jsonl")
    assert len(result.strict) == 540
    # the original file still has the old key-2785 prompt, which is not among the 540
    assert result.counts["unmatched_responses"] == 1 and result.counts["missing_responses"] == 0
    diffs, compared = _compare(getattr(result, mode), oracle)
    assert compared == 830
    assert diffs == []


def test_original_response_file_scores_with_one_missing_one_unmatched(shared_data):
    d = shared_data / "ifeval"
    records = E.load_benchmark("ifeval", d / "input_data.jsonl")
    responses = E.load_responses(d / "input_response_data_gpt4_20231107_145030.jsonl")
    result = E.score_responses(records, responses)
    assert result.counts["missing_responses"] == 1 and result.missing_keys == ["2785"]
    assert result.counts["unmatched_responses"] == 1
    assert result.unmatched[0]["prompt"].startswith("What is inside Shinto shrines?")
    row = next(r for r in result.strict if r["key"] == 2785)
    assert row["follow_instruction_list"] == [False, False] and row["response"] == ""
    # the other 540 prompts score exactly as in the repaired run; 2785 (2 passes there) now fails both
    assert sum(len(r["follow_instruction_list"]) for r in result.strict) == 834
