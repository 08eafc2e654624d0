"""Prompt synthesis: seeds, conflict rules, witnesses verified by the registry, rendering, determinism, speed."""

from __future__ import annotations

import json
import random
import re
import time

import pytest

from lightif import constraints as C
from lightif import synth
from lightif import synth_catalog as cat
from lightif.cli import main
from lightif.errors import ConfigError, DataError
from lightif.schema import load_prompts
from lightif.synth import SynthConfig, load_seeds, synthesize

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def thousand():
    return synthesize(SynthConfig(n=1000, seed=11))


# ----- seeds ------------------------------------------------------------------------------------------------------
def test_bundled_seeds_are_many_distinct_and_well_formed():
    seeds = load_seeds()
    for lang in ("en", "zh"):
        mine = [s for s in seeds if s.lang == lang]
        assert len(mine) >= 300
        assert len({s.task for s in mine}) == len(mine)
        assert len({s.kind for s in mine}) >= 15
    assert all(CJK.search(s.task) for s in seeds if s.lang == "zh")
    assert not any(CJK.search(s.task) for s in seeds if s.lang == "en")
    assert len({s.id for s in seeds}) == len(seeds)


def test_user_seeds_jsonl_csv_and_saved_dataset(tmp_path):
    (tmp_path / "s.jsonl").write_text(json.dumps({"task": "Describe a harbour at dawn."}) + "\n", encoding="utf-8")
    (tmp_path / "s.csv").write_text("task,kind\n写一首关于秋天的诗。,poem\nPlan a picnic.,plan\n", encoding="utf-8")
    import datasets

    datasets.Dataset.from_dict({"task": ["Review a bicycle bell."]}).save_to_disk(str(tmp_path / "ds"))
    seeds = load_seeds([str(tmp_path / "s.jsonl"), str(tmp_path / "s.csv"), str(tmp_path / "ds")])
    assert [(s.lang, s.task) for s in seeds] == [("en", "Describe a harbour at dawn."), ("zh", "写一首关于秋天的诗。"),
                                                 ("en", "Plan a picnic."), ("en", "Review a bicycle bell.")]
    recs = synthesize(SynthConfig(n=4, seeds=[str(tmp_path / "s.csv")], seed=1))
    assert {r.meta["seed_task"] for r in recs} <= {"写一首关于秋天的诗。", "Plan a picnic."}


def test_bad_seed_files_raise_clear_errors(tmp_path):
    (tmp_path / "bad.csv").write_text("prompt\nhello\n", encoding="utf-8")
    with pytest.raises(DataError, match="'task' column"):
        load_seeds([str(tmp_path / "bad.csv")])
    (tmp_path / "bad.jsonl").write_text('{"task": ""}\n', encoding="utf-8")
    with pytest.raises(DataError, match="bad.jsonl:1: field 'task'"):
        load_seeds([str(tmp_path / "bad.jsonl")])


# ----- vocabularies -----------------------------------------------------------------------------------------------
def test_filler_never_contains_keyword_pools():
    for kw in cat.EN_KEYWORDS + cat.EN_FORBIDDEN:
        assert not any(kw in w for w in cat.EN_FILLER), kw
    zh_chars = set("".join(cat.ZH_KEYWORDS))
    assert not any(set(w) & zh_chars for w in cat.ZH_FILLER)


# ----- conflicts --------------------------------------------------------------------------------------------------
KNOWN_CONFLICTS = [
    ({"id": "change_case:english_lowercase", "params": {}},
     {"id": "change_case:capital_word_frequency", "params": {"capital_frequency": 3, "capital_relation": "at least"}}),
    ({"id": "change_case:english_capital", "params": {}}, {"id": "change_case:english_lowercase", "params": {}}),
    ({"id": "detectable_format:json_format", "params": {}},
     {"id": "length_constraints:number_paragraphs", "params": {"num_paragraphs": 3}}),
    ({"id": "length_constraints:number_words", "params": {"num_words": 300, "relation": "at least"}},
     {"id": "lightif_en:word_count_max", "params": {"max_count": 100}}),
    ({"id": "lightif_zh:length_min", "params": {"min_chars": 800}},
     {"id": "lightif_zh:length_max", "params": {"max_chars": 200}}),
    ({"id": "startend:quotation", "params": {}}, {"id": "startend:end_checker", "params": {"end_phrase": "Bye."}}),
    ({"id": "combination:repeat_prompt", "params": {"prompt_to_repeat": "x"}},
     {"id": "punctuation:no_comma", "params": {}}),
    ({"id": "combination:two_responses", "params": {}},
     {"id": "lightif_zh:paragraph_count", "params": {"num_paragraphs": 3}}),
    ({"id": "change_case:english_capital", "params": {}},
     {"id": "change_case:capital_word_frequency",
      "params": {"capital_frequency": 3, "capital_relation": "less than"}}),
]


@pytest.mark.parametrize("a,b", KNOWN_CONFLICTS, ids=lambda s: s["id"])
def test_conflict_rules_reject_known_contradictions_symmetrically(a, b):
    assert cat.conflict(a, b)
    assert cat.conflict(b, a)
    neutral = {"id": "detectable_content:number_placeholders", "params": {"num_placeholders": 1}}
    assert cat.first_conflict([neutral, a, b]).startswith(f"{a['id']} vs {b['id']}")


def test_conflict_rules_allow_compatible_pairs_and_depend_on_params():
    lower = {"id": "change_case:english_lowercase", "params": {}}
    fewer_caps = {"id": "change_case:capital_word_frequency", "params": {"capital_frequency": 3,
                                                                         "capital_relation": "less than"}}
    assert cat.conflict(lower, fewer_caps) is None
    no_comma, title = {"id": "punctuation:no_comma", "params": {}}, {"id": "detectable_format:title", "params": {}}
    assert cat.conflict(no_comma, title) is None
    style = {"id": "lightif_zh:title_style", "params": {"brackets": "《》"}}
    maxlen = {"id": "lightif_zh:title_max_length", "params": {"brackets": "【】", "max_chars": 8}}
    assert cat.conflict(style, maxlen) is None
    coupled = cat.couple([style, maxlen, {"id": "lightif_zh:paragraph_count", "params": {"num_paragraphs": 3}}])
    assert coupled[1]["params"]["brackets"] == "《》" and coupled[2]["params"]["has_title"] is True


def test_every_conflict_table_id_is_in_the_catalog():
    for a, b, _, _ in cat.CONFLICTS:
        assert a in cat.ENTRIES and b in cat.ENTRIES, (a, b)
    for ids in cat.GROUPS.values():
        assert set(ids) <= set(cat.ENTRIES)


def test_witness_search_fails_on_an_unsatisfiable_set():
    specs = [{"id": "change_case:english_lowercase", "params": {}},
             {"id": "change_case:capital_word_frequency",
              "params": {"capital_frequency": 3, "capital_relation": "at least"}}]
    assert cat.build_witness(cat.make_plan(specs, "en"), specs, "Write a note.", seed=0) is None
    specs = [{"id": "lightif_zh:length_max", "params": {"max_chars": 30}},
             {"id": "lightif_zh:sentence_count", "params": {"num_sentences": 12}}]
    assert cat.build_witness(cat.make_plan(specs, "zh"), specs, "写一段话。", seed=0) is None


# ----- catalog coverage and rendering -----------------------------------------------------------------------------
def test_catalog_covers_ifeval_and_lightif_and_lists_the_rest():
    ifeval = {i for i in C.all_ids() if cat.family_of(i) == "ifeval"}
    assert len(ifeval) == 25 and ifeval <= set(cat.ENTRIES)
    lightif = {i for i in C.all_ids() if cat.family_of(i) == "lightif"}
    assert cat.missing_entries(["lightif"]) == ["lightif_en:check_code"]  # executable checks are never synthesized
    assert lightif - {"lightif_en:check_code"} <= set(cat.ENTRIES)
    assert all(cat.family_of(e.id) == e.family for e in cat.ENTRIES.values())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_catalog_constraint_renders_in_both_languages(lang):
    rng = random.Random(0)
    entries = [e for e in cat.ENTRIES.values() if e.id in C.all_ids()]
    assert len(entries) >= 60
    for e in entries:
        cls = C.get(e.id)
        if "zh" in e.langs:  # used in zh prompts -> the constraint must describe itself in Chinese
            assert "zh" in cls.langs, e.id
        if lang not in cls.langs:  # IFBench is English-only and never used for zh prompts
            continue
        params = e.sample(cat.Ctx(rng, e.langs[0], "Write a note about tea."))
        text = C.build({"id": e.id, "params": params}).describe(lang)
        assert text.strip(), e.id
        if lang == "zh":
            assert CJK.search(text), (e.id, text)
        prompt, _ = synth.render_request("Write a note.", [text], lang, rng)
        assert text.strip().rstrip("。.") in prompt


def test_render_request_keeps_every_description():
    rng = random.Random(3)
    descs = ["Use at most 50 words.", "Do not use any commas.", "End with 'Bye'."]
    styles = set()
    for _ in range(30):
        text, style = synth.render_request("Write a poem about rain.", descs, "en", rng)
        styles.add(style)
        assert text.startswith("Write a poem about rain.")
        for d in descs:
            assert d[1:-1] in text
    assert styles == set(synth.STYLES_EN)


# ----- the 1,000-prompt sample ------------------------------------------------------------------------------------
def test_every_synthesized_prompt_has_a_witness_that_passes(thousand):
    assert len(thousand) == 1000
    for rec in thousand:
        assert rec.source == "synth" and rec.meta["witness_ok"] is True
        assert cat.first_conflict(rec.constraints) is None
        v = C.check(rec.constraints, rec.meta["witness"], prompt=rec.prompt, dense=False)
        assert v.follow_all, (rec.id, v.ids, v.follow_list)
        d = rec.meta["difficulty"]
        assert d["n_constraints"] == len(rec.constraints) and 2 <= d["n_constraints"] <= 6
        assert 0 < d["tightness"] <= 1


def test_sample_covers_the_catalog_languages_and_repeat_semantics(thousand):
    used = {(c["id"], r.lang) for r in thousand for c in r.constraints}
    for lang in ("en", "zh"):
        assert sum(r.lang == lang for r in thousand) == 500
        expected = {e.id for e in cat.catalog(["ifeval", "lightif"], lang)}
        assert expected - {i for i, lg in used if lg == lang} == set()
    for rec in thousand:
        for c in rec.constraints:
            if c["id"] in cat.REPEAT_IDS:  # the request to repeat is the prompt before the repeat sentence
                assert rec.prompt.startswith(c["params"]["prompt_to_repeat"])
                assert rec.meta["witness"].lower().startswith(c["params"]["prompt_to_repeat"].lower())
            if rec.lang == "zh":
                assert not c["id"].startswith("lightif_en:")


def test_written_file_loads_with_the_schema(tmp_path):
    out = tmp_path / "p.jsonl"
    recs = synthesize(SynthConfig(n=40, seed=2, out=str(out), keep_witness=False))
    loaded = load_prompts(out)
    assert [r.id for r in loaded] == [r.id for r in recs]
    assert all("witness" not in r.meta and r.meta["witness_ok"] for r in loaded)


def test_same_seed_same_output_and_prefix_stability():
    a = [r.to_json() for r in synthesize(SynthConfig(n=30, seed=7))]
    b = [r.to_json() for r in synthesize(SynthConfig(n=30, seed=7))]
    c = [r.to_json() for r in synthesize(SynthConfig(n=30, seed=8))]
    longer = [r.to_json() for r in synthesize(SynthConfig(n=45, seed=7))]
    assert a == b
    assert a != c
    assert longer[:30] == a


def test_families_and_languages_are_respected():
    recs = synthesize(SynthConfig(n=40, seed=1, langs=["zh"], families=["ifeval"], min_constraints=1,
                                  max_constraints=3))
    assert all(r.lang == "zh" and all(":" in c["id"] and not c["id"].startswith("lightif") for c in r.constraints)
               for r in recs)
    with pytest.raises(ConfigError):
        SynthConfig(langs=["fr"])
    with pytest.raises(ConfigError):
        SynthConfig(min_constraints=4, max_constraints=2)


def test_ifbench_family_is_optional_and_verified():
    recs = synthesize(SynthConfig(n=60, seed=4, langs=["en"], families=["ifbench", "ifeval"]))
    fams = {cat.family_of(c["id"]) for r in recs for c in r.constraints}
    assert fams == {"ifbench", "ifeval"}
    for rec in recs:
        assert C.check(rec.constraints, rec.meta["witness"], prompt=rec.prompt).follow_all
    with pytest.raises(ConfigError, match="offer 0 constraint ids for 'zh'"):
        synthesize(SynthConfig(n=2, langs=["zh"], families=["ifbench"]))


def test_llm_rewrite_is_optional_and_guarded(tiny_model_dir):
    import torch

    torch.set_num_threads(1)
    plain = synthesize(SynthConfig(n=4, seed=6))
    rewritten = synthesize(SynthConfig(n=4, seed=6, rewrite_backend="transformers",
                                       rewrite_model=str(tiny_model_dir), rewrite_max_new_tokens=8))
    for a, b in zip(plain, rewritten):
        assert b.meta["rewritten"] in (True, False)
        if not b.meta["rewritten"]:  # a random tiny model drops the protected tokens: the template is kept
            assert b.prompt == a.prompt
        else:
            assert all(t in b.prompt for t in synth.protected_tokens(a.prompt))
    with pytest.raises(ConfigError, match="rewrite_model"):
        SynthConfig(rewrite_backend="transformers")


def test_protected_tokens_guard_rewrites():
    prompt = 'Write a poem. Use "harbour" at least 3 times. Wrap the title in <<double angular brackets>>.'
    toks = synth.protected_tokens(prompt)
    assert "3" in toks and "harbour" in toks and "<<double angular brackets>>" in toks


# ----- CLI and speed ----------------------------------------------------------------------------------------------
def test_cli_synth_writes_a_valid_file(tmp_path, capsys):
    out = tmp_path / "prompts.jsonl"
    rc = main(["synth", "--n", "12", "--lang", "en,zh", "--constraints", "2-4", "--families", "lightif,ifeval",
               "--seed", "5", "--out", str(out)])
    assert rc == 0
    info = json.loads(capsys.readouterr().out)
    assert info["prompts"] == 12 and info["langs"] == {"en": 6, "zh": 6}
    assert len(load_prompts(out)) == 12
    assert main(["synth", "--n", "3", "--constraints", "5-2", "--out", str(out)]) == 2


@pytest.mark.slow
def test_five_thousand_prompts_under_a_minute():
    start = time.perf_counter()
    recs = synthesize(SynthConfig(n=5000, seed=0))
    elapsed = time.perf_counter() - start
    assert len(recs) == 5000
    assert elapsed < 60, elapsed
