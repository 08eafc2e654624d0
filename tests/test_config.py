"""lightif.config: YAML -> dataclass, strictly. Unknown keys are errors with a did-you-mean; types are checked."""

from __future__ import annotations

import dataclasses
from typing import Literal

import pytest

from lightif.config import deep_merge, from_dict, load_config, parse_overrides, read_yaml, to_dict
from lightif.errors import ConfigError


@dataclasses.dataclass
class Optim:
    lr: float = 1e-5
    warmup_steps: int = 0


@dataclasses.dataclass
class Cfg:
    model: str = "tiny"
    epochs: int = 1
    bf16: bool = False
    alpha: float = 0.8
    mode: Literal["strict", "loose"] = "strict"
    tags: list[str] = dataclasses.field(default_factory=list)
    output_dir: str | None = None
    optim: Optim = dataclasses.field(default_factory=Optim)

    def __post_init__(self):
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")


def write(tmp_path, text: str, name: str = "c.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_valid_config_with_nested_and_overrides(tmp_path):
    p = write(tmp_path, "model: m\nepochs: 2\nbf16: true\nalpha: 1\ntags: [a, b]\noptim: {lr: 0.001}\n")
    cfg = load_config(Cfg, p, ["optim.warmup_steps=10", "mode=loose", "output_dir=runs/x"])
    assert cfg == Cfg(
        model="m",
        epochs=2,
        bf16=True,
        alpha=1.0,
        mode="loose",
        tags=["a", "b"],
        output_dir="runs/x",
        optim=Optim(lr=0.001, warmup_steps=10),
    )
    assert isinstance(cfg.alpha, float)
    assert to_dict(cfg)["optim"] == {"lr": 0.001, "warmup_steps": 10}


def test_no_file_means_defaults_plus_overrides():
    assert load_config(Cfg, None, ["epochs=3"]) == Cfg(epochs=3)


@pytest.mark.parametrize(
    "text, needle",
    [
        ("epoch: 2\n", "unknown key 'epoch' (did you mean 'epochs'?)"),
        ("modell: x\n", "unknown key 'modell' (did you mean 'model'?)"),
        ("zzz_qqq: 1\n", "unknown key 'zzz_qqq'"),
        ("optim: {lr: 0.1, warmup: 3}\n", "key 'optim': unknown key 'warmup' (did you mean 'warmup_steps'?)"),
    ],
)
def test_unknown_keys_are_named(tmp_path, text, needle):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(Cfg, p)
    assert needle in str(err.value) and str(p) in str(err.value)


def test_unknown_key_without_close_match_has_no_hint(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(Cfg, write(tmp_path, "zzz_qqq: 1\n"))
    assert "did you mean" not in str(err.value)


@pytest.mark.parametrize(
    "text, needle",
    [
        ("epochs: two\n", "key 'epochs': expected an integer, got 'two'"),
        ("epochs: 1.5\n", "key 'epochs': expected an integer"),
        ("epochs: true\n", "key 'epochs': expected an integer, got True"),  # bool is not an int here
        ("bf16: yes please\n", "key 'bf16': expected true/false"),
        ("bf16: 1\n", "key 'bf16': expected true/false, got 1"),
        ("alpha: high\n", "key 'alpha': expected a number"),
        ("mode: lenient\n", "key 'mode': expected one of ['strict', 'loose'], got 'lenient'"),
        ("tags: a\n", "key 'tags': expected a list"),
        ("tags: [a, [b]]\n", "key 'tags'[1]: expected a string"),
        ("model: [a]\n", "key 'model': expected a string"),
        ("optim: 3\n", "key 'optim': expected a mapping"),
        ("optim: {lr: fast}\n", "key 'lr': expected a number"),
        ("epochs: 0\n", "epochs must be >= 1"),  # __post_init__ check becomes a ConfigError
    ],
)
def test_type_errors_name_the_key(tmp_path, text, needle):
    with pytest.raises(ConfigError) as err:
        load_config(Cfg, write(tmp_path, text))
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "content, needle",
    [
        ("model: [unclosed\n", "invalid YAML"),
        ("- a\n- b\n", "expected a mapping at the top level, got list"),
        ("just a string\n", "expected a mapping at the top level, got str"),
    ],
)
def test_bad_files(tmp_path, content, needle):
    with pytest.raises(ConfigError, match=needle):
        load_config(Cfg, write(tmp_path, content))


def test_invalid_yaml_names_the_line(tmp_path):
    p = write(tmp_path, "model: m\nepochs: 1\ntags: [a, b\nbf16: true\n")
    with pytest.raises(ConfigError) as err:
        read_yaml(p)
    assert str(err.value).startswith(f"{p}:") and "invalid YAML" in str(err.value)


def test_missing_and_non_utf8_and_empty_files(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(Cfg, tmp_path / "absent.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("model: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(Cfg, latin)
    assert load_config(Cfg, write(tmp_path, "", "empty.yaml")) == Cfg()


def test_overrides():
    assert parse_overrides(["a=1", "b.c=x", "d=[1, 2]", "e=true", "f="]) == {
        "a": 1,
        "b": {"c": "x"},
        "d": [1, 2],
        "e": True,
        "f": None,
    }
    with pytest.raises(ConfigError, match="override 'nokey': expected KEY=VALUE"):
        parse_overrides(["nokey"])
    with pytest.raises(ConfigError, match="unknown key 'epoch'"):
        load_config(Cfg, None, ["epoch=2"])


def test_deep_merge_keeps_siblings():
    assert deep_merge({"a": {"x": 1, "y": 2}, "b": 1}, {"a": {"y": 3}}) == {"a": {"x": 1, "y": 3}, "b": 1}


def test_from_dict_reports_source():
    with pytest.raises(ConfigError, match=r"^my\.yaml: unknown key 'bogus'"):
        from_dict(Cfg, {"bogus": 1}, "my.yaml")
