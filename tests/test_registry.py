"""The constraint registry: id sets equal the benchmark files' ids (IFEval 25, IFBench 58), and every registered
class describes and checks a trivial example built from its `sample` or from a benchmark record."""

from __future__ import annotations

import json
import random

import pytest

from lightif import constraints as C
from lightif.constraints.base import Constraint
from lightif.errors import UnknownConstraintError

IFBENCH_PREFIXES = ("count:", "ratio:", "words:", "sentence:", "format:", "custom:", "repeat:")
LIGHTIF_PREFIXES = ("lightif_zh:", "lightif_en:")
# generated check code is only ever run in lightif.sandbox; its in-process `check` refuses by raising
REFUSES_IN_PROCESS = {"lightif_en:check_code"}


def _ids_and_fixtures(path) -> dict[str, dict]:
    """id -> params of its first occurrence in an IFEval/IFBench input file (nulls dropped)."""
    out: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        for cid, kw in zip(rec["instruction_id_list"], rec["kwargs"]):
            out.setdefault(cid, {k: v for k, v in (kw or {}).items() if v is not None})
    return out


@pytest.fixture(scope="module")
def ifeval_fixtures(shared_data):
    return _ids_and_fixtures(shared_data / "ifeval" / "input_data.jsonl")


@pytest.fixture(scope="module")
def ifbench_fixtures(shared_data):
    return _ids_and_fixtures(shared_data / "ifbench" / "IFBench_test.jsonl")


def _family(cid: str) -> str:
    if cid.startswith(IFBENCH_PREFIXES):
        return "ifbench"
    if cid.startswith(LIGHTIF_PREFIXES):
        return "lightif"
    return "ifeval"


def test_ifbench_ids_equal_benchmark_file(ifbench_fixtures):
    ids = {i for i in C.all_ids() if _family(i) == "ifbench"}
    assert len(ifbench_fixtures) == 58
    assert ids == set(ifbench_fixtures)
    assert all(C.get(i).__module__.startswith("lightif.constraints.ifbench") for i in ids)


def test_ifeval_ids_equal_benchmark_file(ifeval_fixtures):
    ids = {i for i in C.all_ids() if _family(i) == "ifeval"}
    assert len(ifeval_fixtures) == 25
    assert ids == set(ifeval_fixtures)


def test_counts():
    ids = C.all_ids()
    by_family = {f: sum(1 for i in ids if _family(i) == f) for f in ("ifeval", "ifbench", "lightif")}
    assert by_family["ifeval"] == 25
    assert by_family["ifbench"] == 58
    assert len(ids) == 25 + 58 + by_family["lightif"]
    assert len(set(ids)) == len(ids) == len(C.REGISTRY)


def test_registry_entries_are_frozen_constraint_classes():
    for cid in C.all_ids():
        cls = C.get(cid)
        assert issubclass(cls, Constraint) and cls.id == cid
        assert cls.__dataclass_params__.frozen, cid
        assert cls.get_category() == cid.split(":", 1)[0] or cls.category, cid


def _example(cid: str, ifeval_fixtures: dict, ifbench_fixtures: dict) -> Constraint:
    cls = C.get(cid)
    fixtures = {**ifeval_fixtures, **ifbench_fixtures}
    if cid in fixtures:
        return C.build({"id": cid, "params": fixtures[cid]}, prompt="Write a short note about cats.")
    return cls.sample(random.Random(0))  # synthesis families must be able to sample themselves


def test_every_class_describes_and_checks(ifeval_fixtures, ifbench_fixtures):
    for cid in C.all_ids():
        c = _example(cid, ifeval_fixtures, ifbench_fixtures)
        for lang in c.langs:
            text = c.describe(lang)
            assert isinstance(text, str) and text.strip(), (cid, lang)
        for response in ("Hello world. This is a short answer.", "No.", "你好，世界。"):
            if cid in REFUSES_IN_PROCESS:
                verdict = C.check([c], response)  # the harness records the refusal as a failed check
                assert verdict.follow_list == (False,) and verdict.errors[0], cid
                continue
            assert isinstance(c.check(response), bool), cid
            score = c.score(response)
            assert 0.0 <= score <= 1.0 and (score == 1.0) == c.check(response), cid
        rebuilt = C.build(c.spec(), prompt="Write a short note about cats.")
        assert rebuilt.spec() == c.spec(), cid


def test_unknown_id_has_a_hint():
    with pytest.raises(UnknownConstraintError, match="did you mean 'format:sub-bullets'"):
        C.get("format:sub_bullets")
