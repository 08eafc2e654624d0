"""The Light-IF rule reward: values pinned on worked examples derived by hand from the official formula.

reward = gate * (acc + point) [+ cosine length term]; point = sum of official weights of the held constraints.
"""

import json
import logging
import math
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lightif.cli import main
from lightif.errors import ConfigError
from lightif.rewards import ConstraintReward, RewardResult, compute_score, cosine_length_reward, lightif_reward

ASSET = Path(__file__).parent / "assets" / "jqzl_examples.jsonl"
EX = {r["id"]: r for r in map(json.loads, ASSET.read_text(encoding="utf-8").splitlines())}

# jqzl-zh-001: 春天>=2, no 冬天, 3 paragraphs (+ title), 60-300 chars, 《》 title <= 6 chars, begins/ends as asked
ZH_OK = ("《春日》\n\n春天来了，万物复苏，田野里一片新绿，小河也唱起了欢快的歌。\n\n孩子们在草地上奔跑，"
         "春天的风轻轻吹过脸庞，带来花草的清香。\n\n我们珍惜这美好的时光，努力学习，相信未来可期。")
# jqzl-en-001: >=3 highlights, 40-200 words, exactly 3 bullets, "soil" >= 2, ends with "Happy planting!"
EN_OK = ("Urban gardening turns *small balconies* into green retreats. Healthy soil is the foundation of every "
         "thriving plant. Start small and grow with confidence.\n\n* Choose _compact varieties_ such as herbs.\n"
         "* Mix compost into the soil every spring.\n* Water early in the *morning*.\n\nHappy planting!")


def think(answer: str) -> str:
    return f"<think>Let me plan and check every constraint.</think>\n{answer}"


# ----- worked examples ---------------------------------------------------------------------------------------------
def test_zh_all_constraints_hold():
    r = lightif_reward(think(ZH_OK), EX["jqzl-zh-001"])
    # 0.05 (春天 at least) + 0.05 (冬天 forbidden) + 0.1 (paragraphs) + 0.1 (length range) + 0.02 (title style)
    # + 0.05 (title length) + 0.02 (begin) + 0.02 (end) = 0.41
    assert r == RewardResult(reward=1.41, acc=1.0, point=0.41, length=0.0, gated=False, error=None)


def test_zh_one_keyword_short_loses_acc_and_its_weight():
    answer = ZH_OK.replace("春天的风", "暖暖的风")  # 春天 now once
    r = lightif_reward(think(answer), EX["jqzl-zh-001"])
    assert (r.acc, r.point, r.reward) == (0.0, 0.36, 0.36)


def test_en_all_constraints_hold():
    r = lightif_reward(think(EN_OK), EX["jqzl-en-001"])
    # 0.05 (highlights) + 0.1 (word range) + 0.1 (bullets) + 0.05 (soil at least) + 0.1 (end phrase) = 0.4
    assert (r.acc, r.point, r.reward) == (1.0, 0.4, 1.4)


def test_en_paragraphs_and_nth_word():
    answer = ("Launch day is here! Our new app, [product], ships on [date]. It is FAST.\n***\nHowever, early users "
              "get a discount. Sign up today.\n***\nWe thank our TEAM. More news soon.")
    r = lightif_reward(think(answer), EX["jqzl-en-003"])
    # placeholders 0.05 + caps range 0.1 + more than 5 sentences (7) 0.05 + 3 paragraphs 0.1 + "However" 0.1
    assert (r.acc, r.point) == (1.0, pytest.approx(0.4))
    r = lightif_reward(think(answer.replace("However,", "Still,")), EX["jqzl-en-003"])
    assert (r.acc, r.point) == (0.0, pytest.approx(0.3))


def test_gate_and_last_think_tag():
    assert lightif_reward(ZH_OK, EX["jqzl-zh-001"]) == RewardResult(0.0, 0.0, 0.0, 0.0, True, None)
    assert lightif_reward("<think>never closed " + ZH_OK, EX["jqzl-zh-001"]).gated
    r = lightif_reward(ZH_OK, EX["jqzl-zh-001"], think_required=False)
    assert (r.reward, r.gated) == (1.41, False)
    # the answer is the text after the LAST </think>: the draft before it is not scored
    r = lightif_reward("<think>draft</think>bad draft</think>" + ZH_OK, EX["jqzl-zh-001"])
    assert r.reward == 1.41


def test_weights_override_and_kinds():
    specs = [{"id": "lightif_zh:keyword_at_least", "params": {"keyword": "春", "min_count": 4}},
             {"id": "lightif_zh:sentence_count", "params": {"num_sentences": 2}}]
    text = think("春来了。春天好。")  # 春 twice (of 4), 2 sentences
    assert lightif_reward(text, specs).point == 0.2
    assert lightif_reward(text, specs, weights={"lightif_zh:sentence_count": 1.0}).point == 1.0
    r = lightif_reward(text, specs, kind="normalized")  # mean of dense scores: (2/4 + 1) / 2
    assert (r.acc, r.point, r.reward) == (0.0, 0.75, 0.75)
    r = lightif_reward(text, specs, kind="strict")
    assert (r.acc, r.point, r.reward) == (0.0, 0.0, 0.0)
    ok = think("春春春春。好。")
    assert lightif_reward(ok, specs, kind="strict").reward == 1.0
    with pytest.raises(ConfigError):
        lightif_reward(ok, specs, kind="dense")


def test_ifeval_ids_need_normalized_or_a_weight():
    specs = [{"id": "punctuation:no_comma", "params": {}}]
    r = lightif_reward(think("no commas here"), specs)
    assert r.reward == 0.0 and "no official Light-IF weight" in r.error
    assert lightif_reward(think("no commas here"), specs, kind="normalized").reward == 1.0
    assert lightif_reward(think("no commas here"), specs, weights={"punctuation:no_comma": 0.3}).reward == 1.3


def test_bad_spec_scores_zero_with_error_never_raises():
    r = lightif_reward(think("x"), [{"id": "lightif_zh:no_such", "params": {}}])
    assert r.reward == 0.0 and r.error.startswith("UnknownConstraintError")
    r = lightif_reward(think("x"), "[not json")
    assert r.reward == 0.0 and "not valid JSON" in r.error


# ----- the length term (§3) -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,expected", [(0, 0.0), (4096, 1.3), (8191, 2.6), (8192, -2.0), (9000, -2.0)])
def test_cosine_length_reward_check_values(n, expected):
    assert cosine_length_reward(n, 1.3, 8192) == pytest.approx(expected, abs=1e-6)


def test_cosine_length_reward_branches():
    c = 0.5 * (1 - math.cos(math.pi * 2048 / 8192))  # 0.1464...
    assert cosine_length_reward(2048, 0.2) == pytest.approx(0.4 * c)  # s >= 0.2: 2s*c
    assert cosine_length_reward(2048, 0.19) == pytest.approx(-c)  # s < 0.2: -c
    assert cosine_length_reward(8000, 0.0, max_length=16384) == pytest.approx(
        -0.5 * (1 - math.cos(math.pi * 8000 / 16384)))  # D2: L_max is the run's max length


def test_length_term_added_to_acc_plus_point():
    r = lightif_reward(think(ZH_OK), EX["jqzl-zh-001"], num_tokens=4096, max_length=8192)
    assert (r.length, r.reward) == (pytest.approx(1.41), pytest.approx(2.82))  # 2 * 1.41 * c(L/2) = 1.41
    truncated = lightif_reward("<think>still thinking", EX["jqzl-zh-001"], num_tokens=8192, max_length=8192)
    assert (truncated.gated, truncated.reward) == (True, -2.0)
    r = lightif_reward("no think tags", EX["jqzl-zh-001"], num_tokens=4096)
    assert r.reward == pytest.approx(-0.5)  # gated: s = 0 -> -c(L)


# ----- TRL callable --------------------------------------------------------------------------------------------------
def test_constraint_reward_column_forms_and_none_rows():
    rf = ConstraintReward()
    spec_list = [{"id": "lightif_en:end_phrase", "params": {"end_phrase": "Happy planting!"}}]
    completions = [
        [{"role": "assistant", "content": think(EN_OK)}],  # conversational
        think(ZH_OK),  # plain string
        think(EN_OK),
        think(EN_OK),
    ]
    cols = [json.dumps(spec_list), json.dumps(EX["jqzl-zh-001"], ensure_ascii=False), EX["jqzl-en-001"], None]
    out = rf(prompts=["p"] * 4, completions=completions, constraints=cols)
    assert out == [1.1, 1.41, 1.4, None]
    assert rf.__name__ == "lightif_reward" and rf.num_errors == 0


def test_constraint_reward_errors_counted_and_logged_once(caplog):
    rf = ConstraintReward()
    bad = json.dumps([{"id": "lightif_zh:nope", "params": {}}])
    good = json.dumps([{"id": "lightif_zh:length_max", "params": {"max_chars": 100}}])
    with caplog.at_level(logging.WARNING, logger="lightif.rewards"):
        out = rf(prompts=None, completions=[think("好。")] * 3, constraints=[bad, good, bad])
    assert out == [0.0, 1.05, 0.0]
    assert rf.num_errors == 2 and rf.errors.counts == {"UnknownConstraintError": 2}
    assert len([r for r in caplog.records if "UnknownConstraintError" in r.getMessage()]) == 1


def test_constraint_reward_length_and_metrics():
    metrics = {}
    rf = ConstraintReward(length_reward=True, max_length=8)
    spec = json.dumps([{"id": "lightif_en:end_phrase", "params": {"end_phrase": "ok"}}])
    out = rf(prompts=["p", "p"], completions=[think("ok"), "truncated"], constraints=[spec, spec],
             completion_ids=[[1] * 4, [1] * 8], log_metric=lambda k, v: metrics.__setitem__(k, v))
    assert out == [pytest.approx(1.1 + 1.1), -2.0]  # 2 * 1.1 * c(4/8) = 1.1; truncated: -2
    assert rf.__name__ == "lightif_reward_len"
    assert metrics == {"lightif/acc": 0.5, "lightif/point": pytest.approx(0.05), "lightif/gated": 0.5,
                       "lightif/errors": 0.0, "lightif/length": pytest.approx((1.1 - 2.0) / 2)}


def test_constraint_reward_setup_errors():
    with pytest.raises(ConfigError, match="constraints"):
        ConstraintReward()(prompts=["p"], completions=["x"])
    with pytest.raises(ConfigError, match="completion_ids"):
        ConstraintReward(length_reward=True)(prompts=["p"], completions=["x"], constraints=["[]"])
    with pytest.raises(ConfigError):
        ConstraintReward(kind="bogus")
    with pytest.raises(ConfigError):
        ConstraintReward(weights={"lightif_zh:length_max": "high"})


# ----- type-B check_code (D6) -------------------------------------------------------------------------------------
def type_b(code: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": ""}],
                       "check_code": "```json\n" + json.dumps({"check_code": code}) + "\n```"})


def test_check_code_disabled_scores_zero_and_never_runs(tmp_path, caplog):
    marker = tmp_path / "ran"
    code = f"def check_response(response):\n    open({str(marker)!r}, 'w').write('x')\n    return True\n"
    rf = ConstraintReward()
    with caplog.at_level(logging.WARNING, logger="lightif.rewards"):
        assert rf(prompts=["q"], completions=[think("hi")], constraints=[type_b(code)]) == [0.0]
    assert not marker.exists()
    assert rf.errors.counts == {"check_code disabled": 1}
    assert any("allow_check_code" in r.getMessage() for r in caplog.records)


def test_check_code_runs_in_the_real_sandbox_with_the_exact_answer():
    pytest.importorskip("lightif.sandbox")
    answer = "Path: C:\\new\\table, it's \"quoted\""
    code = f"def check_response(response):\n    return response == {answer!r}\n"
    rf = ConstraintReward(allow_check_code=True)
    out = rf(prompts=["q", "q"], completions=[think(answer), think("other")], constraints=[type_b(code)] * 2)
    assert out == [1.0, 0.0]  # type B: acc only, point 0
    assert rf.num_errors == 0
    crash = "def check_response(response):\n    return response[1000]\n"  # IndexError -> sandbox None
    assert rf(prompts=["q"], completions=[think("short")], constraints=[type_b(crash)]) == [0.0]
    assert rf.errors.counts == {"check_code undecided": 1}


def test_check_code_sandbox_missing(monkeypatch):
    code = "def check_response(response):\n    return True\n"
    monkeypatch.setitem(sys.modules, "lightif.sandbox", None)  # import fails as if the module were absent
    rf = ConstraintReward(allow_check_code=True)
    assert rf(prompts=["q"], completions=[think("x")], constraints=[type_b(code)]) == [0.0]
    assert rf.errors.counts == {"check_code unavailable": 1}


# ----- verl -------------------------------------------------------------------------------------------------------
def test_verl_contract_with_the_arguments_verl_passes():
    gt = json.dumps(EX["jqzl-en-001"])
    res = compute_score(data_source="jqzl", solution_str=think(EN_OK), ground_truth=gt,
                        extra_info={"index": 3, "split": "train"})
    assert res == {"score": 1.4, "acc": 1.0, "point": 0.4, "length": 0.0, "gated": 0.0, "error": 0.0}
    assert all(isinstance(v, float) for v in res.values())
    ours = json.dumps([{"id": "lightif_en:end_phrase", "params": {"end_phrase": "Happy planting!"}}])
    assert compute_score("lightif", think(EN_OK), ours)["score"] == 1.1
    res = compute_score("jqzl", think(EN_OK), gt, {"valid_response_length": 4096}, length_reward=True)
    assert res["score"] == pytest.approx(2.8)
    assert compute_score("jqzl", think("x"), '{"broken')["error"] == 1.0


def test_verl_concurrent_calls_share_nothing():
    extra = {"index": 0, "valid_response_length": 100}
    snapshot = dict(extra)
    gts = [json.dumps(EX["jqzl-zh-001"], ensure_ascii=False), json.dumps(EX["jqzl-en-001"])]
    answers = [think(ZH_OK), think(EN_OK)]
    expected = [1.41, 1.4]
    barrier = threading.Barrier(8)

    def call(i):
        if i < 8:
            barrier.wait()
        k = i % 2
        return k, compute_score("jqzl", answers[k], gts[k], extra)["score"]

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(call, range(256)))
    assert all(score == expected[k] for k, score in results)
    assert extra == snapshot  # D9: extra_info is never written


# ----- CLI --------------------------------------------------------------------------------------------------------
def test_cli_reward_scores_both_formats(tmp_path, capsys):
    cases = tmp_path / "cases.jsonl"
    rows = [
        {"id": "a", "model_output": think(ZH_OK), "ground_truth": json.dumps(EX["jqzl-zh-001"], ensure_ascii=False)},
        {"id": "b", "model_output": think(EN_OK), "ground_truth": EX["jqzl-en-001"]},
        {"id": "c", "model_output": EN_OK,
         "ground_truth": [{"id": "lightif_en:end_phrase", "params": {"end_phrase": "Happy planting!"}}]},
    ]
    cases.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    assert main(["reward", "--cases", str(cases), "--out", str(out)]) == 0
    got = [json.loads(x) for x in out.read_text().splitlines()]
    assert got == [{"id": "a", "acc_score": 1.0, "point_score": 0.41, "reward": 1.41},
                   {"id": "b", "acc_score": 1.0, "point_score": 0.4, "reward": 1.4},
                   {"id": "c", "acc_score": 0.0, "point_score": 0.0, "reward": 0.0}]  # no </think>: gated
    assert main(["reward", "--cases", str(cases), "--out", str(out), "--no-think-required", "--kind", "strict"]) == 0
    assert [json.loads(x)["reward"] for x in out.read_text().splitlines()] == [1.0, 1.0, 1.0]
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"lightif_en:end_phrase": 0.5}))
    assert main(["reward", "--cases", str(cases), "--out", str(out), "--no-think-required",
                 "--weights", str(weights)]) == 0
    assert json.loads(out.read_text().splitlines()[2])["reward"] == 1.5
    assert "scored 3 cases" in capsys.readouterr().out


@pytest.mark.parametrize("line,needle", [
    ('{"id": "x", "model_output": "o"}', "field 'ground_truth'"),
    ('{"id": "x", "model_output": 3, "ground_truth": []}', "field 'model_output'"),
    ('{"id": "x", "model_output": "o", "ground_truth": [{"id": "lightif_zh:nope"}]}', "unknown constraint id"),
    ('{"id": "x", "model_output": "o", "ground_truth": [{"id": "punctuation:no_comma", "params": {}}]}',
     "no official Light-IF weight"),
    ("not json", "invalid JSON"),
])
def test_cli_reward_bad_input_exit_2_with_file_line(tmp_path, capsys, line, needle):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "ok", "model_output": "o", "ground_truth": []}\n' + line + "\n")
    out = tmp_path / "scores.jsonl"
    assert main(["reward", "--cases", str(cases), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{cases}:2:" in err and needle in err
    assert not out.exists()  # nothing written on failure


def test_cli_reward_bad_weights(tmp_path, capsys):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "ok", "model_output": "o", "ground_truth": []}\n')
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"lightif_en:end_phrse": 0.5}))
    assert main(["reward", "--cases", str(cases), "--out", str(tmp_path / "o.jsonl"), "--weights", str(weights)]) == 2
    assert "did you mean 'lightif_en:end_phrase'" in capsys.readouterr().err
